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
import math
import os
from pathlib import Path

import numpy as np

from ..exceptions import (BadParameter, BadParameterValue, BadProperty, KernelException, NotImplemented,
                          UnknownComponent, UnknownModelName, check_convertible)
from ..random import is_parameter
from ..rng import RandomStreams, draws
from .connection_rules import RULES, pynest_checks
from .connector import Connector
from .delay_checker import DelayChecker
from .engine import Engine
from .network import MAX_NUM_SYN_MODELS, Network
from ..version import __version__
from .settings import KernelSettings


#: PyNEST's ``build_info``: what this simulator offers, in NEST's words. ``version`` is the NEST
#: release whose behaviour nestgap reproduces; threads and GSL's integrators are reproduced
#: (docs/step_control.md), MPI, HDF5, MUSIC, SIONlib and libneurosim are not there.
BUILD_INFO = {"version": "3.10.0", "nestgap_version": __version__, "have_threads": True, "have_gsl": True,
              "have_boost": True, "have_mpi": False, "have_hdf5": False, "have_music": False,
              "have_sionlib": False, "have_libneurosim": False, "threads_model": "python", "ndebug": True}

def _memory_kib() -> int:
    """The process's resident memory in KiB (NEST's ``memory_size``)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


#: value types that PyNEST converts as they are (no arrays, nothing to refuse)
_PLAIN = (int, float, str, bool)


#: NEST's refusal of a recorder's status change between Prepare and Cleanup (generators may change)
_RECORDER_IN_CONTEXT = "Recorder parameters cannot be changed while inside a Prepare/Run/Cleanup context."


def _iterable(value) -> bool:
    """PyNEST's test whether a status value holds one value per node."""
    return isinstance(value, (list, tuple, str, dict)) or (isinstance(value, np.ndarray) and value.ndim > 0)


