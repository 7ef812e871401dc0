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


def type_mismatch(key: str, value, expected: str) -> TypeMismatch:
    """NEST's error for a dictionary entry of the wrong type; ``expected`` is "long", "double" or "bool"."""
    kinds = ((bool, "bool"), (numbers.Integral, "long"), (numbers.Real, "double"), (str, "std::string"))
    given = next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
    return TypeMismatch(f"Expected datatype: Failed to cast '{key}' from {given} to type {expected}"
                        + ("." if expected == "double" else ""))


#: The namespace PyNEST exposes as ``nest.NESTErrors``.
NESTErrors = types.SimpleNamespace(**{cls.__name__: cls for cls in _ALL})


class ToolchainError(Exception):
    """A problem in a model file or in the build environment (not a NEST error).

    The command line prints it as one line, without a traceback, and exits 1.
    """
