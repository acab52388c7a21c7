"""Django's SQLite backend, keeping closed connections open for the next request (web server only).

Under ASGI every request gets a database connection object of its own (a new context, a new
thread), so `CONN_MAX_AGE` never reuses one: each API request opened a SQLite connection,
registered Django's ~30 SQL functions on it and ran the PRAGMAs - about a tenth of the web
process's time under `bench_http`. Here `close()` hands the open sqlite3 connection, rolled
back, to a per-database stack of at most `AXWEB_POOL` idle connections, and the next
`connect()` takes it from there. Django's sqlite backend opens connections with
`check_same_thread=False`, so a connection may move between threads; it is used by one thread
at a time. Turned on by axweb/dbpool.py for the server entry point only. Its `BEGIN IMMEDIATE`
waits for the write lock in one-millisecond steps (busy.py), not on SQLite's backoff.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base

from axweb.sqlite_pool.busy import begin_immediate

_pools: dict[str, queue.LifoQueue[sqlite3.Connection]] = {}
_pools_lock = threading.Lock()


def _pool(name: str, size: int) -> queue.LifoQueue[sqlite3.Connection]:
    with _pools_lock:
        return _pools.setdefault(name, queue.LifoQueue(maxsize=size))


class DatabaseWrapper(base.DatabaseWrapper):
    def _idle(self) -> queue.LifoQueue[sqlite3.Connection] | None:
        size = int(self.settings_dict.get("AXWEB_POOL") or 0)
        if size <= 0 or self.is_in_memory_db():
            return None
        return _pool(str(self.settings_dict["NAME"]), size)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        idle = self._idle()
        if idle is not None:
            try:
                return idle.get_nowait()
            except queue.Empty:
                pass
        return super().get_new_connection(conn_params)

    def _close(self) -> None:
        idle, connection = self._idle(), self.connection
        # Inside an atomic block Django keeps its reference to the closed connection: never
        # share that one.
        if idle is None or connection is None or self.in_atomic_block:
            super()._close()  # type: ignore[misc]  # django-stubs do not declare it
            return
        try:
            if connection.in_transaction:
                connection.rollback()
            idle.put_nowait(connection)
        except (sqlite3.Error, queue.Full):
            connection.close()

    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode != "IMMEDIATE":  # type: ignore[attr-defined]  # not in the stubs
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # nor this
            return
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))  # sqlite3's default
        with self.wrap_database_errors:
            begin_immediate(self.connection, timeout)
