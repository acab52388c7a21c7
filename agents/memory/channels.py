"""Agent-to-agent messages: named channels of ordered messages within a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    seq: int
    channel: str
    sender: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "channel": self.channel, "sender": self.sender, "text": self.text}


@dataclass
class Channels:
    """Messages keyed by channel; ``seq`` is gap-free across the whole run."""

    messages: list[Message] = field(default_factory=list)

    def post(self, channel: str, sender: str, text: str) -> Message:
        if not channel or not sender:
            raise ValueError("channel and sender are required")
        message = Message(len(self.messages) + 1, channel, sender, text)
        self.messages.append(message)
        return message

    def read(self, channel: str, after: int = 0) -> list[Message]:
        """Messages of ``channel`` with ``seq > after``, oldest first."""
        return [m for m in self.messages if m.channel == channel and m.seq > after]

    def names(self) -> list[str]:
        return sorted({m.channel for m in self.messages})
