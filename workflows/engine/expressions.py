"""A small, safe expression language for conditions, routers and loop exits.

Python expression syntax restricted to: literals, names from the given variables,
``and/or/not``, comparisons (``== != < <= > >= in not in``), arithmetic, subscripts
(``x["key"]``, ``x[0]``), attribute access on dicts (``x.key``), list/dict/tuple
literals, a few functions (len, str, int, float, bool, abs, min, max, round, lower,
upper, contains) and the methods in ``_METHODS`` (``input.split()[0]``, ``x.get("k")``).
No imports, no dunder access, no other calls. :func:`check_expression` refuses at validation
everything :func:`evaluate` would refuse for its shape, so Validate and the run agree.

Every evaluation is bounded (see :mod:`workflows.engine.limits`): the source length,
the number of evaluated syntax nodes, and the size of every string, list or integer
an operator would build — checked BEFORE the operator runs, so ``"a" * 10000000000``
fails the node with a sentence instead of allocating ten gigabytes.
"""

from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import Any

from workflows.engine import limits
from workflows.engine.errors import ExpressionError

_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_CMP = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_FUNCS: dict[str, Any] = {
    "len": len,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "lower": lambda s: str(s).lower(),
    "upper": lambda s: str(s).upper(),
    "contains": lambda a, b: b in a,
}
_METHODS = {
    # strings (none of these can grow a string past the input's own size)
    "lower",
    "upper",
    "strip",
    "lstrip",
    "rstrip",
    "title",
    "capitalize",
    "startswith",
    "endswith",
    "split",
    "rsplit",
    "splitlines",
    "count",
    "find",
    "isdigit",
    "isalpha",
    # dicts
    "get",
    "keys",
    "values",
    "items",
}
_CONSTS = {"true": True, "false": False, "null": None, "none": None}


@lru_cache(maxsize=512)
def compile_expression(source: str) -> ast.Expression:
    """Parse an expression (raises :class:`ExpressionError` with a sentence)."""
    cap = limits.current().expression_max_chars
    if len(source) > cap:
        raise ExpressionError(
            f"The expression is {len(source):,} characters long; at most "
            f"{cap:,} are allowed (AXWEB_EXPR_MAX_CHARS)."
        )
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"The expression {source[:200]!r} is not valid: {exc.msg}.") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("The expression is nested too deeply to read.") from None
    return tree


def evaluate(source: str, variables: dict[str, Any]) -> Any:
    """Evaluate ``source`` with ``variables``; errors become :class:`ExpressionError`."""
    tree = compile_expression(source)
    try:
        return _eval(tree.body, _Env(variables))
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError(f"The expression {source[:200]!r} is nested too deeply.") from None
    except Exception as exc:
        raise ExpressionError(f"The expression {source[:200]!r} failed: {exc}.") from None


class _Env(dict[str, Any]):
    """The names an expression sees, plus the count of syntax nodes evaluated so far."""

    steps = 0
    max_steps = 0

    def __init__(self, variables: dict[str, Any]) -> None:
        super().__init__(variables)
        self.max_steps = limits.current().expression_max_steps


def _eval(node: ast.AST, env: _Env) -> Any:
    env.steps += 1
    if env.steps > env.max_steps:
        raise ExpressionError(
            f"The expression took more than {env.max_steps:,} evaluation "
            "steps (AXWEB_EXPR_MAX_STEPS)."
        )
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise ExpressionError(f"Expressions cannot use {type(node).__name__}.")
    return handler(node, env)


def _name(node: Any, env: _Env) -> Any:
    if node.id in env:
        return env[node.id]
    if node.id.lower() in _CONSTS:
        return _CONSTS[node.id.lower()]
    raise ExpressionError(f'Unknown name "{node.id}" in expression.')


def _bool_op(node: Any, env: _Env) -> Any:
    want = isinstance(node.op, ast.Or)  # `or` stops at the first truthy value
    result: Any = not want
    for value in node.values:
        result = _eval(value, env)
        if bool(result) is want:
            return result
    return result


def _unary(node: Any, env: _Env) -> Any:
    operand = _eval(node.operand, env)
    if isinstance(node.op, ast.Not):
        return not operand
    return -operand if isinstance(node.op, ast.USub) else +operand


def _bin_op(node: Any, env: _Env) -> Any:
    op = _BIN.get(type(node.op))
    if op is None:
        raise ExpressionError(f"Expressions cannot use {type(node.op).__name__}.")
    left, right = _eval(node.left, env), _eval(node.right, env)
    _check_size(node.op, left, right)
    return op(left, right)


