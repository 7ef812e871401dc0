"""PyNEST's ``nest.logic``: a choice between random parameters (nestgap.random)."""

from .random import Parameter
from .random import conditional as _conditional

__all__ = ["conditional"]


def conditional(condition, param_if_true, param_if_false) -> Parameter:
    """``param_if_true`` where the parameter ``condition`` is non-zero, else ``param_if_false``
    (parameters or numbers); NEST draws only the chosen one."""
    return _conditional(condition, param_if_true, param_if_false)
