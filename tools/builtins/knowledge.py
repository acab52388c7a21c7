"""knowledge_search: semantic search over the long-term knowledge store."""

from __future__ import annotations

from typing import Any

from tools.base import Tool, ToolContext, ToolError


class KnowledgeSearch(Tool):
    name = "knowledge_search"
    idempotent = True  # no effect outside its result: safe to repeat after a crash
    description = (
        "Search the knowledge base for passages relevant to a query. Returns the top k "
        "chunks with their similarity score and source document."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 2000},
            "k": {"type": "integer", "minimum": 1, "maximum": 50},
            "collection": {"type": "string"},
        },
        "required": ["query"],
        "additionalProperties": False,
    }
    timeout_s = 30.0
    permissions = frozenset({"memory_read"})
    builtin = True

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        k, collection = args.get("k", 5), args.get("collection")
        if ctx.search is not None:
            hits = await ctx.search(args["query"], k, collection)
        elif ctx.memory is not None:
            hits = await ctx.memory.search(args["query"], k, collection)
        else:
            raise ToolError(
                "the knowledge store is not available in this context", code="unavailable"
            )
        return {"query": args["query"], "results": hits}
