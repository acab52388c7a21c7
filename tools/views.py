from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from axweb.ownership import OwnedViewSetMixin
from tools.base import ToolError
from tools.models import Tool
from tools.serializers import ToolSerializer
from tools.services import tool_mcp_refresh, tools_catalog


class ToolViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    queryset = Tool.objects.select_related("owner")
    serializer_class = ToolSerializer
    search_fields = ["name", "description"]
    filterset_fields = ["kind"]

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def catalog(self, request: Request) -> Response:
        """Every tool the user can give an agent or a tool node: builtins and their own."""
        owner_id = request.user.pk
        assert owner_id is not None  # IsAuthenticated
        return Response(tools_catalog(owner_id))

    @extend_schema(request=None, responses={200: ToolSerializer})
    @action(detail=True, methods=["post"])
    def refresh(self, request: Request, pk: str) -> Response:
        """Discover an MCP server's tools now (they join the catalog as `<server>__<tool>`)."""
        row = self.get_object()
        if row.kind != Tool.Kind.MCP:
            raise ValidationError({"kind": ["Only an mcp tool has tools to discover."]})
        try:
            row = tool_mcp_refresh(row=row)
        except ToolError as exc:
            raise ValidationError({"config": [exc.reason]}) from None
        return Response(self.get_serializer(row).data)
