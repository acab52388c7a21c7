"""Import a Langflow or Flowise file: preview (graph + report) and save (parse, call, format)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from workflows.foreign import foreign_preview, foreign_save
from workflows.serializers import GraphField, WorkflowSerializer


class PreviewSerializer(serializers.Serializer[Any]):
    document = serializers.JSONField(help_text="The exported Langflow or Flowise JSON.")


class AgentSpecSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    system_prompt = serializers.CharField(allow_blank=True, default="")
    model = serializers.CharField(max_length=200)
    builtin_tools = serializers.ListField(child=serializers.CharField(), default=list)


class SaveSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, default="")
    graph = GraphField()
    agents = AgentSpecSerializer(many=True, default=list)


@extend_schema(request=PreviewSerializer, responses={200: dict})
@api_view(["POST"])
def import_preview(request: Request) -> Response:
    """The graph a foreign file becomes, its report and problems; nothing is saved."""
    serializer = PreviewSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(
        foreign_preview(owner=request.user, document=serializer.validated_data["document"])
    )


@extend_schema(request=SaveSerializer, responses={201: WorkflowSerializer})
@api_view(["POST"])
def import_save(request: Request) -> Response:
    """Create the previewed workflow and the agents it needs."""
    serializer = SaveSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    workflow = foreign_save(owner=request.user, **serializer.validated_data)
    return Response(WorkflowSerializer(workflow).data, status=status.HTTP_201_CREATED)
