"""The admin lists, searches and filters collections, documents and chunks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agents.knowledge import matrix
from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(django_user_model: Any, collection: KnowledgeCollection) -> Client:
    document = KnowledgeDocument.objects.create(
        collection=collection, title="Guide", source="text", status="ready"
    )
    KnowledgeChunk.objects.create(
        document=document,
        collection=collection,
        index=0,
        text="needle in a haystack",
        embedding=matrix.vector_to_bytes([0.0] * 384),
    )
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("knowledgecollection", "?q=Handbook", "Handbook"),
        ("knowledgedocument", "?status__exact=ready&q=Guide", "Guide"),
        ("knowledgechunk", "?q=needle", "Guide"),
    ],
)
def test_changelists_search_and_filter(
    admin_client_: Client, model: str, query: str, expected: str
) -> None:
    response = admin_client_.get(f"/admin/knowledge/{model}/{query}")
    assert response.status_code == 200 and expected in response.content.decode()


def test_a_chunk_page_renders_without_the_binary_embedding(admin_client_: Client) -> None:
    chunk = KnowledgeChunk.objects.get()
    response = admin_client_.get(f"/admin/knowledge/knowledgechunk/{chunk.pk}/change/")
    assert response.status_code == 200 and "needle in a haystack" in response.content.decode()
