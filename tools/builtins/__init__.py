"""Builtin tools, one module each; listed in tools.registry.BUILTINS."""
