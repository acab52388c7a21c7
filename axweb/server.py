"""The ASGI application as a server process runs it (`python -m axweb.webserve`: uvicorn).

The same application as `axweb.asgi` (which tests import in-process), with the one setting only
a server process should have: PostgreSQL connections from a pool (axweb/dbpool.py), configured
before any connection exists, and the URLconf and DRF loaded before the first request
(axweb/warmup.py).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")

from django.conf import settings  # noqa: E402

from axweb.dbpool import web_db_pool  # noqa: E402

web_db_pool(settings.DATABASES, settings.AXWEB_DB_POOL_SIZE)

from axweb.asgi import application  # noqa: E402
from axweb.warmup import web_warm_up  # noqa: E402

web_warm_up()

__all__ = ["application"]
