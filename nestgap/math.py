"""PyNEST's ``nest.math``: functions of random parameters (nestgap.random), drawn per element
as NEST draws them."""

from .random import Parameter, bound, function
from .random import redraw as _redraw

__all__ = ["exp", "sin", "cos", "min", "max", "redraw"]


def exp(x) -> Parameter:
    """e to the power of the parameter ``x``."""
    return function("exp", x)


def sin(x) -> Parameter:
    """Sine of ``x`` (radians)."""
    return function("sin", x)


def cos(x) -> Parameter:
    """Cosine of ``x`` (radians)."""
    return function("cos", x)


def min(x, value) -> Parameter:  # noqa: A001 -- PyNEST's name
    """The smaller of the parameter ``x`` and the number ``value``."""
    return bound("min", x, value)


def max(x, value) -> Parameter:  # noqa: A001 -- PyNEST's name
    """The larger of the parameter ``x`` and the number ``value``."""
    return bound("max", x, value)


def redraw(x, min, max) -> Parameter:  # noqa: A002 -- PyNEST's argument names
    """``x``, drawn again while outside [min, max] (NEST gives up after 1000 draws)."""
    return _redraw(x, min, max)
