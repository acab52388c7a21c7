"""The default offline provider: SmolLM2-135M-Instruct running in-process (C kernel).

The model is loaded once per process (lazily, under a lock) and shared by every
``BuiltinModel``; concurrent generations are decoded together, one batched step for all
streams, on the engine's scheduler thread, so the event loop stays free. Tools use the
JSON convention of ``agents.llm.toolcall`` with one corrective retry when the model's tool
call does not parse.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from agents.llm.base import (
    ChatEvent,
    Done,
    GenParams,
    Message,
    ModelError,
    TextDelta,
    ToolSpec,
    UnknownModel,
    Usage,
)
from agents.llm.builtin.generation import Engine, GenerationOutcome, configure_threads
from agents.llm.builtin.gguf_file import GGUFFile, build_tokenizer
from agents.llm.builtin.model import LlamaModel, trim_heap
from agents.llm.builtin.weights import WeightsNotFoundError, locate_smollm2_gguf
from agents.llm.toolcall import (
    correction_prompt,
    looks_like_call,
    parse_tool_calls,
    render_call,
    tools_prompt,
)
from axweb.env import env_int

MODEL_NAME = "smollm2-135m"
DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

_engine: Engine | None = None
# Compressed engines by file path, least recently used first; at most
# AXWEB_LAB_MAX_CACHED_ENGINES stay loaded (each holds a model's weights in memory).
_compressed: OrderedDict[str, Engine] = OrderedDict()
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The process-wide engine, loaded on first use (thread-safe)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            configure_threads()
            try:
                path = locate_smollm2_gguf()
            except WeightsNotFoundError as exc:
                raise UnknownModel(f"builtin:{MODEL_NAME}: {exc}") from exc
            _engine = Engine.from_gguf(path, env_int("AXWEB_BUILTIN_CONTEXT", 2048))
        return _engine


def get_compressed_engine(path: str) -> Engine:
    """The engine of a lab-compressed model file, kept loaded while recently used."""
    with _engine_lock:
        if path in _compressed:
            _compressed.move_to_end(path)
            return _compressed[path]
        configure_threads()
        engine = load_compressed_engine(path)
        _compressed[path] = engine
        while len(_compressed) > max(1, env_int("AXWEB_LAB_MAX_CACHED_ENGINES", 2)):
            _compressed.popitem(last=False)  # the least recently used; freed once no call holds it
        trim_heap()
        return engine


def load_compressed_engine(path: str, storage: str = "auto") -> Engine:
    """A fresh engine for a lab file (not cached: the lab measures files it may overwrite).

    ``storage``: see ``agents.llm.builtin.compressed`` (3-bit files stay 3-bit by default)."""
    # The lab writes these files (agents/lab/quant/packing.py); the model layer owns the reader.
    from agents.llm.builtin.compressed import model_from_packed

    if not Path(path).is_file():
        raise UnknownModel(f"compressed model file {path} does not exist")
    model = model_from_packed(path, env_int("AXWEB_BUILTIN_CONTEXT", 2048), storage)
    trim_heap()
    gf = GGUFFile(locate_smollm2_gguf())  # compressed models keep the base tokenizer
    try:
        # a W3Model has LlamaModel's interface (step, prefill, new_cache, max_len)
        return Engine(cast(LlamaModel, model), build_tokenizer(gf.metadata))
    finally:
        gf.close()


def _turn(role: str, content: str) -> str:
    return f"<|im_start|>{role}\n{content}<|im_end|>\n"


def render_prompt(messages: Sequence[Message], tools: Sequence[ToolSpec] | None) -> str:
    """The model's ChatML template, with tool instructions and tool turns folded in."""
    system = [m.content for m in messages if m.role == "system"]
    system_text = "\n\n".join(system) or DEFAULT_SYSTEM
    if tools:
        system_text += "\n\n" + tools_prompt(tools)
    parts = [_turn("system", system_text)]
    for m in messages:
        if m.role == "user":
            parts.append(_turn("user", m.content))
        elif m.role == "assistant":
            calls = "\n".join(render_call(c) for c in m.tool_calls)
            parts.append(_turn("assistant", "\n".join(p for p in (m.content, calls) if p)))
        elif m.role == "tool":
            label = f"Result of tool {m.name}" if m.name else "Tool result"
            parts.append(_turn("user", f"{label}: {m.content}"))
    return "".join(parts) + "<|im_start|>assistant\n"