class Kernel:
    """``models``: the registry of model files (:class:`nestgap.model_registry.ModelRegistry`);
    it outlives :meth:`reset`, as NEST's installed modules outlive ResetKernel."""

    def __init__(self, models):
        self.models = models
        self.reset()

    def reset(self):
        self.prepared = False  # between Prepare and Cleanup
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
            synapse_models=sorted(net.synapse_models), connection_rules=list(RULES), prepared=self.prepared,
            to_do=0, build_info=dict(BUILD_INFO), max_num_syn_models=MAX_NUM_SYN_MODELS, memory_size=_memory_kib(),
            recording_backends=["memory"],
            # NEST's log of its MPI spike buffer resizing: nestgap exchanges no buffers, so it stays empty
            spike_buffer_resize_log={k: np.zeros(0) for k in ("global_max_spikes_sent", "new_buffer_size", "times")})
        return status

    def set_status(self, params: dict):
        """SetKernelStatus with settable entries; ``biological_time = 0`` restarts the clock at 0."""
        s, e = self.settings, self.engine
        check_convertible(params)
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
            return {**status, **self._node_extras(0, device=True), "model_id": net.model_id(name),
                    **net.device_extras.get(name, {}), "model": name}
        if net.is_neuron_model(name):
            neuron = net.neuron_model(name)
            return {**neuron.defaults(), **self._node_extras(0), "node_uses_wfr": neuron.supports_gap_junctions,
                    "t_spike": -1.0, "model_id": net.model_id(name)}
        raise UnknownComponent(f"{name} is not a known component.")

    def set_defaults(self, name, params):
        if not self.is_model(name):
            raise UnknownComponent(f"{name} is not a known component.")
        check_convertible(params)
        device = self.network.device_class(name)
        if device is not None and device.element_type == "recorder" and self.prepared:
            raise BadProperty(f"Setting status of model '{name}': {_RECORDER_IN_CONTEXT}")
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
        result, model_ids = [], {}  # a model's id is looked up once (it reads the model folders)
        grid = self.settings.grid
        for node_id in ids:
            model, block, where = self.network.locate(int(node_id))
            if model not in model_ids:
                model_ids[model] = self.network.model_id(model)
            if block is None:
                status = where.status()
                if hasattr(where, "events"):
                    status["events"] = where.events(grid, self.settings.total_num_virtual_procs)
            else:
                status = block.get_status(where, self.network.neuron_models[model])
            status.update(self._node_extras(int(node_id), device=block is None),
                          model_id=model_ids[model])
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
        for d in per_node:
            if not isinstance(d, dict):
                raise TypeError(f"a status must be a dict, not {type(d).__name__}")
            check_convertible(d)
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
        probes = []
        for device, d in devices:  # validate devices on copies first
            if device.element_type == "recorder" and self.prepared:
                raise BadProperty(f"{device.name}: {_RECORDER_IN_CONTEXT}")
            if "time_in_steps" in d and device.element_type == "recorder" and self.engine.simulated:
                raise BadProperty(f"{device.name}: Property time_in_steps cannot be set after Simulate has been "
                                  "called.")
            device.now = self.engine.time_steps
            probe = copy.copy(device)
            probe.params = dict(device.params)
            probe.set_status(d, self.settings.grid)
            probes.append(probe)
        for block, rows, dicts in groups.values():
            block.set_status(rows, dicts, lambda row, b=block: f"Setting status of a '{b.model_names[row]}' "
                                                                f"with node ID {b.ids[row]}")
        for (device, _), probe in zip(devices, probes):  # every status was valid: the devices become their probes
            vars(device).update(vars(probe))

    def _split_values(self, ids, params) -> list:
        """One dict per node from a dict of scalars, per-node sequences and random parameters.

        As PyNEST: if some entry that the first node has as a single value is given
        an iterable (a list, array, string or dict), every iterable entry is split over
        the nodes (value[i] for node i; a too short one is an IndexError, a dict a
        KeyError); otherwise every value goes to every node (so 'spike_times' stays whole).
        """
        first = self.node_status(ids[:1])[0]
        # a random parameter is no iterable to PyNEST: it is drawn per node whether or not others split
        split = any(_iterable(value) and key in first and not _iterable(first[key]) for key, value in params.items())
        drawn = self._random_values(ids, {k: v for k, v in params.items() if is_parameter(v)})
        per_node = [{} for _ in ids]
        for key, value in params.items():
            for i, d in enumerate(per_node):
                if key in drawn:
                    d[key] = drawn[key][i]
                    continue
                if not (split and _iterable(value)):
                    d[key] = value
                    continue
                try:
                    d[key] = value[i]
                except (IndexError, KeyError) as error:
                    raise type(error)(f"'{key}' has no value for node {i} of {len(ids)} ({error})") from None
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
        """PyNEST's checks of the specifications come first (arrays, spatial rules, conversion;
        docs/pynest_semantics.md 7.4): needed only where a value is not a plain number or string
        (the connector checks the spatial rules in its turn). NEST takes a NaN weight or delay
        for "not given": the model's default."""
        if isinstance(syn_spec, dict):
            specs = (syn_spec, conn_spec) if isinstance(conn_spec, dict) else (syn_spec,)
            if not all(type(v) in _PLAIN for spec in specs for v in spec.values()):
                pynest_checks(conn_spec, {k: v for k, v in syn_spec.items()
                                          if k in ("weight", "delay", "receptor_type")}, len(pre), len(post))
                for spec in specs:
                    check_convertible(spec)
            if any(v != v for k, v in syn_spec.items() if k in ("weight", "delay") and isinstance(v, float)):
                syn_spec = {k: v for k, v in syn_spec.items()
                            if not (k in ("weight", "delay") and isinstance(v, float) and math.isnan(v))}
        elif isinstance(conn_spec, dict):
            check_convertible(conn_spec)
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
        neuron = net.neuron_mask()
        if target is not None:  # NEST leaves out connections between two devices when targets are given
            keep &= neuron[src] | neuron[tgt]
        index = np.flatnonzero(keep)
        s, t, c = src[index], tgt[index], lcid[index]
        to_device = ~neuron[t]
        thread = np.where(to_device & neuron[s], s, t) % n_vp  # device to device: the target's thread
        part = np.where(c >= 0, 0, np.where(to_device & neuron[s], 1, 2))  # device to device: from a device
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
            return self._receptors(index).tolist()
        if key == "sizeof":  # bytes of a static_synapse or gap_junction connection in NEST
            return [32] * len(index)
        raise KeyError(key)

    def _receptors(self, index):
        """The receptor port of the connections ``index``: the rport the target gave the connection
        (docs/models.md, spike ports and receptor types), but a multimeter's (or voltmeter's)
        connection to a neuron gets the next port of that neuron's data logger, 1, 2, ..., in the
        order the samplers were connected (NEST's data logger)."""
        net = self.network
        source, target, *_, rport = net.connections.arrays()
        ports = rport.astype(np.int64)
        sampler_ids = [node_id for node_id, device in net.devices.items() if device.role == "sampler"]
        rows = np.flatnonzero(np.isin(source, np.asarray(sampler_ids, np.int64)))
        for t in np.unique(target[rows]):
            mine = rows[target[rows] == t]
            ports[mine] = np.arange(1, len(mine) + 1)
        return ports[index]

    def _connection_places(self, index):
        """(thread, port) of the connections ``index``: a connection between neurons is in the
        connector of its target's thread, at its position there; one from a neuron to a device on its
        source's thread, one from a device on its target's thread, each numbered among the connections of
        that source on that thread, in creation order (docs/nest_vp_structure.md 2.3, 2.4)."""
        net = self.network
        self.connection_indices()  # places new connections into their connectors, as NEST
        source, target, _, _, syn_id, _ = net.connections.arrays()
        lcid = net.connectors.lcid
        n_vp = net.connectors.n_vp
        neuron = net.neuron_mask()
        to_device = ~neuron[target]
        thread = np.where(to_device & neuron[source], source, target) % n_vp  # device to device: the target's
        port = lcid.copy()
        others = np.flatnonzero(lcid < 0)
        key = (source[others] * n_vp + thread[others]) * (int(syn_id.max(initial=0)) + 1) + syn_id[others]
        order = np.argsort(key, kind="stable")
        first = np.searchsorted(key[order], key[order])
        port[others[order]] = np.arange(len(order)) - first
        return thread[index], port[index]

    # -- simulation ---------------------------------------------------------------------------
    def simulate(self, t_ms: float):
        """Prepare, run ``t_ms`` and clean up (not allowed between Prepare and Cleanup)."""
        if self.prepared:
            raise KernelException("Prepare called twice.")
        self.engine.simulate(float(t_ms))

    def prepare(self):
        """NEST's Prepare: freeze the delays and build what a run needs; Run may follow."""
        if self.prepared:
            raise KernelException("Prepare called twice.")
        self.engine.prepare()
        self.prepared = True

    def run(self, t_ms: float):
        """NEST's Run: advance ``t_ms`` ms after Prepare (several Runs make one Simulate)."""
        if not self.prepared:
            raise KernelException("Run called without calling Prepare.")
        self.engine.simulate(float(t_ms))

    def cleanup(self):
        """NEST's Cleanup: end what Prepare began."""
        if not self.prepared:
            raise KernelException("Cleanup called without calling Prepare.")
        self.prepared = False
