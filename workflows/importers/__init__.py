"""Importers of other tools' flow files: pure functions from a foreign document to our graph
document plus a report. No Django, nothing executed (see docs/engine.md, "Importing")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from workflows.importers.common import Imported, ImportFormatError, Report

__all__ = ["Imported", "ImportFormatError", "Report", "import_foreign"]

FORMATS = ("langflow", "flowise-agentflow-v2", "flowise-chatflow")


def import_foreign(document: Any, known_models: Iterable[str]) -> Imported:
    """Recognise the format of ``document`` and import it; ImportFormatError when unknown."""
    from workflows.importers.flowise import import_agentflow, is_agentflow
    from workflows.importers.flowise_chatflow import import_chatflow
    from workflows.importers.langflow import import_langflow, is_langflow

    if not isinstance(document, dict):
        raise ImportFormatError("The file must hold a JSON object.")
    if is_langflow(document):
        return _guarded(import_langflow, "Langflow", document, known_models)
    if isinstance(document.get("nodes"), list):
        if is_agentflow(document):
            return _guarded(import_agentflow, "Flowise agentflow", document, known_models)
        return _guarded(import_chatflow, "Flowise chatflow", document, known_models)
    raise ImportFormatError(
        "This is not a Langflow or Flowise export (no nodes found). Export the flow as JSON "
        "from Langflow or Flowise and try again."
    )


def _guarded(
    importer: Callable[[dict[str, Any], Iterable[str]], Imported],
    what: str,
    document: dict[str, Any],
    known_models: Iterable[str],
) -> Imported:
    """A file that looks like an export but holds values of the wrong shape (a list where an
    object belongs, …) is refused with a sentence, never a crash."""
    try:
        return importer(document, known_models)
    except (TypeError, AttributeError, KeyError, ValueError, RecursionError) as exc:
        if isinstance(exc, ImportFormatError):
            raise
        raise ImportFormatError(
            f"This looks like a {what} export, but part of it has an unexpected shape "
            f"({type(exc).__name__}); export the flow again and retry."
        ) from None
