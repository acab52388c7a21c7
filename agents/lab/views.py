"""The lab API: quantization and benchmark jobs (own jobs; staff sees all), cancel, results."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from agents.lab.models import BenchmarkJob, QuantizationJob
from agents.lab.serializers import BenchmarkJobSerializer, QuantizationJobSerializer
from agents.lab.services import lifecycle
from agents.lab.services.results import lab_results
from axweb.ownership import OwnedViewSetMixin, owned


class StaffCreates(permissions.BasePermission):
    """Reading one's own jobs is for everyone; starting one is for staff, like the registry
    the lab writes compressed models into (a job holds a lab worker for minutes)."""

    message = "Only staff can start lab jobs: ask an administrator to run it or to make you staff."

    def has_permission(self, request, view):  # type: ignore[no-untyped-def]
        return view.action != "create" or bool(request.user.is_staff)


class _JobViewSet(
    OwnedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "status"]
    permission_classes = [permissions.IsAuthenticated, StaffCreates]

    def perform_create(self, serializer: Any) -> None:
        job = serializer.save(owner=self.request.user)
        lifecycle.job_enqueue_on_commit(job)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        job = lifecycle.job_cancel(job=self.get_object())
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        return Response(self.get_object().progress_payload())


class QuantizationJobViewSet(_JobViewSet):
    queryset = QuantizationJob.objects.select_related("owner", "registered_model")
    serializer_class = QuantizationJobSerializer
    filterset_fields = ["status", "method", "bits", "group_size"]


class BenchmarkJobViewSet(_JobViewSet):
    queryset = BenchmarkJob.objects.select_related("owner")
    serializer_class = BenchmarkJobSerializer
    filterset_fields = ["status", "target"]


@extend_schema(responses={200: dict})
@api_view(["GET"])
def results(request: Request) -> Response:
    """Finished jobs as rows for the results table and plots."""
    return Response(
        lab_results(
            jobs=owned(QuantizationJob.objects.all(), request.user),
            benchmarks=owned(BenchmarkJob.objects.all(), request.user),
        )
    )
