from __future__ import annotations

import pytest

from workflows.engine.adaptive import AgentStats, Weights, choose_agent


def test_prefers_the_more_reliable_agent_and_explains_why() -> None:
    stats = {"fast": AgentStats(10, 5, 1.0, 0.001), "good": AgentStats(10, 10, 2.0, 0.002)}
    choice = choose_agent(["fast", "good"], stats)
    assert choice.name == "good"
    assert choice.explanation.startswith("chose good: success 10/10")
    assert "fast: success 5/10" in choice.explanation


def test_when_reliability_ties_latency_and_cost_decide() -> None:
    stats = {"slow": AgentStats(10, 9, 4.0, 0.01), "quick": AgentStats(10, 9, 1.0, 0.01)}
    assert choose_agent(["slow", "quick"], stats).name == "quick"


def test_weights_can_make_cost_dominate() -> None:
    stats = {"pricey": AgentStats(10, 10, 1.0, 1.0), "cheap": AgentStats(10, 7, 1.0, 0.5)}
    assert choose_agent(["pricey", "cheap"], stats).name == "pricey"
    assert choose_agent(["pricey", "cheap"], stats, weights=Weights(0.2, 0.0, 0.8)).name == "cheap"


def test_an_agent_with_too_little_history_is_explored_first() -> None:
    stats = {"veteran": AgentStats(50, 50, 1.0, 0.0), "newcomer": AgentStats(1, 0, 9.0, 1.0)}
    choice = choose_agent(["veteran", "newcomer", "unknown"], stats)
    assert choice.name == "unknown" and choice.score is None
    assert "explore" in choice.explanation


def test_no_candidates_is_an_error() -> None:
    with pytest.raises(ValueError, match="no candidate"):
        choose_agent([], {})
