"""The memory side panel: a session's `session`-scoped keys and its user's `user`-scoped keys
(one store, workflows.models.MemoryEntry, with a scope key)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework.exceptions import NotFound, ValidationError

from workflows.chat.models import ChatSession
from workflows.chat.selectors import user_scope_key
from workflows.limits import run_inputs_check
from workflows.models import MemoryEntry

SCOPES = ("session", "user")


def _where(session: ChatSession, scope: Any) -> str:
    if scope not in SCOPES:
        raise ValidationError({"scope": [f"Use one of: {', '.join(SCOPES)}."]})
    return str(session.pk) if scope == "session" else user_scope_key(session)


def _key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise ValidationError({"key": ["A key is a non-empty text of at most 200 characters."]})
    return key


def memory_put(*, session: ChatSession, scope: Any, key: Any, value: Any) -> MemoryEntry:
    where, name = _where(session, scope), _key(key)
    run_inputs_check({"value": value})  # the same size and depth ceilings as run inputs
    with transaction.atomic():
        entry, _ = MemoryEntry.objects.select_for_update().get_or_create(
            run=None, scope=scope, scope_key=where, key=name
        )
        entry.value = value
        entry.save(update_fields=["value", "updated_at"])
    return entry


def memory_delete(*, session: ChatSession, scope: Any, key: Any) -> None:
    where, name = _where(session, scope), _key(key)
    deleted, _ = MemoryEntry.objects.filter(
        run__isnull=True, scope=scope, scope_key=where, key=name
    ).delete()
    if not deleted:
        raise NotFound(f"There is no {scope} memory key '{name}'.")
