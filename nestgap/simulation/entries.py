"""Status entries read as NEST reads them: each as one C++ type, with NEST's TypeMismatch
(nestgap.exceptions.cast_error).

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

from ..exceptions import cast_error

#: NEST reports an infinite time as +-DBL_MAX
FOREVER = sys.float_info.max
#: times of this many tics or more are infinite (NEST's T_max: 1152921504606846.8 ms at 1000 tics per ms)
_LIM_MAX_TICS = 2 ** 60


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
