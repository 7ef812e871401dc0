"""The simulation kernel: settings, network and engine behind one object.

The PyNEST face (:mod:`nestgap.pynest`) is a thin layer over this class. All
randomness (random parameters, connection rules, Poisson generators) comes
from one numpy generator seeded with ``rng_seed``, drawn in call order, so a
script gives the same result for any number of threads or virtual processes
(NEST's results depend on the number of virtual processes; nestgap's do not).
"""

import numpy as np

from ..exceptions import BadDelay, BadProperty, IllegalConnection, KernelException
from ..random import is_parameter, set_default_rng
from .connection_rules import normalize_conn_spec, plan_connections, synapse_values
from .engine import Engine
from .network import Network
from .settings import KernelSettings


class Kernel:
    def __init__(self):
        self.reset()

    def reset(self):
        self.settings = KernelSettings()
        self.network = Network(self.settings)
        self.engine = Engine(self.network, self.settings)
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
            wfr_max_iterations_reached=e.wfr_max_reached, node_models=[m for m in net.model_names()
                                                                      if net.device_class(m) is None],
            synapse_models=sorted(net.synapse_models), prepared=False, to_do=0)
        return status

    def set_status(self, params: dict):
        s = self.settings
        new = s.updated(params, nodes_exist=self.network.size > 0,
                        connections_exist=len(self.network.connections) > 0, simulated=self.engine.simulated)
        seed_changed = new.rng_seed != s.rng_seed or "rng_seed" in params
        s.__dict__.update(new.__dict__)
        if seed_changed:
            self.engine.rng = np.random.Generator(np.random.PCG64(s.rng_seed))
            set_default_rng(self.engine.rng)

    # -- nodes ---------------------------------------------------------------------------
    def create(self, model: str, n: int, params=None) -> np.ndarray:
        if int(n) != n or n < 1:
            raise BadProperty(f"Create: the number of nodes must be a positive integer, got {n!r}.")
        net = self.network
        if net.device_class(model) is None:
            net.neuron_model(model)  # raises UnknownModelName with the list of models
        ids = net.create(model, int(n))
        if params:
            try:
                self.set_node_status(ids, params)
            except Exception:
                self._forget_last_create()
                raise
        return ids

    def _forget_last_create(self):
        """Undo the most recent create() (its status could not be set)."""
        net = self.network
        first, n, model_name, block = net._ranges.pop()
        net._range_starts.pop()
        if block is None:
            for node_id in range(first, first + n):
                del net.devices[node_id]
        else:
            keep = len(block) - n
            block.ids, block.uses_wfr = block.ids[:keep], block.uses_wfr[:keep]
            block.model_names = block.model_names[:keep]
            for name in ("P", "Y", "AUX", "INT", "t_spike"):
                setattr(block, name, getattr(block, name)[:keep])
        net.structure_version += 1

    def node_status(self, ids, keys=None) -> list:
        result = []
        for node_id in ids:
            model, block, where = self.network.locate(int(node_id))
            if block is None:
                status = where.status()
                if hasattr(where, "events"):
                    status["events"] = where.events(self.settings.grid)
            else:
                status = block.get_status(where, self.network.neuron_models[model])
            result.append(status if keys is None else {k: _lookup(status, k, node_id) for k in keys})
        return result

    def node_values(self, ids, key):
        """Fast path: one entry for many nodes of one block (e.g. ``neurons.V_m``)."""
        ids = np.asarray(ids, np.int64)
        for block in self.network.blocks.values():
            if len(ids) and ids[0] in block.ids and np.all(np.isin(ids, block.ids)):
                values = block.get_values(np.searchsorted(block.ids, ids), key)
                if values is not None:
                    return values
        return [s[key] for s in self.node_status(ids, [key])]

    def set_node_status(self, ids, params):
        """``params``: one dict for all nodes, or a list with one dict per node.

        Values may be scalars, sequences with one entry per node, or random
        parameters (drawn here, one value per node, in node order). All or nothing.
        """
        ids = np.asarray(ids, np.int64)
        if isinstance(params, dict):
            per_node = [{} for _ in ids]
            for key, value in params.items():
                if is_parameter(value):
                    value = value.draw(self.rng, len(ids))
                if isinstance(value, (list, tuple, np.ndarray)) and not _is_vector_entry(key):
                    if len(value) != len(ids):
                        raise BadProperty(f"SetStatus: '{key}' has {len(value)} values for {len(ids)} nodes.")
                    for d, v in zip(per_node, value):
                        d[key] = v
                else:
                    for d in per_node:
                        d[key] = value
        else:
            per_node = list(params)
            if len(per_node) != len(ids):
                raise BadProperty(f"SetStatus: {len(per_node)} dictionaries for {len(ids)} nodes.")
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
        staged = []
        for device, d in devices:  # validate devices on copies first
            probe = type(device)(device.node_id, device.params)
            probe.model = device.model
            probe.set_status(d, self.settings.grid)
            staged.append((device, probe.params))
        for block, rows, dicts in groups.values():
            block.set_status(rows, dicts, lambda row, b=block: f"Setting status of a '{b.model_names[row]}' "
                                                                f"with node ID {b.ids[row]}")
        for device, d in zip([d for d, _ in devices], [d for _, d in devices]):
            device.set_status(d, self.settings.grid)

    # -- connections -----------------------------------------------------------------------
    def connect(self, pre, post, conn_spec, syn_spec, same_collection: bool):
        """nest.Connect on id arrays; returns the slice of new connection indices."""
        net = self.network
        syn_spec = _normalize_syn_spec(syn_spec)
        synapse = net.synapse_model(syn_spec.pop("synapse_model", "static_synapse"))
        conn_spec = normalize_conn_spec(conn_spec)
        if "delay" in syn_spec and not synapse.has_delay:
            raise BadProperty(f"{synapse.name} connection has no delay")
        unknown = set(syn_spec) - {"weight", "delay", "receptor_type"}
        if unknown:
            raise BadProperty(f"Connect: unknown synapse parameter(s) {', '.join(sorted(unknown))} for "
                              f"{synapse.name}; valid: weight, delay, receptor_type")
        pre, post = np.asarray(pre, np.int64), np.asarray(post, np.int64)
        for ids in (pre, post):
            if len(ids):
                net.locate(int(ids.max()))
        net.check_connectable(pre, post, synapse)
        plan = plan_connections(pre, post, conn_spec, self.rng, same_collection=same_collection,
                                requires_symmetric=synapse.requires_symmetric,
                                syn_values={k: v for k, v in syn_spec.items() if k in ("weight", "delay")})
        weight = synapse_values(syn_spec.get("weight", synapse.defaults["weight"]), plan, "weight", self.rng)
        delay = synapse_values(syn_spec.get("delay", synapse.defaults.get("delay", 1.0)), plan, "delay",
                               self.rng) if synapse.has_delay else None
        if synapse.has_delay and self.engine.simulated:
            steps = self.settings.grid.delay_steps(delay)
            if np.any(steps < self.engine.min_delay):
                raise BadDelay(f"Delay must be at least min_delay ({self.engine.min_delay} steps), which is "
                               "fixed once the network has been simulated.")
        if len(plan.sources) and net.kinds([plan.sources[0]])[0] == "recorder" and \
                net.kinds([plan.targets[0]])[0] == "recorder":
            raise IllegalConnection("Recorders cannot be connected to each other.")
        first = len(net.connections)
        net.add_connections(plan.sources, plan.targets, weight, delay, synapse,
                            int(syn_spec.get("receptor_type", 0)))
        return first, len(net.connections)

    def connect_arrays(self, pre, post, syn_spec):
        """PyNEST's connect arrays: pre[i] -> post[i] for every i, values scalar or per pair."""
        net = self.network
        syn_spec = _normalize_syn_spec(syn_spec)
        synapse = net.synapse_model(syn_spec.pop("synapse_model", "static_synapse"))
        if synapse.requires_symmetric:
            raise BadProperty(f"{synapse.name} connections cannot be created from arrays of node IDs "
                              "(make_symmetric is not available there).")
        for ids in (pre, post):
            if len(ids):
                net.locate(int(ids.max()))
                net.locate(int(ids.min()))
        net.check_connectable(pre, post, synapse)
        values = {}
        for key in ("weight", "delay"):
            value = syn_spec.get(key, synapse.defaults[key])
            if is_parameter(value):
                value = value.draw(self.rng, len(pre))
            value = np.asarray(value, np.float64)
            if value.ndim and len(value) != len(pre):
                raise BadProperty(f"Connect: '{key}' has {len(value)} values for {len(pre)} connections.")
            values[key] = np.broadcast_to(value, (len(pre),))
        net.add_connections(pre, post, values["weight"], values["delay"], synapse,
                            int(syn_spec.get("receptor_type", 0)))

    def connection_indices(self, source=None, target=None, synapse_model=None) -> np.ndarray:
        src, tgt, weight, delay, syn_id = self.network.connections.arrays()
        keep = np.ones(len(src), bool)
        if source is not None:
            keep &= np.isin(src, np.asarray(source, np.int64))
        if target is not None:
            keep &= np.isin(tgt, np.asarray(target, np.int64))
        if synapse_model is not None:
            keep &= syn_id == self.network.synapse_model(synapse_model).syn_id
        return np.nonzero(keep)[0]

    # -- simulation ---------------------------------------------------------------------------
    def simulate(self, t_ms: float):
        self.engine.simulate(float(t_ms))


def _normalize_syn_spec(syn_spec) -> dict:
    if syn_spec is None:
        return {}
    if isinstance(syn_spec, str):
        return {"synapse_model": syn_spec}
    if not isinstance(syn_spec, dict):
        raise BadProperty(f"syn_spec must be a dict or a synapse model name, got {type(syn_spec).__name__}.")
    return dict(syn_spec)


def _is_vector_entry(key) -> bool:
    return key in ("spike_times", "spike_weights", "spike_multiplicities", "record_from")


def _lookup(status, key, node_id):
    if key not in status:
        raise KernelException(f"Node {node_id} has no entry '{key}'; its entries are: "
                              f"{', '.join(sorted(status))}")
    return status[key]
