"""Load before listening what Django and DRF would otherwise load on the first requests.

The URLconf (and with it every view, serializer and service module) and DRF's configured
classes are imported lazily, on the first request. A server that starts under load - the 50
clients of `bench_http`, or a restart behind a busy proxy - made every request of the first
wave wait behind those imports (about a second on a busy 2-core machine). Called by the server
entry point (axweb/server.py), not by tests.

The same goes for Celery: the first run a web process enqueues (a chat message, a run start)
finalized the Celery app, imported kombu's Redis transport and built the producer pool - ~20 ms
of CPU and ~85 ms of wall time on a busy machine, paid by one request per web process: the
scripted chat turn that made `bench_chat`'s p95. `celery_warm_up` does it before listening,
without connecting to Redis (kombu connects on the first publish).

Then everything loaded so far is moved out of the garbage collector's sight (`gc.freeze()`):
the modules, classes and caches of a loaded Django app are ~195,000 objects that live as long as
the process, and each full collection walked all of them - about 0.1 s of CPU with the GIL held,
a stall of every request in flight and of the event loop, every few seconds under load.
Collections now walk only what requests create.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver

DRF_SETTINGS = (
    "DEFAULT_AUTHENTICATION_CLASSES",
    "DEFAULT_PERMISSION_CLASSES",
    "DEFAULT_RENDERER_CLASSES",
    "DEFAULT_PARSER_CLASSES",
    "DEFAULT_PAGINATION_CLASS",
    "DEFAULT_FILTER_BACKENDS",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS",
    "EXCEPTION_HANDLER",
)


def web_warm_up() -> None:
    from rest_framework.settings import api_settings

    resolver = get_resolver()
    resolver.resolve("/")  # imports the URLconf and fills the resolver's caches
    for name in DRF_SETTINGS:
        getattr(api_settings, name)
    import django.views.defaults  # noqa: F401 - the 400/403/404/500 handlers

    celery_warm_up()
    gc.collect()
    gc.freeze()


def celery_warm_up() -> None:
    """Finalize the Celery app and build a producer for the `runs` queue (no network I/O)."""
    from workflows.tasks import execute_run

    execute_run.app.finalize(auto=True)
    with execute_run.app.producer_or_acquire() as producer:
        producer.connection.transport  # noqa: B018 - imports and builds the broker transport
