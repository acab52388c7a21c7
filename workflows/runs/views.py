from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from axweb.ownership import owned
from workflows.models import FINISHED_STATUSES, Approval
from workflows.runs import events as ev
from workflows.runs import otel
from workflows.runs import selectors as run_selectors
from workflows.runs import services as run_services
from workflows.runs.serializers import (
    ApprovalSerializer,
    DecisionSerializer,
    RerunSerializer,
    RunCreateSerializer,
    RunSerializer,
)
from workflows.runs.sse import sse_event_stream


class EventStreamRenderer(BaseRenderer):
    """Lets `Accept: text/event-stream` (what EventSource sends) through content negotiation.

    The stream itself is a StreamingHttpResponse; this only renders errors (404, 401) as one
    `event: error` frame, which EventSource reports as a failed connection.
    """

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return f"event: error\ndata: {json.dumps(data)}\n\n".encode()


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = RunSerializer
    filterset_fields = ["workflow", "status", "parent"]
    search_fields = ["workflow__name", "id"]

    def get_queryset(self) -> Any:
        return run_selectors.runs_visible(self.request.user)

    @extend_schema(request=RunCreateSerializer, responses={201: RunSerializer})
    def create(self, request: Request) -> Response:
        serializer = RunCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workflow = run_services.workflow_runnable(user=request.user, workflow_id=data["workflow"])
        run = run_services.run_start(
            owner=request.user,
            workflow=workflow,
            version=data["version"],
            inputs=data["inputs"],
            budgets=data["budgets"],
        )
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: RunSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        run = run_services.run_cancel(run=self.get_object())
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=RerunSerializer, responses={201: RunSerializer})
    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, pk: str) -> Response:
        serializer = RerunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = run_services.run_rerun(
            run=self.get_object(), owner=request.user, **serializer.validated_data
        )
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("at", int, required=False)], responses={200: dict})
    @action(detail=True, methods=["get"])
    def snapshot(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        at = request.query_params.get("at")
        return Response(
            run_selectors.run_snapshot(run.id, int(at) if at and at.isdigit() else None)
        )

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def graph(self, request: Request, pk: str) -> Response:
        """The graph this run ran: its version's, the pinned draft's for a playground run."""
        run = self.get_object()
        version = run.version
        return Response(
            {
                "graph": version.graph,
                "version": None if version.draft else version.number,
                "draft": version.draft,
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("since", int, required=False)], responses={200: dict}
    )
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        since = request.query_params.get("since", "0")
        run = self.get_object()
        return Response(
            {"events": ev.events_after(run.id, int(since) if since.isdigit() else 0, limit=5000)}
        )

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "otlp"], required=False)],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, otel.OtlpJSONRenderer])
    def export(self, request: Request, pk: str) -> Response | StreamingHttpResponse:
        """The full trace (`axweb_trace`), or OTLP/JSON `resourceSpans` with `?format=otlp`."""
        run = self.get_object()
        if request.accepted_renderer.format == "otlp":
            return Response(otel.run_otlp(run))
        return StreamingHttpResponse(
            run_selectors.run_export_chunks(run), content_type="application/json"
        )

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def approvals(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        return Response(ApprovalSerializer(run.approvals.all(), many=True).data)

    @extend_schema(responses={(200, "text/event-stream"): str})
    @action(
        detail=True,
        methods=["get"],
        url_path="events/stream",
        renderer_classes=[JSONRenderer, EventStreamRenderer],
    )
    def stream(self, request: Request, pk: str) -> HttpResponse | StreamingHttpResponse:
        """Events as SSE; a resume (Last-Event-ID) of a finished run the client has whole gets 204.

        204 is how a server tells EventSource to stop reconnecting (the spec's "fail the
        connection").
        """
        run = self.get_object()
        resume = request.headers.get("Last-Event-ID", "")
        last = resume or request.query_params.get("since") or "0"
        since = int(last) if last.isdigit() else 0
        if resume and run.status in FINISHED_STATUSES and since >= run.last_seq:
            return HttpResponse(status=status.HTTP_204_NO_CONTENT)
        response = StreamingHttpResponse(
            sse_event_stream(run.id, since), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = ApprovalSerializer
    filterset_fields = ["status", "run"]

    def get_queryset(self) -> Any:
        return owned(
            Approval.objects.select_related("run", "decided_by"), self.request.user, "run__owner"
        )

    @extend_schema(request=DecisionSerializer, responses={200: ApprovalSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        approval = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        approval = run_services.approval_decide(
            approval=approval, user=request.user, **serializer.validated_data
        )
        return Response(ApprovalSerializer(approval).data)
