"""A small, safe formula language for columns defined over earlier columns.

A formula is tokenized and parsed by a recursive-descent parser into a tree of a few node types;
evaluation walks that tree over numpy arrays. There is no Python `eval`, no attribute access, no
subscripts, and only the functions in `FUNCTIONS` can be called, so a formula cannot reach files or
code. Exponents are bounded (|exponent| <= MAX_EXPONENT), formulas are limited in length
(MAX_LENGTH characters), nesting (MAX_DEPTH levels of brackets, calls, signs and powers) and
terms (MAX_TERMS numbers, texts, names and calls). Long chains such as `a + b + ... + z` are
evaluated without recursion, so any formula within the limits evaluates.

Grammar (lowest to highest precedence)::

    expr    := and ( ("or" | "|") and )*
    and     := not ( ("and" | "&") not )*
    not     := "not" not | compare
    compare := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )?
    sum     := product ( ("+" | "-") product )*
    product := unary ( ("*" | "/" | "//" | "%") unary )*
    unary   := ("-" | "+") unary | power
    power   := atom ( ("**" | "^") unary )?
    atom    := number | "string" | name | `name with spaces` | name "(" args ")" | "(" expr ")"

`true`/`false` are booleans. Random terms (`normal(0, 0.1)`) draw one value per row from the
column's own seeded generator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError

MAX_EXPONENT = 100.0
MAX_LENGTH = 5_000  # characters
MAX_DEPTH = 60  # nested brackets, function calls, signs, `not` and powers
MAX_TERMS = 500  # numbers, texts, column names and function calls
_MAX_INT_DIGITS = 18  # longer integer literals are read as floats (int64 holds 18 digits)

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|`(?P<quoted>[^`]+)`"
    r"|'(?P<str1>[^']*)'|\"(?P<str2>[^\"]*)\""
    r"|(?P<op>\*\*|//|<=|>=|==|!=|[-+*/%^()<>,&|]))"
)


class FormulaError(ParameterError):
    """A formula that cannot be parsed or evaluated; the message names column and position."""


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, quoted, str, op, end
    text: str
    pos: int


@dataclass(frozen=True)
class Node:
    """One node of a parsed formula: `op` says which, `args` are children or a literal value."""

    op: str  # num, str, bool, name, neg, not, binary operator, compare operator, and, or, call
    pos: int
    args: tuple[Any, ...] = ()


def tokenize(text: str, column: str) -> list[Token]:
    """Split `text` into tokens; an unknown character is an error naming its position."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"column '{column}': formula longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise FormulaError(
                f"column '{column}': unexpected character {text[start]!r} at position {start + 1}"
            )
        kind = match.lastgroup or "op"
        value = match.group(kind)
        start = match.start(kind)
        if kind in ("str1", "str2"):
            kind = "str"
        tokens.append(Token(kind, value, start))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


_COMPARE = ("<", "<=", ">", ">=", "==", "!=")


