"""PostgreSQL connections for the ASGI web process: a pool, not one connection per request.

Django runs the synchronous part of each ASGI request in a thread of its own, and a database
connection belongs to its thread. So every API request opened a new PostgreSQL connection
(a server process forked, authentication, ~15 ms on a busy 2-core machine) and closed it at the
end; `DB_CONN_MAX_AGE` cannot help, because the next request runs in another thread. psycopg's
pool (Django's `OPTIONS["pool"]`) hands open connections from thread to thread instead.

Only the web server turns it on (`axweb/server.py`, the entry point axweb/webserve.py runs): a
Celery worker keeps one connection per process and forks its children, which a pool and its threads
would not survive; tests import `axweb.asgi`, whose connections stay Django's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

POSTGRES = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"
POOLED_SQLITE = "axweb.sqlite_pool"


def web_db_pool(databases: Mapping[str, Any], size: int) -> list[str]:
    """Give every PostgreSQL database of `databases` a pool of at most `size` connections
    (0: none) and return their aliases. Pooled connections are checked before use (a
    restarted server or a killed backend costs a reconnect, not a failed request);
    `CONN_MAX_AGE` must be 0 with a pool. A SQLite database keeps up to `size` idle
    connections open instead (axweb/sqlite_pool)."""
    pooled = []
    for alias, database in databases.items():
        if size > 0 and database.get("ENGINE") == SQLITE:
            database["ENGINE"] = POOLED_SQLITE
            database["AXWEB_POOL"] = size
            pooled.append(alias)
        if size <= 0 or database.get("ENGINE") != POSTGRES:
            continue
        options = database.setdefault("OPTIONS", {})
        options["pool"] = {"min_size": size, "max_size": size, "timeout": 30}
        database["CONN_MAX_AGE"] = 0
        database["CONN_HEALTH_CHECKS"] = True
        pooled.append(alias)
    return pooled
