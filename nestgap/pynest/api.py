"""PyNEST 3.10's functions, mapped onto nestgap's kernel.

Names, arguments, return types and exceptions follow PyNEST, so that a NEST
script runs after ``import nestgap as nest``.
"""

import contextlib
import enum
import numbers

import numpy as np

from .. import random as _random
from ..exceptions import (KernelException, NotImplemented, UnaccessedDictionaryEntry, UndefinedName,
                          cast_error, check_convertible)
from ..simulation.settings import SETTABLE
from .node_collection import NodeCollection, to_json
from .state import kernel as _kernel
from .synapse_collection import SynapseCollection

__all__ = ["ResetKernel", "SetKernelStatus", "GetKernelStatus", "set", "get", "Create", "Connect",
           "Simulate", "Prepare", "Run", "Cleanup", "RunManager", "GetStatus", "SetStatus", "GetDefaults",
           "SetDefaults", "CopyModel", "Models", "GetConnections", "CreateParameter", "CreateMask", "EnableStructuralPlasticity", "DisableStructuralPlasticity",
           "NumProcesses", "Rank",
           "set_verbosity", "get_verbosity", "VerbosityLevel", "Install", "to_json"]


def ResetKernel():
    """Delete all nodes and connections and restore every kernel default."""
    _kernel().reset()


#: kernel attributes of NEST's structural plasticity, which nestgap does not have
STRUCTURAL_PLASTICITY = ("structural_plasticity_synapses", "structural_plasticity_update_interval")


def SetKernelStatus(params: dict):
    """Set kernel attributes; unknown or read-only names are a ValueError (PyNEST's check)."""
    for key in params:
        if key in STRUCTURAL_PLASTICITY:
            raise NotImplemented(f"'{key}': structural plasticity is not supported by nestgap.")
        if key not in SETTABLE:
            if key in _kernel().get_status():
                raise ValueError(f"`{key}` is a readonly kernel parameter")
            raise ValueError(f"`{key}` is not a valid kernel parameter, valid parameters are: "
                             + ", ".join(f"'{k}'" for k in sorted(SETTABLE)))
    _kernel().set_status(dict(params))


def set(**params):
    """``nest.set(resolution=0.05, ...)``: same as SetKernelStatus."""
    SetKernelStatus(params)


def GetKernelStatus(keys=None):
    """All kernel attributes (a dict), one (its value) or a list of them (a tuple)."""
    status = _kernel().get_status()
    if keys is None:
        return status
    if isinstance(keys, str):
        return _kernel_entry(status, keys)
    return tuple(_kernel_entry(status, k) for k in keys)


def get(*keys):
    """``nest.get()``, ``nest.get('resolution')``, ``nest.get('resolution', 'min_delay')``."""
    if not keys:
        return GetKernelStatus()
    return GetKernelStatus(keys[0] if len(keys) == 1 else keys)


def _kernel_entry(status, key):
    if key not in status:
        raise KeyError(f"Unknown kernel attribute '{key}'; available: {', '.join(sorted(status))}")
    return status[key]


def Create(model: str, n: int = 1, params=None, positions=None):
    """Create ``n`` nodes of ``model``; ``params`` a dict (scalars, arrays, random parameters) or a list
    of dicts, one per node. If ``params`` are refused, the nodes exist nevertheless (as in NEST)."""
    if isinstance(n, dict):  # Create(model, params), as PyNEST allows
        if params is not None or positions is not None:
            raise ValueError("A parameter dictionary can be passed as second argument only if Create() is "
                             "called with two arguments.")
        n, params = 1, n
    if positions is not None:
        raise KernelException("Spatial networks (positions) are not supported by nestgap.")
    if not isinstance(model, str):
        raise TypeError("Create: the model must be given by its name")
    if not isinstance(n, numbers.Real) or int(n) != n:
        raise TypeError("n must have an integer value")
    if isinstance(params, (list, tuple)) and len(params) != n:
        raise TypeError("list of params must have one dictionary per node")
    if params is not None and not (isinstance(params, dict) or (
            isinstance(params, (list, tuple)) and all(isinstance(d, dict) for d in params))):
        raise TypeError("params must be either a dict of parameters or a list or tuple of dicts")
    return NodeCollection._from_ids(_kernel().create(model, int(n), params))


