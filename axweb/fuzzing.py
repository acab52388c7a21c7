"""Stateful API fuzzing as two users: no server errors, and user B never reads user A's objects.

`fuzz_api(cases)` drives schemathesis' state machine (links between operations inferred from
/api/schema/: a created workflow's id feeds its draft, versions, runs …) in-process through
the WSGI app, first as user A (seeded with the demo data), then as user B, about `cases`
requests each. Celery tasks are not sent (the API is under test, not the engine or the lab).

Afterwards:
- `server_errors`: responses with a 5xx status, in either phase (each with its request);
- `cross_user_reads`: B's responses that carry an object A owns (an A uuid anywhere, or an
  object with A's `id` from the same collection), plus every GET detail endpoint (and its
  read actions) that answers B with anything but 404 for each of A's objects;
- `cross_user_writes`: A's objects (still listed for A before B's phase) gone afterwards.
Both users and everything they made are deleted at the end.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A live stream of a run that never runs here would not end; revoking its own token would leave
# the fuzzer unauthenticated for the rest of its cases.
SKIPPED_PATHS = r"events/stream|auth/tokens/\{"
STEPS = 8  # requests per scenario at most
RUN_SCENARIOS = 25  # scenarios per Hypothesis run


@dataclass
class Tally:
    cases: int = 0
    restarts: int = 0
    statuses: dict[str, int] = field(
        default_factory=dict
    )  # "2xx" → count: a run of all 4xx is hollow
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    cross_user_reads: list[dict[str, Any]] = field(default_factory=list)
    cross_user_writes: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[tuple[str, str, bytes]] = field(default_factory=list)  # B's (template, url, body)

    def summary(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "server_errors": len(self.server_errors),
            "cross_user_reads": len(self.cross_user_reads),
            "cross_user_writes": len(self.cross_user_writes),
            "restarts": self.restarts,
            "responses": dict(sorted(self.statuses.items())),
            "details": {
                "server_errors": _unique(self.server_errors)[:20],
                "cross_user_reads": self.cross_user_reads[:20],
                "cross_user_writes": self.cross_user_writes[:20],
            },
        }


def _unique(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    for error in errors:
        seen.setdefault((error["operation"], error["status"]), {**error, "count": 0})["count"] += 1
    return list(seen.values())


def _request_of(case: Any, response: Any) -> dict[str, Any]:
    body = getattr(case, "body", None)
    return {
        "operation": f"{case.method.upper()} {case.operation.path}",
        "url": str(response.request.url),
        "body": body if isinstance(body, (dict, list, str, int, float, type(None))) else repr(body),
    }


def _machine(schema: Any, token: str, tally: Tally, record_bodies: bool) -> Any:
    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def after_call(self, response: Any, case: Any) -> None:
            tally.cases += 1
            status_class = f"{response.status_code // 100}xx"
            tally.statuses[status_class] = tally.statuses.get(status_class, 0) + 1
            if response.status_code >= 500:
                tally.server_errors.append(
                    {
                        **_request_of(case, response),
                        "status": response.status_code,
                        "response": response.content[:300].decode(errors="replace"),
                    }
                )
            if record_bodies and response.status_code < 300:
                tally.bodies.append(
                    (case.operation.path, str(response.request.url), response.content)
                )

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            pass  # counted in after_call; a failure must not end the run

    return Machine


def _drive(schema: Any, token: str, tally: Tally, cases: int, record_bodies: bool) -> None:
    """Scenarios of the state machine until `cases` more requests went out. A scenario whose
    responses changed what the next one draws makes Hypothesis stop the run as "flaky" (the
    API has state); a fresh run then continues."""
    import hypothesis
    from hypothesis.errors import FlakyStrategyDefinition

    machine = _machine(schema, token, tally, record_bodies)
    target, idle = tally.cases + cases, 0
    while tally.cases < target and idle < 3:
        before = tally.cases
        settings = hypothesis.settings(
            max_examples=min(RUN_SCENARIOS, max(1, (target - tally.cases) // 4)),
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        try:
            machine.run(settings=settings)
        except FlakyStrategyDefinition:
            tally.restarts += 1
        idle = idle + 1 if tally.cases == before else 0


# -- what A owns ------------------------------------------------------------------------------


def _collections(schema: Any) -> list[str]:
    """Paths of list endpoints: GET operations whose path has no parameter."""
    return sorted(
        {op.path for op in _operations(schema) if op.method == "get" and "{" not in op.path}
    )


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _ids_in(body: Any) -> Iterator[Any]:
    items = body.get("results", body) if isinstance(body, dict) else body
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and "id" in item:
            yield item["id"]


def owned_ids(client: Any, collections: list[str]) -> dict[str, set[Any]]:
    """Every object the client's user lists, by collection path (all pages)."""
    owned: dict[str, set[Any]] = defaultdict(set)
    for path in collections:
        url: str | None = path
        while url:
            response = client.get(url)
            if response.status_code != 200:
                break
            body = response.json()
            owned[path].update(_ids_in(body))
            url = body.get("next") if isinstance(body, dict) else None
    return owned


