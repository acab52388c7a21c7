"""Websocket authentication: the Django session cookie, or `?ticket=` for API clients.

A ticket is short-lived and single-use (POST /api/auth/ws-ticket/, accounts/tickets.py); a
long-lived API token never travels in a URL (URLs end up in proxy and server logs), so
`?token=` is not read. `scope["auth_via"]` says which one signed the socket in ("session",
"ticket" or None): a session's sockets close when that session logs out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware, CookieMiddleware, SessionMiddleware
from channels.db import database_sync_to_async

from accounts.tickets import ws_ticket_redeem


class _TicketAuth(AuthMiddleware):
    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        await super().resolve_scope(scope)
        scope["auth_via"] = "session" if scope["user"].is_authenticated else None
        ticket = (parse_qs(scope.get("query_string", b"").decode()).get("ticket") or [""])[0]
        if ticket and scope["auth_via"] is None:
            user = await database_sync_to_async(ws_ticket_redeem)(ticket=ticket)
            if user is not None:
                scope["user"]._wrapped = user
                scope["auth_via"] = "ticket"


def SessionOrTicketAuthMiddleware(inner: Any) -> Any:  # noqa: N802 - mirrors Channels' naming
    return CookieMiddleware(SessionMiddleware(_TicketAuth(inner)))
