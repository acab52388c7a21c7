"""Websockets opened with a session close when that session logs out (API logout or admin
logout)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)
CLOSE_SIGNED_OUT = 4401  # the code the app's clients already read as "not signed in": no reconnect


def session_group(session_key: str) -> str:
    """A channel-layer group per session, named by a digest: session keys are secrets."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def sockets_close_for_session(session_key: str) -> None:
    """Ask every socket of this session, in any web process, to close. Never fails the logout."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(session_group(session_key), {"type": "auth.logout"})
    except Exception:
        log.exception("could not close the websockets of a logged-out session")


class ClosesOnLogout:
    """Mixin for AsyncWebsocketConsumers: `follow_session()` after accept, `unfollow_session()` on
    disconnect."""

    scope: Any
    channel_layer: Any
    channel_name: str

    async def follow_session(self) -> None:
        session = self.scope.get("session")
        key = (
            getattr(session, "session_key", None)
            if self.scope.get("auth_via") == "session"
            else None
        )
        self.session_group = session_group(key) if key else None
        if self.session_group and self.channel_layer is not None:
            await self.channel_layer.group_add(self.session_group, self.channel_name)

    async def unfollow_session(self) -> None:
        if getattr(self, "session_group", None) and self.channel_layer is not None:
            await self.channel_layer.group_discard(self.session_group, self.channel_name)

    async def auth_logout(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_SIGNED_OUT, reason="Signed out.")  # type: ignore[attr-defined]
