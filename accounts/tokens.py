"""Personal API tokens: create (secret returned once), list, revoke, and resolve a secret to its
user."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken

SECRET_PREFIX = "axw_"
TOUCH_EVERY = timedelta(
    seconds=60
)  # last_used_at is written at most this often (no write per request)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    """The user's tokens that are not revoked (expired ones stay listed, marked by their expiry)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def api_token_create(
    *, user: Any, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret: the only moment the secret exists outside the client."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:12], digest=_digest(secret), expires_at=expires_at
    )
    return token, secret


def api_token_revoke(*, user: Any, token_id: int) -> None:
    """Raises ApiToken.DoesNotExist for another user's token, as for a missing one."""
    token = api_tokens_of(user=user).get(pk=token_id)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def api_token_user(*, secret: str) -> tuple[Any, ApiToken] | None:
    """(user, token) for a live token's secret; None when unknown, revoked, expired or the user
    inactive."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
