#!/usr/bin/env python3
"""clang-tidy over src/ with the repository's .clang-tidy (make check-tidy).

Usage: scripts/check-tidy.py BUILD_DIR [FILE...]

BUILD_DIR must be a configured clang build (its compile_commands.json); make uses build-tsan.
Runs one clang-tidy per translation unit of src/, JOBS at a time (default: the number of CPUs),
and fails if any reports a warning (.clang-tidy makes every check an error). Headers of src/ are
checked through the files that include them.

A file that passed is remembered in BUILD_DIR/tidy-passed/ under a key made of the clang-tidy
version, .clang-tidy, the compile command, the file and the headers of src/ it includes, so a
rerun checks only what changed. A fresh clone checks everything.
"""
import concurrent.futures
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


INCLUDE = re.compile(rb'^\s*#\s*include\s+"([^"]+)"', re.M)


def project_includes(path):
    """The file and every header of src/ it includes, directly or not."""
    seen = {path}
    todo = [path]
    while todo:
        for name in INCLUDE.findall(todo.pop().read_bytes()):
            header = ROOT / "src" / name.decode()
            if header.exists() and header not in seen:
                seen.add(header)
                todo.append(header)
    return seen


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = pathlib.Path(argv[1]).resolve()
    tidy = os.environ.get("CLANG_TIDY", "clang-tidy")
    if shutil.which(tidy) is None:
        print(f"check-tidy: {tidy} is not installed (make deps)", file=sys.stderr)
        return 1
    database = build / "compile_commands.json"
    if not database.exists():
        print(f"check-tidy: {database} is missing: configure {build} first", file=sys.stderr)
        return 1
    commands = {}
    for entry in json.loads(database.read_text()):
        path = pathlib.Path(entry["directory"], entry["file"]).resolve()
        commands[path] = entry.get("command") or " ".join(entry.get("arguments", []))
    if len(argv) > 2:
        files = [pathlib.Path(f).resolve() for f in argv[2:]]
    else:
        files = sorted(p for p in commands if ROOT / "src" in p.parents)
    missing = [f for f in files if f not in commands]
    if missing:
        print(f"check-tidy: not in {database}: {', '.join(map(str, missing))}", file=sys.stderr)
        return 1

    common = hashlib.sha256()
    version = subprocess.run([tidy, "--version"], capture_output=True, text=True).stdout
    common.update(version.encode())
    common.update((ROOT / ".clang-tidy").read_bytes())
    passed_dir = build / "tidy-passed"
    passed_dir.mkdir(exist_ok=True)

    def key(path):
        h = common.copy()
        h.update(commands[path].encode())
        for dependency in sorted(project_includes(path)):
            h.update(str(dependency).encode())
            h.update(dependency.read_bytes())
        return h.hexdigest()

    # Keys of the files as they are now: a file edited while clang-tidy runs is not marked as
    # passed in its new state.
    keys = {f: key(f) for f in files}
    todo = [f for f in files if not (passed_dir / keys[f]).exists()]
    jobs = int(os.environ.get("JOBS", os.cpu_count() or 2))
    started = time.monotonic()

    def run(path):
        result = subprocess.run([tidy, "-p", str(build), "--quiet", str(path)],
                                capture_output=True, text=True)
        return path, result

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for path, result in pool.map(run, todo):
            report = "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                               if "warnings generated" not in line and "Suppressed" not in line
                               and "Use -header-filter" not in line
                               and "Use -system-headers" not in line)
            if result.returncode != 0:
                failed += 1
                print(report, file=sys.stderr)
            else:
                (passed_dir / keys[path]).touch()
    seconds = time.monotonic() - started
    rel = len(files) - len(todo)
    if failed:
        print(f"check-tidy: {failed} of {len(todo)} files have findings ({seconds:.0f} s)",
              file=sys.stderr)
        return 1
    print(f"check-tidy: {len(todo)} files clean in {seconds:.0f} s ({rel} unchanged since they "
          f"last passed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
