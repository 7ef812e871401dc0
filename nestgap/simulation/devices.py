"""Stimulation devices with NEST 3.10's timing: poisson_generator, spike_generator, dc_generator.

A generator is updated once per slice for the steps [origin + frm, origin + to)
and returns the events it sends in those steps, as arrays: for every event
the index of its outgoing connection, the stamp (step + 1), the factor the
connection weight is multiplied with (spike weight, or current amplitude) and
the multiplicity (a target adds (weight * factor) * multiplicity, as NEST; a
recorder registers that many spikes).
The kernel routes them to the targets' ring buffers, where an event with stamp
s over a connection of delay d lands in slot s + d - 1.
"""

import numpy as np

from ..exceptions import BadProperty, NotImplemented, UnaccessedDictionaryEntry
from ..rng import draws, new_cache
from . import entries
from .entries import FOREVER

_COMMON = {"start": 0.0, "stop": FOREVER, "origin": 0.0, "label": "", "frozen": False}
#: how NEST reads each entry (nestgap.simulation.entries); "time": a device time in ms
_COMMON_TYPES = {"start": "time", "stop": "time", "origin": "time", "label": "string", "frozen": "bool"}
_READERS = {"double": entries.read_double, "long": entries.read_long, "bool": entries.read_bool,
            "string": entries.read_string, "doubles": entries.read_doubles, "longs": entries.read_longs,
            "strings": entries.read_strings, "time": entries.read_double}


class Device:
    """Base class: a node that is not a neuron. ``model`` is its NEST model name.

    ``role`` says how the simulation loop treats it: "stepwise" generators send
    the events of each slice when it is updated (:meth:`emit`), "scheduled"
    generators know all their events in advance (:meth:`all_events`),
    "spike_recorder"s receive spikes, "sampler"s read recordables of neurons.
    ``event`` is what a generator sends: "spike" or "current".
    """

    model = ""
    element_type = "stimulator"
    role = "stepwise"
    event = "spike"
    defaults = {}
    types = dict(_COMMON_TYPES)  # entry -> how NEST reads it
    now = 0  # the current step, which the kernel sets before a change of status
    changes = 0  # counts status changes of all devices (derived schedules are rebuilt)

    def __init__(self, node_id, params=None):
        """``params``: entries already read and checked (a model's defaults, another device's status)."""
        self.node_id = node_id
        self._window = (None, None)  # ((Device.changes, grid), window) of the last call of window()
        self.params = dict(self.defaults)
        self.params.update(params or {})

    @property
    def name(self) -> str:
        """How NEST names this device in messages (node 0 stands for the model's defaults)."""
        if self.node_id == 0:
            return f"Setting status of model '{self.model}'"
        return f"Setting status of a '{self.model}' with node ID {self.node_id}"

    def status(self) -> dict:
        """The device's own entries (the kernel adds what every node has)."""
        return {"element_type": self.element_type, "model": self.model, **self.params}

    def set_status(self, params: dict, grid):
        """Validate on a copy, then apply: all or nothing. As NEST, the entries are read in the
        model's stages (:attr:`stages`), each checked when read; 'frozen' is read last (or first,
        :attr:`frozen_early`); an entry the device does not read is an error after all of them."""
        new = dict(self.params)
        if self.frozen_early and "frozen" in params:
            self.check_frozen(self._convert("frozen", params["frozen"]))
        staged = set().union(*(keys for keys, _ in self.stages if keys is not None))
        for keys, check in self.stages:
            for key, value in params.items():
                if key == "frozen" or (key not in keys if keys is not None else key in staged):
                    continue
                if key in self.defaults:
                    new[key] = self._convert(key, value)
                elif key in self.extra_entries:
                    self.check_extra({key: value})
            if check:
                getattr(self, check)(new, grid)
        frozen = self._convert("frozen", params["frozen"]) if "frozen" in params else None
        unknown = [key for key in params if key not in self.defaults and key not in self.extra_entries]
        if unknown:
            raise UnaccessedDictionaryEntry(f"{self.name}: Unaccessed entr{'ies' if len(unknown) > 1 else 'y'} "
                                            f"{', '.join(map(repr, unknown))}; valid entries: "
                                            f"{', '.join(sorted(self.defaults))}")
        if frozen is not None:
            self.check_frozen(frozen)
            new["frozen"] = frozen
        self.params = new
        self.apply_extra({key: params[key] for key in self.extra_entries if key in params})
        Device.changes += 1

    #: the order in which NEST reads the entries: (keys, check run after them); keys None: the
    #: model's own entries (those of no other stage)
    stages = ((None, "validate_own"), (("label", "origin", "start", "stop"), "validate"))
    #: entries a device takes that are not status values (a recorder's n_events)
    extra_entries = ()
    #: whether the model reads 'frozen' before its other entries (NEST reads it last otherwise)
    frozen_early = False

    def check_extra(self, extra):
        """Check the extra entries given (before anything is changed)."""

    def apply_extra(self, extra):
        """Apply the extra entries given (after the status was changed)."""

    def check_frozen(self, frozen):
        if frozen:
            raise NotImplemented(f"{self.name}: frozen devices are not supported by nestgap.")

    def read_in_defaults(self, key) -> bool:
        """Whether SetDefaults of this device model reads ``key`` (NEST keeps other entries as given)."""
        return key in self.defaults and key != "frozen"

    def _convert(self, key, value):
        """``value`` read as NEST reads entry ``key`` (TypeMismatch otherwise)."""
        return _READERS[self.types[key]](key, value)

    def validate_own(self, params, grid):
        """The checks of the model's own entries (NEST makes them before those of every device)."""

    def validate(self, params, grid):
        """NEST's checks of a device's window: start, stop and origin on the grid of steps (infinite
        times are); stop >= start."""
        if grid is None:
            return
        for key in ("origin", "start", "stop"):
            if not entries.on_step(params[key], grid):
                raise BadProperty(f"{self.name}: {key} must be a multiple of the simulation resolution.")
            params[key] = entries.time_ms(params[key], grid)
        if params["stop"] < params["start"]:
            raise BadProperty(f"{self.name}: stop >= start required.")

    def window(self, grid):
        """(t_min, t_max) in steps: the device is active for steps s with t_min < s <= t_max
        (infinite times as +-inf); kept until a device's status or the grid changes."""
        key = (Device.changes, grid)
        if self._window[0] != key:
            p = self.params
            origin, start, stop = (_steps(grid, p[k]) for k in ("origin", "start", "stop"))
            self._window = (key, (origin + start, origin + stop))
        return self._window[1]


