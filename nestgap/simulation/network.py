"""The network: models, nodes and connections, as the simulation engine reads them.

Node ids are 1-based and consecutive in creation order. Neurons are rows of a
:class:`~nestgap.simulation.neurons.NeuronBlock` (one block per generated
kernel); devices are small Python objects. Connections are rows of one
:class:`~nestgap.simulation.synapses.ConnectionTable`.
"""

from bisect import bisect_right

import numpy as np

from ..exceptions import (IllegalConnection, KernelException, NewModelNameExists, UnknownModelName, UnknownNode,
                          UnknownReceptorType, UnknownSynapseType, bad_delay)
from .connectors import Connectors
from .devices import GENERATORS
from .neurons import NeuronBlock, NeuronModel
from .recorders import RECORDERS
from .synapses import FIRST_COPY_ID, ConnectionTable, SynapseModel, as_real, builtin_synapse_models

_NOT_POSSIBLE = "Creation of connection is not possible because:\n"
#: NEST's limit on the number of synapse models, built-in ones and copies (``max_num_syn_models``)
MAX_NUM_SYN_MODELS = 511


class Network:
    """Nodes, models and connections. ``models`` is the registry that finds model files and
    gives their kernels (``names()``, ``kernel(name)``; :mod:`nestgap.model_registry`)."""

    def __init__(self, settings, models):
        self.settings = settings
        self.models = models
        self.neuron_models = {}              # name -> NeuronModel (loaded on first use)
        self.device_defaults = {}            # device model name -> dict of defaults (SetDefaults)
        self.device_extras = {}              # device model name -> other entries given to SetDefaults
        self.device_classes = {**GENERATORS, **RECORDERS}
        self.copied_devices = {}             # copy name -> original device model name
        self.synapse_models = builtin_synapse_models()
        self.blocks = {}                     # kernel module name -> NeuronBlock
        self.devices = {}                    # node id -> Device
        self._range_starts = []              # first id of each Create call
        self._ranges = []                    # (first id, n, model name, block or None)
        self.connections = ConnectionTable()
        self.connectors = None               # NEST's connectors, made by the first rebuild
        self.nodes_changed = False           # NEST's flags: the connection infrastructure must be rebuilt
        self.connections_changed = False
        self.structure_version = 0           # incremented whenever nodes are created
        self._node_masks = (-1, None, None, None, None)  # version; by id: neuron, gap junctions, event source, port 0
        self.defaults_modified = False       # SetDefaults or CopyModel was used (fixes the time grid)
        self.copies = []                     # node models made by CopyModel, in order

    # -- models --------------------------------------------------------------------
    def model_names(self) -> list:
        names = set(self.models.names()) | set(self.neuron_models) | set(self.device_classes) | set(self.copied_devices)
        return sorted(names)

    def model_id(self, name) -> int:
        """NEST's ``model_id`` of a node model: the models nestgap has, by name, then the copies
        in the order they were made (a copy's id is larger than its original's)."""
        if name in self.copies:
            return len(self._base_models()) + self.copies.index(name)
        return self._base_models().index(name)

    def _base_models(self) -> list:
        return sorted((set(self.models.names()) | set(self.device_classes)) - set(self.copies))

    def neuron_model(self, name) -> NeuronModel:
        if name not in self.neuron_models:
            if name not in self.models.names():
                raise UnknownModelName(f"{name} is not a known model name. Known models: "
                                       f"{', '.join(self.model_names())}")
            self.neuron_models[name] = NeuronModel(name, self.models.kernel(name), self.settings.grid)
        return self.neuron_models[name]

    def is_neuron_model(self, name) -> bool:
        return name in self.neuron_models or (name in self.models.names() and name not in self.device_classes)

    def device_class(self, name):
        return self.device_classes.get(self.copied_devices.get(name, name))

    def synapse_model(self, name) -> SynapseModel:
        if name not in self.synapse_models:
            raise UnknownSynapseType(f"Synapse with name {name} does not exist. Known synapse models: "
                                     f"{', '.join(sorted(self.synapse_models))}")
        return self.synapse_models[name]

    def copy_model(self, old, new, params=None):
        """CopyModel: the copy exists even if ``params`` are then refused (as in NEST)."""
        if new in self.model_names() or new in self.synapse_models:
            raise NewModelNameExists(f"Model {new} is the name of an existing model and cannot be re-used.")
        self.defaults_modified = True
        if old in self.synapse_models:
            if len(self.synapse_models) >= MAX_NUM_SYN_MODELS:
                raise KernelException(f"CopyModel: Synapse model count exceeded: at most {MAX_NUM_SYN_MODELS} "
                                      f"synapse models (nest.max_num_syn_models); cannot add {new}.")
            syn_id = max(FIRST_COPY_ID, max(m.syn_id for m in self.synapse_models.values()) + 1)
            self.synapse_models[new] = self.synapse_models[old].copy(new, syn_id)
        elif self.device_class(old) is not None:
            self.copied_devices[new] = self.copied_devices.get(old, old)
            self.device_defaults[new] = dict(self.device_defaults.get(old, {}))
            self.device_extras[new] = dict(self.device_extras.get(old, {}))
        else:
            self.neuron_models[new] = self.neuron_model(old).copy(new)
        if old not in self.synapse_models:
            self.copies.append(new)
        if params:
            self.set_defaults(new, params)

    def set_defaults(self, name, params):
        """SetDefaults of a synapse, device or neuron model (validated; all or nothing)."""
        self.defaults_modified = True
        if name in self.synapse_models:
            if "delay" in params and self.synapse_models[name].has_delay:  # NEST keeps it in whole steps
                grid = self.settings.grid
                steps = int(grid.delay_steps(as_real("delay", params["delay"])))
                if steps < 1:
                    raise bad_delay(steps * grid.resolution, "Delay must be greater than or equal to resolution")
                params = {**params, "delay": steps * grid.resolution}
            self.synapse_models[name].set_defaults(params)
        elif self.device_class(name) is not None:
            self.set_device_defaults(name, params)
        else:
            self.neuron_model(name).set_defaults(params)

    def set_device_defaults(self, name, params):
        """SetDefaults of a device model: the entries the device reads are checked and become the
        defaults of new devices; NEST keeps any other entry as given, reported by GetDefaults only."""
        probe = self.device_class(name)(0, {**self.device_defaults.get(name, {})})
        probe.model = name
        probe.set_status({k: v for k, v in params.items() if probe.read_in_defaults(k)}, self.settings.grid)
        self.device_defaults[name] = {k: v for k, v in probe.params.items() if k in params
                                      or k in self.device_defaults.get(name, {})}
        self.device_extras.setdefault(name, {}).update(
            {k: v for k, v in params.items() if not probe.read_in_defaults(k) and k != "model"})

    # -- nodes -----------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._ranges[-1][0] + self._ranges[-1][1] - 1 if self._ranges else 0

    def create(self, model_name, n) -> np.ndarray:
        """New node ids for ``n`` nodes of ``model_name`` (status set separately)."""
        first = self.size + 1
        ids = np.arange(first, first + n, dtype=np.int64)
        if self.device_class(model_name) is not None:
            cls = self.device_class(model_name)
            defaults = self.device_defaults.get(model_name, {})
            for node_id in ids:
                device = cls(int(node_id), defaults)
                device.model = model_name
                self.devices[int(node_id)] = device
            block = None
        else:
            model = self.neuron_model(model_name)
            key = model.kernel.__name__
            block = self.blocks.setdefault(key, NeuronBlock(model.kernel))
            block.append(ids, model, uses_wfr=self.settings.use_wfr and model.supports_gap_junctions)
        self._range_starts.append(first)
        self._ranges.append((first, n, model_name, block))
        self.structure_version += 1
        self.nodes_changed = True
        return ids

    def update_connection_infrastructure(self):
        """What NEST does before a run and for GetConnections after changes: place new
        connections into their connectors and sort the connectors (:mod:`.connectors`)."""
        if self.connectors is None:
            self.connectors = Connectors(self.settings.total_num_virtual_procs)
        self.connectors.rebuild(self.connections, self.neuron_mask())
        self.nodes_changed = self.connections_changed = False

    def locate(self, node_id):
        """(model name, block, row) for a neuron, (model name, None, device) for a device."""
        k = bisect_right(self._range_starts, node_id) - 1
        if node_id < 1 or k < 0 or node_id >= self._ranges[k][0] + self._ranges[k][1]:
            raise UnknownNode(f"Node with id {node_id} does not exist. The network has {self.size} nodes.")
        first, n, model_name, block = self._ranges[k]
        if block is None:
            return model_name, None, self.devices[node_id]
        return model_name, block, int(np.searchsorted(block.ids, node_id))

    def model_names_of(self, ids) -> np.ndarray:
        """The model name of every node in ``ids`` (existing ids)."""
        k = np.searchsorted(self._range_starts, ids, side="right") - 1
        return np.array([r[2] for r in self._ranges], dtype=object)[k]

    def roles(self, ids) -> list:
        """Per id: "neuron", or the device's role ("stepwise", "scheduled", "spike_recorder", "sampler")."""
        return [("neuron" if block is not None else device.role)
                for _, block, device in (self.locate(int(i)) for i in ids)]

    def kinds(self, ids):
        """Per id: 'neuron', or the device's element type ('stimulator', 'recorder')."""
        return [("neuron" if block is not None else device.element_type)
                for _, block, device in (self.locate(int(i)) for i in ids)]

    # -- connections -------------------------------------------------------------------
    def check_connectable(self, sources, targets, synapse):
        """NEST's checks of node types for connections ``sources[i] -> targets[i]`` (raises).

        For gap junctions the first connection (in the order given) with an
        endpoint without gap-junction support decides NEST's message.
        """
        if isinstance(sources, list):  # a few single pairs: two neurons each are always connectable
            nodes = self.gap_capable() if synapse.kind == "gap" else self.neuron_mask()
            if all(0 < i < len(nodes) and nodes[i] for i in sources + targets):
                return
            sources, targets = np.array(sources, np.int64), np.array(targets, np.int64)
        if synapse.kind == "gap":
            capable = self.gap_capable()
            bad_source, bad_target = ~capable[sources], ~capable[targets]
            bad = np.flatnonzero(bad_source | bad_target)
            if len(bad):
                side = "source node does not support gap junction output" if bad_source[bad[0]] \
                    else "target node or synapse model does not support gap junction input"
                raise IllegalConnection(f"{_NOT_POSSIBLE}The {side}.")
            return
        source_kinds = set(self.kinds(np.unique(sources)))
        target_kinds = set(self.kinds(np.unique(targets)))
        if "recorder" in source_kinds and "spike_recorder" in self.roles(np.unique(sources)):
            raise IllegalConnection(f"{_NOT_POSSIBLE}Source node does not send output.\n"
                                    "  Note that recorders must be connected as Connect(neuron, recorder).")
        if "stimulator" in target_kinds or "sampler" in self.roles(np.unique(targets)):
            raise IllegalConnection(f"{_NOT_POSSIBLE}The target node or synapse model does not support spike "
                                    "input.\n  Note that volt/multimeters must be connected as "
                                    "Connect(meter, neuron).")
        for node_id, role in zip(np.unique(sources), self.roles(np.unique(sources))):
            if role == "sampler":
                self._check_recordables(self.devices[int(node_id)], targets)
        if self.kinds(sources[:1]) == ["recorder"] and self.kinds(targets[:1]) == ["recorder"]:
            raise IllegalConnection(f"{_NOT_POSSIBLE}The target node or synapse model does not support data "
                                    "logging requests.")

    def receptor_ports(self, sources, targets, receptor, synapse):
        """NEST's rport of each connection ``sources[i] -> targets[i]`` made with ``receptor_type``
        ``receptor`` (one, or one per connection): what the target answers to NEST's test event.
        Spikes into a model with receptor types (several spike ports) take types 1..N and get port
        type - 1; every other event and target takes receptor type 0 only (docs/models.md, spike
        ports and receptor types). Raises UnknownReceptorType for the first connection whose target
        refuses; returns an int if all ports are equal."""
        typed = {name: len(model.receptor_types) for name, model in self.neuron_models.items()
                 if model.receptor_types}
        if not typed and np.all(np.asarray(receptor) == 0):
            return 0
        receptor = np.broadcast_to(np.asarray(receptor, np.int64), (len(targets),))
        sources, targets = np.asarray(sources, np.int64), np.asarray(targets, np.int64)
        names = self.model_names_of(targets) if len(targets) else np.zeros(0, object)
        n_types = np.array([typed.get(name, 0) for name in names], np.int64)
        spike = np.full(len(targets), synapse.kind != "gap")
        for node_id in np.unique(sources):
            _, block, device = self.locate(int(node_id))
            if block is None and (device.role == "sampler" or device.event == "current"):
                spike[sources == node_id] = False
        typed_spike = spike & (n_types > 0)
        accepted = np.where(typed_spike, (1 <= receptor) & (receptor <= n_types), receptor == 0)
        if not accepted.all():
            first = np.argmin(accepted)
            raise UnknownReceptorType(f"Receptor type {receptor[first]} is not available in {names[first]}.")
        ports = np.where(typed_spike, receptor - 1, 0)
        return int(ports[0]) if len(ports) and (ports == ports[0]).all() else ports

    def neuron_mask(self):
        """By node id (index 0 unused): is the node a neuron (recomputed when nodes are created)."""
        return self._masks()[0]

    def gap_capable(self):
        """By node id (index 0 unused): does the node support gap junctions."""
        return self._masks()[1]

    def event_sources(self):
        """By node id (index 0 unused): does the node send spikes or currents to neurons over static
        connections (a neuron or a generator)."""
        return self._masks()[2]

    def port_zero_targets(self):
        """By node id (index 0 unused): is the node a neuron whose receptor type 0 takes every
        event (a model without receptor types: see :meth:`receptor_ports`)."""
        return self._masks()[3]

    def _masks(self):
        version, neuron, capable, sender, untyped = self._node_masks
        if version != self.structure_version:
            size = self.size + 1
            neuron, capable, sender, untyped = (np.zeros(size, bool) for _ in range(4))
            for first, n, model_name, block in self._ranges:
                model = self.neuron_model(model_name) if block is not None else None
                neuron[first:first + n] = model is not None
                capable[first:first + n] = model is not None and model.supports_gap_junctions
                untyped[first:first + n] = model is not None and not model.receptor_types
            sender[:] = neuron
            sender[[i for i, d in self.devices.items() if d.role in ("stepwise", "scheduled")]] = True
            self._node_masks = (self.structure_version, neuron, capable, sender, untyped)
        return neuron, capable, sender, untyped

    def _check_recordables(self, multimeter, targets):
        """NEST refuses Connect(multimeter, neuron) if the neuron cannot record one of record_from."""
        for node_id in np.unique(targets):
            model_name, block, _ = self.locate(int(node_id))
            if block is None:
                continue
            recordables = self.neuron_model(model_name).recordables
            unknown = [name for name in multimeter.params["record_from"] if name not in recordables]
            if unknown:
                raise IllegalConnection("Creation of connection is not possible because:\nCannot connect with "
                                        f"unknown recordable {unknown[0]} (recordables of {model_name}: "
                                        f"{', '.join(recordables)})")
