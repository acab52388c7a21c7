from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agents import credentials
from agents.llm.providers.table import providers_catalog
from agents.models import Agent, Credential, ModelEntry
from agents.parameters import parameters_catalog
from agents.serializers import (
    AgentSerializer,
    CredentialSerializer,
    ModelEntryPickerSerializer,
    ModelEntrySerializer,
)
from axweb.ownership import OwnedViewSetMixin


class AgentViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    queryset = Agent.objects.select_related("owner").prefetch_related("tools")
    serializer_class = AgentSerializer
    search_fields = ["name", "role"]
    filterset_fields = ["model"]

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def parameters(self, request: Request) -> Response:
        """What an agent's `parameters` may hold: name, label, kind, help, range, default."""
        return Response(parameters_catalog())


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):  # type: ignore[no-untyped-def]
        return request.method in permissions.SAFE_METHODS or bool(request.user.is_staff)


class ModelEntryViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """The models registry: everyone signed in reads it; staff edits it."""

    queryset = ModelEntry.objects.all()
    serializer_class = ModelEntrySerializer
    permission_classes = [permissions.IsAuthenticated, IsStaffOrReadOnly]
    search_fields = ["name"]
    filterset_fields = ["provider", "tier"]

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        staff = bool(getattr(self.request, "user", None) and self.request.user.is_staff)
        return ModelEntrySerializer if staff else ModelEntryPickerSerializer

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def providers(self, request: Request) -> Response:
        """The provider table: name, label, config JSON schema, credential name; and the tiers."""
        return Response(providers_catalog())


class CredentialViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    queryset = Credential.objects.all()
    serializer_class = CredentialSerializer
    filterset_fields = ["provider"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = credentials.credential_create(
            owner=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        credential = serializer.instance
        if "label" in data:
            credential.label = data["label"]
            credential.save(update_fields=["label"])
        if "secret" in data:
            credentials.credential_update_secret(credential=credential, secret=data["secret"])