def _check_size(op: ast.operator, left: Any, right: Any) -> None:
    """Refuse an operation whose result would pass a limit, before it is computed."""
    if isinstance(op, ast.Mod) and isinstance(left, str):
        raise ExpressionError("Expressions cannot format strings with %; use str() and +.")
    if isinstance(op, ast.Add) and isinstance(left, (str, list)) and type(left) is type(right):
        _check_length(left, len(left) + len(right))
    elif isinstance(op, ast.Mult):
        sequence, times = (left, right) if isinstance(left, (str, list)) else (right, left)
        if isinstance(sequence, (str, list)) and isinstance(times, int):
            _check_length(sequence, len(sequence) * max(times, 0))
        elif isinstance(left, int) and isinstance(right, int):
            bits, cap = (
                left.bit_length() + right.bit_length(),
                limits.current().expression_max_int_bits,
            )
            if bits > cap:
                raise ExpressionError(
                    f"The expression would build an integer of about {bits:,} "
                    f"bits; at most {cap:,} are allowed (AXWEB_EXPR_MAX_INT_BITS)."
                )


def _check_length(sample: str | list[Any], size: int) -> None:
    if isinstance(sample, str):
        cap, what, name = limits.current().expression_max_string, "a string of", "STRING"
        unit = "characters"
    else:
        cap, what, name = limits.current().expression_max_items, "a list of", "ITEMS"
        unit = "items"
    if size > cap:
        raise ExpressionError(
            f"The expression would build {what} {size:,} {unit}; at most "
            f"{cap:,} are allowed (AXWEB_EXPR_MAX_{name})."
        )


def _compare(node: Any, env: _Env) -> Any:
    left = _eval(node.left, env)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = _eval(comparator, env)
        if not _CMP[type(op)](left, right):
            return False
        left = right
    return True


def _dict(node: Any, env: _Env) -> Any:
    pairs = zip(node.keys, node.values, strict=True)
    return {_eval(k, env): _eval(v, env) for k, v in pairs if k is not None}


_HANDLERS: dict[type[ast.AST], Any] = {
    ast.Constant: lambda node, env: node.value,
    ast.Name: _name,
    ast.BoolOp: _bool_op,
    ast.UnaryOp: _unary,
    ast.BinOp: _bin_op,
    ast.Compare: _compare,
    ast.IfExp: lambda node, env: _eval(node.body if _eval(node.test, env) else node.orelse, env),
    ast.Subscript: lambda node, env: _eval(node.value, env)[_eval(node.slice, env)],
    ast.Attribute: lambda node, env: _attribute(_eval(node.value, env), node.attr),
    ast.List: lambda node, env: [_eval(e, env) for e in node.elts],
    ast.Tuple: lambda node, env: [_eval(e, env) for e in node.elts],
    ast.Dict: _dict,
    ast.Call: lambda node, env: _call(node, env),
}


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


def _call(node: ast.Call, env: _Env) -> Any:
    if node.keywords:
        raise ExpressionError(_NO_KEYWORDS)
    args = [_eval(a, env) for a in node.args]
    if isinstance(node.func, ast.Name) and node.func.id in _FUNCS:
        return _FUNCS[node.func.id](*args)
    if isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
        return _attribute(_eval(node.func.value, env), node.func.attr)(*args)
    raise ExpressionError(_CALLS_ALLOWED)


_NO_KEYWORDS = "Expressions pass arguments by position only (x.split(',') not sep=',')."
_CALLS_ALLOWED = (
    f"Expressions may only call {', '.join(_FUNCS)} and the methods {', '.join(sorted(_METHODS))}."
)


def check_expression(source: str) -> str | None:
    """A sentence when ``source`` does not parse, else ``None`` (for validation)."""
    try:
        tree = compile_expression(source)
    except ExpressionError as exc:
        return str(exc)
    for node in ast.walk(tree.body):
        if problem := _shape_problem(node):
            return problem
    return None


def _shape_problem(node: ast.AST) -> str | None:
    """What :func:`evaluate` would refuse about this syntax node whatever the values."""
    if isinstance(node, (ast.expr_context, ast.boolop, ast.unaryop, ast.cmpop)):
        return None
    if isinstance(node, ast.operator):
        ok = type(node) in _BIN
        return None if ok else f"Expressions cannot use {type(node).__name__}."
    if type(node) not in _HANDLERS and not isinstance(node, ast.keyword):
        return f"Expressions cannot use {type(node).__name__}."
    if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
        return "Expressions cannot use private attributes."
    if isinstance(node, ast.Call):
        func = node.func
        known = (isinstance(func, ast.Name) and func.id in _FUNCS) or (
            isinstance(func, ast.Attribute) and func.attr in _METHODS
        )
        if node.keywords:
            return _NO_KEYWORDS
        return None if known else _CALLS_ALLOWED
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
