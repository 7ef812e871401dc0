"""Random parameters with PyNEST's ``nest.random`` interface.

``uniform``, ``uniform_int``, ``normal``, ``lognormal`` and ``exponential``
return a :class:`Parameter`. Parameters combine with numbers and with each
other through ``+ - * /``, unary ``-`` and ``** number``, built as PyNEST
builds them (``c - p`` is ``p * -1 + c``, ``c / p`` is ``p ** -1 * c``); every
operand of a composed parameter is drawn on its own, the left one first.

The simulation kernel draws them from NEST's streams (nestgap.rng,
docs/nest_randomness.md): :meth:`Parameter.emit` writes a parameter as a program
the compiled kernels evaluate, :meth:`Parameter.values_on` draws ``n`` values
on one stream, and ``GetValue()`` is NEST's Parameter.GetValue() on the
kernel's rank-synced stream. A normal or lognormal parameter keeps, per thread,
the second value of its last polar pair, as NEST's does.

Argument checks and error messages follow NEST 3.10 (observed by running
``nest.random.*`` of nest-simulator 3.10.0): e.g. ``uniform(1, 1)`` raises
``BadProperty: nest::UniformParameter: min < max required.``.

Comparisons (``p < 1``, ``p == q``, ...) give a parameter worth 1.0 or 0.0, as
PyNEST's; ``nestgap.math`` (exp, sin, cos, min, max, redraw) and
``nestgap.logic.conditional`` build the other parameters of PyNEST. No parameter
of nestgap is spatial.
"""

import numbers

import numpy as np

from nestgap.exceptions import BadParameterValue, BadProperty
from nestgap.rng import kernels as _k
from nestgap.rng.programs import DistributionCache, ProgramSet

__all__ = ["Parameter", "uniform", "uniform_int", "normal", "lognormal",
           "exponential", "is_parameter", "constant"]


def is_parameter(x):
    """True if ``x`` is a random parameter (a value drawn per element)."""
    return isinstance(x, Parameter)


class Parameter:
    """A random quantity, drawn per element; subclasses implement ``emit(builder)`` (NEST's
    program, nestgap.rng.programs)."""

    __array_ufunc__ = None  # numpy arrays defer to our reflected operators

    def values_on(self, stream, n, thread=0):
        """``n`` values drawn in turn from ``stream`` (a nestgap.rng.Stream) as NEST's
        ``value(rng, node)`` would, for a node on ``thread`` (its normal caches)."""
        from nestgap.rng.draws import evaluate

        return evaluate(ProgramSet([self]), stream, np.full(int(n), thread, np.int64), thread + 1)[:, 0]

    def GetValue(self):  # noqa: N802 -- PyNEST's name
        """One draw, as PyNEST's ``Parameter.GetValue()``: from the kernel's rank-synced stream."""
        from .pynest.state import kernel

        return kernel().parameter_value(self)

    # -- arithmetic (PyNEST accepts numbers and Parameters as operands) --
    @staticmethod
    def _operand(x):
        if isinstance(x, Parameter):
            return x
        if isinstance(x, numbers.Real):
            return _Constant(float(x))
        raise NotImplementedError()  # what PyNEST raises for other operands

    def __add__(self, other):
        return _BinOp("+", self, self._operand(other))

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return _BinOp("-", self, self._operand(other))

    def __rsub__(self, other):
        return self * (-1) + other

    def __mul__(self, other):
        return _BinOp("*", self, self._operand(other))

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return _BinOp("/", self, self._operand(other))

    def __rtruediv__(self, other):
        return self ** -1 * other

    def __pow__(self, exponent):
        # float() of a Parameter raises TypeError, as in PyNEST
        return _Power(self, float(exponent))

    def __neg__(self):
        return self * (-1)

    def __pos__(self):
        return self

    # -- comparisons: parameters worth 1.0 where the comparison holds, else 0.0 (PyNEST's) --
    def __lt__(self, other):
        return _Compare(_k.CMP_LT, self, self._operand(other))

    def __le__(self, other):
        return _Compare(_k.CMP_LE, self, self._operand(other))

    def __eq__(self, other):
        return _Compare(_k.CMP_EQ, self, self._operand(other))

    def __ne__(self, other):
        return _Compare(_k.CMP_NE, self, self._operand(other))

    def __ge__(self, other):
        return _Compare(_k.CMP_GE, self, self._operand(other))

    def __gt__(self, other):
        return _Compare(_k.CMP_GT, self, self._operand(other))

    __hash__ = object.__hash__  # a parameter is one object (its normal caches are its own)

    def is_spatial(self):
        """PyNEST's test for a parameter that depends on positions: never, in nestgap."""
        return False


class _Constant(Parameter):
    def __init__(self, value):
        self.value = value

    def emit(self, builder):
        builder.constant(self.value)

    def __repr__(self):
        return repr(self.value)


class _BinOp(Parameter):
    def __init__(self, symbol, left, right):
        self.symbol, self.left, self.right = symbol, left, right

    def emit(self, builder):
        self.left.emit(builder)
        self.right.emit(builder)
        builder.binary(self.symbol)

    def __repr__(self):
        return f"({self.left!r} {self.symbol} {self.right!r})"


