"""A small, safe expression language for conditions, routers and loop exits.

Python expression syntax restricted to: literals, names from the given variables,
``and/or/not``, comparisons (``== != < <= > >= in not in``), arithmetic, subscripts
(``x["key"]``, ``x[0]``), attribute access on dicts (``x.key``), list/dict/tuple
literals, a few functions (len, str, int, float, bool, abs, min, max, round, lower,
upper, contains) and string methods (lower, upper, strip, startswith, endswith).
No imports, no dunder access, no other calls.
"""

from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import Any

from workflows.engine.errors import ExpressionError

_BIN = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_CMP = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_FUNCS: dict[str, Any] = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "abs": abs,
    "min": min, "max": max, "round": round,
    "lower": lambda s: str(s).lower(), "upper": lambda s: str(s).upper(),
    "contains": lambda a, b: b in a,
}
_METHODS = {"lower", "upper", "strip", "startswith", "endswith", "get", "keys", "values"}
_CONSTS = {"true": True, "false": False, "null": None, "none": None}


@lru_cache(maxsize=512)
def compile_expression(source: str) -> ast.Expression:
    """Parse an expression (raises :class:`ExpressionError` with a sentence)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"The expression {source!r} is not valid: {exc.msg}.") from None
    return tree


def evaluate(source: str, variables: dict[str, Any]) -> Any:
    """Evaluate ``source`` with ``variables``; errors become :class:`ExpressionError`."""
    tree = compile_expression(source)
    try:
        return _eval(tree.body, variables)
    except ExpressionError:
        raise
    except Exception as exc:
        raise ExpressionError(f"The expression {source!r} failed: {exc}.") from None


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:  # noqa: C901 - one dispatch
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id.lower() in _CONSTS:
            return _CONSTS[node.id.lower()]
        raise ExpressionError(f'Unknown name "{node.id}" in expression.')
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: Any = True
            for value in node.values:
                result = _eval(value, env)
                if not result:
                    return result
            return result
        for value in node.values:
            result = _eval(value, env)
            if result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub):
            return -operand
        return +operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        return _BIN[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, env)
            if not _CMP[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, env) else node.orelse, env)
    if isinstance(node, ast.Subscript):
        return _eval(node.value, env)[_eval(node.slice, env)]
    if isinstance(node, ast.Attribute):
        return _attribute(_eval(node.value, env), node.attr)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, env) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {_eval(k, env): _eval(v, env) for k, v in zip(node.keys, node.values,
                                                              strict=True) if k is not None}
    if isinstance(node, ast.Call):
        return _call(node, env)
    raise ExpressionError(f"Expressions cannot use {type(node).__name__}.")


def _attribute(value: Any, name: str) -> Any:
    if name.startswith("_"):
        raise ExpressionError("Expressions cannot use private attributes.")
    if isinstance(value, dict):
        if name in value:
            return value[name]
        if name in _METHODS:
            return getattr(value, name)
        raise ExpressionError(f'The value has no key "{name}".')
    if name in _METHODS and hasattr(value, name):
        return getattr(value, name)
    raise ExpressionError(f'Expressions cannot use the attribute "{name}".')


def _call(node: ast.Call, env: dict[str, Any]) -> Any:
    args = [_eval(a, env) for a in node.args]
    if isinstance(node.func, ast.Name) and node.func.id in _FUNCS:
        return _FUNCS[node.func.id](*args)
    if isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
        return _attribute(_eval(node.func.value, env), node.func.attr)(*args)
    raise ExpressionError("Expressions may only call len, str, int, float, bool, abs, min, "
                          "max, round, lower, upper, contains and string methods.")


def check_expression(source: str) -> str | None:
    """A sentence when ``source`` does not parse, else ``None`` (for validation)."""
    try:
        compile_expression(source)
    except ExpressionError as exc:
        return str(exc)
    return None


def variables_for(value: Any, **extra: Any) -> dict[str, Any]:
    """Names an expression sees: ``value`` and ``input`` (the input), the keys of a
    dict input at top level, then ``extra``."""
    names: dict[str, Any] = {}
    if isinstance(value, dict):
        names.update({k: v for k, v in value.items() if isinstance(k, str) and k.isidentifier()})
    names["value"] = value
    names["input"] = value
    names.update(extra)
    return names
