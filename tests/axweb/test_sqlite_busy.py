"""The web server's `BEGIN IMMEDIATE` asks for SQLite's write lock again every millisecond while
another connection holds it (axweb/sqlite_pool/busy.py), up to the connection's timeout, instead
of sleeping on SQLite's growing backoff; every other statement keeps the full busy timeout."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django.db
import pytest
from django.db.utils import ConnectionHandler

from axweb.sqlite_pool.base import _pools
from axweb.sqlite_pool.busy import begin_immediate


class Counting(sqlite3.Connection):
    """Counts `BEGIN IMMEDIATE` attempts and calls `before_attempt(n)` before each."""

    attempts = 0
    before_attempt: Callable[[int], None] = staticmethod(lambda n: None)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql == "BEGIN IMMEDIATE":
            self.attempts += 1
            self.before_attempt(self.attempts)
        return super().execute(sql, *args)


def _open(path: Path, factory: type[sqlite3.Connection] = sqlite3.Connection) -> Any:
    connection = sqlite3.connect(path, timeout=1.5, isolation_level=None, factory=factory)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def _busy_timeout(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA busy_timeout").fetchone()[0])


@pytest.fixture
def path(tmp_path: Path, django_db_blocker: Any) -> Iterator[Path]:
    with django_db_blocker.unblock():
        yield tmp_path / "busy.sqlite3"


def test_the_lock_is_taken_on_the_first_try_after_its_release(path: Path) -> None:
    holder, waiter = _open(path), _open(path, Counting)
    holder.execute("BEGIN IMMEDIATE")

    def release_before_third(attempt: int) -> None:
        if attempt == 3:
            holder.execute("COMMIT")

    waiter.before_attempt = release_before_third
    begin_immediate(waiter, 1.5)
    assert waiter.attempts == 3  # two refused while held, the first one after the release won
    assert waiter.in_transaction
    assert _busy_timeout(waiter) == 1500  # the other statements wait as long as before
    waiter.execute("ROLLBACK")


def test_a_lock_held_past_the_timeout_is_the_usual_database_is_locked(path: Path) -> None:
    holder, waiter = _open(path), _open(path, Counting)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as refused:
        begin_immediate(waiter, 0.05)
    assert refused.value.sqlite_errorcode == sqlite3.SQLITE_BUSY
    assert not waiter.in_transaction
    assert _busy_timeout(waiter) == 50
    holder.execute("ROLLBACK")


def test_an_error_other_than_busy_is_raised_at_once(path: Path) -> None:
    waiter = _open(path, Counting)
    waiter.execute("BEGIN")
    with pytest.raises(sqlite3.OperationalError):  # a transaction inside a transaction
        begin_immediate(waiter, 1.5)
    assert waiter.attempts == 1


def test_the_pooled_backend_begins_this_way_and_raises_djangos_error(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []

    def recorded(connection: sqlite3.Connection, timeout_s: float) -> None:
        calls.append(timeout_s)
        begin_immediate(connection, timeout_s)

    monkeypatch.setattr("axweb.sqlite_pool.base.begin_immediate", recorded)
    options = {"transaction_mode": "IMMEDIATE", "timeout": 0.05}
    handler = ConnectionHandler(
        {"default": {"ENGINE": "axweb.sqlite_pool", "NAME": str(path), "OPTIONS": options}}
    )
    connection = handler["default"]
    connection.ensure_connection()
    holder = _open(path)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(django.db.OperationalError):  # after OPTIONS["timeout"], not 20 s
        connection._start_transaction_under_autocommit()
    holder.execute("COMMIT")
    connection._start_transaction_under_autocommit()
    assert connection.connection.in_transaction
    assert calls == [0.05, 0.05]  # the timeout of the connection's OPTIONS
    assert _busy_timeout(connection.connection) == 50
    connection.connection.execute("ROLLBACK")
    connection.close()
    _pools.pop(str(path), None)
