"""Ceilings on what a workflow's author controls, so one user cannot take a worker down.

Plain module state, no Django: the defaults below hold for the engine on its own; the
Django side overrides them once at start-up with :func:`configure` (from the
``AXWEB_*`` settings, see the README's configuration table).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Every ceiling the engine enforces (all counts; ``*_chars`` are characters)."""

    expression_max_chars: int = 10_000  # source length of one expression
    expression_max_steps: int = 10_000  # evaluated syntax nodes per evaluation
    expression_max_string: int = 1_000_000  # characters of a string an expression builds
    expression_max_items: int = 100_000  # items of a list an expression builds
    expression_max_int_bits: int = 4096  # size of an integer an expression builds
    template_max_chars: int = 2_000_000  # characters of one rendered template
    graph_max_nodes: int = 5_000  # nodes of one graph (each loop/map body counts on its own)
    graph_max_edges: int = 10_000
    json_max_depth: int = 100  # nesting of a graph document, run inputs or a JSON body
    map_max_items: int = 1_000  # items one map node runs its body on


_current = Limits()


def current() -> Limits:
    """The limits in force."""
    return _current


def configure(**values: Any) -> Limits:
    """Override some limits (unknown names raise ``TypeError``); returns the new set."""
    global _current
    known = {f.name for f in fields(Limits)}
    unknown = set(values) - known
    if unknown:
        raise TypeError(f"Unknown engine limit(s): {', '.join(sorted(unknown))}.")
    _current = replace(_current, **values)
    return _current


def json_depth_over(value: Any, limit: int) -> bool:
    """True when ``value`` (parsed JSON) nests dicts/lists deeper than ``limit`` levels.

    Iterative, and stops at the first path past the limit, so a hostile document costs
    at most one walk and never a ``RecursionError``.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
