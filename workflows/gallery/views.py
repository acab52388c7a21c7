"""The templates API: list the gallery, use a template (parse, call one service, format)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from agents.refs import model_ref_problem
from workflows.gallery.catalog import TEMPLATES, TemplateNotFound, templates_list
from workflows.gallery.services import template_use
from workflows.gallery.spec import BUILTIN_MODEL
from workflows.serializers import WorkflowSerializer


class UseSerializer(serializers.Serializer[Any]):
    model = serializers.CharField(max_length=200, required=False, default=BUILTIN_MODEL)

    def validate_model(self, value: str) -> str:
        problem = model_ref_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


@extend_schema(responses={200: dict})
@api_view(["GET"])
def template_list(request: Request) -> Response:
    """Every template (with its graph for the picture); ``search`` and ``category`` narrow."""
    results = templates_list(
        search=request.query_params.get("search", ""),
        category=request.query_params.get("category", ""),
    )
    categories = sorted({t.category for t in TEMPLATES})
    return Response({"count": len(results), "categories": categories, "results": results})


@extend_schema(request=UseSerializer, responses={201: dict})
@api_view(["POST"])
def template_use_view(request: Request, slug: str) -> Response:
    """Copy the template's workflow, agents, tools and knowledge into the caller's space."""
    serializer = UseSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        workflow, report = template_use(
            owner=request.user, slug=slug, model=serializer.validated_data["model"]
        )
    except TemplateNotFound as exc:
        raise NotFound(str(exc)) from None
    return Response(
        {"workflow": WorkflowSerializer(workflow).data, **report}, status=status.HTTP_201_CREATED
    )
