"""A tiny threaded HTTP server base for the provider fakes (stdlib only)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeReply:
    """What the fake model answers next: text and/or tool calls (name, arguments)."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class FakeState:
    """Scripted replies, the requests received, and the expected credential."""

    replies: list[FakeReply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    api_key: str = "test-key"

    def next_reply(self) -> FakeReply:
        return self.replies.pop(0) if self.replies else FakeReply("Hello from the fake model.")


class JsonHandler(BaseHTTPRequestHandler):
    state: FakeState

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.state.requests.append(body)
        return body

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()

    def write_chunk(self, data: str) -> None:
        self.wfile.write(data.encode())
        self.wfile.flush()


def words(text: str) -> list[str]:
    """Split text into several deltas that join back to the original."""
    parts = text.split(" ")
    return [p if i == len(parts) - 1 else p + " " for i, p in enumerate(parts) if p or i == 0]


@contextmanager
def serve(handler: type[JsonHandler], state: FakeState) -> Iterator[str]:
    """Run ``handler`` on 127.0.0.1:<free port>; yield the base URL."""
    bound = type(handler.__name__, (handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
