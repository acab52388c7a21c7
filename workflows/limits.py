"""The Django side of the ceilings: settings → engine limits, run inputs, budgets, subflow depth."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ValidationError

from workflows.engine import Budgets, limits

# engine limit name → setting that overrides it
ENGINE_SETTINGS = {
    "expression_max_chars": "AXWEB_EXPR_MAX_CHARS",
    "expression_max_steps": "AXWEB_EXPR_MAX_STEPS",
    "expression_max_string": "AXWEB_EXPR_MAX_STRING",
    "expression_max_items": "AXWEB_EXPR_MAX_ITEMS",
    "expression_max_int_bits": "AXWEB_EXPR_MAX_INT_BITS",
    "template_max_chars": "AXWEB_TEMPLATE_MAX_CHARS",
    "graph_max_nodes": "AXWEB_GRAPH_MAX_NODES",
    "graph_max_edges": "AXWEB_GRAPH_MAX_EDGES",
    "json_max_depth": "AXWEB_JSON_MAX_DEPTH",
    "map_max_items": "AXWEB_MAP_MAX_ITEMS",
}
# budget → setting holding its default and ceiling (0 = none)
BUDGET_SETTINGS = {
    "max_steps": "AXWEB_RUN_MAX_STEPS",
    "max_tokens": "AXWEB_RUN_MAX_TOKENS",
    "max_wall_s": "AXWEB_RUN_MAX_WALL_S",
}


def engine_limits_configure() -> limits.Limits:
    """Hand the engine the limits from settings (called at start-up and by tests)."""
    return limits.configure(
        **{name: getattr(settings, setting) for name, setting in ENGINE_SETTINGS.items()}
    )


def json_value_check(value: Any, *, field: str, max_bytes: int) -> None:
    """A field error when ``value`` nests too deeply or is more than ``max_bytes`` as JSON."""
    depth = settings.AXWEB_JSON_MAX_DEPTH
    if limits.json_depth_over(value, depth):
        raise ValidationError(
            {field: [f"Nested deeper than {depth} levels (AXWEB_JSON_MAX_DEPTH)."]}
        )
    size = len(json.dumps(value, default=str).encode())
    if size > max_bytes:
        raise ValidationError(
            {field: [f"{size:,} bytes as JSON; at most {max_bytes:,} are allowed."]}
        )


def run_inputs_check(inputs: Any) -> None:
    json_value_check(inputs, field="inputs", max_bytes=settings.AXWEB_RUN_INPUTS_MAX_BYTES)


def graph_stored_check(graph: Any, field: str = "graph") -> None:
    """Drafts are stored unvalidated; still bound their nesting and size."""
    json_value_check(graph, field=field, max_bytes=settings.AXWEB_MAX_JSON_BYTES)


def budget_ceiling(name: str) -> int | None:
    setting = BUDGET_SETTINGS.get(name)
    value = int(getattr(settings, setting)) if setting else 0
    return value if value > 0 else None


def budgets_check_ceilings(budgets: dict[str, Any]) -> None:
    """Refuse a run limit above the server's ceiling for it."""
    for name, value in budgets.items():
        ceiling = budget_ceiling(name)
        if value is not None and ceiling is not None and value > ceiling:
            raise ValidationError(
                {
                    f"budgets.{name}": [
                        f"At most {ceiling:,} on this server ({BUDGET_SETTINGS[name]})."
                    ]
                }
            )


def budgets_effective(budgets: dict[str, Any]) -> dict[str, Any]:
    """The limits a run executes with: its own, and the server's default for each one it left
    unset (a missing or null steps/tokens/wall-time limit gets the ceiling)."""
    effective = {name: value for name, value in budgets.items() if value is not None}
    for name in BUDGET_SETTINGS:
        if name not in effective and budget_ceiling(name) is not None:
            effective[name] = budget_ceiling(name)
    return effective


def run_budgets(run: Any) -> Budgets:
    """The engine budgets of `run`: its own, else the server's defaults (AXWEB_RUN_MAX_*)."""
    return Budgets(**budgets_effective(run.budgets))
