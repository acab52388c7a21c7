"""Chat sessions and turns. Each user turn starts a normal durable run of the workflow with
`{message, history}` through `run_start` (no second executor); the answer is filled in from
the run when it settles (workflows.chat.settle, on the `run_settled` signal)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from rest_framework.exceptions import ValidationError

from axweb.db_retry import call_retrying
from workflows.chat import settle
from workflows.chat.models import ChatMessage, ChatSession
from workflows.chat.selectors import branch, history_of, newest_under
from workflows.chat.spec import HOW_TO, ChatSpec, chat_spec
from workflows.models import Run, Workflow
from workflows.runs import services as run_services
from workflows.runs.selectors import version_to_run

TITLE_CHARS = 60
Status = ChatMessage.Status


def on_run_settled(sender: Any, run_id: UUID, **kwargs: Any) -> None:
    settle.message_settle(run_id)


def chat_graph(workflow: Workflow, version: int | None, draft: bool) -> Any:
    """The graph a turn would run: the saved draft (playground) or the pinned/newest version."""
    return workflow.draft if draft else version_to_run(workflow, version).graph


def chat_require(workflow: Workflow, version: int | None, draft: bool) -> None:
    _chat_spec_required(chat_graph(workflow, version, draft))


def _chat_spec_required(graph: Any) -> ChatSpec:
    """How `graph` chats; a 400 saying how to add a chat input when it cannot."""
    spec = chat_spec(graph)
    if not spec.can_chat:
        raise ValidationError({"workflow": [f"{spec.reason} {HOW_TO}"]})
    return spec


def session_create(
    *, owner: Any, workflow_id: int, version: int | None, draft: bool, title: str = ""
) -> ChatSession:
    workflow = run_services.workflow_runnable(user=owner, workflow_id=workflow_id)
    if draft and version is not None:
        raise ValidationError({"version": ["A draft (playground) session runs the draft only."]})
    chat_require(workflow, version, draft)
    return ChatSession.objects.create(
        owner=owner, workflow=workflow, version=version, draft=draft, title=title.strip()
    )


def session_update(*, session: ChatSession, fields: dict[str, Any]) -> ChatSession:
    if "version" in fields and fields["version"] is not None:
        if session.draft:
            raise ValidationError({"version": ["A draft (playground) session runs the draft."]})
        version_to_run(session.workflow, fields["version"])  # 400 when it does not exist
    for name in ("title", "version"):
        if name in fields:
            setattr(session, name, fields[name])
    session.save()
    return session


def session_delete(*, session: ChatSession) -> None:
    with transaction.atomic():
        ChatSession.objects.filter(pk=session.pk).update(leaf=None)
        session.delete()


def _fit_history(turns: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The newest turns that fit half the run inputs' ceiling, and how many were left out
    (the models trim again to their own context in the worker)."""
    budget, kept = settings.AXWEB_RUN_INPUTS_MAX_BYTES // 2, []
    for turn in reversed(turns):
        budget -= len(json.dumps(turn).encode()) + 2
        if budget < 0:
            break
        kept.append(turn)
    kept.reverse()
    return kept, len(turns) - len(kept)


def _check_content(content: Any) -> str:
    if not isinstance(content, str) or not content.strip():
        raise ValidationError({"content": ["Write a message first: it is empty."]})
    limit = settings.AXWEB_RUN_INPUTS_MAX_BYTES // 2
    size = len(content.encode())
    if size > limit:
        raise ValidationError(
            {"content": [f"The message is too long ({size} bytes); at most {limit} bytes."]}
        )
    return content