def _steps(grid, t_ms):
    """A device time in whole steps (+-inf for an infinite time)."""
    if abs(t_ms) >= FOREVER:
        return np.copysign(np.inf, t_ms)
    return grid.steps(t_ms)


class PoissonGenerator(Device):
    """Independent Poisson trains for every target; one event of multiplicity n per step."""

    model = "poisson_generator"
    defaults = {**_COMMON, "rate": 0.0}
    types = {**_COMMON_TYPES, "rate": "double"}

    def __init__(self, node_id, params=None):
        self._caches = {}  # thread -> the state of its instance's Poisson distribution (kept across runs)
        self._replicas = (None, None, None)  # (targets, n_vp, [(thread, its connections)]) of the last emit
        super().__init__(node_id, params)

    def validate_own(self, params, grid):
        if params["rate"] < 0:
            raise BadProperty(f"{self.name}: "
                              "The rate cannot be negative.")

    def emit(self, origin, frm, to, grid, streams, targets):
        """The events of steps [origin + frm, origin + to) over connections to ``targets``: the
        instance on each thread draws, step by step, a count for each of its connections (those to
        targets on its thread, in creation order) from its thread's vp-specific stream, as NEST
        (docs/nest_randomness.md)."""
        t_min, t_max = self.window(grid)
        steps = np.arange(origin + frm, origin + to)
        steps = steps[(steps > t_min) & (steps <= t_max)]
        mean = draws.poisson_generator_mean(grid.resolution, self.params["rate"])
        if len(targets) == 0 or len(steps) == 0 or mean <= 0:
            return _no_events()
        parts = []
        for t, mine in self._replicas_of(targets, streams.n_vp):
            cache = self._caches.setdefault(t, new_cache())
            counts = draws.poisson_generator_counts(streams.vp_specific[t], cache, mean, len(steps), len(mine))
            step_index, k = np.nonzero(counts)
            parts.append((mine[k], steps[step_index] + 1, counts[step_index, k]))
        connection, stamps, n = (np.concatenate([p[i] for p in parts]) for i in range(3))
        return connection, stamps, np.ones(len(n)), n

    def _replicas_of(self, targets, n_vp):
        """[(thread, indices of its connections)]: the replica on each thread that has targets
        (node id % n_vp) sends over the connections to them; kept while ``targets`` is the same array."""
        if self._replicas[0] is not targets or self._replicas[1] != n_vp:
            thread = draws.node_vp(targets, n_vp)
            self._replicas = (targets, n_vp, [(int(t), np.flatnonzero(thread == t)) for t in np.unique(thread)])
        return self._replicas[2]


