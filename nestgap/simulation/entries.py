"""Status entries read as NEST reads them: each as one C++ type, with NEST's TypeMismatch.

NEST 3.10 reads an entry of a status dictionary as the C++ type the model declares
(``updateValue<double>``, ``<long>``, ``<bool>``, ``<std::string>``, vectors). A
double takes Python's bool, int and float; a long only an int; a bool only a bool;
a string only a str; a vector a list, tuple or array of the element type (a bool or
an int is a number, a float is no long). Anything else is NEST's ``TypeMismatch``
"Expected datatype: Failed to cast '<key>' from <its C++ type> to type <target>"
(observed with nest-simulator 3.10.0; the target double is followed by a period).

Device times are NEST's ``Time`` (docs/time_and_events.md): ``t * tics_per_ms + 0.5``
truncated towards zero to tics; beyond ``T_max`` (or NaN) they are infinite, and an
infinite time is reported as the largest double.
"""

import math
import numbers
import sys

import numpy as np

from ..exceptions import TypeMismatch

#: NEST reports an infinite time as +-DBL_MAX
FOREVER = sys.float_info.max
#: times of this many tics or more are infinite (NEST's T_max: 1152921504606846.8 ms at 1000 tics per ms)
_LIM_MAX_TICS = 2 ** 60


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


def _number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, np.bool_)


def read_double(key, value) -> float:
    if not _number(value):
        raise cast_error(key, value, "double")
    return float(value)


def read_long(key, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or isinstance(value, np.bool_):
        raise cast_error(key, value, "long")
    return int(value)


def read_bool(key, value) -> bool:
    if not isinstance(value, bool):
        raise cast_error(key, value, "bool")
    return value


def read_string(key, value) -> str:
    if not isinstance(value, str):
        raise cast_error(key, value, "std::string")
    return value


def read_doubles(key, value) -> np.ndarray:
    """A vector<double>: a list, tuple or 1-d array of numbers."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iuf":
        return value.astype(np.float64)  # numbers all (numpy bools are none)
    if type(value) is list and all(type(v) is float for v in value):  # the commonest list, quickly
        return np.array(value, dtype=np.float64)
    if not isinstance(value, (list, tuple, np.ndarray)) or np.ndim(value) != 1 \
            or not all(_number(v) for v in value):
        raise cast_error(key, value, "std::vector<double>")
    return np.asarray(value, dtype=np.float64).reshape(-1)


def read_longs(key, value) -> np.ndarray:
    """A vector<long>: a non-empty list, tuple or 1-d array of ints (or bools; NEST cannot cast an
    empty list to it)."""
    if not isinstance(value, (list, tuple, np.ndarray)) or np.ndim(value) != 1 or len(value) == 0 or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, np.bool_) for v in value):
        raise cast_error(key, value, "std::vector<long, std::allocator<long> >")
    return np.asarray(value, dtype=np.int64).reshape(-1)


def read_strings(key, value) -> tuple:
    """A vector<string>: a list or tuple of str."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise cast_error(key, value, "std::vector<string>")
    return tuple(value)


def time_tics(t_ms: float, tics_per_ms: float) -> float:
    """NEST's Time(ms(t)) in tics: rounded half up by truncation towards zero; +-inf beyond T_max
    (NaN: +inf)."""
    tics = t_ms * tics_per_ms
    if not abs(tics) < _LIM_MAX_TICS:
        return -math.inf if t_ms < 0 else math.inf
    return float(math.trunc(tics + 0.5))


def time_ms(t_ms: float, grid) -> float:
    """A device time as NEST stores and reports it: on the tic grid, infinite times as +-DBL_MAX."""
    tics = time_tics(t_ms, grid.tics_per_ms)
    if math.isinf(tics):
        return math.copysign(FOREVER, tics)
    return tics * grid.ms_per_tic


def on_step(t_ms: float, grid) -> bool:
    """NEST's Time::is_step for a device time: an infinite time counts as on the grid."""
    tics = time_tics(t_ms, grid.tics_per_ms)
    return math.isinf(tics) or math.fmod(tics, grid.tics_per_step) == 0
