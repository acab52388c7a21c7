"""The JSON tool-calling convention for models without native tool support.

The system prompt lists the tools and asks the model to answer a tool request with one
JSON object and nothing else::

    {"tool": "<tool name>", "arguments": {...}}

Several objects (one per line) call several tools. Parsing is lenient: code fences are
ignored, ``name``/``function`` are accepted for ``tool`` and ``args``/``input``/
``parameters`` for ``arguments``, and trailing prose is dropped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents.llm.base import ToolCall, ToolSpec

_NAME_KEYS = ("tool", "name", "function")
_ARG_KEYS = ("arguments", "args", "input", "parameters")


def tools_prompt(tools: Sequence[ToolSpec]) -> str:
    """The instructions appended to the system prompt when tools are offered."""
    lines = [
        "You can use tools. To call a tool, reply with ONLY a JSON object, no other text:",
        '{"tool": "<tool name>", "arguments": {<arguments matching the input schema>}}',
        "After a tool result arrives, answer the user normally (plain text).",
        "Tools:",
    ]
    for spec in tools:
        schema = json.dumps(spec.input_schema, separators=(",", ":"))
        lines.append(f"- {spec.name}: {spec.description} Input schema: {schema}")
    return "\n".join(lines)


def render_call(call: ToolCall) -> str:
    """How an earlier assistant tool call is shown back to the model."""
    return json.dumps({"tool": call.name, "arguments": call.arguments})


@dataclass(frozen=True)
class ParseOutcome:
    """calls: parsed tool calls; error: why a tool-call-looking reply did not parse."""

    calls: tuple[ToolCall, ...]
    error: str | None


def looks_like_call(text: str) -> bool:
    """True when the reply starts the way a tool call does (JSON object or code fence)."""
    head = text.lstrip()
    return head.startswith("{") or head.startswith("```")


def _strip_fences(text: str) -> str:
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else body[3:]
        body = body.split("```", 1)[0]
    return body.strip()


def _objects(text: str) -> tuple[list[Any], str | None]:
    decoder = json.JSONDecoder()
    found: list[Any] = []
    error: str | None = None
    pos = text.find("{")
    while pos != -1:
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            error = error or f"invalid JSON: {exc.msg} at character {exc.pos}"
            pos = text.find("{", pos + 1) if not found else -1
            continue
        found.append(obj)
        pos = text.find("{", end)
    return found, (None if found else error)


def _as_call(obj: Any, known: set[str]) -> ToolCall | str:
    if not isinstance(obj, dict):
        return "the JSON value is not an object"
    name = next((obj[k] for k in _NAME_KEYS if isinstance(obj.get(k), str)), None)
    if name is None:
        return 'missing "tool" (the tool name)'
    if known and name not in known:
        return f"unknown tool {name!r}; available: {', '.join(sorted(known))}"
    args: Any = next((obj[k] for k in _ARG_KEYS if k in obj), {})
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return '"arguments" is a string that is not JSON'
    if not isinstance(args, dict):
        return '"arguments" must be a JSON object'
    return ToolCall(id=f"call_{uuid.uuid4().hex[:12]}", name=name, arguments=args)


def parse_tool_calls(text: str, tools: Sequence[ToolSpec]) -> ParseOutcome:
    """Parse a reply under the convention. No JSON at all means a plain answer."""
    if not looks_like_call(text):
        return ParseOutcome((), None)
    objects, error = _objects(_strip_fences(text))
    if error:
        return ParseOutcome((), error)
    known = {t.name for t in tools}
    calls: list[ToolCall] = []
    for obj in objects:
        parsed = _as_call(obj, known)
        if isinstance(parsed, str):
            return ParseOutcome((), parsed)
        calls.append(parsed)
    return ParseOutcome(tuple(calls), None)


def correction_prompt(error: str) -> str:
    """The one corrective user turn sent after an invalid tool call."""
    return (
        f"Your tool call could not be used ({error}). Reply again with ONLY one JSON object "
        'like {"tool": "<tool name>", "arguments": {...}} and nothing else.'
    )
