"""Login bookkeeping wherever Django authenticates (our API login and the admin's)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.sockets import sockets_close_for_session
from accounts.throttle import client_ip, login_failure_record, login_success_record


@receiver(user_login_failed)
def _count_failure(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    login_failure_record(ip=client_ip(request), username=str(credentials.get("username") or ""))


@receiver(user_logged_in)
def _clear_username(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    login_success_record(username=user.get_username())


@receiver(user_logged_out)
def _close_sockets(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        sockets_close_for_session(key)