def Connect(pre, post, conn_spec=None, syn_spec=None, return_synapsecollection=False):
    """Connect two NodeCollections by a connection rule (default all_to_all) with a synapse model.

    As in PyNEST, ``pre`` and ``post`` may also be arrays of node ids: with
    unique ids and a rule other than one_to_one they become NodeCollections
    (so they must be sorted); with rule one_to_one, or repeated ids, every
    pair pre[i] -> post[i] is connected ("connect arrays"; weights and delays
    then are arrays with one value per pair).
    """
    if (type(pre) is NodeCollection and type(post) is NodeCollection and len(pre._ids) == 1 == len(post._ids)
            and not return_synapsecollection
            and _kernel().connect_pair(int(pre._ids[0]), int(post._ids[0]), conn_spec, syn_spec)):
        return None  # one neuron to another: the commonest call of scripts that build networks pair by pair
    rule = conn_spec.get("rule", "all_to_all") if isinstance(conn_spec, dict) else (conn_spec or "all_to_all")
    arrays = False
    nodes = [pre, post]
    for k, name in enumerate(("pre", "post")):
        if isinstance(nodes[k], NodeCollection):
            continue
        if rule != "one_to_one" and len(np.unique(nodes[k])) == len(nodes[k]):
            nodes[k] = NodeCollection(nodes[k])
        else:
            arrays = True
    if arrays:
        pre, post = (np.asarray(x) for x in nodes)
        if len(pre) != len(post):
            raise ValueError("If 'pre' or 'post' contain non-unique IDs, then they must have the same length.")
        for name, ids in (("pre", pre), ("post", post)):
            if not issubclass(ids.dtype.type, np.integer):
                raise TypeError(f"'{name}' node IDs must be integers.")
        if pre.ndim != 1 or post.ndim != 1:
            raise ValueError("Sources and targets must be 1-dimensional arrays")
        if rule != "one_to_one":
            raise ValueError("When connecting two arrays with non-unique IDs, `conn_spec` must be 'one_to_one'.")
        if return_synapsecollection:
            raise ValueError("SynapseCollection cannot be returned when connecting two arrays of node IDs")
        _kernel().connect_arrays(pre.astype(np.int64), post.astype(np.int64), syn_spec)
        return None
    pre, post = nodes
    _kernel().connect(pre._ids, post._ids, conn_spec, syn_spec, same_collection=pre is post)
    if return_synapsecollection:
        return GetConnections(pre, post)
    return None


def Simulate(t: float):
    """Advance the network by ``t`` ms (a multiple of the resolution)."""
    _kernel().simulate(t)


def Prepare():
    """Get ready for Run (NEST's first part of Simulate)."""
    _kernel().prepare()


def Run(t: float):
    """Advance the network by ``t`` ms between Prepare and Cleanup."""
    _kernel().run(t)


def Cleanup():
    """End a sequence of Run calls (NEST's last part of Simulate)."""
    _kernel().cleanup()


@contextlib.contextmanager
def RunManager():
    """``with nest.RunManager(): nest.Run(...)``: Prepare on entry, Cleanup on exit."""
    Prepare()
    try:
        yield
    finally:
        Cleanup()


def EnableStructuralPlasticity():
    """NEST's structural plasticity rewires networks during a run: not supported by nestgap."""
    raise NotImplemented("EnableStructuralPlasticity: structural plasticity is not supported by nestgap.")


def DisableStructuralPlasticity():
    raise NotImplemented("DisableStructuralPlasticity: structural plasticity is not supported by nestgap.")


def CreateMask(masktype, specs, anchor=None):
    """PyNEST's masks select nodes by position: nestgap has no spatial networks."""
    raise NotImplemented(f"CreateMask('{masktype}'): spatial networks are not supported by nestgap.")


def NumProcesses() -> int:
    """The number of MPI processes: always 1 in nestgap."""
    return _kernel().get_status()["num_processes"]


def Rank() -> int:
    """This process's MPI rank: always 0 in nestgap."""
    return _kernel().get_status()["mpi_rank"]


#: CreateParameter's types: name -> (constructor, its keys with NEST's defaults; None: required)
_PARAMETER_TYPES = {
    "constant": (_random.constant, {"value": None}),
    "uniform": (_random.uniform, {"min": 0.0, "max": 1.0}),
    "uniform_int": (_random.uniform_int, {"max": 1}),
    "normal": (_random.normal, {"mean": 0.0, "std": 1.0}),
    "lognormal": (_random.lognormal, {"mean": 0.0, "std": 1.0}),
    "exponential": (_random.exponential, {"beta": 1.0}),
}
#: NEST's spatial parameter types, which need positions (nestgap has no spatial networks)
_SPATIAL_PARAMETER_TYPES = ("distance", "position", "gaussian", "gaussian2d", "gamma", "exp_distribution",
                            "gabor")


