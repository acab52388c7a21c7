"""The per-run blackboard: keyed state whose writes merge by a named policy.

Policies (pure functions of ``(current, incoming) -> stored``):

* ``replace``: the incoming value wins.
* ``append``: the stored value is a list; a list incoming extends it, anything else
  is appended as one item. A non-list current value becomes the first item.
* ``merge``: both are objects; keys are merged recursively (incoming wins on scalars,
  nested objects merge). Merging into nothing starts from ``{}``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MISSING: Any = object()


class MergeError(ValueError):
    """The incoming value cannot be merged into the current one under this policy."""


def merge_replace(current: Any, incoming: Any) -> Any:
    return copy.deepcopy(incoming)


def merge_append(current: Any, incoming: Any) -> list[Any]:
    base: list[Any] = (
        []
        if current is MISSING or current is None
        else (list(current) if isinstance(current, list) else [current])
    )
    items = incoming if isinstance(incoming, list) else [incoming]
    return base + copy.deepcopy(items)


def _deep_merge(current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(current)
    for key, value in incoming.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_dicts(current: Any, incoming: Any) -> dict[str, Any]:
    base = {} if current is MISSING or current is None else current
    if not isinstance(base, dict) or not isinstance(incoming, dict):
        raise MergeError(
            f"policy 'merge' needs objects, got {type(base).__name__} and {type(incoming).__name__}"
        )
    return _deep_merge(base, incoming)


POLICIES: dict[str, Callable[[Any, Any], Any]] = {
    "replace": merge_replace,
    "append": merge_append,
    "merge": merge_dicts,
}


def merge(policy: str, current: Any, incoming: Any) -> Any:
    """Apply ``policy``; ``current`` is MISSING when the key has no value yet."""
    if policy not in POLICIES:
        raise MergeError(f"unknown merge policy '{policy}' (use one of {sorted(POLICIES)})")
    return POLICIES[policy](current, incoming)


@dataclass(frozen=True)
class Write:
    """One applied write, as the UI shows it (the history of a key)."""

    version: int
    key: str
    policy: str
    value: Any
    writer: str | None = None


@dataclass
class Blackboard:
    """In-memory blackboard (tests, single process). Values are copied in and out."""

    values: dict[str, Any] = field(default_factory=dict)
    history: list[Write] = field(default_factory=list)

    def read(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self.values.get(key, default))

    def write(
        self, key: str, value: Any, policy: str = "replace", writer: str | None = None
    ) -> Any:
        stored = merge(policy, self.values.get(key, MISSING), value)
        self.values[key] = stored
        self.history.append(
            Write(len(self.history) + 1, key, policy, copy.deepcopy(stored), writer)
        )
        return copy.deepcopy(stored)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.values)
