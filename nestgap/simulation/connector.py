"""nest.Connect, connect arrays and SynapseCollection.set: every change of the connections.

Three ways in, one way to the connection table: a population call
(:meth:`Connector.connect`) plans its connections with a connection rule,
connect arrays (:meth:`Connector.connect_arrays`) give them pair by pair, and a
single pair of neurons (the commonest call of scripts that build networks pair
by pair) takes a cached plan. All of them end in :meth:`Connector._commit`,
which applies NEST's checks (delays, node types, receptor) before anything is
stored: a refused request creates no connection.
"""

import numpy as np

from ..exceptions import BadParameter, BadProperty, TypeMismatch, UnaccessedDictionaryEntry
from ..random import is_parameter
from .connection_rules import normalize_conn_spec, plan_connections, synapse_values

#: connection parameters of the synapse models (besides the model name)
SYNAPSE_KEYS = ("weight", "delay", "receptor_type")


class Connector:
    def __init__(self, network, delays, streams):
        self.network = network
        self.delays = delays          # the kernel's DelayChecker
        self.streams = streams        # () -> the kernel's RandomStreams
        self._pair_plans = {}         # layout of (conn_spec, syn_spec) -> _PairPlan, or None (general path)

    @property
    def grid(self):
        return self.network.settings.grid

    # -- population calls ------------------------------------------------------------
    def connect(self, pre, post, conn_spec, syn_spec, same_collection: bool):
        """nest.Connect on the id arrays of two NodeCollections (the face has tried :meth:`connect_pair`
        for a single pair already)."""
        net = self.network
        synapse, conn_spec, syn_spec = self._validated(conn_spec, syn_spec)
        pre, post = np.asarray(pre, np.int64), np.asarray(post, np.int64)
        for ids in (pre, post):
            if len(ids):
                net.locate(int(ids.max()))
        plan = plan_connections(pre, post, conn_spec, self.streams(), same_collection=same_collection,
                                requires_symmetric=synapse.requires_symmetric,
                                syn_values={k: v for k, v in syn_spec.items() if k in ("weight", "delay")},
                                is_device=~net.neuron_mask(), network_size=net.size)
        weight = synapse_values(syn_spec.get("weight", synapse.defaults["weight"]), plan, "weight")
        steps = None
        if synapse.has_delay:
            delay = synapse_values(syn_spec.get("delay", synapse.defaults["delay"]), plan, "delay")
            steps = self.grid.delay_steps(delay)
        check = None
        if plan.make_symmetric:  # NEST meets each pair's reverse connection first
            check = (post, pre) if conn_spec["allow_autapses"] else (post[pre != post], pre[pre != post])
        receptor = receptor_of(syn_spec, synapse.receptor_type)
        if isinstance(receptor, np.ndarray):  # one per connection, indexed as weights are
            receptor = synapse_values(receptor, plan, "receptor_type").astype(np.int64)
        self._commit(plan.sources, plan.targets, weight, steps, synapse, receptor, check)

    def _validated(self, conn_spec, syn_spec):
        """(synapse model, normalised conn_spec, syn_spec without the model name): NEST's checks
        that do not need the populations, in NEST's order."""
        syn_spec = _normalize_syn_spec(syn_spec)
        synapse = self.network.synapse_model(syn_spec.pop("synapse_model", "static_synapse"))
        conn_spec = normalize_conn_spec(conn_spec)
        _check_synapse_keys(synapse, syn_spec)
        return synapse, conn_spec, syn_spec

    # -- single pairs ---------------------------------------------------------------
    def connect_pair(self, source, target, conn_spec, syn_spec) -> bool:
        """One neuron (or generator) to a neuron without the general path's per-call work: the checks of the
        specs are made once per layout of the two (rule and flags, synapse model, which of weight
        and delay are given as numbers) and remembered, and a delay inside the extrema registered
        so far needs no check. The same connections and errors as the general path; False, with
        nothing done, for any call the plan does not cover."""
        key = _pair_key(conn_spec, syn_spec)
        if key is None or source == target:
            return False
        plan = self._pair_plans.get(key, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self._pair_plans[key] = self._pair_plan(conn_spec, syn_spec)  # raises what the general path raises
        net = self.network
        if (plan is None or net.synapse_models.get(plan.synapse.name) is not plan.synapse
                or plan.synapse.receptor_type != 0):  # a default receptor type set since: the general path
            return False
        synapse = plan.synapse
        targets = net.gap_capable() if synapse.kind == "gap" else net.port_zero_targets()
        sources = targets if synapse.kind == "gap" or plan.symmetric else net.event_sources()
        if not (0 < source < len(sources) and 0 < target < len(targets) and sources[source] and targets[target]):
            return False
        spec = syn_spec if type(syn_spec) is dict else {}
        weight = float(spec.get("weight", synapse.defaults["weight"]))
        steps = None
        if synapse.has_delay:
            steps = plan.steps(spec.get("delay", synapse.defaults["delay"]), self.grid)
            checked = self.delays.accepts(steps)
        else:
            checked = synapse.default_delay_checked
        if not checked:  # a delay to register (or refuse), or the model's first use: the full commit
            sources, targets = ([source, target], [target, source]) if plan.symmetric else ([source], [target])
            self._commit(sources, targets, [weight] * len(sources), steps, synapse, 0)
            return True
        # connectable at port 0: two neurons of a gap-junction model; a neuron or generator to a
        # neuron without receptor types
        net.connections_changed = True
        net.connections.add_pair(source, target, weight, steps or 0, synapse.syn_id, plan.symmetric)
        return True

    def _pair_plan(self, conn_spec, syn_spec):
        """A :class:`_PairPlan` if a pair of distinct neurons is connected by :meth:`connect_pair`
        with these specs, else None; the general path's errors for specs that are invalid
        whatever the nodes."""
        synapse, spec, syn_values = self._validated(conn_spec, syn_spec)
        if spec["rule"] not in ("one_to_one", "all_to_all") or synapse.requires_symmetric and not (
                spec["rule"] == "one_to_one" and spec["make_symmetric"]):
            return None  # the general path decides (with the populations)
        if spec["make_symmetric"] and spec["rule"] != "one_to_one":
            return None
        return _PairPlan(synapse, spec["make_symmetric"])

    # -- connect arrays ----------------------------------------------------------------
    def connect_arrays(self, pre, post, syn_spec):
        """PyNEST's connect arrays: pre[i] -> post[i] for every i; weights and delays are arrays
        with one value per pair or left out (model defaults). No symmetry is required."""
        net = self.network
        syn_spec = _normalize_syn_spec(syn_spec)
        synapse = net.synapse_model(syn_spec.pop("synapse_model", "static_synapse"))
        for key in syn_spec:
            if key not in SYNAPSE_KEYS:
                raise BadParameter(f"{synapse.name} does not have parameter {key}")
        _check_synapse_keys(synapse, syn_spec)
        for ids in (pre, post):
            if len(ids):
                net.locate(int(ids.max()))
                net.locate(int(ids.min()))
        values = {}
        for key in ("weight", "delay"):
            if key in syn_spec:
                value = syn_spec[key]
                if is_parameter(value) or np.ndim(value) != 1:
                    raise TypeError(f"{key}s must be a 1-dimensional NumPy array")
                if len(value) != len(pre):
                    raise ValueError(f"'{key}' has to be an array of dimension {len(pre)}.")
                values[key] = np.asarray(value, np.float64)
            elif key in synapse.defaults:
                values[key] = np.full(len(pre), synapse.defaults[key])
        steps = self.grid.delay_steps(values["delay"]) if synapse.has_delay else None
        receptor = receptor_of(syn_spec, synapse.receptor_type)
        if isinstance(receptor, np.ndarray) and len(receptor) != len(pre):
            raise ValueError(f"'receptor_type' has to be an array of dimension {len(pre)}.")
        self._commit(pre, post, values["weight"], steps, synapse, receptor)

    # -- the one way into the table ---------------------------------------------------------
    def _commit(self, sources, targets, weights, steps, synapse, receptor, check=None):
        """Store connections sources[i] -> targets[i] after NEST's checks, in NEST's order: delays
        (``steps`` per connection, or one for all, None for a model without delay), node types (of
        ``check`` = (sources, targets) in the order NEST meets them, default the connections),
        receptor. All or nothing. Arrays, or lists of numbers for a few single pairs."""
        net, delays = self.network, self.delays
        net.connections_changed = True  # as NEST, also if the checks below refuse the connections
        extrema = delays.with_delays(steps) if synapse.has_delay else delays.with_default_delay(synapse)
        net.check_connectable(*(check or (sources, targets)), synapse)
        rport = net.receptor_ports(sources, targets, receptor, synapse)
        delay = steps if synapse.has_delay else 0
        if isinstance(sources, list) and isinstance(rport, int):
            for source, target, weight in zip(sources, targets, weights):
                net.connections.add_one(source, target, weight, delay, synapse.syn_id, rport)
        else:
            net.connections.add(sources, targets, weights, np.broadcast_to(delay, (len(sources),)), synapse.syn_id,
                                rport)
        delays.commit(extrema, synapse)

    # -- SynapseCollection.set ------------------------------------------------------------
    def set_status(self, index, params: dict):
        """Set 'weight' and/or 'delay' (ms) of the connections ``index``; values are numbers or
        sequences with one value per connection (entries beyond the last are ignored)."""
        net = self.network
        source, target, weight, delay, syn_id, _ = net.connections.arrays()
        values = {}
        for key, value in params.items():
            if key not in ("weight", "delay"):
                raise UnaccessedDictionaryEntry(f"Unaccessed elements in params, in function connection.set(): "
                                                f" {key} (settable: weight, delay)")
            if is_parameter(value):
                raise TypeMismatch(f"Expected datatype: Failed to cast '{key}' from "
                                   "std::shared_ptr<nest::Parameter> to type double.")
            value = np.asarray(value, np.float64)
            if value.ndim and len(value) < len(index):
                raise IndexError(f"list index out of range: '{key}' has {len(value)} values for "
                                 f"{len(index)} connections")
            values[key] = np.broadcast_to(value[:len(index)] if value.ndim else value, (len(index),))
        if "delay" in values:
            without = {m.syn_id: m for m in net.synapse_models.values() if not m.has_delay}
            hits = index[np.isin(syn_id[index], list(without))]
            if len(hits):
                i = hits[0]
                model = without[int(syn_id[i])]
                raise BadProperty(f"Setting status of '{model.name}' connecting from node ID {source[i]} "
                                  f"to node ID {target[i]}: {model.base} connection has no delay")
            steps = self.grid.delay_steps(values["delay"])
            self.delays.commit(self.delays.with_delays(steps))
            net.connections.set_delays(index, steps)
        if "weight" in values:
            net.connections.set_weights(index, values["weight"])


_UNPLANNED = object()


class _PairPlan:
    """How single pairs are connected for one layout of the specs: the synapse model, whether
    the reverse connection is made too, and the delays met so far in steps."""

    def __init__(self, synapse, symmetric):
        self.synapse = synapse
        self.symmetric = symmetric
        self._steps = {}
        self._grid = None

    def steps(self, delay, grid) -> int:
        """``delay`` (ms) in steps on ``grid``."""
        if grid is not self._grid or len(self._steps) > 64:
            self._steps, self._grid = {}, grid
        steps = self._steps.get(delay)
        if steps is None:
            steps = self._steps[delay] = int(grid.delay_steps(float(delay)))
        return steps


def _pair_key(conn_spec, syn_spec):
    """What decides whether and how a single pair is connected: conn_spec's entries and the
    synapse model with the names of the numeric values given; None for other specs."""
    if conn_spec is None or isinstance(conn_spec, str):
        conn = conn_spec
    elif type(conn_spec) is dict:
        conn = tuple(conn_spec.items())  # in the order given: at worst one more entry in the cache
        for key, value in conn:
            if type(key) is not str or type(value) not in (str, bool):
                return None
    else:
        return None
    if syn_spec is None or isinstance(syn_spec, str):
        return conn, syn_spec
    if type(syn_spec) is not dict or type(syn_spec.get("synapse_model", "")) is not str:
        return None
    for key, value in syn_spec.items():
        if key != "synapse_model" and (key not in ("weight", "delay") or type(value) not in (int, float)
                                       or value != value):  # NaN: the model's default (the general path)
            return None
    return conn, syn_spec.get("synapse_model"), "weight" in syn_spec, "delay" in syn_spec


def _normalize_syn_spec(syn_spec) -> dict:
    if syn_spec is None:
        return {}
    if isinstance(syn_spec, str):
        return {"synapse_model": syn_spec}
    if not isinstance(syn_spec, dict):
        raise TypeError("syn_spec must be a string, dict or CollocatedSynapses object")
    return dict(syn_spec)


def _is_receptor_array(value) -> bool:
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def _check_synapse_keys(synapse, syn_spec):
    """NEST's checks of the syn_spec entries besides the model name."""
    if "delay" in syn_spec and not synapse.has_delay:
        raise BadProperty(f"{synapse.base} connection has no delay")
    unknown = [k for k in syn_spec if k not in SYNAPSE_KEYS]
    if unknown:
        raise UnaccessedDictionaryEntry("Unaccessed elements in syn_spec, in function Connect: "
                                        + "".join(" " + k for k in unknown)
                                        + f" ({synapse.name} has: {', '.join(SYNAPSE_KEYS)})")
    for key in ("weight", "delay"):
        value = syn_spec.get(key)
        if isinstance(value, (str, bool, np.bool_)):
            kind = "std::string" if isinstance(value, str) else "bool"
            raise BadProperty(f"Cannot handle parameter type. Received {kind}")
    receptor_of(syn_spec)


def receptor_of(syn_spec, default=0):
    """The receptor type of a syn_spec (``default``: the synapse model's), with NEST's errors for
    other types and negative values: an int, or for an array (one per connection, as weights) an
    int64 array whose elements passed the same checks in order."""
    receptor = syn_spec.get("receptor_type", default)
    if _is_receptor_array(receptor):
        return np.array([_receptor_value(r) for r in receptor], np.int64)
    return _receptor_value(receptor)


def _receptor_value(receptor) -> int:
    if receptor is None:  # PyNEST's conversion
        raise AttributeError("when converting Python Dictionary: value of key (receptor_type) is not a known "
                             "type, got <class 'NoneType'>")
    if isinstance(receptor, (str, bool, np.bool_)):  # NEST's messages for these, and for other non-integers
        kind = "std::string" if isinstance(receptor, str) else "bool"
        raise BadProperty(f"Cannot handle parameter type. Received {kind} (receptor_type {receptor!r})")
    if not isinstance(receptor, (int, np.integer)):
        raise RuntimeError(f"The dictionary value with key receptor_type does not hold a numeric integer type. "
                           f"(got {receptor!r})")
    if receptor < 0:
        raise IndexError(f"Value causes data loss or overflow. (receptor_type {receptor})")
    return int(receptor)
