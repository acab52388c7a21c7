"""Websocket authentication: the Django session, or `?token=<key>` for API clients."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware, CookieMiddleware, SessionMiddleware
from channels.db import database_sync_to_async


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None


class _TokenAuth(AuthMiddleware):
    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        await super().resolve_scope(scope)
        query = parse_qs(scope.get("query_string", b"").decode())
        key = (query.get("token") or [""])[0]
        if key and not scope["user"].is_authenticated:
            user = await _user_for_token(key)
            if user is not None:
                scope["user"]._wrapped = user


def TokenOrSessionAuthMiddleware(inner: Any) -> Any:  # noqa: N802 - mirrors Channels' naming
    return CookieMiddleware(SessionMiddleware(_TokenAuth(inner)))
