"""Read-only looks into a running cogsync's SQLite store, for the suites and benchmarks that
assert or report how much one client made the server keep (issue 13; D16, D19).

A read-only connection beside the server sees the last committed state (WAL included).
"""

import os
import sqlite3


def _connect(server):
    path = os.path.join(server.data_dir, "data", "cogsync.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)


def query_one(server, sql):
    """The first row of a query on the server's database."""
    db = _connect(server)
    try:
        return db.execute(sql).fetchone()
    finally:
        db.close()


def stored_bytes(server):
    """Bytes of the database in use: its pages minus the free ones, WAL included."""
    page_size = query_one(server, "PRAGMA page_size")[0]
    pages = query_one(server, "PRAGMA page_count")[0]
    free = query_one(server, "PRAGMA freelist_count")[0]
    return (pages - free) * page_size


def outbox_rows(server):
    """(entries, bytes of their columns) in the server's outbox."""
    return query_one(server, "SELECT COUNT(*), COALESCE(SUM(LENGTH(id) + LENGTH(kind) + "
                             "LENGTH(pool_id) + LENGTH(partition_key) + LENGTH(target) + "
                             "LENGTH(payload) + LENGTH(last_error)), 0) FROM outbox")
