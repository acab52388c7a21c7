"""A local server speaking Ollama's ``/api/chat`` wire protocol (JSON and NDJSON)."""

from __future__ import annotations

import json
from typing import Any

from tests.agents.llm.fakes.server import FakeReply, JsonHandler, words

CREATED = "2026-01-01T00:00:00Z"


def _calls(reply: FakeReply) -> list[dict[str, Any]]:
    return [{"function": {"name": n, "arguments": a}} for n, a in reply.tool_calls]


def _chunk(model: str, message: dict[str, Any], done: bool, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": CREATED,
        "message": {"role": "assistant", "content": "", **message},
        "done": done,
        **extra,
    }


def _final(
    model: str, body: dict[str, Any], reply: FakeReply, message: dict[str, Any]
) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    return _chunk(
        model,
        message,
        True,
        done_reason="stop",
        total_duration=1000,
        prompt_eval_count=prompt,
        eval_count=max(1, len(reply.text.split())),
    )


class OllamaHandler(JsonHandler):
    """Models named "missing" are unknown; "busy" is rate limited; "broken" fails (500)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        if self.path != "/api/chat":
            self.send_json(404, {"error": "404 page not found"})
            return
        body = self.read_json()
        model = body.get("model", "")
        auth = self.headers.get("Authorization")
        if auth is not None and auth != f"Bearer {self.state.api_key}":
            self.send_json(401, {"error": "unauthorized"})
        elif model == "missing":
            self.send_json(404, {"error": f"model '{model}' not found"})
        elif model == "busy":
            self.send_json(429, {"error": "too many concurrent requests"})
        elif model == "broken":
            self.send_json(500, {"error": "llama runner process has terminated"})
        elif body.get("stream", True):
            self._stream(model, body, self.state.next_reply())
        else:
            reply = self.state.next_reply()
            message: dict[str, Any] = {"content": reply.text}
            if reply.tool_calls:
                message["tool_calls"] = _calls(reply)
            self.send_json(200, _final(model, body, reply, message))

    def _stream(self, model: str, body: dict[str, Any], reply: FakeReply) -> None:
        self.start_stream("application/x-ndjson")
        for piece in words(reply.text) if reply.text else []:
            self.write_chunk(json.dumps(_chunk(model, {"content": piece}, False)) + "\n")
        if reply.tool_calls:
            chunk = _chunk(model, {"tool_calls": _calls(reply)}, False)
            self.write_chunk(json.dumps(chunk) + "\n")
        self.write_chunk(json.dumps(_final(model, body, reply, {})) + "\n")
