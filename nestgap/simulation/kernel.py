"""The simulation kernel: what the PyNEST face asks of nestgap, in one object.

It holds the kernel settings, the network (models, nodes, connections), the
delay checker, the connector and the engine, and answers the face's requests
(status of the kernel, of nodes, of models and connections; Create, Connect,
Simulate). The face never reaches behind it.

All randomness (random parameters, connection rules, Poisson generators)
comes from NEST's random streams (:mod:`nestgap.rng`: the rank-synced, vp-synced
and vp-specific streams of ``rng_type``, ``rng_seed`` and the number of
virtual processes), drawn by whom and in the order NEST draws them, so a script
gives NEST's numbers for any number of virtual processes.

Requests are all or nothing: a Create whose parameters are refused leaves
its nodes at their defaults, a refused Connect creates no connection, a
refused SetStatus changes no node (NEST applies what it processed before the
failing entry, node or connection).
"""

import copy
from pathlib import Path

import numpy as np

from ..exceptions import (BadParameter, BadParameterValue, BadProperty, NotImplemented, UnknownComponent,
                          UnknownModelName)
from ..random import is_parameter
from ..rng import RandomStreams, draws
from .connection_rules import RULES
from .connector import Connector
from .delay_checker import DelayChecker
from .engine import Engine
from .network import Network
from .settings import KernelSettings


