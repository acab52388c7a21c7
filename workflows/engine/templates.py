"""Prompt templates: ``{{name}}`` / ``{{name.key}}`` placeholders filled from inputs."""

from __future__ import annotations

import json
import re
from typing import Any

from workflows.engine import limits
from workflows.engine.errors import PermanentFailure

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def as_text(value: Any) -> str:
    """Values as prompt text: strings as they are, a list of strings (a join's branches) as
    paragraphs, everything else as JSON (a model reads text, not escaped JSON strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
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
    cap = limits.current().template_max_chars
    size = len(template)

    def fill(match: re.Match[str]) -> str:
        nonlocal size
        used.add(match.group(1).split(".")[0])
        text = as_text(_lookup(match.group(1), variables))
        size += len(text)  # stop before joining: one big input times many placeholders
        _check_size(size, cap)
        return text

    _check_size(size, cap)
    text = _PLACEHOLDER.sub(fill, template)
    if append and append not in used and variables.get(append) not in (None, ""):
        extra = as_text(variables[append])
        _check_size(len(text) + len(extra), cap)
        text = f"{text}\n\n{extra}" if text else extra
    return text


def _check_size(size: int, cap: int) -> None:
    if size > cap:
        raise PermanentFailure(
            f"The rendered template would be more than {cap:,} characters "
            "long (AXWEB_TEMPLATE_MAX_CHARS); pass less text into it."
        )


def render_value(value: Any, variables: dict[str, Any]) -> Any:
    """Render a config value: a string that is exactly one placeholder gives the raw
    value (a dict stays a dict); other strings are rendered; the rest is kept."""
    if not isinstance(value, str):
        return value
    match = _PLACEHOLDER.fullmatch(value.strip())
    if match:
        return _lookup(match.group(1), variables)
    return render(value, variables, append=None)
