"""Where runs meet the model layer: the database catalog, the router, and the agent loop.

The workflow run context calls `model_call` and `agent_run`; both return the engine's
ModelResult (text, tool calls, usage with cost) and stream text through `on_token`/`emit`.

- ``catalog``: the models registry as the router sees it for one owner (provider info, keys),
  the model factory and ``router_for``;
- ``fitting``: a prompt trimmed to the smallest registered context window;
- ``streaming``: text deltas forwarded as they pass, generation parameters, usage and cost;
- ``calls``: ``model_call``, one model call through the router;
- ``team``: ``agent_run``, the owner's agents (tools, delegates, model) as an agent team.
"""

from agents.gateway.calls import model_call
from agents.gateway.team import agent_run

__all__ = ["agent_run", "model_call"]
