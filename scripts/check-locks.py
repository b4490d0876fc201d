#!/usr/bin/env python3
"""Every lock of src/ names what it guards (make check).

The thread-safety analysis (-Wthread-safety in the clang builds) checks the accesses to state
marked GUARDED_BY, but it cannot see state nobody marked. This script fails when, in src/,
  - a class or struct has a Mutex or SharedMutex member (common/mutex.h) and no member of the
    same class says GUARDED_BY or PT_GUARDED_BY that mutex, unless the declaration's line says
    why it guards no data with a comment starting "// guards no data:" on that line or the
    line above (a mutex that only serialises callers, e.g. one flush at a time);
  - a file declares a std::mutex or std::shared_mutex outside common/mutex.h: the standard
    mutexes carry no annotations in libstdc++, so state under them is invisible to the analysis.
Comments and string literals are skipped; the class boundaries come from matching braces.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
EXEMPT = {SRC / "common" / "mutex.h"}
MUTEX_MEMBER = re.compile(r"^\s*(?:mutable\s+)?(?:cogsync::)?(Mutex|SharedMutex)\s+(\w+)\s*;")
STD_MUTEX = re.compile(r"\bstd::(mutex|shared_mutex|recursive_mutex|timed_mutex)\b")
CLASS_HEAD = re.compile(r"\b(class|struct)\s+(?:[A-Z_]+\s+)*(\w+)[^;{()]*$")
NO_DATA = "// guards no data:"


def code_only(text):
    """The text with comments and string/char literals blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def class_spans(code):
    """(name, start, end) of every class or struct body, by matching braces."""
    spans = []
    stack = []
    for i, c in enumerate(code):
        if c == "{":
            head_start = max(code.rfind(";", 0, i), code.rfind("}", 0, i), code.rfind("{", 0, i))
            head = " ".join(code[head_start + 1:i].split())
            match = CLASS_HEAD.search(head)
            stack.append((match.group(2) if match else None, i))
        elif c == "}" and stack:
            name, start = stack.pop()
            if name:
                spans.append((name, start, i))
    return spans


def check(path):
    text = path.read_text()
    code = code_only(text)
    raw_lines = text.splitlines()
    problems = []
    line_starts = [0]
    for line in code.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def line_of(offset):
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    rel = path.relative_to(ROOT)
    if path not in EXEMPT:
        for match in STD_MUTEX.finditer(code):
            problems.append(f"{rel}:{line_of(match.start())}: std::{match.group(1)}: use "
                            "Mutex/SharedMutex of common/mutex.h, which the analysis understands")
    for name, start, end in class_spans(code):
        body = code[start + 1:end]
        # Members of nested classes are checked with their own class.
        nested = [(s, e) for _, s, e in class_spans(body)]
        for offset, line in _lines(body):
            if any(s <= offset <= e for s, e in nested):
                continue
            match = MUTEX_MEMBER.match(line)
            if not match:
                continue
            mutex = match.group(2)
            guarded = re.search(r"\b(PT_)?GUARDED_BY\(\s*" + re.escape(mutex) + r"\s*\)", body)
            number = line_of(start + 1 + offset)
            if guarded or any(NO_DATA in line for line in raw_lines[max(0, number - 2):number]):
                continue
            problems.append(f"{rel}:{number}: {name}::{mutex} guards nothing: mark the members "
                            f"it protects GUARDED_BY({mutex}), or say '{NO_DATA} <why>' on its "
                            "line")
    return problems


def _lines(body):
    offset = 0
    for line in body.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def main():
    problems = []
    for path in sorted(SRC.rglob("*")):
        if path.suffix in (".h", ".cc"):
            problems += check(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-locks: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
