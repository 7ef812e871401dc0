"""PyNEST 3.10's functions, mapped onto nestgap's kernel.

Names, arguments, return types and exceptions follow PyNEST, so that a NEST
script runs after ``import nestgap as nest``.
"""

import enum

import numpy as np

from ..exceptions import BadProperty, KernelException, UnknownModelName
from .node_collection import NodeCollection, _kernel
from .synapse_collection import SynapseCollection

__all__ = ["ResetKernel", "SetKernelStatus", "GetKernelStatus", "set", "get", "Create", "Connect",
           "Simulate", "GetStatus", "SetStatus", "GetDefaults", "SetDefaults", "CopyModel", "Models",
           "GetConnections", "set_verbosity", "VerbosityLevel", "Install"]


def ResetKernel():
    """Delete all nodes and connections and restore every kernel default."""
    _kernel().reset()


def SetKernelStatus(params: dict):
    _kernel().set_status(dict(params))


def set(**params):
    """``nest.set(resolution=0.05, ...)``: same as SetKernelStatus."""
    SetKernelStatus(params)


def GetKernelStatus(keys=None):
    status = _kernel().get_status()
    if keys is None:
        return status
    if isinstance(keys, str):
        return _kernel_entry(status, keys)
    return tuple(_kernel_entry(status, k) for k in keys)


def get(key):
    return GetKernelStatus(key)


def _kernel_entry(status, key):
    if key not in status:
        raise KeyError(f"Unknown kernel attribute '{key}'; available: {', '.join(sorted(status))}")
    return status[key]


def Create(model: str, n: int = 1, params=None, positions=None):
    """Create ``n`` nodes of ``model``; ``params`` a dict (scalars, arrays, random parameters) or a list
    of dicts, one per node."""
    if positions is not None:
        raise KernelException("Spatial networks (positions) are not supported by nestgap.")
    if not isinstance(model, str):
        raise TypeError("Create: the model must be given by its name")
    if isinstance(params, (list, tuple)) and len(params) != n:
        raise BadProperty(f"Create: {len(params)} parameter dictionaries for {n} nodes.")
    return NodeCollection._from_ids(_kernel().create(model, n, params))


def Connect(pre, post, conn_spec=None, syn_spec=None, return_synapsecollection=False):
    """Connect two NodeCollections by a connection rule (default all_to_all) with a synapse model.

    As in PyNEST, ``pre`` and ``post`` may also be arrays of node ids: with
    unique ids they act as NodeCollections; with repeated ids (rule
    one_to_one) every pair pre[i] -> post[i] is connected ("connect arrays").
    """
    rule = conn_spec.get("rule", "all_to_all") if isinstance(conn_spec, dict) else (conn_spec or "all_to_all")
    arrays = False
    ids = []
    for name, nodes in (("pre", pre), ("post", post)):
        if isinstance(nodes, NodeCollection):
            ids.append(nodes._ids)
            continue
        values = np.asarray(nodes)
        if values.ndim != 1 or not issubclass(values.dtype.type, np.integer):
            raise TypeError(f"Connect: '{name}' must be a NodeCollection or a 1-dimensional array of "
                            "integer node IDs.")
        if rule != "one_to_one" and len(np.unique(values)) == len(values):
            ids.append(NodeCollection(np.sort(values))._ids)
        else:
            arrays = True
            ids.append(values.astype(np.int64))
    if arrays:
        if len(ids[0]) != len(ids[1]):
            raise ValueError("If 'pre' or 'post' contain non-unique IDs, then they must have the same length.")
        if return_synapsecollection:
            raise ValueError("SynapseCollection cannot be returned when connecting two arrays of node IDs")
        _kernel().connect_arrays(ids[0], ids[1], syn_spec)
        return None
    first, last = _kernel().connect(ids[0], ids[1], conn_spec, syn_spec, same_collection=pre is post)
    if return_synapsecollection:
        return SynapseCollection(np.arange(first, last))
    return None


