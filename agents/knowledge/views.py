"""Knowledge API: collections (owned), their documents, and semantic search."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agents.knowledge import selectors, services
from agents.knowledge.models import KnowledgeCollection, KnowledgeDocument
from agents.knowledge.serializers import (
    CollectionSerializer,
    DocumentSerializer,
    SearchHitSerializer,
    SearchQuerySerializer,
)


class CollectionViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    serializer_class = CollectionSerializer
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[KnowledgeCollection]:
        return selectors.collection_list(user=self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.collection_create(
            owner=self.request.user, name=data["name"], description=data.get("description", "")
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.collection_update(
            collection=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: KnowledgeCollection) -> None:
        services.collection_delete(collection=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("k", int, required=False),
        ],
        responses={200: SearchHitSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def search(self, request: Request, pk: str) -> Response:
        collection = self.get_object()  # another user's collection is 404 whatever the query
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        hits = selectors.knowledge_search(
            collections=[collection], query=query.validated_data["q"], k=query.validated_data["k"]
        )
        return Response(hits)


class DocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Documents of one collection; POST imports inline (small) or on the lab queue."""

    serializer_class = DocumentSerializer
    search_fields = ["title"]
    filterset_fields = ["status", "format"]

    def collection(self) -> KnowledgeCollection:
        collections = selectors.collection_list(user=self.request.user)
        return get_object_or_404(collections, pk=self.kwargs["collection_pk"])

    def get_queryset(self) -> QuerySet[KnowledgeDocument]:
        return selectors.document_list(collection=self.collection())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        collection = self.collection()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.document_create(
            collection=collection, title=data["title"], text=data["source"], format=data["format"]
        )
        queued = document.status == document.Status.PENDING
        code = status.HTTP_202_ACCEPTED if queued else status.HTTP_201_CREATED
        return Response(self.get_serializer(document).data, status=code)

    def perform_destroy(self, instance: KnowledgeDocument) -> None:
        services.document_delete(document=instance)
