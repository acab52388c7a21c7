"""Firing a trigger: inputs mapped from the payload, then the one door, `run_start`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework.exceptions import ValidationError

from workflows.models import Run
from workflows.runs.services import run_start
from workflows.triggers.mapping import inputs_map
from workflows.triggers.models import Trigger, TriggerFire


def _reason(exc: ValidationError) -> str:
    detail = exc.detail
    if not isinstance(detail, dict):
        return " ".join(str(item) for item in detail) if isinstance(detail, list) else str(detail)
    return "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in detail.items())


def trigger_fire(
    trigger: Trigger,
    payload: Any,
    *,
    tick_at: datetime | None = None,
    idempotency_key: str = "",
    extra: dict[str, Any] | None = None,
) -> TriggerFire:
    """Start a run for `trigger` and record it. A payload that does not make valid inputs is
    recorded as a refused fire and the ValidationError raised again (a webhook answers 400)."""
    try:
        inputs = inputs_map(trigger.input_mapping, payload, **(extra or {}))
        fires: list[TriggerFire] = []
        # The fire commits with the run, in run_start's transaction: the version is read
        # before it, so the write lock is held for the two INSERTs only.
        run_start(
            owner=trigger.owner,
            workflow=trigger.workflow,
            version=trigger.version,
            inputs=inputs,
            along=lambda run: fires.append(
                TriggerFire.objects.create(
                    trigger=trigger,
                    run=run,
                    status=TriggerFire.Status.STARTED,
                    tick_at=tick_at,
                    idempotency_key=idempotency_key,
                )
            ),
        )
        return fires[0]
    except ValidationError as exc:
        TriggerFire.objects.create(
            trigger=trigger, status=TriggerFire.Status.REFUSED, detail=_reason(exc), tick_at=tick_at
        )
        raise


def fire_skip(trigger: Trigger, tick_at: datetime, why: str) -> TriggerFire:
    return TriggerFire.objects.create(
        trigger=trigger, status=TriggerFire.Status.SKIPPED, detail=why, tick_at=tick_at
    )


def run_outcome(run: Run) -> dict[str, Any]:
    return {"run_id": str(run.id), "status": run.status, "outputs": run.outputs, "error": run.error}