def Simulate(t: float):
    """Advance the network by ``t`` ms (a multiple of the resolution)."""
    _kernel().simulate(t)


def GetStatus(nodes, keys=None, output=""):
    """PyNEST's GetStatus: a tuple of dicts (or of values, for a key) per node or connection."""
    if isinstance(nodes, SynapseCollection):
        result = [c.get(keys) if keys is not None else c.get() for c in nodes]
        return tuple(result)
    if not isinstance(nodes, NodeCollection):
        raise TypeError("GetStatus: nodes must be a NodeCollection or SynapseCollection")
    if keys is None:
        return tuple(_kernel().node_status(nodes._ids))
    if isinstance(keys, str):
        return tuple(s[keys] for s in _kernel().node_status(nodes._ids, [keys]))
    return tuple(tuple(s[k] for k in keys) for s in _kernel().node_status(nodes._ids, list(keys)))


def SetStatus(nodes, params, val=None):
    if val is not None:
        params = {params: val}
    nodes.set(params) if isinstance(params, dict) else _kernel().set_node_status(nodes._ids, params)


def GetDefaults(model: str, keys=None, output=""):
    net = _kernel().network
    if model in net.synapse_models:
        status = net.synapse_models[model].status()
        status["num_connections"] = int(np.sum(net.connections.arrays()[4] == net.synapse_models[model].syn_id))
    elif net.device_class(model) is not None:
        cls = net.device_class(model)
        status = cls(0, net.device_defaults.get(model, {})).status()
        status["model"] = model
        status.pop("global_id")
    else:
        status = net.neuron_model(model).defaults()
    if keys is None:
        return status
    if isinstance(keys, str):
        return status[keys]
    return tuple(status[k] for k in keys)


def SetDefaults(model: str, params, val=None):
    if val is not None:
        params = {params: val}
    net = _kernel().network
    if model in net.synapse_models:
        net.synapse_models[model].set_defaults(params)
    elif net.device_class(model) is not None:
        net.set_device_defaults(model, params)
    else:
        net.neuron_model(model).set_defaults(params)


def CopyModel(existing: str, new: str, params=None):
    net = _kernel().network
    if existing not in net.synapse_models and existing not in net.model_names():
        raise UnknownModelName(f"{existing} is not a known model name.")
    net.copy_model(existing, new, params)


def Models(mtype="all", sel=None):
    """Names of the available models ('nodes', 'synapses' or 'all'), optionally containing ``sel``."""
    net = _kernel().network
    names = []
    if mtype in ("all", "nodes"):
        names += net.model_names()
    if mtype in ("all", "synapses"):
        names += sorted(net.synapse_models)
    return tuple(sorted(n for n in names if sel is None or sel in n))


def GetConnections(source=None, target=None, synapse_model=None, synapse_label=None):
    kernel = _kernel()
    indices = kernel.connection_indices(None if source is None else source._ids,
                                        None if target is None else target._ids, synapse_model)
    return SynapseCollection(indices)


class VerbosityLevel(enum.IntEnum):
    """PyNEST's verbosity levels (``nest.verbosity = nest.VerbosityLevel.WARNING``)."""
    ALL = 0
    DEBUG = 5
    STATUS = 7
    INFO = 10
    DEPRECATED = 18
    WARNING = 20
    ERROR = 30
    FATAL = 40
    QUIET = 100


def set_verbosity(level):
    """Accepted for compatibility: nestgap prints nothing but warnings (WFRWarning) and errors."""


def Install(model_file):
    """Make a NESTML model file available to Create (by its file name without .nestml)."""
    import os
    from pathlib import Path

    folder = str(Path(model_file).resolve().parent)
    paths = os.environ.get("NESTGAP_MODEL_PATH", "")
    if folder not in paths.split(os.pathsep):
        os.environ["NESTGAP_MODEL_PATH"] = os.pathsep.join(p for p in (folder, paths) if p)
    return Path(model_file).stem
