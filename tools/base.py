"""The tool contract: a named, described, schema-checked async callable.

A tool receives a :class:`ToolContext` (everything from the outside world it may use)
and ``args`` that already passed its JSON Schema. Callers go through
:meth:`Tool.invoke`, which validates, enforces ``timeout_s`` and checks the output
schema; ``run`` itself is only ever called with valid input.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
    (type(None), "null"),
)


class ToolError(Exception):
    """A tool could not do what was asked. ``reason`` is for people and models alike.

    ``code`` is a stable machine-readable category (``invalid_input``, ``timeout``,
    ``forbidden``, ``unavailable``, ``failed``); ``details`` carries extra data.
    """

    def __init__(
        self, reason: str, *, code: str = "failed", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.details: dict[str, Any] = dict(details or {})

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, "details": self.details}


class MemoryAccess(Protocol):
    """The run's shared memory as seen by tools (backed by the blackboard/knowledge store)."""

    async def read(self, key: str, scope: str = "run") -> Any:
        """Value stored under ``key`` in the run's blackboard (``scope`` run), the chat
        session's memory (session) or the user's (user), or ``None``."""
        ...

    async def write(self, key: str, value: Any, policy: str = "replace", scope: str = "run") -> Any:
        """Merge ``value`` into ``key`` of ``scope`` with ``policy`` (replace|append|merge);
        return it."""
        ...

    async def search(
        self, query: str, k: int = 5, collection: str | None = None
    ) -> list[dict[str, Any]]:
        """Top-``k`` knowledge chunks: ``[{"text", "score", "document", "chunk"}]``."""
        ...


Emit = Callable[[str, dict[str, Any]], Awaitable[None]]
Search = Callable[[str, int, str | None], Awaitable[list[dict[str, Any]]]]
RunAgent = Callable[[str, str, dict[str, Any]], Awaitable[Any]]
RunWorkflow = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _no_emit(event_type: str, data: dict[str, Any]) -> None:
    return None


@dataclass
class ToolContext:
    """What a tool may touch. Everything is optional so tools can be tested alone.

    * ``emit(type, data)`` records an event for the calling node (e.g. progress).
    * ``allowed_hosts``: the operator's list of host names, ``*.suffix`` wildcards, IPs or
      CIDRs reachable by HTTP tools (see ``tools.outbound``); empty means no network at all.
      Internal addresses need an IP/CIDR entry inside an internal range.
    * ``search`` overrides ``memory.search`` for knowledge lookups.
    * ``run_agent(agent_ref, prompt, inputs)`` / ``run_workflow(workflow_ref, inputs)``
      are supplied by the agent/workflow layers for agent- and workflow-as-tool.
    """

    run_id: str | None = None
    node_id: str | None = None
    idempotency_key: str | None = None
    memory: MemoryAccess | None = None
    emit: Emit = _no_emit
    allowed_hosts: frozenset[str] = frozenset()
    search: Search | None = None
    run_agent: RunAgent | None = None
    run_workflow: RunWorkflow | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def json_type_name(value: Any) -> str:
    for py_type, name in JSON_TYPES:
        if isinstance(value, py_type):
            return name
    return type(value).__name__


def _field_path(error: ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def describe_validation_error(error: ValidationError) -> str:
    """One sentence naming the field path: "'expression' must be a string, got integer"."""
    where = _field_path(error)
    subject = f"'{where}'" if where else "input"
    if error.validator == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        article = "an" if str(wanted)[0] in "aeiou" else "a"
        return f"{subject} must be {article} {wanted}, got {json_type_name(error.instance)}"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        prefix = f"{where}." if where else ""
        return f"'{prefix}{missing}' is required"
    if error.validator == "additionalProperties":
        return f"{subject}: {error.message}"
    if error.validator == "enum":
        return f"{subject} must be one of {error.validator_value!r}, got {error.instance!r}"
    return f"{subject}: {error.message}"


def validate_against(schema: Mapping[str, Any], value: Any, *, what: str = "input") -> None:
    """Raise ToolError(code=invalid_input) naming the first offending field."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: (len(e.path), list(e.path)))
    if errors:
        messages = [describe_validation_error(e) for e in errors]
        code = "invalid_input" if what == "input" else "invalid_output"
        raise ToolError(messages[0], code=code, details={"errors": messages})


class Tool:
    """Base class of every tool.

    Subclasses set ``name``, ``description``, ``input_schema`` (JSON Schema, an
    ``object``), optionally ``output_schema``, ``timeout_s`` and ``permissions``
    (e.g. ``{"network"}``, ``{"code_execution"}``, ``{"memory_write"}``), and implement
    ``async run(ctx, args)`` which returns a JSON-serialisable value or raises
    :class:`ToolError`. ``run`` must be safe to call again with the same
    ``ctx.idempotency_key`` (a retry after a crash), or document why it is not.

    A call is recorded as started before it runs. When its worker dies before the result is
    stored, the resumed run repeats it only if ``idempotent_for(args)`` (by default the class's
    ``idempotent``); otherwise the node fails with code ``may_have_run``, never retried.
    """

    name: str = ""
    description: str = ""
    input_schema: dict[str, Any] = {"type": "object"}  # noqa: RUF012 - read-only by contract
    output_schema: dict[str, Any] | None = None
    timeout_s: float = 30.0
    permissions: frozenset[str] = frozenset()
    builtin: bool = False
    idempotent: bool = False

    def idempotent_for(self, args: dict[str, Any]) -> bool:
        """May a call with `args` run twice without harm (asked when a crash left it unfinished)?"""
        return self.idempotent

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        raise NotImplementedError

    def validate(self, args: Any) -> dict[str, Any]:
        validate_against(self.input_schema, args)
        return dict(args)

    async def invoke(self, ctx: ToolContext, args: Any) -> Any:
        """Validate ``args``, run with the timeout, check the output; raise ToolError."""
        valid = self.validate(args)
        try:
            result = await asyncio.wait_for(self.run(ctx, valid), timeout=self.timeout_s)
        except TimeoutError:
            raise ToolError(
                f"tool '{self.name}' timed out after {self.timeout_s:g} s", code="timeout"
            ) from None
        if self.output_schema is not None:
            validate_against(self.output_schema, result, what="output")
        return result

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
            "builtin": self.builtin,
        }