class _Power(Parameter):
    def __init__(self, base, exponent):
        self.base, self.exponent = base, exponent

    def emit(self, builder):
        self.base.emit(builder)
        builder.power(self.exponent)

    def __repr__(self):
        return f"({self.base!r} ** {self.exponent!r})"


class _Compare(Parameter):
    """NEST's ComparingParameter: both operands drawn, the left first."""

    def __init__(self, code, left, right):
        self.code, self.left, self.right = code, left, right

    def emit(self, builder):
        self.left.emit(builder)
        self.right.emit(builder)
        builder.compare(self.code)


class _Function(Parameter):
    """std::exp, std::sin or std::cos of a parameter (nestgap.math)."""

    def __init__(self, name, operand):
        self.name, self.operand = name, operand

    def emit(self, builder):
        self.operand.emit(builder)
        builder.function(self.name)

    def __repr__(self):
        return f"nest.math.{self.name}({self.operand!r})"


class _Bound(Parameter):
    """std::min or std::max of a parameter and a number (nestgap.math)."""

    def __init__(self, name, operand, value):
        self.name, self.operand, self.value = name, operand, value

    def emit(self, builder):
        self.operand.emit(builder)
        builder.bound(self.name, self.value)


class _Conditional(Parameter):
    """``if_true`` where ``condition`` is non-zero, else ``if_false``; only the chosen one is drawn."""

    def __init__(self, condition, if_true, if_false):
        self.condition, self.if_true, self.if_false = condition, if_true, if_false

    def emit(self, builder):
        builder.conditional(lambda: self.condition.emit(builder), lambda: self.if_true.emit(builder),
                            lambda: self.if_false.emit(builder))


class _Redraw(Parameter):
    """A parameter drawn again while its value lies outside [low, high] (at most 1000 times)."""

    def __init__(self, operand, low, high):
        self.operand, self.low, self.high = operand, low, high

    def emit(self, builder):
        builder.redraw(lambda: self.operand.emit(builder), self.low, self.high)


def function(name, operand):
    """exp, sin or cos of a parameter or a number."""
    return _Function(name, Parameter._operand(operand))


def bound(name, operand, value):
    """min or max of a parameter (or number) and a number (PyNEST takes float(value))."""
    return _Bound(name, Parameter._operand(operand), float(value))


def redraw(operand, min, max):  # noqa: A002 -- PyNEST's argument names
    """``operand`` drawn again while outside [min, max]; NEST requires min <= max."""
    lo, hi = float(min), float(max)
    if lo > hi:
        raise BadParameterValue(f"nest.math.redraw: min <= max required, got min = {lo:g}, max = {hi:g}")
    return _Redraw(Parameter._operand(operand), lo, hi)


def conditional(condition, if_true, if_false):
    """``if_true`` where the parameter ``condition`` is non-zero, else ``if_false`` (parameters or numbers)."""
    if not isinstance(condition, Parameter):
        raise TypeError(f"nest.logic.conditional: the condition must be a parameter, got {condition!r}")
    return _Conditional(condition, Parameter._operand(if_true), Parameter._operand(if_false))


def constant(value):
    """A parameter whose every value is ``value``."""
    return _Constant(float(value))


class _Distribution(Parameter):
    """A named distribution: ``write(builder)`` emits NEST's leaf (normal and lognormal with this
    parameter's own per-thread caches)."""

    def __init__(self, name, write, **args):
        self.name, self._write, self.args = name, write, args
        self.cache = DistributionCache()

    def emit(self, builder):
        self._write(builder, self)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"nest.random.{self.name}({args})"


def uniform(min=0.0, max=1.0):  # noqa: A002 -- PyNEST's argument names
    """Uniform on [min, max)."""
    lo, hi = float(min), float(max)
    if not lo < hi:
        raise BadProperty("nest::UniformParameter: min < max required.")
    return _Distribution("uniform", lambda builder, p: builder.uniform(lo, hi - lo), min=lo, max=hi)


def uniform_int(max):  # noqa: A002
    """Integers 0, 1, ..., max - 1 with equal probability (as float values)."""
    if isinstance(max, bool) or not isinstance(max, numbers.Integral):
        raise RuntimeError("The dictionary value with key max does not hold a numeric integer type.")
    hi = int(max)
    if hi <= 0:
        raise BadProperty("nest::UniformIntParameter: max > 0 required.")
    return _Distribution("uniform_int", lambda builder, p: builder.uniform_int(hi), max=hi)


def normal(mean=0.0, std=1.0):
    """Normal distribution with the given mean and standard deviation."""
    mu, sigma = float(mean), float(std)
    if not sigma > 0:
        raise BadProperty("nest::NormalParameter: std > 0 required.")
    return _Distribution("normal", lambda builder, p: builder.normal(mu, sigma, p.cache), mean=mu, std=sigma)


def lognormal(mean=0.0, std=1.0):
    """exp(X) with X normal(mean, std): mean and std are those of the underlying normal."""
    mu, sigma = float(mean), float(std)
    if not sigma > 0:
        raise BadProperty("nest::LognormalParameter: std > 0 required.")
    return _Distribution("lognormal", lambda builder, p: builder.lognormal(mu, sigma, p.cache), mean=mu, std=sigma)


def exponential(beta=1.0):
    """Exponential distribution with scale (mean) ``beta``; NEST does not check beta."""
    scale = float(beta)
    return _Distribution("exponential", lambda builder, p: builder.exponential(scale), beta=scale)
