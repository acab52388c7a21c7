from __future__ import annotations

from typing import Any

import pytest

from agents.memory.blackboard import Blackboard
from tools.base import ToolContext, ToolError
from tools.builtins.knowledge import KnowledgeSearch
from tools.builtins.memory import MemoryRead, MemoryWrite


class BoardMemory:
    def __init__(self) -> None:
        self.board = Blackboard()

    async def read(self, key: str) -> Any:
        return self.board.read(key)

    async def write(self, key: str, value: Any, policy: str = "replace") -> Any:
        return self.board.write(key, value, policy)

    async def search(self, query: str, k: int = 5, collection: str | None = None) -> list[dict]:
        return [{"text": f"about {query}", "score": 1.0, "document": "d", "chunk": 0}][:k]


@pytest.mark.asyncio
async def test_write_then_read_through_context_and_event_is_emitted() -> None:
    events: list[tuple[str, dict]] = []

    async def emit(kind: str, data: dict) -> None:
        events.append((kind, data))

    ctx = ToolContext(memory=BoardMemory(), emit=emit)
    await MemoryWrite().invoke(ctx, {"key": "facts", "value": ["a"], "policy": "append"})
    await MemoryWrite().invoke(ctx, {"key": "facts", "value": "b", "policy": "append"})
    assert await MemoryRead().invoke(ctx, {"key": "facts"}) == {"key": "facts", "value": ["a", "b"]}
    assert events[0] == ("memory.written", {"key": "facts", "policy": "append"})


class ScopedMemory:
    """Memory with scopes, as the run context gives it (workflows.runs.context.RunMemory)."""

    def __init__(self) -> None:
        self.boards: dict[str, Blackboard] = {}

    async def read(self, key: str, scope: str = "run") -> Any:
        return self.boards.setdefault(scope, Blackboard()).read(key)

    async def write(self, key: str, value: Any, policy: str = "replace", scope: str = "run") -> Any:
        return self.boards.setdefault(scope, Blackboard()).write(key, value, policy)


@pytest.mark.asyncio
async def test_the_memory_tools_write_and_read_the_scope_asked_for() -> None:
    events: list[tuple[str, dict]] = []

    async def emit(kind: str, data: dict) -> None:
        events.append((kind, data))

    memory = ScopedMemory()
    ctx = ToolContext(memory=memory, emit=emit)
    await MemoryWrite().invoke(ctx, {"key": "name", "value": "Ada", "scope": "session"})
    assert await MemoryRead().invoke(ctx, {"key": "name", "scope": "session"}) == {
        "key": "name",
        "value": "Ada",
    }
    assert await MemoryRead().invoke(ctx, {"key": "name"}) == {"key": "name", "value": None}
    assert events == [("memory.written", {"key": "name", "policy": "replace", "scope": "session"})]
    with pytest.raises(ToolError):
        await MemoryRead().invoke(ctx, {"key": "name", "scope": "planet"})


@pytest.mark.asyncio
async def test_memory_tools_without_memory_say_so() -> None:
    with pytest.raises(ToolError, match="not available") as caught:
        await MemoryRead().invoke(ToolContext(), {"key": "x"})
    assert caught.value.code == "unavailable"


@pytest.mark.asyncio
async def test_knowledge_search_prefers_the_search_callable() -> None:
    async def search(query: str, k: int, collection: str | None) -> list[dict]:
        return [{"text": "from callable", "k": k, "collection": collection}]

    ctx = ToolContext(memory=BoardMemory(), search=search)
    out = await KnowledgeSearch().invoke(ctx, {"query": "q", "k": 2, "collection": "docs"})
    assert out["results"] == [{"text": "from callable", "k": 2, "collection": "docs"}]
    fallback = await KnowledgeSearch().invoke(ToolContext(memory=BoardMemory()), {"query": "q"})
    assert fallback["results"][0]["text"] == "about q"
