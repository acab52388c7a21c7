"""Map: runs a body graph once per item of a list; collects results in item order."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from workflows.engine import limits
from workflows.engine.document import Graph
from workflows.engine.errors import ApprovalPending, PermanentFailure, RunCancelled
from workflows.engine.kinds._bodies import check_body, raise_for
from workflows.engine.kinds.base import KindConfig, NodeKind, body_value
from workflows.engine.ports import Port


class MapConfig(KindConfig):
    body: Graph = Field(description='Runs per item; inputs "item" and "index".')
    max_concurrency: int = Field(4, ge=1, le=64)


class MapKind(NodeKind):
    kind = "map"
    title = "Map"
    category = "Flow"
    description = (
        "Runs its body once per list item (in parallel, bounded) and outputs the "
        "results in item order."
    )
    color = "#06b6d4"
    Config = MapConfig
    inputs = [Port("items", "list")]
    outputs = [Port("out", "list")]

    @classmethod
    def check(cls, config: Any) -> list[tuple[str, str, str]]:
        return check_body(config.body, "item")

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        items = list(inputs.get("items") or [])
        cap = limits.current().map_max_items
        if len(items) > cap:
            raise PermanentFailure(
                f"The map got {len(items):,} items; a map runs at most {cap:,} "
                "(AXWEB_MAP_MAX_ITEMS). Split the list or filter it first."
            )
        gate = asyncio.Semaphore(node.config.max_concurrency)
        body = node.bodies["body"]

        async def one(index: int, item: Any) -> Any:
            async with gate:
                result = await ctx.run_body(body, {"item": item, "index": index}, index)
            raise_for(result, f"Item {index}")
            return body_value(result.outputs, "result")

        tasks = [asyncio.ensure_future(one(i, item)) for i, item in enumerate(items)]
        try:
            results = await asyncio.gather(*tasks, return_exceptions=True)
        except BaseException:  # the map itself was cancelled: stop every item
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        raise_first(results)
        return {"out": list(results)}


def raise_first(results: list[Any]) -> None:
    """After every item settled: cancellation, then the first failure in item order,
    then a pending approval (the other items still finished)."""
    errors = [r for r in results if isinstance(r, BaseException)]
    for kind in (RunCancelled, asyncio.CancelledError, Exception):
        for error in errors:
            if isinstance(error, kind) and not isinstance(error, ApprovalPending):
                raise error
    if errors:
        raise errors[0]