class SpikeGenerator(Device):
    """Spikes at given times (ms, on the grid); weights and multiplicities optional."""

    model = "spike_generator"
    role = "scheduled"
    defaults = {**_COMMON, "spike_times": np.zeros(0), "spike_weights": np.zeros(0),
                "spike_multiplicities": np.zeros(0, np.int64), "allow_offgrid_times": False,
                "precise_times": False, "shift_now_spikes": False}
    types = {**_COMMON_TYPES, "spike_times": "doubles", "spike_weights": "doubles", "spike_multiplicities": "longs",
             "allow_offgrid_times": "bool", "precise_times": "bool", "shift_now_spikes": "bool"}

    def set_status(self, params, grid):
        """With shift_now_spikes, NEST moves a spike given for the current step to the next one."""
        shift = params.get("shift_now_spikes", self.params["shift_now_spikes"])
        if "spike_times" in params and shift is True and grid is not None:
            times = entries.read_doubles("spike_times", params["spike_times"])
            finite = np.isfinite(times)
            due_now = np.zeros(len(times), bool)
            due_now[finite] = grid.steps_of(times[finite]) == self.now
            params = {**params, "spike_times": np.where(due_now, float(grid.ms(self.now + 1)), times)}
        super().set_status(params, grid)

    def validate_own(self, params, grid):
        times = params["spike_times"]
        name = self.name
        if np.any(np.diff(times) < 0):
            raise BadProperty(f"{name}: spike times must be sorted in non-descending order.")
        if np.any(times == 0.0):
            raise BadProperty(f"{name}: spike time cannot be set to 0.")
        if np.any(times < 0.0):
            raise BadProperty(f"{name}: Time point {float(times[times < 0][0])} is not representable.")
        if params["precise_times"] or params["allow_offgrid_times"]:
            raise NotImplemented(f"{name}: precise_times and allow_offgrid_times are not supported by nestgap.")
        if grid is not None and len(times):
            off = grid.off_grid(times) if np.isfinite(times).all() else [not grid.is_on_grid(t) for t in times]
            if np.any(off):
                t = times[int(np.argmax(off))]
                raise BadProperty(f"{name}: Time point {t} is not representable in current resolution.")
            params["spike_times"] = grid.ms(grid.steps_of(times))  # NEST keeps them on the grid
        for key in ("spike_weights", "spike_multiplicities"):
            if len(params[key]) not in (0, len(times)):
                raise BadProperty(f"{name}: {key} must have the same number of elements as spike_times, or 0 "
                                  f"elements to clear the property ({len(params[key])} != {len(times)}).")

    def all_events(self, grid, n_connections):
        """Every event this generator will send over its n_connections:
        (connection, stamp, weight factor, multiplicity)."""
        stamps, factor, multiplicity = self._schedule(grid)
        t_min, t_max = self.window(grid)
        spikes = np.nonzero((stamps > t_min) & (stamps <= t_max))[0]
        connection = np.tile(np.arange(n_connections), len(spikes))
        spike = np.repeat(spikes, n_connections)
        return connection, stamps[spike], factor[spike], multiplicity[spike]

    def _schedule(self, grid):
        """(stamps, weight factors, multiplicities) of all spikes."""
        p = self.params
        stamps = grid.steps_of(p["origin"] + np.asarray(p["spike_times"], np.float64))
        multiplicity = np.ones(len(stamps), np.int64)
        if len(p["spike_multiplicities"]):
            multiplicity = p["spike_multiplicities"].astype(np.int64)
        factor = p["spike_weights"] if len(p["spike_weights"]) else np.ones(len(stamps))
        return stamps, factor, multiplicity


class DCGenerator(Device):
    """A constant current (pA) between start and stop."""

    model = "dc_generator"
    event = "current"
    defaults = {**_COMMON, "amplitude": 0.0}
    types = {**_COMMON_TYPES, "amplitude": "double"}

    def emit(self, origin, frm, to, grid, streams, targets):
        n_connections = len(targets)
        t_min, t_max = self.window(grid)
        steps = np.arange(origin + frm, origin + to)
        steps = steps[(t_min < steps + 2) & (steps + 2 <= t_max)]  # NEST's current-generator rule
        if n_connections == 0 or len(steps) == 0:
            return _no_events()
        connection = np.tile(np.arange(n_connections), len(steps))
        stamp = np.repeat(steps + 1, n_connections)
        return connection, stamp, np.full(len(stamp), self.params["amplitude"]), np.zeros(len(stamp), np.int64)


def _no_events():
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)


GENERATORS = {cls.model: cls for cls in (PoissonGenerator, SpikeGenerator, DCGenerator)}