class _Parser:
    def __init__(self, text: str, column: str, functions: Mapping[str, Function]) -> None:
        self.column = column
        self.tokens = tokenize(text, column)
        self.i = 0
        self.depth = 0
        self.terms = 0
        self.functions = functions

    def error(self, message: str, token: Token | None = None) -> FormulaError:
        token = token or self.tokens[self.i]
        where = "at the end" if token.kind == "end" else f"at position {token.pos + 1}"
        return FormulaError(f"column '{self.column}': {message} {where}")

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        token = self.peek
        if token.kind in ("op", "name") and token.text in texts:
            return self.take()
        return None

    def parse(self) -> Node:
        node = self.expr()
        if self.peek.kind != "end":
            raise self.error(f"unexpected {self.peek.text!r}")
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"formula nested deeper than {MAX_DEPTH} levels")
        node = self.logical("or", ("or", "|"), self.conjunction)
        self.depth -= 1
        return node

    def conjunction(self) -> Node:
        return self.logical("and", ("and", "&"), self.negation)

    def logical(self, op: str, words: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while token := self.accept(*words):
            node = Node(op, token.pos, (node, operand()))
        return node

    def negation(self) -> Node:
        if token := self.accept("not"):
            self.enter()
            node = Node("not", token.pos, (self.negation(),))
            self.depth -= 1
            return node
        return self.comparison()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"formula nested deeper than {MAX_DEPTH} levels")

    def comparison(self) -> Node:
        node = self.binary(("+", "-"), self.product)
        if token := self.accept(*_COMPARE):
            node = Node(token.text, token.pos, (node, self.binary(("+", "-"), self.product)))
            if self.peek.text in _COMPARE:
                raise self.error("chained comparisons are not supported (use 'and')")
        return node

    def binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while token := self.accept(*ops):
            node = Node(token.text, token.pos, (node, operand()))
        return node

    def product(self) -> Node:
        return self.binary(("*", "/", "//", "%"), self.unary)

    def unary(self) -> Node:
        if token := self.accept("-", "+"):
            self.enter()
            operand = self.unary()
            self.depth -= 1
            return Node("neg", token.pos, (operand,)) if token.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if token := self.accept("**", "^"):
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            if exponent.op == "num" and abs(exponent.args[0]) > MAX_EXPONENT:
                raise self.error(f"exponent larger than {MAX_EXPONENT:g}", token)
            return Node("**", token.pos, (base, exponent))
        return base

    def atom(self) -> Node:
        token = self.take()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"formula has more than {MAX_TERMS} terms (the limit)", token)
        if token.kind == "num":
            whole = token.text.isdigit() and len(token.text) <= _MAX_INT_DIGITS
            value = int(token.text) if whole else float(token.text)
            return Node("num", token.pos, (value,))
        if token.kind == "str":
            return Node("str", token.pos, (token.text,))
        if token.kind == "quoted":
            return Node("name", token.pos, (token.text,))
        if token.kind == "name":
            if token.text in ("true", "false", "True", "False"):
                return Node("bool", token.pos, (token.text.lower() == "true",))
            if self.peek.text == "(":
                return self.call(token)
            return Node("name", token.pos, (token.text,))
        if token.text == "(":
            node = self.expr()
            if not self.accept(")"):
                raise self.error("expected ')'")
            return node
        shown = "end of formula" if token.kind == "end" else repr(token.text)
        raise self.error(f"unexpected {shown}", token)

    def call(self, name: Token) -> Node:
        function = self.functions.get(name.text)
        if function is None:
            known = ", ".join(sorted(self.functions))
            raise self.error(f"unknown function '{name.text}' (use one of {known})", name)
        self.take()  # "("
        args: list[Node] = []
        if not self.accept(")"):
            args.append(self.expr())
            while self.accept(","):
                args.append(self.expr())
            if not self.accept(")"):
                raise self.error("expected ',' or ')'")
        low, high = function.arity
        if not low <= len(args) <= (high if high is not None else len(args)):
            wanted = f"{low}" if low == high else f"{low} to {high if high is not None else 'any'}"
            raise self.error(f"{name.text}() takes {wanted} arguments, not {len(args)}", name)
        return Node("call", name.pos, (name.text, *args))


@dataclass(frozen=True)
class Function:
    """An entry of the fixed function table: arity (min, max or None) and implementation.

    `random` functions get the row count and the column's generator before their arguments.
    """

    arity: tuple[int, int | None]
    impl: Callable[..., Any]
    random: bool = False


def _where(cond: Any, a: Any, b: Any) -> Any:
    return np.where(np.asarray(cond, dtype=bool), a, b)


def _round(x: Any, digits: Any = 0.0) -> Any:
    return np.round(np.asarray(x, dtype=float), int(np.asarray(digits).flat[0]))


def _days(x: Any) -> Any:
    """Days since 1970-01-01 of a date column (the only way dates enter arithmetic)."""
    array = np.asarray(x)
    if array.dtype.kind != "M":
        raise TypeError("days() takes a date or datetime column")
    return array.astype("datetime64[s]").astype(np.int64) / 86_400.0


def _rand(draw: Callable[..., Any]) -> Callable[..., Any]:
    def call(n: int, rng: np.random.Generator, *args: Any) -> Any:
        return draw(rng, *args, n)

    return call


FUNCTIONS: dict[str, Function] = {
    "abs": Function((1, 1), np.abs),
    "exp": Function((1, 1), np.exp),
    "log": Function((1, 1), np.log),
    "log1p": Function((1, 1), np.log1p),
    "sqrt": Function((1, 1), np.sqrt),
    "sin": Function((1, 1), np.sin),
    "cos": Function((1, 1), np.cos),
    "tanh": Function((1, 1), np.tanh),
    "sigmoid": Function((1, 1), lambda x: 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))),
    "floor": Function((1, 1), np.floor),
    "ceil": Function((1, 1), np.ceil),
    "round": Function((1, 2), _round),
    "min": Function((2, None), lambda *a: np.minimum.reduce(np.broadcast_arrays(*a))),
    "max": Function((2, None), lambda *a: np.maximum.reduce(np.broadcast_arrays(*a))),
    "clip": Function((3, 3), np.clip),
    "days": Function((1, 1), _days),
    "where": Function((3, 3), _where),
    "normal": Function((2, 2), _rand(lambda r, m, s, n: r.normal(m, s, n)), True),
    "uniform": Function((2, 2), _rand(lambda r, a, b, n: r.uniform(a, b, n)), True),
    "lognormal": Function((2, 2), _rand(lambda r, m, s, n: r.lognormal(m, s, n)), True),
    "exponential": Function((1, 1), _rand(lambda r, s, n: r.exponential(s, n)), True),
    "gamma": Function((2, 2), _rand(lambda r, k, s, n: r.gamma(k, s, n)), True),
    "beta": Function((2, 2), _rand(lambda r, a, b, n: r.beta(a, b, n)), True),
    "poisson": Function((1, 1), _rand(lambda r, lam, n: r.poisson(lam, n)), True),
    "binomial": Function((2, 2), _rand(lambda r, k, p, n: r.binomial(k, p, n)), True),
    "bernoulli": Function((1, 1), _rand(lambda r, p, n: r.random(n) < p), True),
}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its text, the column it defines, its tree and the columns it reads."""

    text: str
    column: str
    tree: Node
    names: tuple[str, ...]

    def evaluate(self, columns: Mapping[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
        """The formula's value for every row: `columns` maps names to arrays of length `n`."""
        with np.errstate(all="ignore"):
            value = _Evaluator(self, columns, n, rng).run(self.tree)
        out = np.asarray(value)
        if out.ndim == 0:
            out = np.full(n, out.item(), dtype=out.dtype if out.dtype != object else object)
        return out


