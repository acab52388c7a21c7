"""Note: a text annotation on the canvas; never runs and has no ports."""

from __future__ import annotations

from typing import Any

from workflows.engine.kinds.base import KindConfig, NodeKind


class NoteConfig(KindConfig):
    text: str = ""
    color: str | None = None


class NoteKind(NodeKind):
    kind = "note"
    title = "Note"
    category = "Annotation"
    description = "A note on the canvas. It is not part of the flow."
    color = "#fde047"
    Config = NoteConfig
    executable = False

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        return {}
