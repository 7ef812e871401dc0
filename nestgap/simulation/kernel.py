"""The simulation kernel: settings, network and engine behind one object.

The PyNEST face (:mod:`nestgap.pynest`) is a thin layer over this class. All
randomness (random parameters, connection rules, Poisson generators) comes
from one numpy generator seeded with ``rng_seed``, drawn in call order, so a
script gives the same result for any number of threads or virtual processes
(NEST's results depend on the number of virtual processes; nestgap's do not).

Requests are all or nothing: a Create whose parameters are refused leaves
its nodes at their defaults, a refused Connect creates no connection, a
refused SetStatus changes no node (NEST applies what it processed before the
failing entry, node or connection).
"""

import numpy as np

from ..exceptions import (BadDelay, BadParameter, BadParameterValue, BadProperty,
                          TypeMismatch, UnaccessedDictionaryEntry, bad_delay)
from ..random import is_parameter, set_default_rng
from .connection_rules import RULES, normalize_conn_spec, plan_connections, synapse_values
from .engine import Engine
from .network import Network
from .settings import KernelSettings

#: connection parameters of the synapse models (besides the model name)
_SYNAPSE_KEYS = ("weight", "delay", "receptor_type")


class Kernel:
    def __init__(self):
        self.reset()

    def reset(self):
        self.settings = KernelSettings()
        self.network = Network(self.settings)
        self.engine = Engine(self.network, self.settings)
        self._pair_plans = {}  # (conn_spec, syn_spec layout) -> (synapse, make_symmetric) or False
        set_default_rng(self.engine.rng)  # for Parameter.GetValue()

    @property
    def rng(self) -> np.random.Generator:
        return self.engine.rng

    # -- kernel status -----------------------------------------------------------------
    def get_status(self) -> dict:
        s, e, net = self.settings, self.engine, self.network
        low, high = e.delay_extrema()
        status = s.get()
        status.update(
            min_delay=float(s.grid.ms(low)), max_delay=float(s.grid.ms(high)),
            biological_time=float(s.grid.ms(e.time_steps)), network_size=net.size,
            num_connections=len(net.connections), wfr_iterations=list(e.wfr_iterations),
            wfr_max_iterations_reached=e.wfr_max_reached, node_models=net.model_names(),
            synapse_models=sorted(net.synapse_models), connection_rules=list(RULES), prepared=False, to_do=0)
        return status

    def set_status(self, params: dict):
        """SetKernelStatus with settable entries; ``biological_time = 0`` restarts the clock at 0."""
        s, e = self.settings, self.engine
        new = s.updated(params, nodes_exist=self.network.size > 0,
                        connections_exist=len(self.network.connections) > 0, simulated=e.simulated,
                        defaults_modified=self.network.defaults_modified)
        seed_changed = new.rng_seed != s.rng_seed or "rng_seed" in params
        s.__dict__.update(new.__dict__)
        if seed_changed:
            e.rng = np.random.Generator(np.random.PCG64(s.rng_seed))
            set_default_rng(e.rng)
        if "biological_time" in params:
            e.clock, e.frm = 0, 0

    # -- nodes ---------------------------------------------------------------------------
    def create(self, model: str, n: int, params=None) -> np.ndarray:
        """New nodes; if ``params`` are refused the nodes exist nevertheless (as in NEST)."""
        if n == 0:
            raise BadParameterValue("Create: at least one node must be created (n = 0).")
        if int(n) != n or n < 0:
            raise BadProperty(f"Create: the number of nodes must be a positive integer, got {n!r}.")
        net = self.network
        if net.device_class(model) is None:
            net.neuron_model(model)  # raises UnknownModelName with the list of models
        ids = net.create(model, int(n))
        if params:
            self.set_node_status(ids, params)
        return ids

    def node_status(self, ids, keys=None) -> list:
        """Status dicts of the nodes ``ids`` (all entries, or only ``keys`` that a node has)."""
        result = []
        for node_id in ids:
            model, block, where = self.network.locate(int(node_id))
            if block is None:
                status = where.status()
                if hasattr(where, "events"):
                    status["events"] = where.events(self.settings.grid)
            else:
                status = block.get_status(where, self.network.neuron_models[model])
            result.append(status if keys is None else {k: status[k] for k in keys if k in status})
        return result

    def node_values(self, ids, key):
        """One entry for many nodes, None for nodes without it; KeyError if no node has it."""
        ids = np.asarray(ids, np.int64)
        for block in self.network.blocks.values():
            if len(ids) and ids[0] in block.ids and np.all(np.isin(ids, block.ids)):
                values = block.get_values(np.searchsorted(block.ids, ids), key)
                if values is not None:
                    return values
        statuses = self.node_status(ids)
        if not any(key in s for s in statuses):
            raise KeyError(f"'{key}' is not a status entry of these nodes; their entries are: "
                           f"{', '.join(sorted(set().union(*statuses)))}")
        return [s.get(key) for s in statuses]

    def set_node_status(self, ids, params):
        """PyNEST's NodeCollection.set: all or nothing.

        ``params``: one dict, or a list with one dict per node (a list of one
        dict applies to all). In a dict, a scalar entry applies to all nodes, a
        sequence gives one value per node (entries beyond the last node are
        ignored, as in NEST) and a random parameter is drawn once per node.
        """
        ids = np.asarray(ids, np.int64)
        if isinstance(params, dict):
            per_node = self._split_values(ids, params)
        else:
            per_node = list(params)
            if len(per_node) == 1:
                per_node = per_node * len(ids)
            if len(per_node) != len(ids):
                raise BadParameter(f"List of dictionaries must be the same size as the NodeCollection "
                                   f"({len(ids)}), {len(per_node)} given.")
        # group by block so that each block validates all its rows at once
        groups = {}
        devices = []
        for node_id, d in zip(ids, per_node):
            model, block, where = self.network.locate(int(node_id))
            if block is None:
                devices.append((where, d))
            else:
                groups.setdefault(id(block), (block, [], []))
                groups[id(block)][1].append(where)
                groups[id(block)][2].append(d)
        for device, d in devices:  # validate devices on copies first
            probe = type(device)(device.node_id, device.params)
            probe.model = device.model
            probe.set_status(d, self.settings.grid)
        for block, rows, dicts in groups.values():
            block.set_status(rows, dicts, lambda row, b=block: f"Setting status of a '{b.model_names[row]}' "
                                                                f"with node ID {b.ids[row]}")
        for device, d in devices:
            device.set_status(d, self.settings.grid)

    def _split_values(self, ids, params) -> list:
        """One dict per node from a dict of scalars, per-node sequences and random parameters.

        As in PyNEST, a sequence is split over the nodes only for an entry that
        the first node has as a single value (so 'spike_times' stays whole).
        """
        first = self.node_status(ids[:1])[0]
        per_node = [{} for _ in ids]
        for key, value in params.items():
            if is_parameter(value):
                value = value.draw(self.rng, len(ids))
            scalar_entry = key in first and np.ndim(first[key]) == 0 and not isinstance(first[key], str)
            if scalar_entry and isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) > 0:
                if len(value) < len(ids):
                    raise IndexError(f"list index out of range: '{key}' has {len(value)} values for "
                                     f"{len(ids)} nodes")
                for d, v in zip(per_node, value):
                    d[key] = v
            else:
                for d in per_node:
                    d[key] = value
        return per_node

    # -- connections -----------------------------------------------------------------------
    def connect(self, pre, post, conn_spec, syn_spec, same_collection: bool):
        """nest.Connect on id arrays of NodeCollections; all or nothing."""
        if len(pre) == 1 and len(post) == 1 and self._connect_pair(int(pre[0]), int(post[0]), conn_spec, syn_spec):
            return
        net = self.network
        syn_spec = _normalize_syn_spec(syn_spec)
        synapse = net.synapse_model(syn_spec.pop("synapse_model", "static_synapse"))
        conn_spec = normalize_conn_spec(conn_spec)
        _check_synapse_keys(synapse, syn_spec)
        pre, post = np.asarray(pre, np.int64), np.asarray(post, np.int64)
        for ids in (pre, post):
            if len(ids):
                net.locate(int(ids.max()))
        plan = plan_connections(pre, post, conn_spec, self.rng, same_collection=same_collection,
                                requires_symmetric=synapse.requires_symmetric,
                                syn_values={k: v for k, v in syn_spec.items() if k in ("weight", "delay")})
        weight = synapse_values(syn_spec.get("weight", synapse.defaults["weight"]), plan, "weight", self.rng)
        steps = None
        if synapse.has_delay:
            delay = synapse_values(syn_spec.get("delay", synapse.defaults["delay"]), plan, "delay", self.rng)
            steps = self.settings.grid.delay_steps(delay)
        extrema = self._delay_extrema_with(steps, synapse)
        sources, targets = plan.sources, plan.targets
        if plan.make_symmetric:  # NEST meets each pair's reverse connection first
            n = len(sources) // 2
            sources, targets = plan.targets[:n], plan.sources[:n]
        net.check_connectable(sources, targets, synapse)
        net.add_connections(plan.sources, plan.targets, weight, steps, synapse,
                            int(syn_spec.get("receptor_type", 0)))
        self._commit_delay_extrema(extrema, synapse)

    def _connect_pair(self, source, target, conn_spec, syn_spec) -> bool:
        """One neuron to another, the commonest call of scripts that build networks pair by pair
        (gap junctions, say), without the general path's per-call work: its checks of the
        conn_spec and syn_spec are made once per layout of the two (rule and flags, synapse
        model, which of weight and delay are given as numbers) and remembered. Same effect as
        the general path; False, with nothing done, for any other call and any call the
        general path would refuse."""
        key = _pair_key(conn_spec, syn_spec)
        if key is None or source == target:
            return False
        plan = self._pair_plans.get(key)
        if plan is None:
            plan = self._pair_plans[key] = self._pair_plan(conn_spec, syn_spec)
        net = self.network
        if not plan or net.synapse_models.get(plan[0].name) is not plan[0]:
            return False
        synapse, symmetric = plan
        nodes = net.gap_capable() if synapse.kind == "gap" else net.neuron_mask()
        if not (0 < source < len(nodes) and 0 < target < len(nodes) and nodes[source] and nodes[target]):
            return False
        spec = syn_spec if isinstance(syn_spec, dict) else {}
        weight = float(spec.get("weight", synapse.defaults["weight"]))
        steps = None
        if synapse.has_delay:
            steps = self.settings.grid.delay_steps(np.array([float(spec.get("delay", synapse.defaults["delay"]))]))
        extrema = self._delay_extrema_with(steps, synapse)  # BadDelay as the general path raises it
        delay = 0 if steps is None else int(steps[0])
        net.connections.add_one(source, target, weight, delay, synapse.syn_id)
        if symmetric:
            net.connections.add_one(target, source, weight, delay, synapse.syn_id)
        self._commit_delay_extrema(extrema, synapse)
        return True

    def _pair_plan(self, conn_spec, syn_spec):
        """(synapse model, make_symmetric) if a single pair of distinct neurons can be connected
        with these specs by :meth:`_connect_pair`, else False."""
        try:
            spec = _normalize_syn_spec(syn_spec)
            synapse = self.network.synapse_model(spec.pop("synapse_model", "static_synapse"))
            _check_synapse_keys(synapse, spec)
            rule = plan_connections(np.array([1]), np.array([2]), conn_spec, np.random.default_rng(0),
                                    same_collection=False, requires_symmetric=synapse.requires_symmetric,
                                    syn_values=spec).conn_spec  # a throwaway rng: the kernel's is not touched
        except Exception:  # the general path raises it
            return False
        if rule["rule"] not in ("one_to_one", "all_to_all"):
            return False
        return synapse, rule["make_symmetric"]

    def connect_arrays(self, pre, post, syn_spec):
        """PyNEST's connect arrays: pre[i] -> post[i] for every i; weights and delays are arrays
        with one value per pair or left out (model defaults). No symmetry is required."""
        net = self.network
        syn_spec = _normalize_syn_spec(syn_spec)
        synapse = net.synapse_model(syn_spec.pop("synapse_model", "static_synapse"))
        for key in syn_spec:
            if key not in _SYNAPSE_KEYS:
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
        steps = self.settings.grid.delay_steps(values["delay"]) if synapse.has_delay else None
        extrema = self._delay_extrema_with(steps, synapse)
        net.check_connectable(pre, post, synapse)
        net.add_connections(pre, post, values["weight"], steps, synapse, int(syn_spec.get("receptor_type", 0)))
        self._commit_delay_extrema(extrema, synapse)

    def connection_indices(self, source=None, target=None, synapse_model=None) -> np.ndarray:
        """Indices of the selected connections in NEST's order: by synapse model id, then source;
        connections of one source keep their creation order (NEST's may differ there)."""
        src, tgt, weight, delay, syn_id = self.network.connections.arrays()
        keep = np.ones(len(src), bool)
        if source is not None:
            keep &= np.isin(src, np.asarray(source, np.int64))
        if target is not None:
            keep &= np.isin(tgt, np.asarray(target, np.int64))
        if synapse_model is not None:
            keep &= syn_id == self.network.synapse_model(synapse_model).syn_id
        index = np.nonzero(keep)[0]
        return index[np.lexsort((index, src[index], syn_id[index]))]

    def set_connection_status(self, index, params: dict):
        """Set 'weight' and/or 'delay' (ms) of the connections ``index``; values are numbers or
        sequences with one value per connection (entries beyond the last are ignored)."""
        net = self.network
        source, target, weight, delay, syn_id = net.connections.arrays()
        values = {}
        for key, value in params.items():
            if key not in ("weight", "delay"):
                raise UnaccessedDictionaryEntry(f"Unaccessed elements in params, in function connection.set(): "
                                                f" {key} (settable: weight, delay)")
            if is_parameter(value):
                value = value.draw(self.rng, len(index))
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
            steps = self.settings.grid.delay_steps(values["delay"])
            self._commit_delay_extrema(self._delay_extrema_with(steps, None), None)
            net.connections.set_delays(index, steps)
        if "weight" in values:
            net.connections.set_weights(index, values["weight"])

    # -- NEST's delay checker ------------------------------------------------------------------
    def _delay_extrema_with(self, steps, synapse):
        """The delay extrema (steps) after registering delays ``steps`` (or, for a ``synapse``
        without delay, its first use), None if they do not change, or BadDelay as NEST raises
        it; nothing is changed."""
        s, e = self.settings, self.engine
        h = s.resolution
        if steps is None and (synapse is None or synapse.default_delay_checked):
            return None
        if steps is None:
            # a model without delay registers wfr_comm_interval once (the resolution without WFR)
            try:
                return self._delay_extrema_with(s.grid.delay_steps(np.array([s.wfr_comm_interval])), None)
            except BadDelay:
                low, high = e.delay_extrema()
                raise bad_delay(1.0, f"Default delay of '{synapse.name}' must be between min_delay "
                                     f"{low * h:g} and max_delay {high * h:g}.") from None
        steps = np.asarray(steps, np.int64)
        if not len(steps):
            return None
        known = s.delay_extrema_steps()
        checks = [(steps < 1, "Delay must be greater than or equal to resolution")]
        if e.simulated:
            checks.append(((steps < e.min_delay) | (steps > e.max_delay),
                           "Minimum and maximum delay cannot be changed after Simulate has been called."))
        if s.user_delay_extrema:
            checks.append((steps < known[0], "Delay must be greater than or equal to min_delay. "
                                             "You may set min_delay before creating connections."))
            checks.append((steps > known[1], "Delay must be smaller than or equal to max_delay. "
                                             "You may set min_delay before creating connections."))
        bad = np.logical_or.reduce([mask for mask, _ in checks])
        if bad.any():
            i = int(np.argmax(bad))
            raise bad_delay(steps[i] * h, next(text for mask, text in checks if mask[i]))
        low, high = int(steps.min()), int(steps.max())
        return (low, high) if known is None else (min(low, known[0]), max(high, known[1]))

    def _commit_delay_extrema(self, extrema, synapse):
        if extrema is not None:
            self.settings.set_delay_extrema_steps(*extrema)
        if synapse is not None and not synapse.has_delay:
            synapse.default_delay_checked = True

    # -- simulation ---------------------------------------------------------------------------
    def simulate(self, t_ms: float):
        self.engine.simulate(float(t_ms))


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
        if key != "synapse_model" and (key not in ("weight", "delay") or type(value) not in (int, float)):
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


def _check_synapse_keys(synapse, syn_spec):
    """NEST's checks of the syn_spec entries besides the model name."""
    if "delay" in syn_spec and not synapse.has_delay:
        raise BadProperty(f"{synapse.base} connection has no delay")
    unknown = [k for k in syn_spec if k not in _SYNAPSE_KEYS]
    if unknown:
        raise UnaccessedDictionaryEntry("Unaccessed elements in syn_spec, in function Connect: "
                                        + "".join(" " + k for k in unknown)
                                        + f" ({synapse.name} has: {', '.join(_SYNAPSE_KEYS)})")
    for key in ("weight", "delay"):
        value = syn_spec.get(key)
        if isinstance(value, (str, bool, np.bool_)):
            kind = "std::string" if isinstance(value, str) else "bool"
            raise BadProperty(f"Cannot handle parameter type. Received {kind}")
    receptor = syn_spec.get("receptor_type", 0)
    if not isinstance(receptor, (int, np.integer)) or isinstance(receptor, (bool, np.bool_)):
        raise TypeMismatch(f"receptor_type must be an integer, got {receptor!r}")

