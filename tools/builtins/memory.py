"""memory_read / memory_write: the run's shared blackboard, through ``ctx.memory``."""

from __future__ import annotations

from typing import Any

from tools.base import MemoryAccess, Tool, ToolContext, ToolError

POLICIES = ["replace", "append", "merge"]
SCOPES = ["run", "session", "user"]
SCOPE = {
    "type": "string",
    "enum": SCOPES,
    "description": "run (default): this run; session: this chat session's turns; "
    "user: your sessions of this workflow.",
}


def require_memory(ctx: ToolContext) -> MemoryAccess:
    if ctx.memory is None:
        raise ToolError("shared memory is not available in this context", code="unavailable")
    return ctx.memory


class MemoryRead(Tool):
    name = "memory_read"
    idempotent = True  # no effect outside its result: safe to repeat after a crash
    description = (
        "Read a value from shared memory by key: the run's blackboard, or the chat "
        "session's or the user's memory (scope)."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "key": {"type": "string", "minLength": 1, "maxLength": 200},
            "scope": SCOPE,
        },
        "required": ["key"],
        "additionalProperties": False,
    }
    timeout_s = 10.0
    permissions = frozenset({"memory_read"})
    builtin = True

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        scope = args.get("scope", "run")
        memory = require_memory(ctx)
        value = await (
            memory.read(args["key"]) if scope == "run" else memory.read(args["key"], scope)
        )
        return {"key": args["key"], "value": value}


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
            "scope": SCOPE,
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
        scope, memory = args.get("scope", "run"), require_memory(ctx)
        if scope == "run":
            stored = await memory.write(args["key"], args["value"], policy)
        else:
            stored = await memory.write(args["key"], args["value"], policy, scope)
        data = {"key": args["key"], "policy": policy}
        await ctx.emit("memory.written", data if scope == "run" else {**data, "scope": scope})
        return {"key": args["key"], "value": stored}
