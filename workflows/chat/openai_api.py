"""The OpenAI-compatible API (docs/chat.md): `POST /v1/chat/completions` and `GET /v1/models`,
where a model is the slug of one of the caller's workflows that can chat.

A thin adapter: parse → `run_start` (a normal durable run with `{message, history}`) → format.
Streaming answers are the run's `node.token` events of the chat output's feeding node, read
from the same event stream as the SSE endpoint, as OpenAI `chat.completion.chunk`s; errors come
in OpenAI's shape `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from channels.db import database_sync_to_async as sync_to_async
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import ValidationError

from accounts.tokens import api_token_user
from workflows.chat import services
from workflows.chat.settle import strip_notes
from workflows.chat.spec import ChatSpec, chat_spec
from workflows.models import FINISHED_STATUSES, Run, RunStatus, Workflow
from workflows.runs import services as run_services
from workflows.runs.follow import run_settled
from workflows.runs.sse import sse_event_stream

TERMINAL = {"run.finished", "run.failed", "run.cancelled"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param

    def response(self) -> JsonResponse:
        kind = {401: "authentication_error", 404: "invalid_request_error"}.get(
            self.status, "invalid_request_error" if self.status < 500 else "server_error"
        )
        body = {"message": self.message, "type": kind, "param": self.param, "code": self.code}
        return JsonResponse({"error": body}, status=self.status)


def _user(request: HttpRequest) -> Any:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    found = api_token_user(secret=secret.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise ApiError(
            401,
            "Send a valid API token: `Authorization: Bearer <token>` (Settings → API tokens).",
            "invalid_api_key",
        )
    return found[0]


def _text(content: Any) -> str:
    """A message's content: a string, or OpenAI's list of parts (their text parts joined)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def _turns(body: Any) -> tuple[str, list[dict[str, str]]]:
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "`messages` must be a non-empty list.", "invalid_messages", "messages")
    turns = [
        {"role": m["role"], "content": _text(m.get("content"))}
        for m in messages
        if isinstance(m, dict) and m.get("role") in ("user", "assistant")
    ]
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise ApiError(
            400, "The last message must be a non-empty user message.", "empty_message", "messages"
        )
    return turns[-1]["content"], turns[:-1]


def _workflow(user: Any, model: Any) -> Workflow:
    workflow = Workflow.objects.filter(owner=user, slug=model).first() if model else None
    if workflow is None:
        raise ApiError(
            404,
            f"The model '{model}' does not exist. A model is the slug of one of your workflows "
            "that can chat; GET /v1/models lists them.",
            "model_not_found",
            "model",
        )
    return workflow


def _start(request: HttpRequest, body: Any) -> tuple[Run, ChatSpec, str]:
    user = _user(request)
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.", "invalid_body")
    message, history = _turns(body)
    workflow = _workflow(user, body.get("model"))
    try:
        services.chat_require(workflow, None, False)
        run = run_services.run_start(
            owner=user, workflow=workflow, inputs={"message": message, "history": history}
        )
    except ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"request": exc.detail}
        text = " ".join(f"{k}: {' '.join(map(str, v))}" for k, v in detail.items())
        raise ApiError(400, text, "invalid_request") from exc
    return run, chat_spec(run.version.graph), workflow.slug


async def _events(run: Run) -> AsyncIterator[dict[str, Any]]:
    """The run's events, stored then live, until it settles (the SSE stream, parsed)."""
    async for frame in sse_event_stream(run.id, 0):
        if frame.startswith("id:"):
            event: dict[str, Any] = json.loads(frame.split("\ndata: ", 1)[1])
            yield event


def _chunk(run: Run, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": f"chatcmpl-{run.id}",
        "object": "chat.completion.chunk",
        "created": int(run.created_at.timestamp()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def _cancel(run_id: Any) -> None:
    run = Run.objects.filter(pk=run_id).exclude(status__in=FINISHED_STATUSES).first()
    if run is not None:
        try:
            run_services.run_cancel(run=run)
        except ValidationError:
            pass


async def _stream(run: Run, spec: ChatSpec, model: str) -> AsyncIterator[str]:
    settled = None
    try:
        yield _chunk(run, model, {"role": "assistant", "content": ""})
        async for event in _events(run):
            if event["type"] == "node.token" and event.get("node") in spec.stream_nodes:
                text = strip_notes(str(event["data"].get("text", "")))
                if text:
                    yield _chunk(run, model, {"content": text})
            elif event["type"] in TERMINAL:
                settled = event
        if settled is not None and settled["type"] == "run.finished":
            yield _chunk(run, model, {}, "stop")
        else:
            reason = (settled or {}).get("data", {}).get("error") or "The run did not finish."
            error = {"message": str(reason), "type": "server_error", "code": "run_failed"}
            yield f"data: {json.dumps({'error': error})}\n\n"
        yield "data: [DONE]\n\n"
    finally:
        if settled is None:  # the client went away mid-answer: stop generating
            await sync_to_async(_cancel)(run.id)


def _completion(run: Run, spec: ChatSpec, model: str) -> HttpResponse:
    run.refresh_from_db()
    if run.status != RunStatus.SUCCEEDED:
        raise ApiError(502, f"The workflow's run {run.status}: {run.error}", "run_failed")
    value = (run.outputs or {}).get(spec.output_name)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    usage = run.usage or {}
    prompt, completion = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    body = {
        "id": f"chatcmpl-{run.id}",
        "object": "chat.completion",
        "created": int(run.created_at.timestamp()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
    return JsonResponse(body)


@csrf_exempt
async def chat_completions(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST":
        return ApiError(405, "Use POST.", "method_not_allowed").response()
    try:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            raise ApiError(400, "The body is not valid JSON.", "invalid_json") from None
        run, spec, model = await sync_to_async(_start)(request, body)
        if body.get("stream"):
            response = StreamingHttpResponse(
                _stream(run, spec, model), content_type="text/event-stream"
            )
            response["Cache-Control"] = "no-cache"
            return response
        async for _event in _events(run):
            pass
        await run_settled(run.id)  # the outputs and status are stored just after the last event
        completion: HttpResponse = await sync_to_async(_completion)(run, spec, model)
        return completion
    except ApiError as error:
        return error.response()


def _models(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    found = []
    for workflow in Workflow.objects.filter(owner=user).order_by("slug"):
        latest = workflow.versions.order_by("-number").first()
        if latest is not None and chat_spec(latest.graph).can_chat:
            created = int(workflow.created_at.timestamp())
            found.append(
                {"id": workflow.slug, "object": "model", "created": created, "owned_by": "axweb"}
            )
    return found


@csrf_exempt
async def models(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return ApiError(405, "Use GET.", "method_not_allowed").response()
    try:
        data = await sync_to_async(_models)(request)
    except ApiError as error:
        return error.response()
    return JsonResponse({"object": "list", "data": data})
