"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")
django.setup(set_prefix=False)

from axweb.handler import OneHopASGIHandler  # noqa: E402

django_asgi_app = OneHopASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from axweb.body_limit import BodyLimit  # noqa: E402
from axweb.ws_auth import SessionOrTicketAuthMiddleware  # noqa: E402
from workflows.mcp.server import mcp_app  # noqa: E402
from workflows.routing import websocket_urlpatterns  # noqa: E402


class McpMount:
    """/mcp and /mcp/... go to the MCP server (mcpcli); everything else to `django`."""

    def __init__(self, django: Any) -> None:
        self.django = django

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if path == "/mcp" or path.startswith("/mcp/"):
            await mcp_app(scope, receive, send)
        else:
            await self.django(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": McpMount(
            BodyLimit(
                django_asgi_app,
                lambda: (settings.AXWEB_MAX_JSON_BYTES, settings.AXWEB_MAX_UPLOAD_BYTES),
            )
        ),
        "websocket": AllowedHostsOriginValidator(
            SessionOrTicketAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
