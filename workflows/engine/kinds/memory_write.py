"""Memory write: writes its input to a key of the run's shared memory."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workflows.engine.kinds.base import KindConfig, NodeKind
from workflows.engine.ports import Port


class MemoryWriteConfig(KindConfig):
    key: str = Field(min_length=1)
    policy: Literal["replace", "append", "merge"] = "replace"
    scope: Literal["run", "session", "user"] = Field(
        "run",
        description="run: this run only; session: kept across the turns of a chat session; "
        "user: kept across your sessions of this workflow.",
    )


class MemoryWriteKind(NodeKind):
    kind = "memory_write"
    title = "Memory write"
    category = "Memory"
    description = (
        "Writes the input to shared memory (replace, append to a list, or merge "
        "into an object) and passes the input on."
    )
    color = "#65a30d"
    Config = MemoryWriteConfig
    inputs = [Port("in", "any")]
    outputs = [Port("out", "any")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: MemoryWriteConfig = node.config
        value = inputs.get("in")
        if config.scope == "run":
            await ctx.memory_write(config.key, value, config.policy)
        else:
            await ctx.memory_write(config.key, value, config.policy, config.scope)
        return {"out": value}
