"""Helpers for kinds that run a nested body graph (loop, map)."""

from __future__ import annotations

from typing import Any

from workflows.engine.document import Graph
from workflows.engine.errors import ApprovalPending, NodeFailed, RunCancelled


def body_inputs(body: Graph) -> set[str]:
    """Names of the body's input nodes."""
    return {str(n.config.get("name", "input")) for n in body.nodes if n.kind == "input"}


def body_has_output(body: Graph) -> bool:
    return any(n.kind == "output" for n in body.nodes)


def check_body(body: Graph, needs: str) -> list[tuple[str, str, str]]:
    problems = []
    if needs not in body_inputs(body):
        problems.append(
            ("invalid_body", "config.body", f'its body needs an input node named "{needs}".')
        )
    if not body_has_output(body):
        problems.append(("invalid_body", "config.body", "its body needs an output node."))
    return problems


def raise_for(result: Any, what: str) -> None:
    """Turn a nested RunResult that did not succeed into the matching exception."""
    if result.status == "succeeded":
        return
    if result.status == "paused":
        raise ApprovalPending(what)
    if result.status == "cancelled":
        raise RunCancelled("The run was cancelled.")
    raise NodeFailed(f"{what} failed: {result.error}")
