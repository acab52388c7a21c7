"""Token-by-token generation over a LlamaModel: sampling, stop sequences, streaming text,
and continuous batching of concurrent callers.

``Engine.generate`` is synchronous and meant to run in a worker thread. Every caller's
request joins one scheduler thread per engine, which runs all active streams' next tokens
as one ``LlamaModel.step`` (each stream has its own KV cache), feeding new prompts in
chunks alongside; a stream's text is emitted as each of its tokens is sampled. Because the
kernel computes every token's row the same way whatever it is batched with, a stream's
greedy output is the same alone or in company.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.llm.base import GenParams, ModelError
from agents.llm.builtin.gguf_file import GGUFFile, build_tokenizer
from agents.llm.builtin.model import KVCache, LlamaModel, load_model, set_threads, trim_heap
from axweb.env import env_int

STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")
# Prompt tokens fed per step while other streams decode: a long prompt delays their next
# token by one chunk's time at most, not by its whole prefill.
PREFILL_CHUNK = 64


@dataclass(frozen=True)
class GenerationOutcome:
    text: str
    prompt_tokens: int
    output_tokens: int
    stop_reason: str  # "end" | "max_tokens" | "stop_sequence" | "cancelled"


def configure_threads(torch_too: bool = False) -> int:
    """Threads of the builtin kernel from AXWEB_TORCH_THREADS (default: min(2, cores));
    torch's too when asked or already imported (the lab)."""
    threads = max(1, env_int("AXWEB_TORCH_THREADS", min(2, os.cpu_count() or 1)))
    if torch_too or "torch" in sys.modules:
        import torch

        torch.set_num_threads(threads)
    return set_threads(threads)


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


def _sample(logits: np.ndarray, params: GenParams, gen: np.random.Generator) -> int:
    if params.temperature <= 0:
        return int(np.argmax(logits))
    z = logits.astype(np.float64) / params.temperature
    probs = np.exp(z - z.max())
    probs /= probs.sum()
    if params.top_p < 1.0:
        order = np.argsort(-probs, kind="stable")
        sorted_p = probs[order]
        keep = order[np.cumsum(sorted_p) - sorted_p < params.top_p]
        kept = np.zeros_like(probs)
        kept[keep] = probs[keep]
        probs = kept / kept.sum()
    return int(gen.choice(len(probs), p=probs))


@dataclass(eq=False)
class _Request:
    """One caller's generation: its stream state while the scheduler runs it."""

    prompt: list[int]
    params: GenParams
    budget: int
    cancel: threading.Event
    emit: Callable[[str], None]
    stream: _TextStream
    gen: np.random.Generator
    cache: KVCache | None = None
    fed: int = 0  # prompt tokens already run
    count: int = 0  # tokens sampled
    logits: np.ndarray | None = None
    done: threading.Event = field(default_factory=threading.Event)
    outcome: GenerationOutcome | None = None
    error: BaseException | None = None

    def finish(self, reason: str) -> None:
        tail = self.stream.flush()
        if tail and reason != "cancelled":
            try:
                self.emit(tail)
            except Exception as exc:  # noqa: BLE001 - the caller's emit failed
                self.fail(exc)
                return
        self.outcome = GenerationOutcome(self.stream.text, len(self.prompt), self.count, reason)
        self.cache = None  # free the KV cache now, not when the caller lets go
        self.done.set()

    def fail(self, exc: BaseException) -> None:
        self.error, self.cache = exc, None
        self.done.set()