class BuiltinModel:
    """ChatModel over the in-process engine. See base.ChatModel for the contract."""

    def __init__(self, model: str = MODEL_NAME, *, path: str | None = None) -> None:
        if path is None and model != MODEL_NAME:
            raise UnknownModel(
                f"builtin provider has no model {model!r} (only {MODEL_NAME} "
                "and compressed models registered with a path)"
            )
        self.model, self.path = model, path

    @classmethod
    def compressed(cls, name: str, path: str) -> BuiltinModel:
        """A compressed model written by the lab (a packed safetensors file)."""
        return cls(name, path=path)

    def _engine(self) -> Engine:
        return get_engine() if self.path is None else get_compressed_engine(self.path)

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        params = params or GenParams()
        engine = await asyncio.to_thread(self._engine)
        if not tools:
            outcome = None
            async for item in _generate(engine, render_prompt(messages, None), params):
                if isinstance(item, str):
                    yield TextDelta(item)
                else:
                    outcome = item
            assert outcome is not None
            yield Usage(outcome.prompt_tokens, outcome.output_tokens)
            yield Done(outcome.stop_reason)
            return
        async for event in self._stream_with_tools(engine, messages, tools, params):
            yield event

    async def _stream_with_tools(
        self,
        engine: Engine,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        params: GenParams,
    ) -> AsyncIterator[ChatEvent]:
        history = list(messages)
        used_in = used_out = 0
        for attempt in range(2):
            state = _Attempt()
            prompt = render_prompt(history, tools)
            async for event in _stream_attempt(engine, prompt, params, state):
                yield event
            text, outcome = state.text, state.outcome
            assert outcome is not None
            used_in, used_out = used_in + outcome.prompt_tokens, used_out + outcome.output_tokens
            if state.streamed:
                yield Usage(used_in, used_out)
                yield Done(outcome.stop_reason)
                return
            parsed = parse_tool_calls(text, tools)
            if parsed.calls:
                for call in parsed.calls:
                    yield call
                yield Usage(used_in, used_out)
                yield Done("tool_use")
                return
            if parsed.error is None or attempt == 1:
                if text:
                    yield TextDelta(text)
                yield Usage(used_in, used_out)
                yield Done(outcome.stop_reason)
                return
            history += [
                Message("assistant", text),
                Message("user", correction_prompt(parsed.error)),
            ]


@dataclass
class _Attempt:
    """One generation's state: its text is held while it may be a tool call."""

    text: str = ""
    streamed: bool = False
    outcome: GenerationOutcome | None = None


async def _stream_attempt(
    engine: Engine, prompt: str, params: GenParams, state: _Attempt
) -> AsyncIterator[ChatEvent]:
    """Generate once, streaming the text as soon as it clearly is a plain answer."""
    async for item in _generate(engine, prompt, params):
        if isinstance(item, GenerationOutcome):
            state.outcome = item
        elif state.streamed:
            yield TextDelta(item)
        else:
            state.text += item
            if state.text.strip() and not looks_like_call(state.text):
                yield TextDelta(state.text)  # clearly a plain answer: stream from here on
                state.text, state.streamed = "", True


async def _generate(
    engine: Engine, prompt: str, params: GenParams
) -> AsyncIterator[str | GenerationOutcome]:
    """Run Engine.generate in a thread, yielding text deltas then the outcome."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | GenerationOutcome | BaseException] = asyncio.Queue()
    cancel = threading.Event()
    ids = engine.encode(prompt)
    params = replace(params, stop=tuple(params.stop))

    def send(item: str | GenerationOutcome | BaseException) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the event loop is gone: nobody is listening any more
            cancel.set()

    def work() -> None:
        try:
            send(engine.generate(ids, params, cancel, send))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            send(exc)

    thread = threading.Thread(target=work, name="axweb-builtin-generate", daemon=True)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if isinstance(item, BaseException):
                raise item if isinstance(item, ModelError) else ModelError(f"builtin: {item}")
            yield item
            if isinstance(item, GenerationOutcome):
                return
    finally:
        cancel.set()  # the worker stops before its next token