def CreateParameter(parametertype: str, specs: dict):
    """A parameter of NEST's kind ``parametertype`` ("constant", "uniform", "uniform_int", "normal",
    "lognormal", "exponential") with the entries of ``specs``; NEST's errors for unknown kinds and keys."""
    if not isinstance(specs, dict):
        raise cast_error(parametertype, specs, "Dictionary")
    check_convertible(specs)
    if parametertype in _SPATIAL_PARAMETER_TYPES:
        raise KernelException(f"CreateParameter: the spatial parameter '{parametertype}' is not supported by "
                              "nestgap (no spatial networks)")
    if parametertype not in _PARAMETER_TYPES:
        raise UndefinedName(f"The name {parametertype} is not defined.")
    make, keys = _PARAMETER_TYPES[parametertype]
    unknown = sorted(k for k in specs if k not in keys)
    if unknown:
        raise UnaccessedDictionaryEntry("Unaccessed elements in param, in function create_parameter:  "
                                        + " ".join(map(str, unknown)))
    missing = [k for k, default in keys.items() if default is None and k not in specs]
    if missing:
        raise IndexError(f"CreateParameter('{parametertype}'): the entry '{missing[0]}' is required")
    for key, value in specs.items():
        integral = keys[key] is not None and isinstance(keys[key], int)
        if integral:
            continue  # uniform_int checks its own argument, with NEST's error
        if not isinstance(value, numbers.Real):
            raise cast_error(key, value, "double")
    return make(**{**{k: v for k, v in keys.items() if v is not None}, **specs})


def GetStatus(nodes_or_conns, keys=None, output=""):
    """PyNEST's GetStatus: per node or connection a dict (no keys), a value (one key) or a tuple."""
    if not isinstance(nodes_or_conns, (NodeCollection, SynapseCollection)):
        raise AttributeError(f"'{type(nodes_or_conns).__name__}' object has no attribute 'get'")
    n = len(nodes_or_conns)
    if n == 0:
        return "[]" if output == "json" else ()
    if keys:
        result = nodes_or_conns.get(keys)
        if isinstance(keys, str):
            result = (result,) if n == 1 else result
        else:
            result = (tuple(result.values()),) if n == 1 else tuple(zip(*result.values()))
    else:
        result = nodes_or_conns.get()
        result = (result,) if n == 1 else tuple({k: v[j] for k, v in result.items()} for j in range(n))
    return to_json(result) if output == "json" else result


def SetStatus(nodes_or_conns, params, val=None):
    nodes_or_conns.set(params if val is None else {params: val})


def GetDefaults(model: str, keys=None, output=""):
    """The defaults of a model: all (a dict), one (its value) or a list of keys (a list)."""
    status = _kernel().model_defaults(model)
    if keys is None:
        result = status
    elif isinstance(keys, str) or not hasattr(keys, "__iter__"):
        result = status[keys]  # KeyError for an unknown key, or one that is no name (as PyNEST)
    else:
        result = [status[k] for k in keys]
    return to_json(result) if output == "json" else result


def SetDefaults(model: str, params, val=None):
    """New defaults of ``model``: one value per entry (PyNEST refuses a list or dict for an entry
    whose default is a single value, and random parameters, with a ValueError)."""
    if val is None:
        if not isinstance(params, dict):
            raise TypeError("params must be dictionary unless val is given.")
        if not params:
            return
    elif isinstance(params, str):
        params = {params: val}
    else:
        raise TypeError("If val is given, params must be string giving the parameter name.")
    defaults = _kernel().model_defaults(model)
    for key, value in params.items():
        if _random.is_parameter(value) or (_sequence(value) and not _sequence(defaults[key], str)):
            raise ValueError(f"SetDefaults() accepts only explicit, single parameter values ('{key}').")
    _kernel().set_defaults(model, params)


def _sequence(value, *also) -> bool:
    """A list, tuple, dict or array (or one of the types ``also``): an entry that holds several values."""
    return isinstance(value, (list, tuple, dict, *also)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def CopyModel(existing: str, new: str, params=None):
    _kernel().copy_model(existing, new, params)


def Models(mtype="all", sel=None):
    """Names of the available models ('nodes', 'synapses' or 'all'), optionally containing ``sel``."""
    if mtype not in ("all", "nodes", "synapses"):
        raise ValueError("mtype has to be one of 'all', 'nodes', or 'synapses'")
    return tuple(sorted(n for n in _kernel().model_names(mtype) if sel is None or sel in n))


def GetConnections(source=None, target=None, synapse_model=None, synapse_label=None):
    """The connections from ``source`` to ``target`` (NodeCollections) of ``synapse_model``, in
    NEST's order (by synapse model, then source)."""
    for name, nodes in (("source", source), ("target", target)):
        if nodes is not None and not isinstance(nodes, NodeCollection):
            raise TypeError(f"{name} must be NodeCollection.")
    indices = _kernel().connection_indices(None if source is None else source._ids,
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


def get_verbosity():
    """PyNEST's default verbosity level (nestgap prints nothing but warnings and errors)."""
    return VerbosityLevel.INFO


def Install(model_file):
    """Make a NESTML model file available to Create, by its file name without .nestml (its folder
    is searched for models from now on, before the others)."""
    return _kernel().install(model_file)
