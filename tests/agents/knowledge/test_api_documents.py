"""Documents and search over HTTP, with the real all-MiniLM-L6-v2 (tiny texts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agents.knowledge import services
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument
from agents.knowledge.tasks import document_import_task

from .conftest import FACTS

pytestmark = pytest.mark.django_db


def docs_url(collection: KnowledgeCollection) -> str:
    return f"/api/knowledge/collections/{collection.pk}/documents/"


def search_url(collection: KnowledgeCollection, query: str, k: int | str = 3) -> str:
    return f"/api/knowledge/collections/{collection.pk}/search/?q={query}&k={k}"


@pytest.fixture
def facts(owner_api: Any, collection: KnowledgeCollection) -> dict[str, int]:
    ids = {}
    for title, text in FACTS.items():
        response = owner_api.post(
            docs_url(collection), {"title": title, "text": text}, format="json"
        )
        assert response.status_code == 201, response.json()
        ids[title] = response.json()["id"]
    return ids


def test_a_small_document_is_chunked_and_embedded_inline(
    owner_api: Any, collection: KnowledgeCollection
) -> None:
    text = "# Setup\n\nInstall the app.\n\n# Usage\n\nRun the app and open the browser."
    response = owner_api.post(
        docs_url(collection), {"title": "Guide", "text": text, "format": "markdown"}, format="json"
    )
    body = response.json()
    assert response.status_code == 201
    assert (body["status"], body["progress"], body["chunk_count"]) == ("ready", 1.0, 2)
    chunks = list(KnowledgeChunk.objects.filter(document_id=body["id"]))
    assert [c.heading for c in chunks] == ["Setup", "Usage"]
    vectors = np.stack([np.frombuffer(c.embedding, dtype="<f4") for c in chunks])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_search_finds_the_relevant_chunk_first(
    owner_api: Any, collection: KnowledgeCollection, facts: dict[str, int]
) -> None:
    response = owner_api.get(search_url(collection, "how do I make a loaf of bread?"))
    hits = response.json()
    assert response.status_code == 200 and len(hits) == 3
    assert hits[0]["document"] == facts["Bread"] and hits[0]["chunk"] == 0
    assert hits[0]["text"] == FACTS["Bread"]
    assert hits[0]["score"] > hits[1]["score"] >= hits[2]["score"]


def test_k_limits_the_number_of_hits(
    owner_api: Any, collection: KnowledgeCollection, facts: dict[str, int]
) -> None:
    hits = owner_api.get(search_url(collection, "space travel", k=1)).json()
    assert [h["document"] for h in hits] == [facts["Rockets"]]


def test_deleting_a_document_removes_it_from_search(
    owner_api: Any, collection: KnowledgeCollection, facts: dict[str, int]
) -> None:
    assert owner_api.get(search_url(collection, "bread")).json()[0]["document"] == facts["Bread"]
    assert owner_api.delete(f"{docs_url(collection)}{facts['Bread']}/").status_code == 204
    hits = owner_api.get(search_url(collection, "bread", k=5)).json()
    assert facts["Bread"] not in {h["document"] for h in hits} and len(hits) == 2


def test_documents_are_listed_with_their_status(
    owner_api: Any, collection: KnowledgeCollection, facts: dict[str, int]
) -> None:
    body = owner_api.get(docs_url(collection)).json()
    assert body["count"] == 3
    assert {d["status"] for d in body["results"]} == {"ready"}
    assert "text" not in body["results"][0]


def test_a_failed_inline_import_is_reported_on_the_document(
    owner_api: Any, collection: KnowledgeCollection, monkeypatch: Any
) -> None:
    class Broken:
        def __init__(self, dtype: str = "auto") -> None:
            pass

        def embed(self, texts: list[str]) -> np.ndarray:
            raise RuntimeError("no model here")

    monkeypatch.setattr(services, "shared_embedder", Broken)
    response = owner_api.post(docs_url(collection), {"title": "T", "text": "hello"}, format="json")
    body = response.json()
    assert response.status_code == 201
    assert (body["status"], body["error"]) == ("failed", "RuntimeError: no model here")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "Empty", "text": "   "}, "text"),
        ({"title": "No text"}, "text"),
        ({"title": "Odd", "text": "hello", "format": "pdf"}, "format"),
        ({"text": "hello"}, "title"),
    ],
)
def test_invalid_documents_are_a_400_naming_the_field(
    owner_api: Any, collection: KnowledgeCollection, payload: dict[str, str], field: str
) -> None:
    response = owner_api.post(docs_url(collection), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert not KnowledgeDocument.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=cats&k=0", "k"),
        ("q=cats&k=51", "k"),
        ("q=cats&k=many", "k"),
        ("k=3", "q"),
        ("q=", "q"),
    ],
)
def test_invalid_search_is_a_400_naming_the_parameter(
    owner_api: Any, collection: KnowledgeCollection, query: str, field: str
) -> None:
    response = owner_api.get(f"/api/knowledge/collections/{collection.pk}/search/?{query}")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.django_db(transaction=True)  # the task closes and reopens its connection
def test_a_large_document_is_queued_for_the_lab_worker_and_imported_by_the_task(
    owner_api: Any,
    collection: KnowledgeCollection,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(services, "INLINE_LIMIT", 300)  # keep the real-model import small
    queued: list[int] = []
    monkeypatch.setattr(document_import_task, "delay", queued.append)
    text = "\n\n".join([FACTS["Cats"]] * 8 + [FACTS["Rockets"]] * 8)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(
            docs_url(collection), {"title": "Big", "text": text}, format="json"
        )
    body = response.json()
    assert response.status_code == 202
    assert (body["status"], body["chunk_count"], queued) == ("pending", 0, [body["id"]])

    assert document_import_task(body["id"]) == "ready"

    status = owner_api.get(f"{docs_url(collection)}{body['id']}/").json()
    assert (status["status"], status["progress"]) == ("ready", 1.0)
    stored = KnowledgeChunk.objects.filter(document_id=body["id"]).count()
    assert status["chunk_count"] == stored >= 2
    hits = owner_api.get(search_url(collection, "launch into orbit", k=1)).json()
    assert hits[0]["document"] == body["id"] and "rocket" in hits[0]["text"]


def test_the_task_routes_to_the_lab_queue() -> None:
    from axweb.celery import app

    route = app.amqp.router.route({}, document_import_task.name)
    assert route["queue"].name == "lab"
