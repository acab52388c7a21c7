"""memory_read / memory_write: the run's shared blackboard, through ``ctx.memory``."""

from __future__ import annotations

from typing import Any

from tools.base import MemoryAccess, Tool, ToolContext, ToolError

POLICIES = ["replace", "append", "merge"]


def require_memory(ctx: ToolContext) -> MemoryAccess:
    if ctx.memory is None:
        raise ToolError("shared memory is not available in this context", code="unavailable")
    return ctx.memory


class MemoryRead(Tool):
    name = "memory_read"
    idempotent = True  # no effect outside its result: safe to repeat after a crash
    description = "Read a value from the run's shared memory (blackboard) by key."
    input_schema = {
        "type": "object",
        "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 200}},
        "required": ["key"],
        "additionalProperties": False,
    }
    timeout_s = 10.0
    permissions = frozenset({"memory_read"})
    builtin = True

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        return {"key": args["key"], "value": await require_memory(ctx).read(args["key"])}


class MemoryWrite(Tool):
    name = "memory_write"
    description = (
        "Write a value to the run's shared memory (blackboard). policy: replace (default), "
        "append (to a list) or merge (into an object)."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "key": {"type": "string", "minLength": 1, "maxLength": 200},
            "value": {},
            "policy": {"type": "string", "enum": POLICIES},
        },
        "required": ["key", "value"],
        "additionalProperties": False,
    }
    timeout_s = 10.0
    permissions = frozenset({"memory_write"})
    builtin = True

    def idempotent_for(self, args: dict[str, Any]) -> bool:
        return bool(
            args.get("policy", "replace") == "replace"
        )  # appending twice would append twice

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        policy = args.get("policy", "replace")
        stored = await require_memory(ctx).write(args["key"], args["value"], policy)
        await ctx.emit("memory.written", {"key": args["key"], "policy": policy})
        return {"key": args["key"], "value": stored}
