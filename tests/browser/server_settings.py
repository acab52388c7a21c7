"""Settings for the browser-test server: axweb.settings, serving a private build of the app.

The tests build the frontend into their own folder (see live.py) so a rebuild of static/app by
anyone else never pulls files from under a running test server.
"""

from __future__ import annotations

import os
from pathlib import Path

from axweb.settings import *  # noqa: F403

_BUILD = Path(os.environ["AXWEB_BROWSER_BUILD"])
STATICFILES_DIRS = [_BUILD]
FRONTEND_INDEX = _BUILD / "app" / "index.html"
