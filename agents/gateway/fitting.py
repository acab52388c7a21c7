"""Context windows: a conversation trimmed to the smallest registered context among the models
a call may use; each trim is written into the node's text, so the trace shows it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from agents.gateway.catalog import DatabaseCatalog
from agents.gateway.streaming import OnToken
from agents.llm.base import ChatModel
from agents.llm.context_fit import FittingModel, Trim, builtin_tokens, estimate_tokens
from agents.llm.router import Router


def context_window(router: Router, refs: Sequence[str]) -> tuple[int | None, Any]:
    catalog = router.catalog
    if not isinstance(catalog, DatabaseCatalog):
        return None, estimate_tokens
    length, builtin = catalog.window(refs)
    return length, (builtin_tokens if builtin else estimate_tokens)


def trim_note(on_token: OnToken, model: str, length: int) -> Callable[[Trim], Awaitable[None]]:
    async def note(trim: Trim) -> None:  # the trace shows it in the node's text
        await on_token(f"[{trim.describe(model, length)}]\n")

    return note


def fitted(model: ChatModel, router: Router, refs: Sequence[str], on_token: OnToken) -> ChatModel:
    """``model`` trimmed to the smallest context among ``refs`` (unchanged if none is
    registered)."""
    length, count = context_window(router, refs)
    if length is None:
        return model
    return FittingModel(
        model,
        context_length=length,
        count=count,
        name=refs[0],
        on_trim=trim_note(on_token, refs[0], length),
    )
