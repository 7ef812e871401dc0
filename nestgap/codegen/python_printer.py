"""IR -> Python source, keeping the model file's order of operations.

Parentheses are printed exactly where Python's precedence and left
associativity would otherwise regroup the tree, so Python (and numba, which
compiles the same expressions without fast-math) evaluates every operation
in the order the model file wrote it. Where C++ and Python differ, the
printed code computes what NESTML's C++ printer makes of the same tree:
``x**n`` with a literal n in 0..4 is a product of n factors (NESTML 9.0.0's
``CppExpressionPrinter``), any other power C's ``pow``; ``min``/``max`` are
``std::min``/``std::max`` (the first argument unless the second is smaller,
respectively larger); ``a / b`` of two integer-valued operands, b not a literal,
is C++'s integer division (NESTML divides by a literal as ``/ ((double)(b))``).
"""

import keyword
import math

from ..frontend import ir

#: predefined NESTML functions -> Python (math module, C libm underneath; exp is glibc's,
#: inlined, see nestgap.codegen.libm)
FUNCTIONS = {
    "exp": "_exp", "ln": "math.log", "log10": "math.log10", "expm1": "math.expm1",
    "sqrt": "math.sqrt", "pow": "math.pow", "abs": "abs", "sin": "math.sin", "cos": "math.cos",
    "tan": "math.tan", "sinh": "math.sinh", "cosh": "math.cosh", "tanh": "math.tanh",
    "erf": "math.erf", "erfc": "math.erfc", "min": "_min", "max": "_max",
    "floor": "math.floor", "ceil": "math.ceil",
}
CONSTANTS = {"e": "math.e", "pi": "math.pi", "inf": "math.inf"}

# precedence, higher binds tighter (Python's grammar)
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "neg": 7, "**": 8}
_ATOM = 9


def python_name(name: str) -> str:
    """A model name as a Python identifier: keywords get a trailing underscore, the names NESTML's
    analysis adds (``__h``, ``__P__V_m__V_m``) the prefix ``nestml`` (the generated module's own
    names start with ``_``)."""
    if name.startswith("_"):
        return "nestml" + name
    return name + "_" if keyword.iskeyword(name) else name


def number(value) -> str:
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(float(value))


class PythonPrinter:
    """Prints expressions; ``name`` maps an :class:`ir.Name` to the code that reads it."""

    def __init__(self, name=lambda n: python_name(n.name), call=None, integer=lambda n: False):
        self._name = name
        self._call = call  # optional override for special calls (steps, resolution)
        self._integer = integer  # is this expression integer-valued in C++?

    def expr(self, node) -> str:
        return self._print(node)[0]

    def _print(self, node):
        """Returns (code, precedence of its outermost operation)."""
        if isinstance(node, ir.Num):
            code = number(node.value)
            return code, (_PRECEDENCE["neg"] if code.startswith("-") else _ATOM)
        if isinstance(node, ir.Bool):
            return repr(node.value), _ATOM
        if isinstance(node, ir.Name):
            if node.kind == "constant":
                return CONSTANTS[node.name], _ATOM
            return self._name(node), _ATOM
        if isinstance(node, ir.Unary):
            op = "neg" if node.op == "-" else "not"
            operand = self._wrap(node.operand, _PRECEDENCE[op], right=True)
            return ("-" + operand if op == "neg" else "not " + operand), _PRECEDENCE[op]
        if isinstance(node, ir.Binary) and node.op == "**":
            exponent = node.right.value if isinstance(node.right, ir.Num) else None
            if exponent is not None and float(exponent).is_integer() and 0 <= exponent <= 4:
                if exponent == 0:
                    return "1.0", _ATOM
                base = f"({self.expr(node.left)})"
                return " * ".join([base] * int(exponent)), (_ATOM if exponent == 1 else _PRECEDENCE["*"])
            return f"math.pow({self.expr(node.left)}, {self.expr(node.right)})", _ATOM
        if isinstance(node, ir.Binary) and node.op == "/" and not isinstance(node.right, ir.Num) \
                and self._integer(node.left) and self._integer(node.right):
            return f"_idiv({self.expr(node.left)}, {self.expr(node.right)})", _ATOM
        if isinstance(node, ir.Binary):
            p = _PRECEDENCE[node.op]
            left = self._wrap(node.left, p, right=False)
            right = self._wrap(node.right, p + 1, right=False)
            return f"{left} {node.op} {right}", p
        if isinstance(node, ir.Call):
            args = [self.expr(a) for a in node.args]
            if self._call is not None:
                special = self._call(node, args)
                if special is not None:
                    return special, _ATOM
            if node.function == "clip":  # NESTML: std::min(std::max(x, lo), hi)
                return f"_min(_max({args[0]}, {args[1]}), {args[2]})", _ATOM
            function = FUNCTIONS.get(node.function, python_name(node.function))
            return f"{function}({', '.join(args)})", _ATOM
        if isinstance(node, ir.Draw):  # only where the ``call`` hook knows where the draws are
            special = self._call(node, [self.expr(a) for a in node.args]) if self._call is not None else None
            if special is None:
                raise TypeError(f"cannot print {node!r} here")
            return special, _ATOM
        if isinstance(node, ir.Conditional):
            return (f"({self.expr(node.if_true)} if {self.expr(node.condition)} "
                    f"else {self.expr(node.if_false)})"), _ATOM
        raise TypeError(f"cannot print {node!r}")

    def _wrap(self, node, minimum, right):
        code, precedence = self._print(node)
        return code if precedence >= minimum else f"({code})"