def parse_formula(text: str, column: str) -> Formula:
    """Parse `text` (the formula of `column`); FormulaError names the column and position."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(f"column '{column}': the formula must be a non-empty string")
    tree = _Parser(text, column, FUNCTIONS).parse()
    names: list[str] = []
    _collect_names(tree, names)
    return Formula(text, column, tree, tuple(dict.fromkeys(names)))


def _collect_names(tree: Node, names: list[str]) -> None:
    stack = [tree]  # a stack, not recursion: a chain of 500 terms is a tree 500 deep
    while stack:
        node = stack.pop()
        if node.op == "name":
            names.append(node.args[0])
        stack.extend(arg for arg in reversed(node.args) if isinstance(arg, Node))


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "//": np.floor_divide,
    "%": np.mod,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "and": np.logical_and,
    "or": np.logical_or,
}
_BINARY = frozenset({*_ARITHMETIC, "**", "==", "!="})


class _Evaluator:
    def __init__(
        self, formula: Formula, columns: Mapping[str, Any], n: int, rng: np.random.Generator
    ) -> None:
        self.formula = formula
        self.columns = columns
        self.n = n
        self.rng = rng

    def error(self, node: Node, message: str) -> FormulaError:
        return FormulaError(f"column '{self.formula.column}': {message} at position {node.pos + 1}")

    def run(self, node: Node) -> Any:
        op = node.op
        if op in ("num", "str", "bool"):
            return node.args[0]
        if op == "name":
            name = node.args[0]
            if name not in self.columns:
                raise self.error(node, f"unknown column '{name}'")
            return self.columns[name]
        if op == "neg":
            return np.negative(self.number(node.args[0]))
        if op == "not":
            return np.logical_not(np.asarray(self.run(node.args[0]), dtype=bool))
        if op == "call":
            return self.call(node)
        # a binary operator: walk down its left operands (`a + b + c` is ((a + b) + c)) with a
        # loop, so a long chain does not recurse once per term; the order of draws is unchanged
        spine = [node]
        while spine[-1].args[0].op in _BINARY:
            spine.append(spine[-1].args[0])
        value = self.run(spine[-1].args[0])
        for parent in reversed(spine):
            value = self.binary(parent, value, self.run(parent.args[1]))
        return value

    def binary(self, node: Node, left: Any, right: Any) -> Any:
        op = node.op
        if op == "**":
            exponent = np.asarray(right, dtype=float)
            if exponent.size and np.nanmax(np.abs(exponent)) > MAX_EXPONENT:
                raise self.error(node, f"exponent larger than {MAX_EXPONENT:g}")
            return np.power(np.asarray(left, dtype=float), exponent)
        if op in ("==", "!="):
            equal = _equal(left, right)
            return equal if op == "==" else np.logical_not(equal)
        if op in ("and", "or"):
            return _ARITHMETIC[op](np.asarray(left, dtype=bool), np.asarray(right, dtype=bool))
        try:
            return _ARITHMETIC[op](_numeric(left), _numeric(right))
        except (TypeError, ValueError) as exc:
            raise self.error(node, f"'{op}' needs numbers ({exc})") from exc

    def number(self, node: Node) -> Any:
        try:
            return _numeric(self.run(node))
        except (TypeError, ValueError) as exc:
            raise self.error(node, "expected a number") from exc

    def call(self, node: Node) -> Any:
        name, *arg_nodes = node.args
        function = FUNCTIONS[name]
        args = [self.run(arg) for arg in arg_nodes]
        try:
            if function.random:
                return function.impl(self.n, self.rng, *(_numeric(a) for a in args))
            return function.impl(*args)
        except (TypeError, ValueError, OverflowError) as exc:
            raise self.error(node, f"{name}(): {exc}") from exc


def _numeric(value: Any) -> Any:
    array = np.asarray(value)
    if array.dtype == object or array.dtype.kind in "USM":
        raise TypeError("text or dates cannot be used in arithmetic")
    return array.astype(float) if array.dtype == bool else array


def _equal(left: Any, right: Any) -> Any:
    a, b = np.asarray(left), np.asarray(right)
    if a.dtype == object or b.dtype == object or a.dtype.kind == "U" or b.dtype.kind == "U":
        return np.asarray(a.astype(object) == b.astype(object), dtype=bool)
    return np.equal(a, b)
