"""The first admin account: created once, with a generated password shown once."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model


def admin_ensure(username: str = "admin") -> tuple[Any, str | None]:
    """Return (admin user, new password) — the password only when the account was just made."""
    users = get_user_model()
    existing = users.objects.filter(is_superuser=True).order_by("pk").first()
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    user = users.objects.create_superuser(username=username, email="", password=password)
    return user, password
