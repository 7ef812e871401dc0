"""Kernel attributes with NEST 3.10's defaults, constraints and errors.

Every change is validated against a copy of all attributes and applied only
when the whole request is valid (NEST applies the entries it processed before
the failing one). The constraints, exception classes and messages are NEST
3.10's, except that NEST raises some KernelExceptions with an empty message and
only logs the text; nestgap puts the text into the exception.
"""

import copy
import math
import numbers
import os
import warnings

import numpy as np

from ..exceptions import BadProperty, KernelException, bad_delay, cast_error
from ..rng import DEFAULT_RNG_SEED, DEFAULT_RNG_TYPE, RNG_TYPES, check_rng_seed, check_rng_type
from .time_grid import TimeGrid

# NEST processes the entries of one SetKernelStatus call in this order
_ORDER = ("total_num_virtual_procs", "local_num_threads", "rng_type", "rng_seed", "biological_time", "print_time",
          "tics_per_ms", "resolution", "use_wfr", "wfr_comm_interval", "wfr_tol", "wfr_max_iterations",
          "wfr_interpolation_order", "min_delay", "max_delay", "use_compressed_spikes", "keep_source_table",
          "dict_miss_is_error", "overwrite_files", "data_path", "data_prefix")
SETTABLE = frozenset(_ORDER)

# the C++ type NEST reads each entry as
_LONG = ("total_num_virtual_procs", "local_num_threads", "rng_seed", "tics_per_ms", "wfr_max_iterations",
         "wfr_interpolation_order")
_BOOL = ("print_time", "use_wfr", "use_compressed_spikes", "keep_source_table", "dict_miss_is_error",
         "overwrite_files")
_STRING = ("rng_type", "data_path", "data_prefix")


