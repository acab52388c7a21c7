"""The base class of every node kind.

Adding a kind = one module in this package with one ``NodeKind`` subclass, plus one
line in ``registry.KINDS``, plus its section in docs/engine.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from workflows.engine.ports import Port

if TYPE_CHECKING:
    from workflows.engine.runtime import NodeContext, PreparedNode


class KindConfig(BaseModel):
    """Base of per-kind config models: strict (unknown fields are refused)."""

    model_config = ConfigDict(extra="forbid")


class NodeKind:
    """A node kind: metadata, a strict config model, typed ports and ``run``.

    Contract of ``run(ctx, node, inputs)``:

    * ``inputs`` maps input port name -> value (``multiple`` ports get a list in
      declared edge order; absent optional ports are missing from the dict).
    * Return ``{output port name: value}``. Ports left out are *not taken*: edges
      from them carry "skipped" and their targets are skipped (this is how
      conditions and routers choose branches).
    * Raise ``NodeFailed`` (or any exception) to fail; the node's retry / timeout /
      on_error policy applies. Use only ``ctx`` for side effects.
    """

    kind: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str]
    color: ClassVar[str] = "#64748b"
    Config: ClassVar[type[KindConfig]] = KindConfig
    inputs: ClassVar[list[Port]] = []
    outputs: ClassVar[list[Port]] = []
    dynamic_ports: ClassVar[bool] = False
    #: Joins receive every branch (value, skipped or failed) instead of values only.
    wants_branches: ClassVar[bool] = False
    #: Annotation kinds never run and are ignored by validation and execution.
    executable: ClassVar[bool] = True

    @classmethod
    def ports(cls, config: Any) -> tuple[list[Port], list[Port]]:
        """Input and output ports for a parsed config (override when dynamic)."""
        return cls.inputs, cls.outputs

    @classmethod
    def check(cls, config: Any) -> list[tuple[str, str, str]]:
        """Semantic problems of a parsed config: ``(code, field, sentence)`` triples."""
        return []

    @classmethod
    def catalog_entry(cls) -> dict[str, Any]:
        return {
            "kind": cls.kind,
            "title": cls.title,
            "category": cls.category,
            "description": cls.description,
            "color": cls.color,
            "config_schema": cls.Config.model_json_schema(),
            "inputs": [p.as_input() for p in cls.inputs],
            "outputs": [p.as_output() for p in cls.outputs],
            "dynamic_ports": cls.dynamic_ports,
        }

    async def run(
        self, ctx: NodeContext, node: PreparedNode, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError


def formatted(
    fmt: str | None, default: Any = ..., *, when: dict[str, str] | None = None, **kwargs: Any
) -> Any:
    """A config field whose JSON Schema carries hints for the generated form.

    ``fmt``: prompt | agent | model | tool | workflow | expression (the widget), or None.
    ``when``: show the field only while the node's config has these values, e.g.
    ``{"mode": "llm"}`` (schema key ``x-when``; the engine ignores it).
    """
    extra: dict[str, Any] = {}
    if fmt:
        extra["format"] = fmt
    if when:
        extra["x-when"] = when
    return Field(default, json_schema_extra=extra, **kwargs)


def body_value(outputs: dict[str, Any], preferred: str) -> Any:
    """The value a nested body returned: its ``preferred`` output, its only output,
    or all outputs as a dict."""
    if preferred in outputs:
        return outputs[preferred]
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    return outputs


async def gather_in_order(*awaitables: Awaitable[Any]) -> list[Any]:
    """Run concurrently, wait for ALL, then raise the first error in declared order.

    Unlike a bare ``asyncio.gather``, nothing keeps running after this returns or
    raises: when the caller is cancelled every child is cancelled too.
    """
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)
