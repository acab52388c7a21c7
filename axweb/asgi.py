"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from axweb.body_limit import BodyLimit  # noqa: E402
from axweb.ws_auth import SessionOrTicketAuthMiddleware  # noqa: E402
from workflows.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(
            django_asgi_app,
            lambda: (settings.AXWEB_MAX_JSON_BYTES, settings.AXWEB_MAX_UPLOAD_BYTES),
        ),
        "websocket": AllowedHostsOriginValidator(
            SessionOrTicketAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
