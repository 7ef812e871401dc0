"""Random parameters with PyNEST's ``nest.random`` interface.

``uniform``, ``uniform_int``, ``normal``, ``lognormal`` and ``exponential``
return a :class:`Parameter`. Parameters combine with numbers and with each
other through ``+ - * /``, unary ``-`` and ``** number``; every operand of a
composed parameter is drawn independently for every element, so
``p = uniform(); p + p`` is the sum of two independent uniform draws (as in
NEST, where each operand is evaluated on its own).

The simulator draws values with :meth:`Parameter.draw` from a
``numpy.random.Generator``; ``GetValue()`` draws a single value, as PyNEST's
``Parameter.GetValue`` does, from the kernel's generator.

Argument checks and error messages follow NEST 3.10 (observed by running
``nest.random.*`` of nest-simulator 3.10.0): e.g. ``uniform(1, 1)`` raises
``BadProperty: nest::UniformParameter: min < max required.``.
"""

import numbers
import operator

import numpy as np

from nestgap.exceptions import BadProperty

__all__ = ["Parameter", "uniform", "uniform_int", "normal", "lognormal",
           "exponential", "is_parameter"]


def is_parameter(x):
    """True if ``x`` is a random parameter (a value drawn per element)."""
    return isinstance(x, Parameter)


class Parameter:
    """A random quantity; ``draw(rng, n)`` returns ``n`` independent values.

    Subclasses implement ``_draw(rng, n)`` returning a float64 array.
    """

    __array_ufunc__ = None  # numpy arrays defer to our reflected operators

    def draw(self, rng, n):
        """``n`` independent values (float64 array), deterministic for a given rng state."""
        return np.asarray(self._draw(rng, int(n)), dtype=np.float64)

    def GetValue(self):  # noqa: N802 -- PyNEST's name
        """One draw from the kernel's generator, as PyNEST's ``Parameter.GetValue()``."""
        from .pynest.state import kernel

        return float(self.draw(kernel().rng, 1)[0])

    # -- arithmetic (PyNEST accepts numbers and Parameters as operands) --
    @staticmethod
    def _operand(x):
        if isinstance(x, Parameter):
            return x
        if isinstance(x, numbers.Real):
            return _Constant(float(x))
        raise NotImplementedError()  # what PyNEST raises for other operands

    def __add__(self, other):
        return _BinOp(operator.add, "+", self, self._operand(other))

    def __radd__(self, other):
        return _BinOp(operator.add, "+", self._operand(other), self)

    def __sub__(self, other):
        return _BinOp(operator.sub, "-", self, self._operand(other))

    def __rsub__(self, other):
        return _BinOp(operator.sub, "-", self._operand(other), self)

    def __mul__(self, other):
        return _BinOp(operator.mul, "*", self, self._operand(other))

    def __rmul__(self, other):
        return _BinOp(operator.mul, "*", self._operand(other), self)

    def __truediv__(self, other):
        return _BinOp(operator.truediv, "/", self, self._operand(other))

    def __rtruediv__(self, other):
        return _BinOp(operator.truediv, "/", self._operand(other), self)

    def __pow__(self, exponent):
        # float() of a Parameter raises TypeError, as in PyNEST
        return _Power(self, float(exponent))

    def __neg__(self):
        return _BinOp(operator.mul, "*", self, _Constant(-1.0))

    def __pos__(self):
        return self


class _Constant(Parameter):
    def __init__(self, value):
        self.value = value

    def _draw(self, rng, n):
        return np.full(n, self.value)

    def __repr__(self):
        return repr(self.value)


class _BinOp(Parameter):
    def __init__(self, op, symbol, left, right):
        self.op, self.symbol, self.left, self.right = op, symbol, left, right

    def _draw(self, rng, n):
        a = self.left.draw(rng, n)
        b = self.right.draw(rng, n)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self.op(a, b)  # x / 0 -> inf, as in NEST

    def __repr__(self):
        return f"({self.left!r} {self.symbol} {self.right!r})"


class _Power(Parameter):
    def __init__(self, base, exponent):
        self.base, self.exponent = base, exponent

    def _draw(self, rng, n):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.power(self.base.draw(rng, n), self.exponent)

    def __repr__(self):
        return f"({self.base!r} ** {self.exponent!r})"


class _Distribution(Parameter):
    """A named distribution; ``sample(rng, n)`` is given by the subclass."""

    def __init__(self, name, sample, **args):
        self.name, self._sample, self.args = name, sample, args

    def _draw(self, rng, n):
        return self._sample(rng, n)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"nest.random.{self.name}({args})"


def uniform(min=0.0, max=1.0):  # noqa: A002 -- PyNEST's argument names
    """Uniform on [min, max)."""
    lo, hi = float(min), float(max)
    if not lo < hi:
        raise BadProperty("nest::UniformParameter: min < max required.")
    return _Distribution("uniform", lambda rng, n: lo + (hi - lo) * rng.random(n), min=lo, max=hi)


def uniform_int(max):  # noqa: A002
    """Integers 0, 1, ..., max - 1 with equal probability (as float values)."""
    if isinstance(max, bool) or not isinstance(max, numbers.Integral):
        raise RuntimeError("The dictionary value with key max does not hold a numeric integer type.")
    hi = int(max)
    if hi <= 0:
        raise BadProperty("nest::UniformIntParameter: max > 0 required.")
    return _Distribution("uniform_int", lambda rng, n: rng.integers(0, hi, n).astype(np.float64), max=hi)


def normal(mean=0.0, std=1.0):
    """Normal distribution with the given mean and standard deviation."""
    mu, sigma = float(mean), float(std)
    if not sigma > 0:
        raise BadProperty("nest::NormalParameter: std > 0 required.")
    return _Distribution("normal", lambda rng, n: mu + sigma * rng.standard_normal(n), mean=mu, std=sigma)


def lognormal(mean=0.0, std=1.0):
    """exp(X) with X normal(mean, std): mean and std are those of the underlying normal."""
    mu, sigma = float(mean), float(std)
    if not sigma > 0:
        raise BadProperty("nest::LognormalParameter: std > 0 required.")
    return _Distribution("lognormal", lambda rng, n: np.exp(mu + sigma * rng.standard_normal(n)),
                         mean=mu, std=sigma)


def exponential(beta=1.0):
    """Exponential distribution with scale (mean) ``beta``; NEST does not check beta."""
    scale = float(beta)
    return _Distribution("exponential", lambda rng, n: scale * rng.standard_exponential(n), beta=scale)
