"""Taking SQLite's write lock for a request: ask again every millisecond, not on SQLite's backoff.

With `transaction_mode = IMMEDIATE` every `atomic()` block starts with `BEGIN IMMEDIATE`, which
takes the database's one write lock or, while another connection holds it (a worker committing
a run's progress), waits in SQLite's busy handler. That handler sleeps 1, 2, 5, 10, 15, 20, 25,
25, 25, 50, 50, 100 ms between tries and is never woken when the lock is freed, so a lock held
for 2 ms could cost a request 53, 78, 103 or 228 ms (exactly the totals of that table, measured
around `BEGIN` in the web server under `bench_triggers`). Here the connection's busy timeout is
set to one millisecond for the `BEGIN` only, and the `BEGIN` repeated until the connection's own
timeout (`OPTIONS["timeout"]`) has passed: the request takes the lock within about a millisecond
of its release. Every other statement keeps SQLite's own handler and the full timeout.
"""

from __future__ import annotations

import sqlite3
import time

POLL_MS = 1  # SQLite's busy handler sleeps this long before it gives a BEGIN back to us


def begin_immediate(connection: sqlite3.Connection, timeout_s: float) -> None:
    """`BEGIN IMMEDIATE` on an autocommit connection, retried every ~POLL_MS ms while the
    database is locked, for at most `timeout_s`; then the last "database is locked" is raised."""
    deadline = time.monotonic() + timeout_s
    connection.execute(f"PRAGMA busy_timeout = {POLL_MS}")
    try:
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
