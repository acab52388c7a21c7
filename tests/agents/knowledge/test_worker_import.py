"""End to end: a queued document is imported by a real Celery worker on the lab queue."""

from __future__ import annotations

from typing import Any

import pytest

from agents.knowledge import services
from agents.knowledge.models import KnowledgeCollection, KnowledgeDocument
from tests.workflows.conftest import Worker, celery_worker, wait_for

from .conftest import FACTS

__all__ = ["celery_worker"]  # the fixture, shared with the workflow tests


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_queued_document_with_progress_to_ready(
    celery_worker: Worker, owner_api: Any, collection: KnowledgeCollection, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "INLINE_LIMIT", 100)
    text = "\n\n".join([FACTS["Bread"], FACTS["Rockets"]] * 6)
    url = f"/api/knowledge/collections/{collection.pk}/documents/"
    response = owner_api.post(url, {"title": "Queued", "text": text}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    doc_id = response.json()["id"]

    def ready() -> KnowledgeDocument | None:
        document = KnowledgeDocument.objects.get(pk=doc_id)
        assert document.status != "failed", document.error
        return document if document.status == "ready" else None

    document = wait_for(ready, timeout=120, interval=0.25)
    assert document.progress == 1.0 and document.chunk_count == document.chunks.count() >= 2
    hits = owner_api.get(f"/api/knowledge/collections/{collection.pk}/search/?q=orbit&k=1")
    assert hits.json()[0]["document"] == doc_id
