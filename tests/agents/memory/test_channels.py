from __future__ import annotations

import pytest

from agents.memory.channels import Channels


def test_messages_are_ordered_per_channel_with_run_wide_seq() -> None:
    channels = Channels()
    channels.post("review", "writer", "draft ready")
    channels.post("ops", "bot", "deploying")
    channels.post("review", "critic", "two issues")
    assert [m.text for m in channels.read("review")] == ["draft ready", "two issues"]
    assert [m.seq for m in channels.read("review", after=1)] == [3]
    assert channels.names() == ["ops", "review"]
    assert channels.read("ops")[0].to_dict() == {
        "seq": 2,
        "channel": "ops",
        "sender": "bot",
        "text": "deploying",
    }


def test_channel_and_sender_are_required() -> None:
    with pytest.raises(ValueError):
        Channels().post("", "a", "x")
