"""json: parse JSON text, read a value by path, or set a value by path (returns a copy).

Paths are dotted keys with optional list indexes: ``user.tags[0]``, ``items[-1].id``;
an empty path is the whole document.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from tools.base import Tool, ToolContext, ToolError

MAX_TEXT_CHARS = 1_000_000
_TOKEN = re.compile(r"([^.\[\]]+)|\[(-?\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``'a.b[0]'`` -> ``['a', 'b', 0]``; raise ToolError on malformed paths."""
    parts: list[str | int] = []
    position = 0
    for match in _TOKEN.finditer(path):
        gap = path[position : match.start()]
        if gap not in ("", ".") or (gap == "." and not parts):
            break
        parts.append(int(match.group(2)) if match.group(2) is not None else match.group(1))
        position = match.end()
    if position != len(path):
        raise ToolError(f"malformed path '{path}' near position {position}", code="invalid_input")
    return parts


def _step(node: Any, part: str | int, path: str) -> Any:
    try:
        if isinstance(part, int) and isinstance(node, list):
            return node[part]
        if isinstance(part, str) and isinstance(node, dict):
            return node[part]
    except (IndexError, KeyError):
        pass
    raise ToolError(f"path '{path}' not found at '{part}'", code="invalid_input")


def get_path(document: Any, path: str) -> Any:
    node = document
    for part in parse_path(path):
        node = _step(node, part, path)
    return node


def set_path(document: Any, path: str, value: Any) -> Any:
    """A copy of ``document`` with ``value`` at ``path``; missing dict keys are created."""
    parts = parse_path(path)
    if not parts:
        return copy.deepcopy(value)
    result = copy.deepcopy(document)
    node = result
    for index, part in enumerate(parts[:-1]):
        if isinstance(part, str) and isinstance(node, dict) and part not in node:
            node[part] = [] if isinstance(parts[index + 1], int) else {}
        node = _step(node, part, path)
    _assign(node, parts[-1], value, path)
    return result


def _assign(node: Any, last: str | int, value: Any, path: str) -> None:
    in_list = isinstance(last, int) and isinstance(node, list) and -len(node) <= last < len(node)
    if in_list or (isinstance(last, str) and isinstance(node, dict)):
        node[last] = value
    elif isinstance(last, int) and isinstance(node, list) and last == len(node):
        node.append(value)
    else:
        raise ToolError(
            f"cannot set '{path}': parent is {type(node).__name__}", code="invalid_input"
        )


def _document(args: dict[str, Any]) -> Any:
    if "document" in args:
        return args["document"]
    if "text" in args:
        return parse(args["text"])
    raise ToolError("'document' or 'text' is required", code="invalid_input")


def parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", code="invalid_input"
        ) from None


class JsonTool(Tool):
    name = "json"
    idempotent = True  # no effect outside its result: safe to repeat after a crash
    description = (
        "JSON utilities. operation: parse ('text' -> value) | get (value at 'path' in "
        "'document' or 'text') | set (copy of the document with 'value' at 'path'). "
        "Paths look like 'user.tags[0]'."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "operation": {"type": "string", "enum": ["parse", "get", "set"]},
            "text": {"type": "string", "maxLength": MAX_TEXT_CHARS},
            "document": {},
            "path": {"type": "string"},
            "value": {},
        },
        "required": ["operation"],
        "additionalProperties": False,
    }
    timeout_s = 5.0
    builtin = True

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        op = args["operation"]
        if op == "parse":
            if "text" not in args:
                raise ToolError("'text' is required for operation 'parse'", code="invalid_input")
            return {"value": parse(args["text"])}
        document, path = _document(args), args.get("path", "")
        if op == "get":
            return {"value": get_path(document, path)}
        if "value" not in args:
            raise ToolError("'value' is required for operation 'set'", code="invalid_input")
        return {"value": set_path(document, path, args["value"])}