class Engine:
    """One loaded model (forward pass + tokenizer) shared by every caller in the process."""

    def __init__(self, model: LlamaModel, tokenizer: Any) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.stop_ids = {tokenizer.token_to_id(t) for t in STOP_TOKENS} - {None}
        self._cv = threading.Condition()
        self._pending: list[_Request] = []
        self._active: list[_Request] = []
        self._thread: threading.Thread | None = None
        self.peak_batch = 0  # the most streams decoded in one step so far

    @classmethod
    def from_gguf(cls, path: Path, max_len: int = 2048) -> Engine:
        gf = GGUFFile(path)
        try:
            engine = cls(load_model(gf, max_len), build_tokenizer(gf.metadata))
        finally:
            gf.close()
        trim_heap()
        return engine

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text).ids)

    def active_streams(self) -> int:
        with self._cv:
            return len(self._pending) + len(self._active)

    def generate(
        self,
        prompt: list[int],
        params: GenParams,
        cancel: threading.Event,
        emit: Callable[[str], None],
    ) -> GenerationOutcome:
        """Generate after ``prompt``; call ``emit`` with each visible text delta (from the
        scheduler thread, as each token is sampled). Blocks until the stream ends."""
        budget = min(params.max_tokens, self.model.max_len - len(prompt))
        if budget <= 0 or not prompt:
            raise ModelError(
                f"prompt of {len(prompt)} tokens leaves no room in the "
                f"{self.model.max_len}-token context"
            )
        if cancel.is_set():
            return GenerationOutcome("", len(prompt), 0, "cancelled")
        seed = params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little")
        req = _Request(
            prompt,
            params,
            budget,
            cancel,
            emit,
            _TextStream(self.tokenizer, params.stop),
            np.random.default_rng(seed),
        )
        with self._cv:
            self._pending.append(req)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="axweb-builtin-batch", daemon=True
                )
                self._thread.start()
            self._cv.notify()
        req.done.wait()
        if req.error is not None:
            raise req.error
        assert req.outcome is not None
        return req.outcome

    def _serve(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._active:
                    self._cv.wait()
                self._active += self._pending
                self._pending = []
            try:
                self._step()
            except BaseException as exc:  # noqa: BLE001 - handed to every caller in the step
                for req in self._active:
                    req.fail(exc)
                with self._cv:
                    self._active = []

    def _step(self) -> None:
        """Sample each decoding stream's next token, then run one batched forward pass:
        every decoding stream's token plus up to PREFILL_CHUNK tokens of new prompts."""
        tokens: list[int] = []
        positions: list[int] = []
        caches: list[KVCache] = []
        want: list[bool] = []
        wanting: list[_Request] = []
        still: list[_Request] = []
        for req in self._active:
            if req.cancel.is_set():
                req.finish("cancelled")
                continue
            if req.logits is not None:
                token = self._advance(req)
                if token is None:
                    continue
                tokens.append(token)
                positions.append(len(req.prompt) + req.count - 1)
                caches.append(req.cache)  # type: ignore[arg-type]
                want.append(True)
                wanting.append(req)
            still.append(req)
        self.peak_batch = max(self.peak_batch, len(tokens))
        room = PREFILL_CHUNK
        for req in still:
            if req.logits is not None or room <= 0:
                continue
            if req.cache is None:
                req.cache = self.model.new_cache()
            chunk = req.prompt[req.fed : req.fed + room]
            room -= len(chunk)
            tokens += chunk
            positions += range(req.fed, req.fed + len(chunk))
            caches += [req.cache] * len(chunk)
            req.fed += len(chunk)
            last = req.fed == len(req.prompt)
            want += [False] * (len(chunk) - 1) + [last]
            if last:
                wanting.append(req)
        with self._cv:
            self._active = still
        logits = self.model.step(tokens, positions, caches, want)
        for req, row in zip(wanting, logits, strict=True):
            req.logits = row

    def _advance(self, req: _Request) -> int | None:
        """Sample the stream's next token and emit its text; None when the stream ends."""
        assert req.logits is not None
        token = _sample(req.logits, req.params, req.gen)
        req.count += 1
        if token in self.stop_ids:
            req.finish("end")
            return None
        try:
            piece, stopped = req.stream.push(token)
            if piece:
                req.emit(piece)
        except Exception as exc:  # noqa: BLE001 - the caller's emit failed: end its stream
            req.fail(exc)
            return None
        if stopped:
            req.finish("stop_sequence")
            return None
        if req.count >= req.budget:
            req.finish("max_tokens")
            return None
        return token