def _answer_start(session: ChatSession, question: ChatMessage) -> ChatMessage:
    """Start the run answering `question` (a user message) and its streaming answer."""
    # a pinned or newest version is read once: checked here, run as it was read
    picked = None if session.draft else version_to_run(session.workflow, session.version)
    spec = _chat_spec_required(session.workflow.draft if picked is None else picked.graph)
    turns, dropped = _fit_history(history_of(branch(question.parent)))
    run = run_services.run_start(
        owner=session.owner,
        workflow=session.workflow,
        version=session.version,
        inputs={"message": question.content, "history": turns},
        draft=session.draft,
        session=session.id,
        picked=picked,
    )
    if picked is None:  # the draft's snapshot: its graph is the draft's, normalized
        spec = chat_spec(run.version.graph)
    note = (
        f"history trimmed to fit the run's inputs: {dropped} earlier messages left out"
        if dropped
        else ""
    )
    answer = ChatMessage.objects.create(
        session=session,
        parent=question,
        role=ChatMessage.Role.ASSISTANT,
        run=run,
        status=Status.STREAMING,
        stream_nodes=spec.stream_nodes,
        note=note,
    )
    session.leaf = answer
    session.save(update_fields=["leaf", "title", "updated_at"])
    return answer


def _parent(session: ChatSession, parent_id: Any) -> ChatMessage | None:
    if parent_id is None:  # a new first message: the session branches at its root
        return None
    parent = session.messages.filter(pk=parent_id).first()
    if parent is None:
        raise ValidationError({"parent": [f"Message {parent_id} is not in this session."]})
    if parent.role == ChatMessage.Role.USER:
        raise ValidationError({"parent": ["A message follows an answer, not a user message."]})
    return parent


def message_send(
    *, session: ChatSession, content: Any, parent_id: Any = None, has_parent: bool = False
) -> tuple[ChatMessage, ChatMessage]:
    """A user turn after `parent_id` (the active branch's last message when not given) and
    its answer's run; sending after an earlier message branches the session."""
    text = _check_content(content)
    # a busy SQLite can stay locked past its timeout: the whole turn is tried again
    return call_retrying(_send, session, text, parent_id, has_parent)


def _send(
    session: ChatSession, text: str, parent_id: Any, has_parent: bool
) -> tuple[ChatMessage, ChatMessage]:
    with transaction.atomic():
        parent = _parent(session, parent_id) if has_parent else session.leaf
        question = ChatMessage.objects.create(
            session=session, parent=parent, role=ChatMessage.Role.USER, content=text
        )
        if not session.title:  # saved with the session's new leaf: one UPDATE
            session.title = " ".join(text.split())[:TITLE_CHARS]
        answer = _answer_start(session, question)
    return question, answer


def message_regenerate(*, message: ChatMessage) -> ChatMessage:
    """A new answer to the same user message (a sibling of `message`, now active)."""
    if message.role != ChatMessage.Role.ASSISTANT or message.parent is None:
        raise ValidationError({"message": ["Only an answer can be regenerated."]})
    question = message.parent

    def regenerate() -> ChatMessage:
        with transaction.atomic():
            return _answer_start(message.session, question)

    return call_retrying(regenerate)


def branch_switch(*, message: ChatMessage) -> ChatMessage:
    """Show the branch through `message` (one of a message's versions): the session's active
    branch becomes the one ending at the newest message under it, so its continuation is shown,
    the choice survives a reload, and the next turn continues it. The session keeps its place
    in the list (its `updated_at` is left alone)."""
    leaf = ChatMessage.objects.get(pk=newest_under(message))
    ChatSession.objects.filter(pk=message.session_id).update(leaf=leaf)
    return leaf


def message_stop(*, message: ChatMessage) -> ChatMessage:
    """Cancel the answer's run; the message becomes `stopped` (keeping the text so far) when
    the run settles. An answer that already finished is left as it is."""
    if message.role != ChatMessage.Role.ASSISTANT:
        raise ValidationError({"message": ["Only an answer can be stopped."]})
    run = Run.objects.filter(pk=message.run_id).first() if message.run_id else None
    if message.status == Status.STREAMING and run is not None:
        try:
            run_services.run_cancel(run=run)
        except ValidationError:  # it finished meanwhile: settling fills the message
            pass
    message.refresh_from_db()
    return message


def message_feedback(*, message: ChatMessage, rating: str | None, comment: str) -> ChatMessage:
    if message.role != ChatMessage.Role.ASSISTANT:
        raise ValidationError({"rating": ["Feedback is for answers."]})
    message.rating, message.comment = rating or "", comment
    message.save(update_fields=["rating", "comment"])
    return message
