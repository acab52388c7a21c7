"""Memory read: reads a key of the run's shared memory (or a message channel), in the run's,
the chat session's or the user's scope."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workflows.engine.kinds.base import KindConfig, NodeKind
from workflows.engine.ports import Port


class MemoryReadConfig(KindConfig):
    key: str = Field(min_length=1, description="Memory key, or channel name for messages.")
    source: Literal["memory", "messages"] = "memory"
    scope: Literal["run", "session", "user"] = Field(
        "run",
        description="run: this run only; session: kept across the turns of a chat session; "
        "user: kept across your sessions of this workflow.",
    )


class MemoryReadKind(NodeKind):
    kind = "memory_read"
    title = "Memory read"
    category = "Memory"
    description = (
        "Reads a key of the run's shared memory, or the messages of a channel; "
        "the optional input only sets when it runs."
    )
    color = "#84cc16"
    Config = MemoryReadConfig
    inputs = [Port("in", "any", required=False)]
    outputs = [Port("out", "any")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: MemoryReadConfig = node.config
        if config.source == "messages":
            return {"out": await ctx.read_messages(config.key)}
        if config.scope == "run":
            return {"out": await ctx.memory_read(config.key)}
        return {"out": await ctx.memory_read(config.key, config.scope)}
