"""One rule for numbers in user input: JSON booleans are not numbers (Python calls True an int)."""

from __future__ import annotations

from typing import Any


def is_number(value: Any, *, whole: bool = False) -> bool:
    """True for an int (and a float unless `whole`), never for a bool."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (not whole and isinstance(value, float))
