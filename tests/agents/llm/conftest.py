"""Model-layer test setup: one torch thread, offline hub, provider fakes as fixtures."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

os.environ.setdefault("AXWEB_TORCH_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.agents.llm.fakes.anthropic_server import AnthropicHandler  # noqa: E402
from tests.agents.llm.fakes.ollama_server import OllamaHandler  # noqa: E402
from tests.agents.llm.fakes.server import FakeState, serve  # noqa: E402


@pytest.fixture
def fake_state() -> FakeState:
    return FakeState()


@pytest.fixture
def ollama_url(fake_state: FakeState) -> Iterator[str]:
    with serve(OllamaHandler, fake_state) as url:
        yield url


@pytest.fixture
def anthropic_url(fake_state: FakeState) -> Iterator[str]:
    with serve(AnthropicHandler, fake_state) as url:
        yield url


@pytest.fixture
def dead_url() -> str:
    """A local URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
