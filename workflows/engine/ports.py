"""Typed ports of node kinds and the connection rule between them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

PortType = Literal["text", "json", "messages", "list", "bool", "any"]
PORT_TYPES: tuple[str, ...] = ("text", "json", "messages", "list", "bool", "any")


@dataclass(frozen=True)
class Port:
    """One input or output of a node kind.

    ``multiple``: an input that accepts several edges (values arrive as a list in
    declared edge order). ``required``: the node cannot run without a value.
    """

    name: str
    type: PortType = "any"
    required: bool = True
    multiple: bool = False

    def as_input(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "multiple": self.multiple,
        }

    def as_output(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type}


ERROR_PORT = Port("error", "json", required=False)


def connectable(source: str, target: str) -> bool:
    """Port types connect when equal or when either side is ``any``."""
    return source == target or source == "any" or target == "any"