def _owned_by_a_only(schema: Any, client_a: Any, client_b: Any) -> dict[str, set[Any]]:
    """What A lists minus what B lists before it made anything (shared: the models registry)."""
    collections = _collections(schema)
    shared = owned_ids(client_b, collections)
    return {
        path: ids - shared.get(path, set())
        for path, ids in owned_ids(client_a, collections).items()
    }


# -- the checks --------------------------------------------------------------------------------


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _lists_or_shows(template: str, collection: str) -> bool:
    """`template` is the collection's list or detail endpoint (ids there are of its own table)."""
    return (
        template == collection
        or re.fullmatch(re.escape(collection) + r"{\w+}/", template) is not None
    )


def check_bodies(tally: Tally, owned: dict[str, set[Any]]) -> None:
    """B's responses: an A uuid anywhere, or an object with an A id of the same collection."""
    uuids = {str(i) for ids in owned.values() for i in ids if UUID_RE.fullmatch(str(i))}
    for template, url, content in tally.bodies:
        text = content.decode(errors="replace")
        leaked = sorted(set(UUID_RE.findall(text)) & uuids)
        collection = next((c for c in owned if _lists_or_shows(template, c)), None)
        if collection and not leaked:
            try:
                objects = list(_walk(json.loads(text)))
            except ValueError:
                objects = []
            leaked = sorted({str(o["id"]) for o in objects if o.get("id") in owned[collection]})
        if leaked:
            tally.cross_user_reads.append({"url": url, "ids_of_user_a": leaked[:5]})


def check_details(tally: Tally, schema: Any, client_b: Any, owned: dict[str, set[Any]]) -> None:
    """Every GET `<collection>{id}/…` endpoint answers B with 404 for each of A's objects."""
    for op in _operations(schema):
        params = re.findall(r"{(\w+)}", op.path)
        if op.method != "get" or len(params) != 1 or re.search(SKIPPED_PATHS, op.path):
            continue
        collection = op.path.split("{", 1)[0]
        for object_id in sorted(owned.get(collection, ()), key=str):
            url = op.path.replace(f"{{{params[0]}}}", str(object_id))
            status = client_b.get(url).status_code
            tally.cases += 1
            if status != 404:
                tally.cross_user_reads.append({"url": url, "status": status, "expected": 404})


def check_still_there(tally: Tally, client_a: Any, before: dict[str, set[Any]]) -> None:
    after = owned_ids(client_a, list(before))
    for collection, ids in before.items():
        for gone in sorted(ids - after.get(collection, set()), key=str):
            tally.cross_user_writes.append({"collection": collection, "id": gone})


# -- the run -----------------------------------------------------------------------------------


@contextmanager
def _quiet_tasks() -> Iterator[None]:
    """No Celery message leaves: runs stay queued, lab and import jobs are never started."""
    with mock.patch("celery.app.task.Task.apply_async", return_value=None):
        yield


def _client(token: str) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def fuzz_api(cases: int = 2000) -> dict[str, Any]:
    """Fuzz every endpoint as user A then user B (`cases` requests each, about); the figures."""
    from django.conf import settings
    from django.test.utils import override_settings

    # The checks after the state machine use Django's test client, whose host is "testserver".
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver", "localhost"]):
        return _fuzz_api(cases)


def _fuzz_api(cases: int) -> dict[str, Any]:
    import schemathesis
    from django.contrib.auth import get_user_model
    from django.core.wsgi import get_wsgi_application

    from accounts.tokens import api_token_create
    from workflows.demo import demo_seed

    app = get_wsgi_application()
    logging.getLogger("django.request").setLevel(
        logging.ERROR
    )  # not every fuzzed 4xx (after setup)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app).exclude(
        path_regex=SKIPPED_PATHS
    )
    users = get_user_model().objects
    tag = uuid.uuid4().hex[:8]
    user_a, user_b = users.create_user(f"fuzz-a-{tag}"), users.create_user(f"fuzz-b-{tag}")
    tally = Tally()
    try:
        demo_seed(owner=user_a)
        token_a, token_b = (api_token_create(user=u, name="fuzz")[1] for u in (user_a, user_b))
        with _quiet_tasks():
            _drive(schema, token_a, tally, cases, record_bodies=False)
            owned = _owned_by_a_only(schema, _client(token_a), _client(token_b))
            _drive(schema, token_b, tally, cases, record_bodies=True)
            check_bodies(tally, owned)
            check_details(tally, schema, _client(token_b), owned)
            check_still_there(tally, _client(token_a), owned)
    finally:
        user_a.delete()
        user_b.delete()
    return tally.summary()
