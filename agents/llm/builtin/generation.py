"""Token-by-token generation over a LlamaModel: sampling, stop sequences, streaming text.

``Engine.generate`` is synchronous and meant to run in a worker thread; it checks a cancel flag
before every token. Generations take turns process-wide (``GENERATION_LOCK``), whatever the
engine: an engine's KV cache is shared by its callers, and a worker process executes several
runs at once (AXWEB_RUNS_PER_WORKER) while torch's intra-op threads (AXWEB_TORCH_THREADS) are
one pool per process, so two generations at once would only fight over the same threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from agents.llm.base import GenParams, ModelError
from agents.llm.builtin.gguf_file import GGUFFile, build_tokenizer
from agents.llm.builtin.model import LlamaModel, load_model, trim_heap
from axweb.env import env_int

STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")
GENERATION_LOCK = threading.Lock()  # one generation at a time in this process (module docstring)


@dataclass(frozen=True)
class GenerationOutcome:
    text: str
    prompt_tokens: int
    output_tokens: int
    stop_reason: str  # "end" | "max_tokens" | "stop_sequence" | "cancelled"


def configure_threads() -> int:
    """Set torch's intra-op threads from AXWEB_TORCH_THREADS (default: min(2, cores))."""
    threads = env_int("AXWEB_TORCH_THREADS", min(2, os.cpu_count() or 1))
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()


class _TextStream:
    """Turns token ids into text deltas, holding back what might be a stop sequence.

    Only the tokens since the last complete character are decoded (byte-level BPE decodes
    piecewise), so each token costs O(1) however long the reply grows.
    """

    def __init__(self, tokenizer: Any, stop: tuple[str, ...]) -> None:
        self.tokenizer, self.stop = tokenizer, tuple(s for s in stop if s)
        self.pending: list[int] = []
        self.sent = 0
        self.hold = max((len(s) for s in self.stop), default=1) - 1
        self.text = ""

    def push(self, token: int) -> tuple[str, bool]:
        """Add a token; return (new visible text, stop sequence reached)."""
        self.pending.append(token)
        piece = self.tokenizer.decode(self.pending, skip_special_tokens=True)
        if piece.endswith("\ufffd"):
            return "", False  # an incomplete UTF-8 sequence; wait for the next token
        self.pending = []
        self.text = text = self.text + piece
        for s in self.stop:
            at = text.find(s, max(0, self.sent - len(s)))
            if at != -1:
                self.text = text[:at]
                return self._take(len(self.text)), True
        return self._take(max(self.sent, len(text) - self.hold)), False

    def flush(self) -> str:
        return self._take(len(self.text))

    def _take(self, upto: int) -> str:
        piece = self.text[self.sent : upto]
        self.sent = max(self.sent, upto)
        return piece


def _sample(logits: torch.Tensor, params: GenParams, gen: torch.Generator) -> int:
    if params.temperature <= 0:
        return int(logits.argmax())
    probs = torch.softmax(logits / params.temperature, dim=-1)
    if params.top_p < 1.0:
        sorted_p, order = probs.sort(descending=True)
        keep = sorted_p.cumsum(-1) - sorted_p < params.top_p
        probs = torch.zeros_like(probs).scatter_(0, order[keep], sorted_p[keep])
    return int(torch.multinomial(probs, 1, generator=gen))


class Engine:
    """One loaded model (forward pass + tokenizer) shared by every caller in the process."""

    def __init__(self, model: LlamaModel, tokenizer: Any) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.lock = GENERATION_LOCK  # shared by every engine of the process
        self.stop_ids = {tokenizer.token_to_id(t) for t in STOP_TOKENS} - {None}

    @classmethod
    def from_gguf(cls, path: Path, max_len: int = 2048, head_bits: int = 4) -> Engine:
        gf = GGUFFile(path)
        try:
            engine = cls(load_model(gf, max_len, head_bits), build_tokenizer(gf.metadata))
        finally:
            gf.close()
        trim_heap()
        return engine

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text).ids)

    def generate(
        self,
        prompt: list[int],
        params: GenParams,
        cancel: threading.Event,
        emit: Callable[[str], None],
    ) -> GenerationOutcome:
        """Generate after ``prompt``; call ``emit`` with each visible text delta."""
        budget = min(params.max_tokens, self.model.max_len - len(prompt))
        if budget <= 0:
            raise ModelError(
                f"prompt of {len(prompt)} tokens leaves no room in the "
                f"{self.model.max_len}-token context"
            )
        with self.lock:
            if cancel.is_set():
                return GenerationOutcome("", len(prompt), 0, "cancelled")
            return self._run(prompt, params, budget, cancel, emit)

    def _run(
        self,
        prompt: list[int],
        params: GenParams,
        budget: int,
        cancel: threading.Event,
        emit: Callable[[str], None],
    ) -> GenerationOutcome:
        gen = torch.Generator().manual_seed(
            params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little")
        )
        stream = _TextStream(self.tokenizer, params.stop)
        logits = self.model.forward(prompt, 0)
        reason, count = "max_tokens", 0
        while count < budget:
            if cancel.is_set():
                reason = "cancelled"
                break
            token = _sample(logits, params, gen)
            count += 1
            if token in self.stop_ids:
                reason = "end"
                break
            piece, stopped = stream.push(token)
            if piece:
                emit(piece)
            if stopped:
                reason = "stop_sequence"
                break
            if count < budget:
                logits = self.model.forward([token], len(prompt) + count - 1)
        tail = stream.flush()
        if tail:
            emit(tail)
        return GenerationOutcome(stream.text, len(prompt), count, reason)