class KernelSettings:
    """The settable kernel attributes (time grid, threads, RNG seed, WFR, delay extrema)."""

    def __init__(self):
        self.grid = TimeGrid.for_resolution(0.1)
        self.total_num_virtual_procs = 1
        self.rng_seed = DEFAULT_RNG_SEED
        self.rng_type = DEFAULT_RNG_TYPE
        self.print_time = False
        self.use_wfr = True
        self.wfr_comm_interval = 1.0
        self.wfr_tol = 1e-4
        self.wfr_max_iterations = 15
        self.wfr_interpolation_order = 3
        self.delay_extrema = None         # (min_delay, max_delay) in ms of all delays registered so far
        self.user_delay_extrema = False   # set by SetKernelStatus: delays outside them are errors
        # NEST's settings of its spike exchange and connection storage: they do not change results (nestgap
        # delivers spikes one way and always keeps its connection table); kept and reported
        self.use_compressed_spikes = True
        self.keep_source_table = True
        # NEST's choice between an error and a warning for entries a node does not read; nestgap always
        # raises the error (kept and reported)
        self.dict_miss_is_error = True
        # where NEST's ascii backend writes its files (nestgap records to memory only; kept and reported)
        self.overwrite_files = False
        self.data_path = ""
        self.data_prefix = ""

    @property
    def resolution(self) -> float:
        return self.grid.resolution

    def get(self) -> dict:
        return {"resolution": self.resolution, "tics_per_ms": self.grid.tics_per_ms,
                "ms_per_tic": self.grid.ms_per_tic, "tics_per_step": self.grid.tics_per_step,
                "total_num_virtual_procs": self.total_num_virtual_procs,
                "local_num_threads": self.total_num_virtual_procs, "num_processes": 1, "mpi_rank": 0,
                "rng_seed": self.rng_seed, "rng_type": self.rng_type, "rng_types": list(RNG_TYPES),
                "print_time": self.print_time, "use_wfr": self.use_wfr,
                "wfr_comm_interval": self.wfr_comm_interval, "wfr_tol": self.wfr_tol,
                "wfr_max_iterations": self.wfr_max_iterations,
                "wfr_interpolation_order": self.wfr_interpolation_order,
                "use_compressed_spikes": self.use_compressed_spikes, "keep_source_table": self.keep_source_table,
                "dict_miss_is_error": self.dict_miss_is_error, "overwrite_files": self.overwrite_files,
                "data_path": self.data_path, "data_prefix": self.data_prefix}

    def updated(self, params: dict, *, nodes_exist: bool, connections_exist: bool, simulated: bool,
                defaults_modified: bool) -> "KernelSettings":
        """A new settings object with ``params`` applied, or an exception; self is unchanged.

        ``params`` holds settable entries only (PyNEST rejects the others).
        """
        state = {"nodes_exist": nodes_exist, "connections_exist": connections_exist, "simulated": simulated,
                 "defaults_modified": defaults_modified}
        new = copy.copy(self)
        for key in sorted(params, key=_ORDER.index):
            _check_type(key, params[key])
            getattr(new, "_set_" + key)(params[key], params, **state)
        return new

    # -- one setter per attribute, NEST's checks ---------------------------------------
    def _set_total_num_virtual_procs(self, value, params, *, nodes_exist, simulated, defaults_modified, **_):
        if "local_num_threads" in params and params["local_num_threads"] != value:
            raise BadProperty("Requested total_num_virtual_procs is incompatible with the number of processes "
                              "and threads.It must be an integer multiple of num_processes and equal to "
                              "local_num_threads * num_processes. Value unchanged.")
        if value < 0:  # NEST converts it to an unsigned number
            raise IndexError(f"Value causes data loss or overflow: a number of threads of {value}")
        if value < 1:  # NEST 3.10 aborts the process
            raise BadProperty("The number of threads must be a positive integer.")
        if value != self.total_num_virtual_procs:
            errors = [text for text, present in (("Nodes exist", nodes_exist),
                                                 ("Network has been simulated", simulated),
                                                 ("Model defaults were modified", defaults_modified)) if present]
            if errors:
                raise KernelException("Number of threads unchanged. Error conditions:"
                                      + "".join(f" {e}." for e in errors))
        self.total_num_virtual_procs = int(value)

    def _set_local_num_threads(self, value, params, **state):
        self._set_total_num_virtual_procs(value, {}, **state)

    def _set_rng_seed(self, value, params, **_):
        self.rng_seed = check_rng_seed(value)

    def _set_rng_type(self, value, params, **_):
        self.rng_type = check_rng_type(value)

    def _set_biological_time(self, value, params, **_):
        """Only 0 is allowed; the kernel then resets the clock (see Kernel.set_status)."""
        if value != 0:
            raise BadProperty("The simulation time can only be set to 0.0.")

    def _set_print_time(self, value, params, **_):
        self.print_time = bool(value)

    def _set_tics_per_ms(self, value, params, **state):
        if "resolution" not in params:
            self._time_change_allowed(**state)
            raise KernelException("Change of tics_per_ms requires simultaneous specification of resolution.")

    def _set_resolution(self, value, params, **state):
        """The step size h in ms, with tics_per_ms if that is given too (NEST checks both together)."""
        self._time_change_allowed(**state)
        tics_per_ms = float(params.get("tics_per_ms", self.grid.tics_per_ms))
        tics = float(value) * tics_per_ms
        if tics_per_ms <= 0 or tics < 1:
            raise KernelException("Resolution must be greater than or equal to one tic. Value unchanged.")
        if not (math.isfinite(tics) and abs(tics - round(tics)) <= 1e-9 * tics):
            raise KernelException("Resolution must be a multiple of the tic length. Value unchanged.")
        self.grid = TimeGrid(tics_per_ms, int(round(tics)))
        if self.wfr_comm_interval < self.resolution or not self.use_wfr:
            self.wfr_comm_interval = self.resolution
        if self.delay_extrema is not None:  # NEST rounds min_delay down and max_delay up to the new steps
            step = self.grid.tics_per_step
            low, high = (round(ms * tics_per_ms) for ms in self.delay_extrema)
            self.set_delay_extrema_steps(low // step, -(-high // step))

    def _time_change_allowed(self, *, nodes_exist, simulated, defaults_modified, **_):
        errors = [text for text, present in (("Nodes have already been created", nodes_exist),
                                             ("Network has been simulated", simulated),
                                             ("Model defaults were modified", defaults_modified)) if present]
        if len(errors) == 1:
            raise KernelException(f"{errors[0]}: time representation cannot be changed.")
        if errors:
            raise KernelException("Time representation unchanged. Error conditions:"
                                  + "".join(f" {e}." for e in errors))

    def _set_use_wfr(self, value, params, *, nodes_exist, **_):
        if nodes_exist:
            raise KernelException("Cannot enable/disable usage of waveform relaxation after nodes have "
                                  "been created. Please call ResetKernel first.")
        self.use_wfr = bool(value)
        if not self.use_wfr:
            self.wfr_comm_interval = self.resolution

    def _set_wfr_comm_interval(self, value, params, *, connections_exist, **_):
        if not self.use_wfr:
            raise KernelException("Cannot set waveform communication interval when usage of waveform "
                                  "relaxation is disabled. Set use_wfr to true first.")
        if connections_exist:
            raise KernelException("Cannot change waveform communication interval after connections have "
                                  "been created. Please call ResetKernel first.")
        if value < self.resolution:
            raise KernelException("Communication interval of the waveform relaxation must be greater or "
                                  "equal to the resolution of the simulation.")
        self.wfr_comm_interval = float(value)

    def _set_wfr_tol(self, value, params, **_):
        if value < 0:  # NaN passes, as in NEST
            raise KernelException("Tolerance must be zero or positive")
        self.wfr_tol = float(value)

    def _set_wfr_max_iterations(self, value, params, **_):
        if value <= 0:
            raise KernelException("Maximal number of iterations  for the waveform relaxation must be "
                                  "positive. To disable waveform relaxation set use_wfr instead.")
        self.wfr_max_iterations = int(value)

    def _set_wfr_interpolation_order(self, value, params, **_):
        if value not in (0, 1, 3):
            raise KernelException("Interpolation order must be 0, 1, or 3.")
        self.wfr_interpolation_order = int(value)

    def _set_min_delay(self, value, params, *, connections_exist, **_):
        """min_delay is rounded down, max_delay up to whole steps; both must be given."""
        if "max_delay" not in params:
            raise BadProperty("Both min_delay and max_delay have to be specified")
        if connections_exist:
            raise BadProperty("Connections already exist. Please call ResetKernel first")
        for key in ("min_delay", "max_delay"):  # NEST stores infinite delays as +-DBL_MAX; nestgap refuses them
            if not math.isfinite(params[key]):
                raise bad_delay(params[key], f"{key} must be a finite number of ms.")
        low = self.grid.steps(value)
        if self.grid.ms(low) > value:
            low -= 1
        high = self.grid.steps(params["max_delay"])
        if low < 1:
            raise bad_delay(self.grid.ms(low), "min_delay must be greater than or equal to resolution.")
        if high < low:
            raise bad_delay(self.grid.ms(low), "min_delay must be smaller than or equal to max_delay.")
        self.delay_extrema = (float(self.grid.ms(low)), float(self.grid.ms(high)))
        self.user_delay_extrema = True

    def _set_use_compressed_spikes(self, value, params, **_):
        self.use_compressed_spikes = bool(value)

    def _set_keep_source_table(self, value, params, **_):
        self.keep_source_table = bool(value)

    def _set_dict_miss_is_error(self, value, params, **_):
        self.dict_miss_is_error = bool(value)

    def _set_overwrite_files(self, value, params, **_):
        self.overwrite_files = bool(value)

    def _set_data_path(self, value, params, **_):
        """NEST only logs an error for a folder that does not exist and keeps the old value."""
        if value and not os.path.isdir(value):
            warnings.warn(f"Variable data_path not set: Directory '{value}' does not exist.", stacklevel=4)
            return
        self.data_path = value

    def _set_data_prefix(self, value, params, **_):
        """NEST only logs an error for a prefix with path elements and keeps the old value."""
        if "/" in value:
            warnings.warn("Data prefix must not contain path elements.", stacklevel=4)
            return
        self.data_prefix = value

    def _set_max_delay(self, value, params, **_):
        if "min_delay" not in params:
            raise BadProperty("Both min_delay and max_delay have to be specified")

    # -- delays in steps -------------------------------------------------------------------
    def delay_extrema_steps(self):
        """(min_delay, max_delay) registered so far in steps, or None."""
        if self.delay_extrema is None:
            return None
        steps_per_ms = self.grid.tics_per_ms / self.grid.tics_per_step  # as TimeGrid.delay_steps, for two numbers
        return tuple(math.floor(v * steps_per_ms + 0.5) for v in self.delay_extrema)

    def set_delay_extrema_steps(self, low: int, high: int):
        self.delay_extrema = (float(self.grid.ms(low)), float(self.grid.ms(high)))


def _check_type(key, value):
    """NEST's TypeMismatch for an entry that is not of the C++ type NEST reads it as (a thread
    count that is no integer: NEST's RuntimeError; a bool is a double)."""
    if key in ("total_num_virtual_procs", "local_num_threads") and (
            isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)):
        raise RuntimeError(f"The dictionary value with key {key} does not hold a numeric integer type.")
    if key in _STRING:
        ok = isinstance(value, str)
    elif key in _BOOL:
        ok = isinstance(value, (bool, np.bool_))
    elif key in _LONG:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    else:
        ok = isinstance(value, numbers.Real) and not isinstance(value, np.bool_)
    if not ok:
        raise cast_error(key, value, "std::string" if key in _STRING else "bool" if key in _BOOL
                            else "long" if key in _LONG else "double")
