from rest_framework import viewsets

from axweb.ownership import OwnedViewSetMixin
from tools.models import Tool
from tools.serializers import ToolSerializer


class ToolViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    queryset = Tool.objects.select_related("owner")
    serializer_class = ToolSerializer
    search_fields = ["name", "description"]
    filterset_fields = ["kind"]
