"""calculator: arithmetic on an expression string, evaluated over a whitelisted AST.

Never ``eval``: the expression is parsed with ``ast`` and only numbers, the operators
+ - * / // % **, unary +/-, parentheses, the math functions and constants below are
accepted. Exponents and intermediate sizes are bounded so "9**9**9" cannot hang a worker.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from tools.base import Tool, ToolContext, ToolError

MAX_EXPRESSION_CHARS = 1000
MAX_EXPONENT = 10_000
MAX_INT_BITS = 4096

BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: getattr(math, name)
    for name in (
        "sqrt",
        "log",
        "log2",
        "log10",
        "exp",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "sinh",
        "cosh",
        "tanh",
        "floor",
        "ceil",
        "fabs",
        "hypot",
        "degrees",
        "radians",
        "gcd",
    )
} | {"abs": abs, "round": round, "min": min, "max": max}
CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}


def _check_size(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ToolError(f"result too large (more than {MAX_INT_BITS} bits)", code="invalid_input")
    return value


def _power(base: Any, exponent: Any) -> Any:
    if isinstance(exponent, (int, float)) and abs(exponent) > MAX_EXPONENT:
        raise ToolError(f"exponent {exponent} is larger than {MAX_EXPONENT}", code="invalid_input")
    too_big = (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and (base.bit_length() * exponent > MAX_INT_BITS)
    )
    if too_big:
        raise ToolError(f"result too large (more than {MAX_INT_BITS} bits)", code="invalid_input")
    return operator.pow(base, exponent)


def _evaluate(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            return _check_size(_power(left, right))
        return _check_size(BINARY[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    if isinstance(node, ast.Call):
        return _call(node)
    raise ToolError(f"unsupported syntax: {ast.dump(node)[:60]}", code="invalid_input")


def _call(node: ast.Call) -> Any:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
        name = node.func.id if isinstance(node.func, ast.Name) else "?"
        raise ToolError(f"unknown function '{name}'", code="invalid_input")
    args = [_evaluate(arg) for arg in node.args]
    return _check_size(FUNCTIONS[node.func.id](*args))


def calculate(expression: str) -> int | float:
    """Evaluate ``expression``; raise ToolError with the reason when it is not allowed."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ToolError(
            f"expression longer than {MAX_EXPRESSION_CHARS} characters", code="invalid_input"
        )
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"not a valid expression: {exc.msg}", code="invalid_input") from None
    try:
        value: int | float = _evaluate(tree)
    except ZeroDivisionError:
        raise ToolError("division by zero", code="invalid_input") from None
    except (ValueError, OverflowError, TypeError) as exc:
        raise ToolError(f"math error: {exc}", code="invalid_input") from None
    return value


class Calculator(Tool):
    name = "calculator"
    idempotent = True  # no effect outside its result: safe to repeat after a crash
    description = (
        "Evaluate an arithmetic expression, e.g. '2 * (3 + 4) ** 2' or 'sqrt(2) * pi'. "
        "Supports + - * / // % **, parentheses, math functions and constants."
    )
    input_schema = {
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "The expression."}},
        "required": ["expression"],
        "additionalProperties": False,
    }
    output_schema = {"type": "object", "properties": {"value": {"type": ["number", "integer"]}}}
    timeout_s = 5.0
    builtin = True

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        return {"value": calculate(args["expression"])}
