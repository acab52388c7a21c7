"""knowledge_search_for: what the run context (and so the knowledge_search tool) calls."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from agents.knowledge import selectors, services
from agents.knowledge.models import KnowledgeCollection
from agents.knowledge.selectors import CollectionNotFound

from .conftest import FACTS


@pytest.fixture
def stocked(owner: Any, other: Any, collection: KnowledgeCollection) -> dict[str, Any]:
    recipes = services.collection_create(owner=owner, name="Recipes")
    theirs = services.collection_create(owner=other, name="Handbook")
    made = {
        "cats": services.document_create(collection=collection, title="Cats", text=FACTS["Cats"]),
        "bread": services.document_create(collection=recipes, title="Bread", text=FACTS["Bread"]),
        "theirs": services.document_create(
            collection=theirs, title="Their bread", text=FACTS["Bread"]
        ),
    }
    return {"recipes": recipes, **made}


@pytest.mark.django_db
def test_searches_every_collection_of_the_owner_and_no_one_elses(
    owner: Any, stocked: dict[str, Any]
) -> None:
    hits = selectors.knowledge_search_for(owner.pk, "baking a loaf", 5, None)
    assert [h["document"] for h in hits] == [stocked["bread"].pk, stocked["cats"].pk]
    assert set(hits[0]) >= {"document", "chunk", "score", "text"}


@pytest.mark.django_db
def test_a_collection_is_chosen_by_name_or_by_id(owner: Any, stocked: dict[str, Any]) -> None:
    by_name = selectors.knowledge_search_for(owner.pk, "baking", 5, "Handbook")
    by_id = selectors.knowledge_search_for(owner.pk, "baking", 5, str(stocked["recipes"].pk))
    assert [h["document"] for h in by_name] == [stocked["cats"].pk]
    assert [h["document"] for h in by_id] == [stocked["bread"].pk]


@pytest.mark.django_db
def test_an_unknown_or_foreign_collection_is_an_error(
    other: Any, owner: Any, stocked: dict[str, Any]
) -> None:
    with pytest.raises(CollectionNotFound, match="Recipes"):
        selectors.knowledge_search_for(other.pk, "bread", 5, "Recipes")
    with pytest.raises(CollectionNotFound):
        selectors.knowledge_search_for(other.pk, "bread", 5, str(stocked["recipes"].pk))


@pytest.mark.django_db
def test_k_is_clamped_to_the_allowed_range(owner: Any, stocked: dict[str, Any]) -> None:
    assert len(selectors.knowledge_search_for(owner.pk, "x", 0, None)) == 1
    assert len(selectors.knowledge_search_for(owner.pk, "x", 999, None)) == 2


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_run_context_memory_searches_the_run_owners_knowledge(
    owner: Any, stocked: dict[str, Any]
) -> None:
    from asgiref.sync import sync_to_async
    from django.db import connections

    from workflows.runs.context import RunMemory

    ctx = SimpleNamespace(run=SimpleNamespace(owner_id=owner.pk))
    try:
        hits = await RunMemory(ctx, "n1").search("bake bread", 1, "Recipes")  # type: ignore[arg-type]
    finally:  # on PostgreSQL the search ran on the sync thread's own connection: close it so the
        # test database can be dropped; on SQLite Django shares the test connection across threads.
        if connections["default"].vendor != "sqlite":
            await sync_to_async(connections.close_all, thread_sensitive=True)()
    assert [(h["document"], h["text"]) for h in hits] == [(stocked["bread"].pk, FACTS["Bread"])]
