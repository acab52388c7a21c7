"""What a run start checks before it writes anything: required inputs and budgets (each
problem a field-level 400, as the run form and the API show it)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError

from axweb.numbers import is_number
from workflows import limits

BUDGET_FIELDS = {"max_steps", "max_tokens", "max_cost", "max_wall_s", "max_repeated_tool_calls"}


def inputs_check(graph: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Every required input of the graph's Input nodes is given (400 naming each missing one)."""
    missing = {}
    for node in graph.get("nodes", []):
        config = node.get("config") or {}
        name = config.get("name", "input")
        if (
            node.get("kind") == "input"
            and config.get("required")
            and inputs.get(name) in (None, "")
        ):
            missing[f"inputs.{name}"] = [f"The input '{name}' is required."]
    if missing:
        raise ValidationError(missing)


def budgets_check(budgets: dict[str, Any]) -> dict[str, Any]:
    """Known budget names with positive values within the server's ceilings (400 otherwise)."""
    unknown = set(budgets) - BUDGET_FIELDS
    if unknown:
        raise ValidationError(
            {
                "budgets": [
                    f"Unknown budget(s): {', '.join(sorted(unknown))}; "
                    f"use {', '.join(sorted(BUDGET_FIELDS))}."
                ]
            }
        )
    for key, value in budgets.items():
        whole = key not in ("max_cost", "max_wall_s")
        if value is not None and (not is_number(value, whole=whole) or value <= 0):
            what = "a positive whole number" if whole else "a positive number"
            raise ValidationError(
                {f"budgets.{key}": [f"Must be {what} or null (the server's default)."]}
            )
    limits.budgets_check_ceilings(budgets)
    return budgets
