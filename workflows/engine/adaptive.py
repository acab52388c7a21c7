"""Adaptive choice among candidate agents from their history (success, latency, cost).

Pure Python: the engine's adaptive ``router`` uses it; the figures come from the runs
selector ``workflows.runs.history`` through the run context.

Candidates with fewer than ``min_runs`` recorded runs are tried first (exploration, the
least-tried first). Otherwise each candidate scores
``w_success * smoothed success rate + w_latency * (fastest / own latency)
+ w_cost * (cheapest / own cost)`` and the best wins. The returned explanation lists
every candidate's figures so the choice can be shown to a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AgentStats:
    runs: int = 0
    successes: int = 0
    mean_latency_s: float = 0.0
    mean_cost: float = 0.0

    @property
    def success_rate(self) -> float:
        """Laplace-smoothed, so one lucky run does not beat a long good record."""
        return (self.successes + 1) / (self.runs + 2)


@dataclass(frozen=True)
class Choice:
    name: str
    score: float | None  # None when chosen to explore
    explanation: str
    scores: Mapping[str, float] = field(default_factory=dict)  # every candidate's, when scored


@dataclass(frozen=True)
class Weights:
    success: float = 0.6
    latency: float = 0.2
    cost: float = 0.2


def _ratio(best: float, own: float) -> float:
    return 1.0 if own <= 0 else min(1.0, best / own) if best > 0 else 0.0


def _scores(stats: Mapping[str, AgentStats], names: Sequence[str], w: Weights) -> dict[str, float]:
    fastest = min(stats[n].mean_latency_s for n in names)
    cheapest = min(stats[n].mean_cost for n in names)
    return {
        n: w.success * stats[n].success_rate
        + w.latency * _ratio(fastest, stats[n].mean_latency_s)
        + w.cost * _ratio(cheapest, stats[n].mean_cost)
        for n in names
    }


def _line(name: str, s: AgentStats, score: float | None) -> str:
    tail = f" → score {score:.3f}" if score is not None else ""
    return (
        f"{name}: success {s.successes}/{s.runs} (smoothed {s.success_rate:.0%}), "
        f"{s.mean_latency_s:.2f} s, ${s.mean_cost:.4f}{tail}"
    )


def choose_agent(
    candidates: Sequence[str],
    stats: Mapping[str, AgentStats],
    *,
    weights: Weights | None = None,
    min_runs: int = 3,
) -> Choice:
    """Pick one of ``candidates``; raises ValueError when there are none."""
    if not candidates:
        raise ValueError("no candidate agents to choose from")
    known = {n: stats.get(n, AgentStats()) for n in candidates}
    fresh = sorted((n for n in candidates if known[n].runs < min_runs), key=lambda n: known[n].runs)
    if fresh:
        name = fresh[0]
        others = "; ".join(_line(n, known[n], None) for n in candidates if n != name)
        return Choice(
            name,
            None,
            f"chose {name} to explore: only {known[name].runs} recorded "
            f"run(s), fewer than {min_runs}" + (f". Others: {others}" if others else ""),
        )
    scores = _scores(known, candidates, weights or Weights())
    name = max(candidates, key=lambda n: (scores[n], -candidates.index(n)))
    others = "; ".join(_line(n, known[n], scores[n]) for n in candidates if n != name)
    text = f"chose {_line(name, known[name], scores[name])}"
    return Choice(name, scores[name], text + (f". Others: {others}" if others else ""), scores)
