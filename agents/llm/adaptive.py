"""Adaptive choice among candidate agents: the scoring lives with the engine's router
(``workflows.engine.adaptive``, pure Python) and is re-exported here for the model layer."""

from workflows.engine.adaptive import AgentStats, Choice, Weights, choose_agent

__all__ = ["AgentStats", "Choice", "Weights", "choose_agent"]
