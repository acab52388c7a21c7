"""Lab-queue tasks: they carry document ids only; the text is read from the database."""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from agents.knowledge import services


@shared_task(  # type: ignore[untyped-decorator]
    name="agents.knowledge.tasks.document_import", acks_late=True, ignore_result=True
)
def document_import_task(document_id: int) -> str:
    """Import one large document; progress and the outcome are stored on its row."""
    close_old_connections()
    try:
        return str(services.document_import(document_id=document_id).status)
    finally:
        close_old_connections()
