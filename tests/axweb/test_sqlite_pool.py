"""The web server's SQLite connections stay open between requests (axweb/sqlite_pool): a closed
connection goes back to a small stack, rolled back, and the next request takes it."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler

from axweb.sqlite_pool.base import _pools


def _handler(path: Path, pool: int) -> ConnectionHandler:
    return ConnectionHandler(
        {"default": {"ENGINE": "axweb.sqlite_pool", "NAME": str(path), "AXWEB_POOL": pool}}
    )


def _raw(handler: ConnectionHandler) -> Any:
    connection = handler["default"]
    connection.ensure_connection()
    return connection.connection


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Iterator[Path]:
    """A file of its own, not the test database (pytest-django guards that one)."""
    with django_db_blocker.unblock():
        yield tmp_path / "pooled.sqlite3"
    for connection in _pools.pop(str(tmp_path / "pooled.sqlite3"), queue.LifoQueue()).queue:
        connection.close()


def test_a_closed_connection_is_handed_to_the_next_request(database: Path) -> None:
    first = _handler(database, 2)
    raw = _raw(first)
    first["default"].close()
    second = _handler(database, 2)  # a new request: a new connection object, as under ASGI
    assert _raw(second) is raw
    with second["default"].cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone() == (1,)  # Django's per-connection setup is still in force


def test_an_open_transaction_is_rolled_back_before_reuse(database: Path) -> None:
    first = _handler(database, 1)
    with first["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE t (x int)")
    first["default"].set_autocommit(False)
    with first["default"].cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    first["default"].set_autocommit(True)  # Django commits here; start another by hand
    first["default"].connection.execute("BEGIN")
    first["default"].connection.execute("INSERT INTO t VALUES (2)")
    first["default"].close()
    second = _handler(database, 1)
    with second["default"].cursor() as cursor:
        cursor.execute("SELECT x FROM t")
        assert cursor.fetchall() == [(1,)]


def test_a_connection_closed_inside_an_atomic_block_is_closed_not_shared(database: Path) -> None:
    first = _handler(database, 1)
    connection = first["default"]
    connection.ensure_connection()
    connection.set_autocommit(False)
    connection.in_atomic_block = True  # as inside transaction.atomic(): Django keeps the reference
    connection.close()
    assert _pools[str(database)].qsize() == 0
    connection.in_atomic_block = False


def test_without_a_pool_size_every_connection_is_new(database: Path) -> None:
    first = _handler(database, 0)
    raw = _raw(first)
    first["default"].close()
    assert _raw(_handler(database, 0)) is not raw
    _pools[str(database)] = _pools.get(str(database), queue.LifoQueue())
