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
"""

import numbers

import numpy as np

from nestgap.exceptions import BadProperty
from nestgap.rng.programs import DistributionCache, ProgramSet

__all__ = ["Parameter", "uniform", "uniform_int", "normal", "lognormal",
           "exponential", "is_parameter"]


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
