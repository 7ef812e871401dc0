"""NEST's exception classes, under NEST's names.

PyNEST 3.10 raises subclasses of ``NESTErrors.KernelException`` (itself an
``Exception``) named after the C++ exception; scripts catch them as
``nest.NESTErrors.BadProperty`` and so on. nestgap raises the same classes,
reachable the same way (``nestgap.NESTErrors.BadProperty``). Unlike NEST, the
message always says what was wrong: NEST leaves some kernel messages empty and
only logs the explanation.
"""

import numbers
import types

import numpy as np


class KernelException(Exception):
    """Base class of every error the simulation kernel raises."""


class BadDelay(KernelException):
    """A delay is below the resolution or otherwise invalid."""


class BadParameter(KernelException):
    """A function argument is invalid."""


class BadParameterValue(KernelException):
    """A function argument has an invalid value (e.g. Create with n = 0)."""


class BadProperty(KernelException):
    """A status, default or kernel entry has an invalid value."""


class DimensionMismatch(KernelException):
    """Array arguments have incompatible lengths."""


class IllegalConnection(KernelException):
    """The connection cannot be created between these nodes."""


class NewModelNameExists(KernelException):
    """CopyModel: a model of the new name exists already."""


class NotImplemented(KernelException):  # noqa: A001 -- NEST's name
    """The requested combination is not supported."""


class TypeMismatch(KernelException):
    """A value has the wrong type."""


class UnaccessedDictionaryEntry(KernelException):
    """A dictionary entry was not used by the receiving object."""


class UnknownComponent(KernelException):
    """GetDefaults: no model (node or synapse) of this name exists."""


class UnknownModelName(KernelException):
    """No node model of this name exists."""


class UnknownNode(KernelException):
    """No node with this id exists."""


class UnknownReceptorType(KernelException):
    """The target has no such receptor port."""


class UnknownSynapseType(KernelException):
    """No synapse model of this name exists."""


class UndefinedName(KernelException):
    """A name (e.g. the type given to CreateParameter) is not known."""


class InexistentConnection(KernelException):
    """Disconnect: the connection to remove does not exist."""


class IncompatibleReceptorType(KernelException):
    """The receptor port exists but cannot take this kind of connection."""


class StepMultipleRequired(KernelException):
    """A time must be a multiple of the resolution."""


class NumericalInstability(KernelException):
    """A neuron's integration diverged."""


_ALL = (KernelException, BadDelay, BadParameter, BadParameterValue, BadProperty, DimensionMismatch,
        IllegalConnection, IncompatibleReceptorType, InexistentConnection, NewModelNameExists, NotImplemented,
        NumericalInstability, StepMultipleRequired, TypeMismatch, UnaccessedDictionaryEntry, UndefinedName,
        UnknownComponent, UnknownModelName, UnknownNode, UnknownReceptorType, UnknownSynapseType)

#: PyNEST's ``nest.NESTError``: the base class of every NEST error.
NESTError = KernelException

for _cls in _ALL:  # print as NESTErrors.<Name>, as PyNEST does
    _cls.__module__ = "NESTErrors"


def bad_delay(delay_ms: float, text: str) -> BadDelay:
    """NEST's BadDelay: "Delay value <delay in ms> is invalid: <text>" (printed as C++ prints a double)."""
    return BadDelay(f"Delay value {delay_ms:g} is invalid: {text}")


# -- NEST's errors for values of the wrong C++ type ------------------------------------
# NEST 3.10 reads a status entry as the C++ type the model declares; PyNEST first converts
# the Python value (numbers, strings, dicts, numeric sequences). Observed with the wheel.

def cpp_type(value) -> str | None:
    """The C++ type NEST names for a Python value in a cast error (None: PyNEST cannot convert it)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Integral) and not isinstance(value, np.bool_):
        return "long"
    if isinstance(value, numbers.Real) and not isinstance(value, np.bool_):
        return "double"
    if isinstance(value, str):
        return "std::string"
    if isinstance(value, dict):
        return "Dictionary"
    if isinstance(value, np.ndarray) and value.dtype.kind not in "iuf":
        return None  # PyNEST converts numeric arrays only (numpy bools are no number to it)
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) == 0:
            return "EmptyList"
        if isinstance(value, np.ndarray) and value.ndim == 1:  # elements of one type: no need to look at each
            return _vector("long" if value.dtype.kind in "iu" else "double")
        if type(value) is list and all(type(v) is float for v in value):  # the commonest list, quickly
            return _vector("double")
        kinds = {cpp_type(v) for v in value}
        if None in kinds:
            return None
        return _vector(kinds.pop()) if len(kinds) == 1 else "ArrayDatum"
    if hasattr(value, "emit"):
        return "std::shared_ptr<nest::Parameter>"
    return None


def _vector(element: str) -> str:
    return f"std::vector<{element}, std::allocator<{element}> >"


def check_convertible(params: dict):
    """PyNEST's conversion of a status dictionary to NEST's: a value of a type it does not know
    (None, a numpy bool, an object) is an AttributeError naming the key."""
    for key, value in params.items():
        if cpp_type(value) is None:
            raise cast_error(key, value, "")


def cast_error(key, value, target) -> Exception:
    """NEST's TypeMismatch for ``value`` read as ``target``; PyNEST's AttributeError for a value it
    cannot convert at all (e.g. None)."""
    source = cpp_type(value)
    if source is None:
        return AttributeError(f"when converting Python Dictionary: value of key ({key}) is not a known type, "
                              f"got {type(value)!r}")
    end = "." if target == "double" else ""
    return TypeMismatch(f"Expected datatype: Failed to cast '{key}' from {source} to type {target}{end}")


#: The namespace PyNEST exposes as ``nest.NESTErrors``.
NESTErrors = types.SimpleNamespace(**{cls.__name__: cls for cls in _ALL})


class ToolchainError(Exception):
    """A problem in a model file or in the build environment (not a NEST error).

    The command line prints it as one line, without a traceback, and exits 1.
    """
