"""A small expression and statement tree between NESTML's AST and the code printers.

The tree keeps every operation of the model file in its written order (no
reassociation, no simplification beyond dropping exact multiplications and
divisions by the literal 1), so that printed code evaluates in the same order
as NEST's C++ and gives the same IEEE doubles. All values are in NEST's units
(ms, mV, pA, nS, pF and their products); unit conversions have been folded in.
"""

from dataclasses import dataclass


class Expr:
    """Base class of expression nodes."""


@dataclass(frozen=True)
class Num(Expr):
    value: float | int  # int for integer literals, float otherwise


@dataclass(frozen=True)
class Bool(Expr):
    value: bool


@dataclass(frozen=True)
class Name(Expr):
    """A variable reference; ``kind`` says where the value lives.

    kinds: state, parameter, internal, inline, spike_port, continuous_port,
    local (update-block or function local), constant (e, pi).
    """
    name: str
    kind: str


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # '-' or 'not'
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # + - * / % ** < <= > >= == != and or
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call(Expr):
    """A call of a predefined function (exp, ln, steps, ...) or a model function."""
    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Draw(Expr):
    """A random function's value (NESTML's ``random_normal(mu, sigma)``: mu + sigma * z), z being
    the model's ``site``-th draw of the step from its distribution object (docs/models.md)."""
    distribution: str  # "normal": the node's standard normal distribution
    args: tuple[Expr, ...]
    site: int


@dataclass(frozen=True)
class Conditional(Expr):
    condition: Expr
    if_true: Expr
    if_false: Expr


class Stmt:
    """Base class of statement nodes."""


@dataclass(frozen=True)
class Declare(Stmt):
    name: str
    type: str  # real, integer, boolean
    value: Expr | None


@dataclass(frozen=True)
class Assign(Stmt):
    name: str
    kind: str  # as Name.kind
    op: str  # = += -= *= /=
    value: Expr


@dataclass(frozen=True)
class If(Stmt):
    branches: tuple[tuple[Expr, tuple[Stmt, ...]], ...]  # if and elif clauses
    orelse: tuple[Stmt, ...]


@dataclass(frozen=True)
class IntegrateODEs(Stmt):
    """``integrate_odes()`` (``variables`` None: every ODE) or ``integrate_odes(a, b)``."""
    variables: tuple[str, ...] | None = None


@dataclass(frozen=True)
class EmitSpike(Stmt):
    pass


@dataclass(frozen=True)
class Return(Stmt):
    value: Expr


def walk(node):
    """Yield ``node`` and every expression or statement below it, depth first."""
    yield node
    if isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, (Call, Draw)):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Conditional):
        for child in (node.condition, node.if_true, node.if_false):
            yield from walk(child)
    elif isinstance(node, (Declare, Assign, Return)):
        if node.value is not None:
            yield from walk(node.value)
    elif isinstance(node, If):
        for condition, body in node.branches:
            yield from walk(condition)
            for stmt in body:
                yield from walk(stmt)
        for stmt in node.orelse:
            yield from walk(stmt)
