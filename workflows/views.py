from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from axweb.ownership import OwnedViewSetMixin
from workflows import services
from workflows.graphs import graph_normalize, graph_problems
from workflows.models import Workflow
from workflows.selectors import workflows_with_latest_version
from workflows.serializers import (
    DraftSerializer,
    ImportSerializer,
    ValidateSerializer,
    VersionCreateSerializer,
    VersionSerializer,
    VersionSummarySerializer,
    WorkflowSerializer,
)

UPDATABLE = ("name", "description", "expose_as_tool")


class WorkflowViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    queryset = Workflow.objects.select_related("owner")
    serializer_class = WorkflowSerializer
    search_fields = ["name", "description", "slug"]
    ordering_fields = ["name", "updated_at", "created_at"]

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        action = getattr(self, "action", None)  # None when built by another view
        if action == "list":  # a page of summaries: no drafts, latest versions in one query
            return workflows_with_latest_version(queryset.defer("draft"))
        if action == "retrieve":
            return workflows_with_latest_version(queryset)
        return queryset

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.workflow_create(
            owner=self.request.user,
            name=data["name"],
            description=data.get("description", ""),
            graph=data.get("graph"),
        )

    def perform_update(self, serializer: Any) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k in UPDATABLE}
        serializer.instance = services.workflow_update(workflow=serializer.instance, **data)

    @extend_schema(request=None, responses={201: WorkflowSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str) -> Response:
        copy_ = services.workflow_duplicate(workflow=self.get_object(), owner=request.user)
        return Response(self.get_serializer(copy_).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ImportSerializer})
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> Response:
        return Response(services.workflow_export(workflow=self.get_object()))

    @extend_schema(request=ImportSerializer, responses={201: WorkflowSerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request: Request) -> Response:
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workflow = services.workflow_import(owner=request.user, document=serializer.validated_data)
        return Response(self.get_serializer(workflow).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ValidateSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        serializer = ValidateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            {
                "problems": graph_problems(
                    graph_normalize(serializer.validated_data["graph"]), workflow
                )
            }
        )

    @extend_schema(methods=["get"], responses={200: DraftSerializer})
    @extend_schema(methods=["put"], request=DraftSerializer, responses={200: DraftSerializer})
    @action(detail=True, methods=["get", "put"])
    def draft(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        if request.method == "PUT":
            serializer = DraftSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            workflow = services.workflow_save_draft(
                workflow=workflow, graph=serializer.validated_data["graph"]
            )
        return Response({"graph": workflow.draft, "updated_at": workflow.draft_updated_at})


class WorkflowVersionViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Versions of one workflow: list, read, and save a new one (never change one)."""

    serializer_class = VersionSerializer
    lookup_field = "number"
    lookup_value_regex = r"\d+"

    def _workflow(self) -> Workflow:
        queryset = WorkflowViewSet(request=self.request).get_queryset()
        workflow: Workflow = get_object_or_404(queryset, pk=self.kwargs["workflow_pk"])
        return workflow

    def get_queryset(self) -> Any:
        return self._workflow().versions.select_related("created_by").order_by("-number")

    @extend_schema(responses={200: VersionSummarySerializer(many=True)})
    def list(self, request: Request, workflow_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(VersionSummarySerializer(page, many=True).data)

    def retrieve(self, request: Request, workflow_pk: str, number: str) -> Response:
        version = get_object_or_404(self.get_queryset(), number=number)
        return Response(VersionSerializer(version).data)

    @extend_schema(request=VersionCreateSerializer, responses={201: VersionSerializer})
    def create(self, request: Request, workflow_pk: str) -> Response:
        workflow = self._workflow()
        serializer = VersionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.workflow_save_version(
            workflow=workflow, user=request.user, **serializer.validated_data
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: dict})
@api_view(["GET"])
def node_kinds(request: Request) -> Response:
    """Every node kind with its config schema and typed ports: the canvas builds its palette from
    it."""
    from workflows.engine import catalog

    return Response(catalog())
