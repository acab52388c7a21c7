"""text: small string utilities (length, upper, lower, split, replace, regex extract).

Regular expressions come from models and users, so they run with the ``regex``
package's ``timeout`` (catastrophic backtracking stops after REGEX_TIMEOUT_S) in a
worker thread, with caps on pattern and text size.
"""

from __future__ import annotations

import asyncio
from typing import Any

import regex

from tools.base import Tool, ToolContext, ToolError

MAX_TEXT_CHARS = 1_000_000
MAX_PATTERN_CHARS = 1_000
MAX_MATCHES = 1_000
REGEX_TIMEOUT_S = 1.0
OPERATIONS = ["length", "upper", "lower", "split", "replace", "regex_extract"]


def _compile(pattern: str) -> Any:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ToolError(f"pattern longer than {MAX_PATTERN_CHARS} characters", code="invalid_input")
    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise ToolError(f"invalid regular expression: {exc}", code="invalid_input") from None


def regex_extract(pattern: str, text: str, timeout_s: float = REGEX_TIMEOUT_S) -> list[Any]:
    """All matches (group 0, the single group, or a tuple of groups), at most MAX_MATCHES."""
    compiled = _compile(pattern)
    matches: list[Any] = []
    try:
        for match in compiled.finditer(text, timeout=timeout_s):
            groups = match.groups()
            matches.append(
                match.group(0) if not groups else groups[0] if len(groups) == 1 else list(groups)
            )
            if len(matches) >= MAX_MATCHES:
                break
    except TimeoutError:
        raise ToolError(
            f"regular expression took longer than {timeout_s:g} s (catastrophic backtracking?)",
            code="timeout",
        ) from None
    return matches


def _need(args: dict[str, Any], key: str, operation: str) -> Any:
    if key not in args:
        raise ToolError(f"'{key}' is required for operation '{operation}'", code="invalid_input")
    return args[key]


def apply(args: dict[str, Any]) -> Any:
    op, text = args["operation"], args["text"]
    if op == "length":
        return len(text)
    if op == "upper":
        return text.upper()
    if op == "lower":
        return text.lower()
    if op == "split":
        separator = args.get("separator") or None
        return text.split(separator)
    if op == "replace":
        return text.replace(_need(args, "old", op), args.get("new", ""))
    return regex_extract(_need(args, "pattern", op), text)


class TextTool(Tool):
    name = "text"
    idempotent = True  # no effect outside its result: safe to repeat after a crash
    description = (
        "String utilities. operation: length | upper | lower | split (by 'separator', "
        "whitespace if omitted) | replace ('old' by 'new') | regex_extract (all matches "
        "of 'pattern')."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "operation": {"type": "string", "enum": OPERATIONS},
            "text": {"type": "string", "maxLength": MAX_TEXT_CHARS},
            "separator": {"type": "string"},
            "old": {"type": "string", "minLength": 1},
            "new": {"type": "string"},
            "pattern": {"type": "string"},
        },
        "required": ["operation", "text"],
        "additionalProperties": False,
    }
    timeout_s = 5.0
    builtin = True

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        if args["operation"] == "regex_extract":
            return {"value": await asyncio.to_thread(apply, args)}
        return {"value": apply(args)}
