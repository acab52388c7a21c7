"""Reading chat sessions: the active branch, the history a turn hands the flow, the JSON of
a message (with its run's approvals), the session's memory."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from workflows.chat.models import ChatMessage, ChatSession
from workflows.models import Approval, MemoryEntry

MAX_DEPTH = 10_000  # a branch longer than this is cut (a guard, never reached in practice)


def sessions_owned(user: Any) -> QuerySet[ChatSession]:
    """The user's own sessions (conversations are personal: staff see only theirs too), as a
    turn reads one: without the message count and the order a list shows."""
    if not user.is_authenticated:
        return ChatSession.objects.none()
    return ChatSession.objects.filter(owner=user).select_related("workflow", "leaf")


def sessions_visible(user: Any) -> QuerySet[ChatSession]:
    """The user's own sessions with their message counts, newest first."""
    sessions = sessions_owned(user)
    return sessions.annotate(message_count=Count("messages")).order_by("-updated_at")


def sessions_search(sessions: QuerySet[ChatSession], text: str) -> QuerySet[ChatSession]:
    if not text.strip():
        return sessions
    hit = Q(title__icontains=text) | Q(messages__content__icontains=text)
    ids = ChatSession.objects.filter(hit).values("pk")
    return sessions.filter(pk__in=ids)


def messages_visible(user: Any) -> QuerySet[ChatMessage]:
    messages = ChatMessage.objects.select_related("session", "session__workflow", "parent")
    return messages.filter(session__owner=user) if user.is_authenticated else messages.none()


def branch(leaf: ChatMessage | None) -> list[ChatMessage]:
    """The messages from the root to `leaf`, oldest first (one query for the session)."""
    if leaf is None:
        return []
    by_id = {m.pk: m for m in ChatMessage.objects.filter(session_id=leaf.session_id)}
    path: list[ChatMessage] = []
    current = by_id.get(leaf.pk)
    while current is not None and len(path) < MAX_DEPTH:
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id else None
    path.reverse()
    return path


def history_of(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """The turns handed to the flow: what was said, without failed or empty answers."""
    return [
        {"role": m.role, "content": m.content}
        for m in messages
        if m.content and m.status in (ChatMessage.Status.DONE, ChatMessage.Status.STOPPED)
    ]


def _approvals(messages: list[ChatMessage]) -> dict[Any, list[dict[str, Any]]]:
    runs = [m.run_id for m in messages if m.run_id]
    found: dict[Any, list[dict[str, Any]]] = {}
    for a in Approval.objects.filter(run_id__in=runs).order_by("created_at"):
        found.setdefault(a.run_id, []).append(
            {"id": a.pk, "node": a.node_id, "status": a.status, "prompt": a.prompt}
        )
    return found


def _siblings(messages: list[ChatMessage]) -> dict[int, list[int]]:
    """Message id -> the ids of every message with the same parent (itself included), oldest
    first: the versions a branch switcher steps through (one query of ids)."""
    sessions = {m.session_id for m in messages}
    rows = ChatMessage.objects.filter(session_id__in=sessions).order_by("id")
    groups: dict[tuple[Any, Any], list[int]] = {}
    for pk, session_id, parent_id in rows.values_list("id", "session_id", "parent_id"):
        groups.setdefault((session_id, parent_id), []).append(pk)
    return {m.pk: groups.get((m.session_id, m.parent_id), [m.pk]) for m in messages}


def message_json(
    m: ChatMessage,
    approvals: list[dict[str, Any]] | None = None,
    siblings: list[int] | None = None,
) -> dict[str, Any]:
    return {
        "id": m.pk,
        "parent": m.parent_id,
        "siblings": siblings or [m.pk],
        "role": m.role,
        "content": m.content,
        "run": str(m.run_id) if m.run_id else None,
        "status": m.status,
        "error": m.error,
        "stream_nodes": m.stream_nodes,
        "tokens": m.tokens,
        "cost": m.cost,
        "tool_calls": m.tool_calls,
        "approvals": approvals or [],
        "feedback": {"rating": m.rating or None, "comment": m.comment},
        "note": m.note,
        "created_at": m.created_at.isoformat(),
    }


def messages_json(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    if not messages:
        return []
    approvals, siblings = _approvals(messages), _siblings(messages)
    return [message_json(m, approvals.get(m.run_id), siblings[m.pk]) for m in messages]


def newest_under(message: ChatMessage) -> int:
    """The id of the newest message in `message`'s subtree: where its branch was left off (a
    child is always newer than its parent, so this is a leaf, and its path runs through
    `message`)."""
    children: dict[Any, list[int]] = {}
    rows = ChatMessage.objects.filter(session_id=message.session_id)
    for pk, parent_id in rows.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    newest, stack = message.pk, [message.pk]
    while stack:
        current = stack.pop()
        newest = max(newest, current)
        stack += children.get(current, [])
    return newest


def user_scope_key(session: ChatSession) -> str:
    return f"{session.owner_id}:{session.workflow_id}"


def session_memory(session: ChatSession) -> list[dict[str, Any]]:
    rows = MemoryEntry.objects.filter(run__isnull=True).filter(
        Q(scope=MemoryEntry.Scope.SESSION, scope_key=str(session.pk))
        | Q(scope=MemoryEntry.Scope.USER, scope_key=user_scope_key(session))
    )
    return [
        {"scope": e.scope, "key": e.key, "value": e.value, "updated_at": e.updated_at.isoformat()}
        for e in rows.order_by("scope", "key")
    ]
