"""A local server speaking Anthropic's ``/v1/messages`` wire protocol (JSON and SSE)."""

from __future__ import annotations

import json
from typing import Any

from tests.agents.llm.fakes.server import FakeReply, JsonHandler, words


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _blocks(reply: FakeReply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    for i, (name, args) in enumerate(reply.tool_calls):
        blocks.append({"type": "tool_use", "id": f"toolu_{i:02d}", "name": name, "input": args})
    return blocks


def _usage(body: dict[str, Any], reply: FakeReply) -> dict[str, int]:
    text = json.dumps(body.get("messages", [])) + str(body.get("system", ""))
    return {"input_tokens": len(text.split()), "output_tokens": max(1, len(reply.text.split()))}


def _message(model: str, body: dict[str, Any], reply: FakeReply) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": _blocks(reply),
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": _usage(body, reply),
    }


class AnthropicHandler(JsonHandler):
    """Models named "missing" are unknown, "busy" rate limited, "flaky" fail mid-stream."""

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        if self.path.split("?")[0] != "/v1/messages":
            self.send_json(404, _error("not_found_error", "Not found"))
            return
        body = self.read_json()
        model = body.get("model", "")
        bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.state.api_key not in (self.headers.get("x-api-key"), bearer):
            self.send_json(401, _error("authentication_error", "invalid x-api-key"))
        elif model == "missing":
            self.send_json(404, _error("not_found_error", f"model: {model}"))
        elif model == "busy":
            self.send_json(
                429,
                _error(
                    "rate_limit_error",
                    "Number of request tokens has exceeded your per-minute rate limit",
                ),
                headers={"retry-after": "7"},
            )
        elif body.get("stream"):
            self._stream(model, body, self.state.next_reply())
        else:
            self.send_json(200, _message(model, body, self.state.next_reply()))

    def _event(self, name: str, payload: dict[str, Any]) -> None:
        self.write_chunk(f"event: {name}\ndata: {json.dumps({'type': name, **payload})}\n\n")

    def _stream(self, model: str, body: dict[str, Any], reply: FakeReply) -> None:
        self.start_stream("text/event-stream")
        start = _message(model, body, reply)
        usage = start["usage"]
        start.update(content=[], stop_reason=None, usage={**usage, "output_tokens": 1})
        self._event("message_start", {"message": start})
        if model == "flaky":
            self._event("error", _error("overloaded_error", "Overloaded"))
            return
        self._event("ping", {})
        for index, block in enumerate(_blocks(reply)):
            self._block(index, block)
        stop = "tool_use" if reply.tool_calls else "end_turn"
        self._event(
            "message_delta",
            {
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
        self._event("message_stop", {})

    def _block(self, index: int, block: dict[str, Any]) -> None:
        if block["type"] == "text":
            self._event(
                "content_block_start",
                {"index": index, "content_block": {"type": "text", "text": ""}},
            )
            for piece in words(block["text"]):
                self._event(
                    "content_block_delta",
                    {"index": index, "delta": {"type": "text_delta", "text": piece}},
                )
        else:
            start = {**block, "input": {}}
            self._event("content_block_start", {"index": index, "content_block": start})
            raw = json.dumps(block["input"])
            for i in range(0, len(raw), max(1, len(raw) // 3)):
                self._event(
                    "content_block_delta",
                    {
                        "index": index,
                        "delta": {
                            "type": "input_json_delta",
                            "partial_json": raw[i : i + max(1, len(raw) // 3)],
                        },
                    },
                )
        self._event("content_block_stop", {"index": index})
