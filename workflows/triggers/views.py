"""The triggers API (owner-scoped) and the public webhook door `POST /hooks/<id>/`."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from axweb.errors import error_body
from workflows.triggers import services
from workflows.triggers.fires import run_outcome
from workflows.triggers.models import Trigger
from workflows.triggers.selectors import schedule_preview, trigger_fires, triggers_visible
from workflows.triggers.serializers import (
    FireSerializer,
    PreviewSerializer,
    SecretSerializer,
    TriggerCreatedSerializer,
    TriggerSerializer,
)
from workflows.triggers.webhooks import (
    WebhookCall,
    WebhookRefused,
    body_size_check,
    run_status,
    webhook_accept,
)

WAIT_POLL_S = 0.05


class TriggerViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    serializer_class = TriggerSerializer
    filterset_fields = ["workflow", "kind", "enabled"]
    http_method_names = ["get", "post", "patch", "delete"]

    def get_queryset(self) -> Any:
        return triggers_visible(self.request.user)

    @extend_schema(responses={201: TriggerCreatedSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        workflow = data.pop("workflow")
        trigger, secret = services.trigger_create(owner=request.user, workflow=workflow, data=data)
        trigger.secret = secret  # type: ignore[attr-defined]
        body = TriggerCreatedSerializer(trigger, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        services.trigger_update(trigger=serializer.instance, data=dict(serializer.validated_data))

    def perform_destroy(self, instance: Trigger) -> None:
        services.trigger_delete(trigger=instance)

    @extend_schema(request=None, responses={200: SecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        secret = services.trigger_rotate_secret(trigger=self.get_object())
        return Response({"secret": secret})

    @extend_schema(responses={200: FireSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def fires(self, request: Request, pk: str) -> Response:
        fires = trigger_fires(self.get_object())
        return Response(FireSerializer(fires, many=True).data)

    @extend_schema(
        request=PreviewSerializer,
        responses={200: {"type": "object", "properties": {"next": {"type": "array"}}}},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        serializer = PreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        times = schedule_preview(
            cron=data["cron"], interval_s=data["interval_s"], timezone_name=data["timezone"]
        )
        return Response({"next": [t.isoformat() for t in times]})


def _refusal(status_code: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse(error_body(status_code, code, message, **extra), status=status_code)


def _invalid(exc: ValidationError) -> JsonResponse:
    detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    name, messages = next(iter(fields.items()))
    return _refusal(400, "invalid", f"{name}: {messages[0]}", fields=fields)


def _call(request: HttpRequest) -> WebhookCall:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    length = int(declared) if declared.isdigit() else None
    body_size_check(length or 0)
    return WebhookCall(
        body=request.body,
        headers={k.lower(): v for k, v in request.headers.items()},
        query={k: request.GET.get(k, "") for k in request.GET},
        declared_length=length,
    )


def _wait(run_id: Any, seconds: int) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if run := run_status(run_id):
            return run
        time.sleep(WAIT_POLL_S)
    return None


@extend_schema(exclude=True)
@csrf_exempt
def webhook(request: HttpRequest, trigger_id: str) -> JsonResponse:
    """A sync view: the whole call runs in the request's one worker thread (axweb/handler.py).
    An async view there costs four more hops between that thread and the event loop (the
    view on the loop, webhook_accept back in the thread); the thread is held for a `wait`
    call either way, since the sync middleware chain waits for the view."""
    if request.method != "POST":
        return _refusal(405, "method_not_allowed", "Webhooks take POST only.")
    try:
        call = _call(request)
        accepted = webhook_accept(trigger_id=str(trigger_id), call=call)
    except WebhookRefused as refused:
        response = _refusal(refused.status, refused.code, refused.message)
        if refused.retry_after:
            response["Retry-After"] = str(refused.retry_after)
        return response
    except ValidationError as exc:
        return _invalid(exc)
    run = accepted.run
    status_url = request.build_absolute_uri(f"/api/runs/{run.id}/")
    head = {"run_id": str(run.id), "status_url": status_url, "repeated": accepted.repeated}
    if accepted.trigger.response_mode == Trigger.Mode.WAIT:
        done = _wait(run.id, accepted.trigger.wait_timeout_s)
        if done is not None:
            return JsonResponse(head | run_outcome(done), status=200)
    return JsonResponse(head | {"status": run.status}, status=202)
