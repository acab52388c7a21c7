"""An answer filled in from its run once the run settles: the final text (the chat output's
value, or the text streamed so far when the run failed or was stopped), tokens, cost, a
summary of each tool call, and a note when the model's context trimmed the history."""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

from django.db import transaction

from workflows.chat.models import ChatMessage
from workflows.chat.spec import chat_spec
from workflows.models import Run, RunEvent, RunStatus

# what agents.gateway.fitting writes into a node's text when it trims a conversation
TRIM_NOTE = re.compile(r"\[context trimmed: dropped the (\d+) oldest message\(s\)[^\]\n]*\]\n?")
SUMMARY_CHARS = 160
STATUS = {
    RunStatus.SUCCEEDED: ChatMessage.Status.DONE,
    RunStatus.FAILED: ChatMessage.Status.FAILED,
    RunStatus.CANCELLED: ChatMessage.Status.STOPPED,
}


def strip_notes(text: str) -> str:
    return TRIM_NOTE.sub("", text)


def _summary(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _trace(run: Run, stream_nodes: list[str]) -> tuple[str, list[dict[str, Any]], int]:
    """The text streamed by `stream_nodes`, the tool calls, and the most turns a trim left
    out, read from the run's stored events."""
    streamed: list[str] = []
    calls: dict[str, dict[str, Any]] = {}
    dropped = 0
    types = ("node.token", "node.tool_call", "node.tool_result")
    for type_, node, data in RunEvent.objects.filter(run=run, type__in=types).values_list(
        "type", "node", "data"
    ):
        if type_ == "node.token":
            text = str(data.get("text", ""))
            dropped = max([dropped, *(int(n) for n in TRIM_NOTE.findall(text))])
            if node in stream_nodes:
                streamed.append(text)
        elif type_ == "node.tool_call":
            calls[str(data.get("call_id"))] = {"name": data.get("tool"), "ok": True, "summary": ""}
        elif str(data.get("call_id")) in calls:
            call, error = calls[str(data.get("call_id"))], data.get("error")
            call["ok"] = error is None
            call["summary"] = _summary(error if error is not None else data.get("result"))
    return strip_notes("".join(streamed)), list(calls.values()), dropped


def _answer(run: Run, streamed: str) -> str:
    if run.status != RunStatus.SUCCEEDED:
        return streamed
    spec = chat_spec(run.version.graph)
    value = (run.outputs or {}).get(spec.output_name)
    if value is None:
        return streamed
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def message_settle(run_id: UUID) -> None:
    """Fill the answers of a settled run (none: the run was no chat turn).

    A plain read first: most settled runs are no chat turn, and the locking read below takes
    SQLite's write lock (IMMEDIATE transactions) that the web's requests wait for. A turn's
    answer row exists before its run is enqueued, so a run without one here never gains one."""
    if not ChatMessage.objects.filter(run_id=run_id, status=ChatMessage.Status.STREAMING).exists():
        return
    with transaction.atomic():
        answers = list(
            ChatMessage.objects.select_for_update().filter(
                run_id=run_id, status=ChatMessage.Status.STREAMING
            )
        )
        if not answers:
            return
        run = Run.objects.select_related("version").get(pk=run_id)
        for answer in answers:
            streamed, calls, dropped = _trace(run, answer.stream_nodes)
            answer.content = _answer(run, streamed)
            answer.status = STATUS.get(RunStatus(run.status), ChatMessage.Status.FAILED)
            answer.error = run.error if run.status == RunStatus.FAILED else ""
            usage = run.usage or {}
            answer.tokens = int(usage.get("input_tokens", 0)) + int(usage.get("output_tokens", 0))
            answer.cost = float(usage.get("cost", 0.0))
            answer.tool_calls = calls
            if dropped:
                trimmed = (
                    "history trimmed to fit the model's context: "
                    f"{dropped} earlier messages left out"
                )
                answer.note = f"{answer.note}; {trimmed}" if answer.note else trimmed
            answer.save()
