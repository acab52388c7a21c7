from rest_framework import permissions, viewsets

from agents.models import Agent, ModelEntry
from agents.serializers import AgentSerializer, ModelEntrySerializer
from axweb.ownership import OwnedViewSetMixin


class AgentViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    queryset = Agent.objects.select_related("owner").prefetch_related("tools")
    serializer_class = AgentSerializer
    search_fields = ["name", "role"]
    filterset_fields = ["model"]


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
