"""Kernel attributes with NEST 3.10's defaults, constraints and errors.

Every change is validated against a copy of all attributes and applied only
when the whole request is valid. The constraints and their messages are those
NEST 3.10 logs (NEST raises a KernelException with an empty message and logs
the text; nestgap puts the text into the exception).
"""

import copy

from ..exceptions import BadProperty, KernelException
from .time_grid import TimeGrid

DEFAULT_RNG_SEED = 143202461

# NEST processes the entries of one SetKernelStatus call in this order
_ORDER = ("tics_per_ms", "resolution", "total_num_virtual_procs", "local_num_threads", "rng_seed",
          "use_wfr", "wfr_comm_interval", "wfr_tol", "wfr_max_iterations", "wfr_interpolation_order",
          "print_time", "biological_time", "min_delay", "max_delay")
READ_ONLY = ("ms_per_tic", "tics_per_step", "network_size", "num_connections", "wfr_iterations",
             "wfr_max_iterations_reached", "rng_type", "num_processes", "mpi_rank", "to_do",
             "node_models", "synapse_models", "connection_rules", "time_simulate", "prepared")


class KernelSettings:
    """The settable kernel attributes (time grid, threads, RNG seed, WFR)."""

    def __init__(self):
        self.grid = TimeGrid.for_resolution(0.1)
        self.total_num_virtual_procs = 1
        self.rng_seed = DEFAULT_RNG_SEED
        self.print_time = False
        self.use_wfr = True
        self.wfr_comm_interval = 1.0
        self.wfr_tol = 1e-4
        self.wfr_max_iterations = 15
        self.wfr_interpolation_order = 3
        self.delay_extrema = None  # (min_delay, max_delay) in ms set by the user, or None

    @property
    def resolution(self) -> float:
        return self.grid.resolution

    def get(self) -> dict:
        return {"resolution": self.resolution, "tics_per_ms": self.grid.tics_per_ms,
                "ms_per_tic": self.grid.ms_per_tic, "tics_per_step": self.grid.tics_per_step,
                "total_num_virtual_procs": self.total_num_virtual_procs,
                "local_num_threads": self.total_num_virtual_procs, "num_processes": 1, "mpi_rank": 0,
                "rng_seed": self.rng_seed, "rng_type": "pcg64 (numpy)", "print_time": self.print_time,
                "use_wfr": self.use_wfr, "wfr_comm_interval": self.wfr_comm_interval,
                "wfr_tol": self.wfr_tol, "wfr_max_iterations": self.wfr_max_iterations,
                "wfr_interpolation_order": self.wfr_interpolation_order}

    def updated(self, params: dict, *, nodes_exist: bool, connections_exist: bool,
                simulated: bool) -> "KernelSettings":
        """A new settings object with ``params`` applied, or an exception; self is unchanged."""
        unknown = [k for k in params if k not in _ORDER]
        if unknown:
            key = unknown[0]
            if key in READ_ONLY:
                raise BadProperty(f"Kernel attribute '{key}' is read-only.")
            raise KernelException(f"Unknown kernel attribute '{key}'; settable attributes: "
                                  f"{', '.join(sorted(_ORDER))}.")
        new = copy.copy(self)
        for key in sorted(params, key=_ORDER.index):
            getattr(new, "_set_" + key)(params[key], nodes_exist, connections_exist, simulated, params)
        return new

    # -- one setter per attribute, NEST's checks ---------------------------------------
    def _time_change_allowed(self, nodes_exist, simulated):
        if nodes_exist:
            raise KernelException("Nodes have already been created: time representation cannot be changed.")
        if simulated:
            raise KernelException("The network has been simulated: time representation cannot be changed.")

    def _set_tics_per_ms(self, value, nodes_exist, connections_exist, simulated, params):
        self._time_change_allowed(nodes_exist, simulated)
        value = float(value)
        resolution = float(params.get("resolution", self.resolution))
        if value <= 0:
            raise KernelException("tics_per_ms must be positive.")
        self.grid = TimeGrid(value, self.grid.tics_per_step)
        self._set_resolution(resolution, nodes_exist, connections_exist, simulated, {})

    def _set_resolution(self, value, nodes_exist, connections_exist, simulated, params):
        if "tics_per_ms" in params:
            return  # handled together with tics_per_ms
        self._time_change_allowed(nodes_exist, simulated)
        value = float(value)
        tics = value * self.grid.tics_per_ms
        if tics < 1:
            raise KernelException("Resolution must be greater than or equal to one tic. "
                                  "Value unchanged.")
        if abs(tics - round(tics)) > 1e-9 * max(1.0, tics):
            raise KernelException("Resolution must be a multiple of the tic length. Value unchanged.")
        self.grid = TimeGrid(self.grid.tics_per_ms, int(round(tics)))
        if self.wfr_comm_interval < self.resolution or not self.use_wfr:
            self.wfr_comm_interval = self.resolution

    def _set_total_num_virtual_procs(self, value, nodes_exist, connections_exist, simulated, params):
        if nodes_exist:
            raise KernelException("Nodes exist: Thread/process number cannot be changed.")
        if int(value) != value or value < 1:
            raise BadProperty("total_num_virtual_procs must be a positive integer.")
        self.total_num_virtual_procs = int(value)

    def _set_local_num_threads(self, value, *args):
        self._set_total_num_virtual_procs(value, *args)

    def _set_rng_seed(self, value, *args):
        if int(value) != value or not 1 <= value < 2 ** 32:
            raise BadProperty("rng_seed must be an integer in [1, 2**32 - 1].")
        self.rng_seed = int(value)

    def _set_print_time(self, value, *args):
        self.print_time = bool(value)

    def _set_use_wfr(self, value, nodes_exist, connections_exist, simulated, params):
        if nodes_exist:
            raise KernelException("Cannot enable/disable usage of waveform relaxation after nodes have "
                                  "been created. Please call ResetKernel first.")
        self.use_wfr = bool(value)
        if not self.use_wfr:
            self.wfr_comm_interval = self.resolution

    def _set_wfr_comm_interval(self, value, nodes_exist, connections_exist, simulated, params):
        if not self.use_wfr:
            raise KernelException("Cannot set waveform communication interval when usage of waveform "
                                  "relaxation is disabled. Set use_wfr to true first.")
        if connections_exist:
            raise KernelException("Cannot change waveform communication interval after connections have "
                                  "been created. Please call ResetKernel first.")
        value = float(value)
        if value < self.resolution:
            raise KernelException("Communication interval of the waveform relaxation must be greater or "
                                  "equal to the resolution of the simulation.")
        self.wfr_comm_interval = value

    def _set_wfr_tol(self, value, *args):
        value = float(value)
        if not value >= 0:
            raise KernelException("Tolerance must be zero or positive")
        self.wfr_tol = value

    def _set_wfr_max_iterations(self, value, *args):
        if int(value) != value or value <= 0:
            raise KernelException("Maximal number of iterations  for the waveform relaxation must be "
                                  "positive. To disable waveform relaxation set use_wfr instead.")
        self.wfr_max_iterations = int(value)

    def _set_wfr_interpolation_order(self, value, *args):
        if value not in (0, 1, 3) or int(value) != value:
            raise KernelException("Interpolation order must be 0, 1, or 3.")
        self.wfr_interpolation_order = int(value)

    def _set_biological_time(self, value, *args):
        if value != 0:
            raise BadProperty("The simulation time can only be set to 0.0.")

    def _set_min_delay(self, value, nodes_exist, connections_exist, simulated, params):
        if "max_delay" not in params:
            raise BadProperty("Both min_delay and max_delay have to be specified")
        if connections_exist:
            raise BadProperty("Connections already exist. Please call ResetKernel first")
        low, high = float(value), float(params["max_delay"])
        if low < self.resolution:
            raise BadProperty("min_delay must be greater than or equal to the resolution.")
        if high < low:
            raise BadProperty("max_delay must be greater than or equal to min_delay.")
        self.delay_extrema = (low, high)

    def _set_max_delay(self, value, nodes_exist, connections_exist, simulated, params):
        if "min_delay" not in params:
            raise BadProperty("Both min_delay and max_delay have to be specified")

