"""Prompt templates: ``{{name}}`` / ``{{name.key}}`` placeholders filled from inputs."""

from __future__ import annotations

import json
import re
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def as_text(value: Any) -> str:
    """Values as prompt text: strings as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _lookup(path: str, variables: dict[str, Any]) -> Any:
    value: Any = variables
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return ""
    return value


def render(template: str, variables: dict[str, Any], *, append: str | None = "in") -> str:
    """Fill placeholders; when ``append`` is an input that the template does not
    mention, its value is appended after a blank line (so a bare instruction still
    sees its input)."""
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        used.add(match.group(1).split(".")[0])
        return as_text(_lookup(match.group(1), variables))

    text = _PLACEHOLDER.sub(fill, template)
    if append and append not in used and variables.get(append) not in (None, ""):
        text = f"{text}\n\n{as_text(variables[append])}" if text else as_text(variables[append])
    return text


def render_value(value: Any, variables: dict[str, Any]) -> Any:
    """Render a config value: a string that is exactly one placeholder gives the raw
    value (a dict stays a dict); other strings are rendered; the rest is kept."""
    if not isinstance(value, str):
        return value
    match = _PLACEHOLDER.fullmatch(value.strip())
    if match:
        return _lookup(match.group(1), variables)
    return render(value, variables, append=None)
