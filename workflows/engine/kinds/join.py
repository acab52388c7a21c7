"""Join: waits for its branches and merges them in declared order (all/any/quorum)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workflows.engine.errors import PermanentFailure
from workflows.engine.kinds.base import KindConfig, NodeKind
from workflows.engine.ports import Port


class JoinConfig(KindConfig):
    policy: Literal["all", "any", "quorum"] = "all"
    quorum: int | None = Field(None, ge=1, description="quorum: branches that must succeed.")


class JoinKind(NodeKind):
    kind = "join"
    title = "Join"
    category = "Flow"
    description = (
        "Waits for every incoming branch and merges the results in the order the "
        "branches are connected. all: every taken branch must succeed; any: at "
        "least one; quorum: at least k. Untaken branches are left out. When every branch "
        "starts at a different output of one router or condition, out is the chosen "
        "branch's value itself (not a one-item list)."
    )
    color = "#14b8a6"
    Config = JoinConfig
    inputs = [Port("in", "any", multiple=True)]
    outputs = [Port("out", "list"), Port("first", "any"), Port("results", "json")]
    wants_branches = True

    @classmethod
    def check(cls, config: Any) -> list[tuple[str, str, str]]:
        if config.policy == "quorum" and config.quorum is None:
            return [("invalid_config", "config.quorum", "a quorum join needs a quorum k.")]
        return []

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: JoinConfig = node.config
        branches = inputs.get("in", [])
        taken = [b for b in branches if b.status != "skipped"]
        ok = [b for b in taken if b.status == "succeeded"]
        need = {"all": len(taken), "any": 1, "quorum": config.quorum or 1}[config.policy]
        if len(ok) < need:
            failed = ", ".join(
                f"{b.name or b.source} ({b.error})" for b in taken if b.status == "failed"
            )
            raise PermanentFailure(
                f"The join needed {need} successful branch(es) and got {len(ok)}; "
                f"failed: {failed or 'none'}."
            )
        # After a router or condition only one branch is taken: pass its value on as it is.
        chosen = len(ok) == 1 and all(b.choice for b in branches)
        return {
            "out": ok[0].value if chosen else [b.value for b in ok],
            "first": ok[0].value,
            "results": [
                {"source": b.source, "status": b.status, "value": b.value, "error": b.error}
                for b in branches
            ],
        }
