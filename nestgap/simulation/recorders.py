"""Recording devices: spike_recorder, multimeter and voltmeter, with NEST's timing.

Spikes are recorded in the slice in which they are emitted. A multimeter's
samples of a slice become visible only when the next slice begins (NEST
collects them one slice late), so after ``Simulate(T)`` the last min_delay of
data is still pending, exactly as in NEST; the recording window (start, stop)
in force at that moment decides which pending samples are kept.
"""

import numpy as np

from ..exceptions import BadProperty, KernelException, NotImplemented
from . import entries
from .devices import _COMMON, _COMMON_TYPES, Device

_RECORDER = {**_COMMON, "time_in_steps": False, "record_to": "memory"}
_RECORDER_TYPES = {**_COMMON_TYPES, "time_in_steps": "bool", "record_to": "string"}
#: NEST 3.10's recording backends (nestgap records to memory only)
RECORDING_BACKENDS = ("ascii", "memory", "screen")


class _Recorder(Device):
    """What every recorder shares: n_events (only 0, which clears the events), after the other entries."""

    element_type = "recorder"
    extra_entries = ("n_events",)
    stages = ((None, "validate_own"), (("record_to",), "check_backend"), (("label", "n_events"), None),
              (("origin", "start", "stop"), "validate"), (("time_in_steps",), None))

    def check_extra(self, extra):
        """n_events: only 0."""
        if "n_events" in extra and entries.read_long("n_events", extra["n_events"]) != 0:
            raise _bad(self, "Property n_events can only be set to 0 (which clears all stored events).")

    def apply_extra(self, extra):
        if "n_events" in extra:
            self.clear()

    def read_in_defaults(self, key) -> bool:
        return super().read_in_defaults(key) or key == "n_events"

    def check_backend(self, params, grid):
        """NEST's recording backends; nestgap records to memory only."""
        if params["record_to"] not in RECORDING_BACKENDS:
            raise _bad(self, f"Unknown recording backend '{params['record_to']}'")
        if params["record_to"] != "memory":
            raise NotImplemented(f"{self.name}: the recording backend '{params['record_to']}' is not supported by "
                                 "nestgap (only 'memory').")


class SpikeRecorder(_Recorder):
    model = "spike_recorder"
    role = "spike_recorder"
    defaults = {**_RECORDER}
    types = _RECORDER_TYPES

    def __init__(self, node_id, params=None):
        self._senders, self._stamps = [], []
        super().__init__(node_id, params)

    def record(self, senders, stamps, grid):
        """Record spikes (sender ids, stamps) that fall into (origin+start, origin+stop]."""
        t_min, t_max = self.window(grid)
        keep = (stamps > t_min) & (stamps <= t_max)
        if keep.any():
            self._senders.append(senders[keep])
            self._stamps.append(stamps[keep])

    def events(self, grid, n_vp=1) -> dict:
        """The spikes recorded, as NEST returns them: the records of thread 0 (the senders on VP 0),
        then thread 1, ...; each thread's in the order they arrived (docs/nest_vp_structure.md 5.2)."""
        senders = np.concatenate(self._senders) if self._senders else np.zeros(0, np.int64)
        stamps = np.concatenate(self._stamps) if self._stamps else np.zeros(0, np.int64)
        order = np.argsort(senders % n_vp, kind="stable")
        senders, stamps = senders[order], stamps[order]
        if self.params["time_in_steps"]:
            return {"senders": senders, "times": stamps, "offsets": np.zeros(len(stamps))}
        return {"senders": senders, "times": grid.ms(stamps)}

    def status(self) -> dict:
        n = sum(len(s) for s in self._senders)
        return {**super().status(), "n_events": n}

    def clear(self):
        self._senders, self._stamps = [], []


