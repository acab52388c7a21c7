"""The knowledge store as the run context sees it (sync; called through sync_to_async)."""

from __future__ import annotations

from typing import Any

from agents.knowledge.selectors import MAX_K, collections_for_owner, knowledge_search


def knowledge_search_for(owner_id: int, query: str, k: int,
                         collection: str | None) -> list[dict[str, Any]]:
    """Top-``k`` chunks of the owner's collections (one, by name or id, if given).

    Returns ``[{document, chunk, score, text, title, heading}]`` best first; raises
    ``CollectionNotFound`` (a LookupError) for a collection the owner does not have.
    """
    collections = collections_for_owner(owner_id=owner_id, collection=collection)
    return knowledge_search(collections=collections, query=query, k=max(1, min(k, MAX_K)))