class Kernel:
    """``models``: the registry of model files (:class:`nestgap.model_registry.ModelRegistry`);
    it outlives :meth:`reset`, as NEST's installed modules outlive ResetKernel."""

    def __init__(self, models):
        self.models = models
        self.reset()

    def reset(self):
        self.settings = KernelSettings()
        self.network = Network(self.settings, self.models)
        self.delays = DelayChecker(self.settings)
        self._new_streams()
        self.engine = Engine(self.network, self.settings, self.delays, lambda: self.streams)
        self.connector = Connector(self.network, self.delays, lambda: self.streams)

    def _new_streams(self):
        """NEST's re-initialisation of every random stream (after a change of seed, type or VPs)."""
        s = self.settings
        self.streams = RandomStreams(s.rng_type, s.rng_seed, s.total_num_virtual_procs)

    def parameter_value(self, parameter) -> float:
        """Parameter.GetValue(): one value from the rank-synced stream."""
        return draws.get_value(parameter, self.streams)

    # -- kernel status -----------------------------------------------------------------
    def get_status(self) -> dict:
        s, e, net = self.settings, self.engine, self.network
        low, high = self.delays.extrema()
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
        reseed = ("rng_seed" in params or "rng_type" in params
                  or new.total_num_virtual_procs != s.total_num_virtual_procs)
        s.__dict__.update(new.__dict__)
        if reseed:
            self._new_streams()
        if "biological_time" in params:
            e.clock, e.frm = 0, 0

    # -- models --------------------------------------------------------------------------
    def install(self, model_file) -> str:
        """Make a model file's folder searched for models; returns the model name (the file's stem)."""
        self.models.add_folder(Path(model_file).resolve().parent)
        return Path(model_file).stem

    def model_names(self, mtype="all") -> list:
        """Names of the node models ("nodes"), synapse models ("synapses") or both ("all")."""
        names = []
        if mtype in ("all", "nodes"):
            names += self.network.model_names()
        if mtype in ("all", "synapses"):
            names += sorted(self.network.synapse_models)
        return names

    def is_model(self, name) -> bool:
        net = self.network
        return name in net.synapse_models or net.is_neuron_model(name) or net.device_class(name) is not None

    def model_defaults(self, name) -> dict:
        """GetDefaults: the status a new node (or connection) of model ``name`` would have."""
        net = self.network
        if name in net.synapse_models:
            synapse = net.synapse_models[name]
            status = synapse.status()
            status["num_connections"] = int(np.sum(net.connections.arrays()[4] == synapse.syn_id))
            return status
        if net.device_class(name) is not None:
            status = net.device_class(name)(0, net.device_defaults.get(name, {})).status()
            return {**status, **self._node_extras(0, device=True), "model": name}
        if net.is_neuron_model(name):
            neuron = net.neuron_model(name)
            return {**neuron.defaults(), **self._node_extras(0), "node_uses_wfr": neuron.supports_gap_junctions,
                    "t_spike": -1.0}
        raise UnknownComponent(f"{name} is not a known component.")

    def set_defaults(self, name, params):
        if not self.is_model(name):
            raise UnknownComponent(f"{name} is not a known component.")
        self.network.set_defaults(name, params)

    def copy_model(self, existing, new, params=None):
        if not self.is_model(existing):
            raise UnknownModelName(f"{existing} is not a known model name.")
        self.network.copy_model(existing, new, params)

    # -- nodes ---------------------------------------------------------------------------
    @property
    def network_size(self) -> int:
        return self.network.size

    def model_names_of(self, ids) -> np.ndarray:
        return self.network.model_names_of(ids)

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

    def _node_extras(self, node_id, device=False) -> dict:
        """What every node's status has besides its model's entries (node 0: a model's defaults).
        A neuron lives on virtual process node_id % n_vp (its thread, in one process); a device
        has a replica on every thread and reports the first."""
        vp = -1 if node_id == 0 else 0 if device else node_id % self.settings.total_num_virtual_procs
        extras = {"global_id": node_id, "local": True, "frozen": False, "thread": vp, "vp": vp}
        if device:
            extras["node_uses_wfr"] = False
        return extras

    def node_status(self, ids, keys=None) -> list:
        """Status dicts of the nodes ``ids`` (all entries, or only ``keys`` that a node has)."""
        result = []
        grid = self.settings.grid
        for node_id in ids:
            model, block, where = self.network.locate(int(node_id))
            if block is None:
                status = where.status()
                if hasattr(where, "events"):
                    status["events"] = where.events(grid, self.settings.total_num_virtual_procs)
            else:
                status = block.get_status(where, self.network.neuron_models[model])
            status.update(self._node_extras(int(node_id), device=block is None))
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
            probe = copy.copy(device)
            probe.params = dict(device.params)
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
        drawn = self._random_values(ids, {k: v for k, v in params.items() if is_parameter(v)})
        for key, value in params.items():
            value = drawn.get(key, value)
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

    def _random_values(self, ids, random) -> dict:
        """Random entries {key: Parameter} of a status dict for the nodes ``ids``, drawn as NEST's
        set_nc_status draws them: node by node, each from its VP's stream, the entries in the
        order the model reads them (docs/nest_randomness.md). Returns {key: one value per node}."""
        if not random:
            return {}
        net = self.network
        model, block, where = net.locate(int(ids[0]))
        # NEST's models read their parameters, then their state (a NESTML model: in declaration order)
        order = (net.neuron_models[model].parameters + net.neuron_models[model].state if block is not None
                 else list(where.defaults))
        entries = sorted(random.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
        is_device = ~net.neuron_mask()[ids]
        n_vp = self.streams.n_vp
        if is_device.any() and n_vp > 1:
            raise NotImplemented(f"{model}: random parameters of devices with more than one virtual process "
                                 "(NEST gives each thread's instance its own value) are not supported by nestgap")
        values = draws.node_values(ids, entries, self.streams, is_device)
        column = np.where(is_device, 0, draws.node_vp(ids, n_vp))
        return {key: v[np.arange(len(ids)), column] for key, v in values.items()}

    # -- connections -----------------------------------------------------------------------
    def connect(self, pre, post, conn_spec, syn_spec, same_collection: bool):
        self.connector.connect(pre, post, conn_spec, syn_spec, same_collection)

    def connect_pair(self, source: int, target: int, conn_spec, syn_spec) -> bool:
        """Connect one neuron to another if the specs allow the single-pair path; False (nothing
        done) otherwise, and the caller takes the general path."""
        return self.connector.connect_pair(source, target, conn_spec, syn_spec)

    def connect_arrays(self, pre, post, syn_spec):
        self.connector.connect_arrays(pre, post, syn_spec)

    def set_connection_status(self, index, params: dict):
        self.connector.set_status(index, params)

    def connection_indices(self, source=None, target=None, synapse_model=None) -> np.ndarray:
        """Indices of the selected connections in NEST's order (docs/nest_vp_structure.md 5.1): by
        synapse model id, then thread (NEST's thread order varies from call to call; nestgap's is
        0, 1, ...); in a thread, the connector (between neurons, by position), then the connections
        to devices (by source) and from devices (by device), each source's in creation order; with
        ``target``, the connections from devices before those to devices, by target."""
        net = self.network
        if net.connectors is None or net.connections_changed:
            net.update_connection_infrastructure()
        src, tgt, weight, delay, syn_id, _ = net.connections.arrays()
        n_vp = net.connectors.n_vp
        lcid = net.connectors.lcid
        keep = np.ones(len(src), bool)
        if source is not None:
            keep &= np.isin(src, np.asarray(source, np.int64))
        if target is not None:
            keep &= np.isin(tgt, np.asarray(target, np.int64))
        if synapse_model is not None:
            keep &= syn_id == net.synapse_model(synapse_model).syn_id
        index = np.flatnonzero(keep)
        s, t, c = src[index], tgt[index], lcid[index]
        neuron = net.neuron_mask()
        to_device = ~neuron[t]
        thread = np.where(to_device, s, t) % n_vp
        part = np.where(c >= 0, 0, np.where(to_device, 1, 2))
        if target is not None:  # per target: from devices, then to devices
            part = np.where(part == 0, 0, 3 - part)
            by = np.where(part == 0, c, t)
        else:
            by = np.where(part == 0, c, s)
        if source is not None and target is None:
            part = np.minimum(part, 1)  # per source: to and from devices together
        return index[np.lexsort((index, by, part, thread, syn_id[index]))]

    def connection_column(self, index, key) -> list:
        """One parameter of the connections ``index``, as NEST reports it."""
        net = self.network
        source, target, weight, delay, syn_id, rport = net.connections.arrays()
        if key == "source":
            return source[index].tolist()
        if key == "target":
            return target[index].tolist()
        if key == "weight":
            return weight[index].tolist()
        if key == "delay":  # NEST reports steps * resolution, and 1.0 for models without delay
            without = [m.syn_id for m in net.synapse_models.values() if not m.has_delay]
            ms = delay[index] * self.settings.resolution
            return np.where(np.isin(syn_id[index], without), 1.0, ms).tolist()
        if key == "synapse_model":
            names = {m.syn_id: m.name for m in net.synapse_models.values()}
            return [names[int(v)] for v in syn_id[index]]
        if key == "synapse_id":
            return syn_id[index].tolist()
        if key in ("port", "target_thread"):
            return self._connection_places(index)[key == "port"].tolist()
        if key == "receptor":
            return rport[index].tolist()
        if key == "sizeof":  # bytes of a static_synapse or gap_junction connection in NEST
            return [32] * len(index)
        raise KeyError(key)

    def _connection_places(self, index):
        """(thread, port) of the connections ``index``: a connection between neurons is in the
        connector of its target's thread, at its position there; one to a device on its source's
        thread, one from a device on its target's thread, each numbered among the connections of
        that source on that thread, in creation order (docs/nest_vp_structure.md 2.3, 2.4)."""
        net = self.network
        self.connection_indices()  # places new connections into their connectors, as NEST
        source, target, _, _, syn_id, _ = net.connections.arrays()
        lcid = net.connectors.lcid
        n_vp = net.connectors.n_vp
        to_device = ~net.neuron_mask()[target]
        thread = np.where(to_device, source, target) % n_vp
        port = lcid.copy()
        others = np.flatnonzero(lcid < 0)
        key = (source[others] * n_vp + thread[others]) * (int(syn_id.max(initial=0)) + 1) + syn_id[others]
        order = np.argsort(key, kind="stable")
        first = np.searchsorted(key[order], key[order])
        port[others[order]] = np.arange(len(order)) - first
        return thread[index], port[index]

    # -- simulation ---------------------------------------------------------------------------
    def simulate(self, t_ms: float):
        self.engine.simulate(float(t_ms))
