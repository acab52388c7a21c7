"""Payload → run inputs through the engine's expressions."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError

from workflows.engine.errors import ExpressionError
from workflows.engine.expressions import check_expression, evaluate, variables_for


def mapping_check(mapping: Any) -> dict[str, str]:
    """The mapping as {input name: expression}, or field errors naming each bad entry."""
    if not isinstance(mapping, dict):
        raise ValidationError({"input_mapping": ["An object of input name → expression."]})
    errors: dict[str, list[str]] = {}
    for name, source in mapping.items():
        if not isinstance(source, str) or not source.strip():
            errors[f"input_mapping.{name}"] = ["An expression (text), e.g. body.question."]
        elif problem := check_expression(source):
            errors[f"input_mapping.{name}"] = [problem]
    if errors:
        raise ValidationError(errors)
    return mapping


def inputs_map(mapping: dict[str, str], payload: Any, **extra: Any) -> dict[str, Any]:
    """The run's inputs: each mapped expression evaluated over the payload (names: `body`,
    `value`, the payload's top-level keys, and `extra`); without a mapping, a JSON object
    payload is the inputs as it is."""
    if not mapping:
        return dict(payload) if isinstance(payload, dict) else {}
    variables = variables_for(payload, body=payload, **extra)
    inputs, errors = {}, {}
    for name, source in mapping.items():
        try:
            inputs[name] = evaluate(source, variables)
        except ExpressionError as exc:
            errors[f"input_mapping.{name}"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return inputs