class Multimeter(_Recorder):
    model = "multimeter"
    role = "sampler"
    defaults = {**_RECORDER, "interval": 1.0, "offset": 0.0, "record_from": ()}
    types = {**_RECORDER_TYPES, "interval": "double", "offset": "double", "record_from": "strings"}
    stages = ((("interval", "offset"), "validate_own"), (None, None), *_Recorder.stages[1:])

    def __init__(self, node_id, params=None):
        self._chunks = []        # visible samples: (senders, stamps, values) per slice
        self._pending = None     # (slice origin, [chunks]) of the current slice, not yet visible
        self._reads = []         # (node id, block, row, columns) of every neuron it reads
        self._first_run = {}     # node id -> the step at which the run that first read it began
        super().__init__(node_id, params)

    def attach(self, neurons, now):
        """Before a run starting at step ``now``: read ``neurons``, (node id, block, row) in
        connection order; the recordables are looked up in each block's record columns (ODE,
        other real and integer state, as its kernel writes them)."""
        names = list(self.params["record_from"])
        self._reads = []
        for node_id, block, row in neurons:
            self._first_run.setdefault(node_id, now)
            k = block.kernel
            columns = list(k.ODE_STATE) + list(k.AUX_STATE) + list(k.INT_STATE)
            recordable = sorted(list(k.ODE_STATE) + list(k.AUX_STATE))
            for name in names:
                if name not in recordable:
                    raise KernelException(f"{self.model} with node ID {self.node_id}: '{name}' is not a "
                                          f"recordable of the target model; recordables: {', '.join(recordable)}")
            self._reads.append((node_id, block, row, [columns.index(n) for n in names]))

    def sample(self, origin, frm, to, grid):
        """Take the samples of lags [frm, to) of the slice starting at step ``origin`` from the
        blocks' record buffers (rows REC_ROW, filled by the update)."""
        if not self._reads:
            return
        senders, stamps, values, positions = [], [], [], []
        lags_from = {}
        for position, (node_id, block, row, columns) in enumerate(self._reads):
            first = self._first_run[node_id]
            if first not in lags_from:
                lags_from[first] = self.sample_lags(origin, frm, to, grid, first)
            lags = lags_from[first]
            recorded = block.buffers["REC_BUF"][block.buffers["REC_ROW"][row]]
            senders.append(np.full(len(lags), node_id))
            stamps.append(origin + lags + 1)
            values.append(recorded[lags][:, columns])
            positions.append(np.full(len(lags), position))
        self.collect(origin, *(np.concatenate(a) for a in (senders, stamps, values, positions)), grid)

    def collect(self, origin, senders, stamps, values, positions, grid):
        """Samples of the slice starting at step ``origin`` (``positions``: of the neurons in the
        connection order); a new slice releases the previous one."""
        if self._pending is not None and self._pending[0] != origin:
            self._release(grid)
        if self._pending is None:
            self._pending = (origin, [])
        self._pending[1].append((senders, stamps, values, positions))

    def _release(self, grid):
        """The slice's samples become visible: neuron by neuron in connection order, each with all
        its samples of the slice (also of a slice simulated in two pieces), as NEST's reply."""
        t_min, t_max = self.window(grid)
        senders, stamps, values, positions = (np.concatenate([c[k] for c in self._pending[1]]) for k in range(4))
        order = np.argsort(positions, kind="stable")
        senders, stamps, values = senders[order], stamps[order], values[order]
        keep = (stamps > t_min) & (stamps <= t_max)
        if keep.any():
            self._chunks.append((senders[keep], stamps[keep], values[keep]))
        self._pending = None

    def read_in_defaults(self, key) -> bool:
        return key in self.defaults or key == "n_events"  # a multimeter's defaults read 'frozen' too

    frozen_early = True

    def check_frozen(self, frozen):
        if frozen:
            raise _bad(self, f"{self.model} cannot be frozen.")

    def validate_own(self, params, grid):
        """NEST's checks: the interval at least one step and a multiple of it; the offset 0 or at
        least one step, rounded up to whole steps (an infinite or NaN interval or offset is no
        multiple of the step)."""
        if grid is None:
            return
        step = grid.tics_per_step
        tics = entries.time_tics(params["interval"], grid.tics_per_ms)
        if tics < step:
            raise _bad(self, "The sampling interval must be at least as long as the simulation resolution.")
        if not (tics < float("inf") and tics % step == 0):
            raise _bad(self, "The sampling interval must be a multiple of the simulation resolution.")
        params["interval"] = tics * grid.ms_per_tic
        tics = entries.time_tics(params["offset"], grid.tics_per_ms)
        if tics < 0 or 0 < tics < step:
            raise _bad(self, "The offset for the sampling interval must be at least as long as the simulation "
                             "resolution.")
        if not tics < float("inf"):
            raise _bad(self, "The offset for the sampling interval must be a multiple of the simulation resolution")
        params["offset"] = float(-(-tics // step) * step) * grid.ms_per_tic

    def sample_lags(self, origin, frm, to, grid, first_run=0):
        """Lags of this slice whose end-of-step stamp is a sampling time: a multiple of the
        interval, or with an offset the offset plus multiples of the interval. As NEST's data
        logger, which starts when the neuron's first run with this multimeter begins (step
        ``first_run``), an offset sample due at the end of step ``first_run`` is skipped
        (docs/time_and_events.md, multimeter)."""
        if not self.params["record_from"]:
            return np.zeros(0, np.int64)  # NEST records nothing, not even times
        interval = grid.steps(self.params["interval"])
        offset = grid.steps(self.params["offset"])
        lags = np.arange(frm, to)
        stamps = origin + lags + 1
        keep = ((stamps - offset) % interval == 0) & (stamps >= offset)
        if offset:
            keep &= stamps - 1 > first_run
        return lags[keep]

    def events(self, grid, n_vp=1) -> dict:
        """The samples, as NEST returns them: thread by thread (the neurons on VP 0 first); each
        thread's slice by slice, neuron by neuron in connection order (docs/nest_vp_structure.md 5.3)."""
        names = list(self.params["record_from"])
        if self._chunks:
            senders = np.concatenate([c[0] for c in self._chunks])
            stamps = np.concatenate([c[1] for c in self._chunks])
            values = np.concatenate([c[2] for c in self._chunks])
            order = np.argsort(senders % n_vp, kind="stable")
            senders, stamps, values = senders[order], stamps[order], values[order]
        else:
            senders, stamps = np.zeros(0, np.int64), np.zeros(0, np.int64)
            values = np.zeros((0, len(names)))
        events = {"senders": senders}
        if self.params["time_in_steps"]:
            events.update(times=stamps, offsets=np.zeros(len(stamps)))
        else:
            events["times"] = grid.ms(stamps)
        for k, name in enumerate(names):
            events[name] = values[:, k]
        return events

    def status(self) -> dict:
        return {**super().status(), "n_events": int(sum(len(c[0]) for c in self._chunks)),
                "record_from": list(self.params["record_from"])}

    def clear(self):
        self._chunks = []


class Voltmeter(Multimeter):
    model = "voltmeter"
    defaults = {**Multimeter.defaults, "record_from": ("V_m",)}


def _bad(device, message):
    return BadProperty(f"{device.name}: {message}")


RECORDERS = {cls.model: cls for cls in (SpikeRecorder, Multimeter, Voltmeter)}
