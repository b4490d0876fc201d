#!/usr/bin/env python3
"""Seeds a store with one pool of many identities for the console test (console_browser.mjs):
writes an archive with the project's independent archive writer and loads it with `cogsync
import`, far faster than as many GetId calls. Prints the pool id as one JSON line.

  large_pool.py DATA_DIR COUNT
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from support.archive_tools import ArchiveBuilder, identity_id, import_archive, pool_id  # noqa: E402


def main():
    data_dir, count = sys.argv[1], int(sys.argv[2])
    pool = pool_id(100000)
    archive = ArchiveBuilder(pool_count=1)
    archive.pool(pool, name="large")
    for n in range(count):
        archive.identity(pool, identity_id(n + 1))
    with tempfile.TemporaryDirectory(prefix="cogsync-large-pool-") as tmp:
        path = archive.write(os.path.join(tmp, "large.ndjson"))
        import_archive(path, data_dir=data_dir)
    print(json.dumps({"IdentityPoolId": pool, "Identities": count}))


if __name__ == "__main__":
    main()
