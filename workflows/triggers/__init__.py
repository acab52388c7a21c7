"""Ways in from other systems: webhook and schedule triggers that start runs (docs/triggers.md)."""
