"""The sympy view of a model spec: right-hand sides, inline expressions, initial values.

Expressions become sympy expressions over Symbols named like the model's
variables. Inline expressions are substituted; calls of the model's own
functions are expanded, except those named in ``opaque``, which stay
unevaluated sympy Functions (this keeps checks such as "the gates start at
their steady state" independent of the rate functions' exact form). Float
literals stay sympy Floats; :func:`exact` turns them into the exact rationals
their IEEE doubles stand for, for exact comparisons.
"""

import sympy

from . import ir

_PREDEFINED = {"exp": sympy.exp, "ln": sympy.log, "log10": lambda x: sympy.log(x, 10), "sqrt": sympy.sqrt,
               "pow": sympy.Pow, "abs": sympy.Abs, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
               "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "erf": sympy.erf,
               "erfc": sympy.erfc, "min": sympy.Min, "max": sympy.Max, "floor": sympy.floor,
               "ceil": sympy.ceiling, "expm1": lambda x: sympy.exp(x) - 1}
_CONSTANTS = {"e": sympy.E, "pi": sympy.pi, "inf": sympy.oo}


class SympyView:
    def __init__(self, spec, opaque=()):
        self.spec = spec
        self.opaque = set(opaque)
        self.inlines = dict(spec.inlines)
        self.functions = {f.name: f for f in spec.functions}

    def expr(self, node, local=None):
        local = local or {}
        if isinstance(node, ir.Num):
            return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Float(node.value)
        if isinstance(node, ir.Bool):
            return sympy.true if node.value else sympy.false
        if isinstance(node, ir.Name):
            if node.kind == "local" and node.name in local:
                return local[node.name]
            if node.kind == "constant":
                return _CONSTANTS[node.name]
            if node.kind == "inline":
                return self.expr(self.inlines[node.name])
            return sympy.Symbol(node.name, real=True)
        if isinstance(node, ir.Unary):
            operand = self.expr(node.operand, local)
            return -operand if node.op == "-" else sympy.Not(operand)
        if isinstance(node, ir.Binary):
            a, b = self.expr(node.left, local), self.expr(node.right, local)
            return _BINARY[node.op](a, b)
        if isinstance(node, ir.Call):
            args = [self.expr(a, local) for a in node.args]
            if node.function in self.functions:
                return self.call(node.function, args)
            if node.function in _PREDEFINED:
                return _PREDEFINED[node.function](*args)
            return sympy.Function(node.function)(*args)
        if isinstance(node, ir.Conditional):
            return sympy.Piecewise((self.expr(node.if_true, local), self.expr(node.condition, local)),
                                   (self.expr(node.if_false, local), True))
        raise TypeError(f"no sympy form for {node!r}")

    def call(self, name, args):
        function = self.functions[name]
        if name in self.opaque:
            return sympy.Function(name)(*args)
        body = function.body
        if len(body) != 1 or not isinstance(body[0], ir.Return):
            return sympy.Function(name)(*args)
        return self.expr(body[0].value, dict(zip(function.params, args)))

    def function_of_argument(self, name):
        """(argument symbol, expression) of a one-argument model function."""
        function = self.functions[name]
        symbol = sympy.Symbol(function.params[0], real=True)
        return symbol, self.expr(function.body[0].value, {function.params[0]: symbol})

    def odes(self) -> dict:
        """State variable -> right-hand side of its ODE."""
        return {name: self.expr(rhs) for name, rhs in self.spec.odes}

    def initial_values(self) -> dict:
        """State variable -> its declared initial value, in terms of parameters and internals."""
        values = {}
        for variable in self.spec.state:
            values[variable.name] = self.expr(variable.value).subs(
                {sympy.Symbol(k, real=True): v for k, v in values.items()})
        return values

    def internals(self) -> dict:
        return {v.name: self.expr(v.value) for v in self.spec.internals}


def exact(expr):
    """Replace every Float by the exact rational value of its double."""
    return expr.xreplace({f: sympy.Rational(float(f)) for f in expr.atoms(sympy.Float)})


_BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "**": lambda a, b: a ** b, "%": sympy.Mod, "<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge,
    "==": sympy.Eq, "!=": sympy.Ne, "and": sympy.And, "or": sympy.Or,
}
