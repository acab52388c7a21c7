"""Websocket tickets: short-lived, single-use, for API clients (browsers use their session cookie).

A token client asks POST /api/auth/ws-ticket/ and opens `/ws/...?ticket=<ticket>` within
AXWEB_WS_TICKET_TTL_S. The ticket lives in the shared cache, so any web process can redeem it, once.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache


def _key(ticket: str) -> str:
    return "ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def ws_ticket_issue(*, user: Any) -> str:
    ticket = secrets.token_urlsafe(24)
    cache.set(_key(ticket), user.pk, settings.AXWEB_WS_TICKET_TTL_S)
    return ticket


def ws_ticket_redeem(*, ticket: str) -> Any | None:
    """The ticket's user, once; None for an unknown, expired or already used ticket."""
    key = _key(ticket)
    user_id = cache.get(key)
    if user_id is None or not cache.delete(key):  # delete() is True for one caller only
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()
