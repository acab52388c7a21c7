"""A webhook call: find the trigger, check size, secret and rate, then fire (once per key)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from workflows.models import FINISHED_STATUSES, Run
from workflows.triggers import signing
from workflows.triggers.fires import trigger_fire
from workflows.triggers.gate import RateLimited, gate_pass
from workflows.triggers.models import Trigger, TriggerFire

IDEMPOTENCY_WINDOW = timedelta(hours=24)


class WebhookRefused(Exception):
    """An answer other than a started run: HTTP status, error code and a sentence."""

    def __init__(self, status: int, code: str, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


@dataclass
class WebhookCall:
    body: bytes
    headers: dict[str, str]  # lower-case names
    query: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None


@dataclass
class WebhookAccepted:
    trigger: Trigger
    run: Run
    repeated: bool  # an Idempotency-Key seen before: the first call's run


def _trigger(trigger_id: str) -> Trigger:
    try:
        UUID(trigger_id)
    except ValueError:
        raise WebhookRefused(404, "not_found", "There is no webhook at this address.") from None
    try:  # get(), not first(): no ORDER BY for one row (compiling it was a third of the call)
        trigger = Trigger.objects.select_related("workflow", "owner").get(
            pk=trigger_id, kind=Trigger.Kind.WEBHOOK
        )
    except Trigger.DoesNotExist:
        raise WebhookRefused(404, "not_found", "There is no webhook at this address.") from None
    if not trigger.enabled:
        raise WebhookRefused(403, "disabled", "This webhook is disabled; enable it to use it.")
    return trigger


def body_size_check(size: int) -> None:
    """413 for a body over AXWEB_WEBHOOK_MAX_BYTES (checked on Content-Length before reading)."""
    cap = settings.AXWEB_WEBHOOK_MAX_BYTES
    if size > cap:
        raise WebhookRefused(
            413, "too_large", f"The body is {size:,} bytes; webhooks accept at most {cap:,}."
        )


def _authenticate(trigger: Trigger, call: WebhookCall) -> None:
    try:
        signature = None
        if trigger.auth == Trigger.Auth.BEARER:
            signing.bearer_check(call.headers, trigger.secret_hash)
        else:
            signature = signing.hmac_check(call.headers, call.body, bytes(trigger.secret_encrypted))
        gate_pass(str(trigger.id), trigger.rate_limit_per_min, signature)
    except signing.Unauthorized as exc:
        raise WebhookRefused(401, "unauthorized", str(exc)) from None
    except RateLimited as exc:
        raise WebhookRefused(429, "rate_limited", str(exc), exc.retry_after) from None


def _payload(call: WebhookCall) -> Any:
    if not call.body.strip():
        return {}
    content_type = call.headers.get("content-type", "application/json").split(";")[0].strip()
    if content_type.endswith("json"):
        try:
            return json.loads(call.body)
        except (ValueError, RecursionError) as exc:
            message = f"The body is not valid JSON: {exc}."
            raise WebhookRefused(400, "parse_error", message) from None
    return call.body.decode(errors="replace")


def _first_for_key(trigger: Trigger, key: str) -> Run | None:
    fire = TriggerFire.objects.filter(trigger=trigger, idempotency_key=key).first()
    if fire is None:
        return None
    if fire.created_at < timezone.now() - IDEMPOTENCY_WINDOW:
        fire.delete()  # the key is free again after 24 h
        return None
    if fire.run is None:
        raise WebhookRefused(409, "gone", "The run of this Idempotency-Key was deleted.")
    return fire.run


def webhook_accept(*, trigger_id: str, call: WebhookCall) -> WebhookAccepted:
    """Start the run a webhook call asks for, or raise WebhookRefused saying why not.
    A ValidationError (inputs the flow refuses) passes through for the view to answer 400."""
    trigger = _trigger(trigger_id)
    body_size_check(max(call.declared_length or 0, len(call.body)))
    _authenticate(trigger, call)
    key = call.headers.get("idempotency-key", "").strip()[:200]
    if key and (run := _first_for_key(trigger, key)):
        return WebhookAccepted(trigger, run, repeated=True)
    payload = _payload(call)
    extra = {"headers": call.headers, "query": call.query}
    try:
        fire = trigger_fire(trigger, payload, idempotency_key=key, extra=extra)
    except IntegrityError:  # the same key, at the same moment, in another process
        first = _first_for_key(trigger, key)
        if first is None:
            raise
        return WebhookAccepted(trigger, first, repeated=True)
    assert fire.run is not None
    return WebhookAccepted(trigger, fire.run, repeated=False)


def run_status(run_id: UUID) -> Run | None:
    """The run once it has finished or paused, else None (for `wait` mode)."""
    run = Run.objects.filter(pk=run_id).first()
    if run is None or run.status in FINISHED_STATUSES or run.status == "paused":
        return run
    return None
