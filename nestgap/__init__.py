"""nestgap: NESTML models simulated with NEST's semantics, bit for bit.

``import nestgap as nest`` gives PyNEST 3.10's functions (Create, Connect,
Simulate, GetStatus, ...), NodeCollection and SynapseCollection, NESTErrors,
``nest.random`` and the kernel attributes as module attributes
(``nest.resolution = 0.05``). Neuron models are NESTML files (see
``models/``); their simulation code is generated and compiled on first use.
"""

import sys
import types

from . import random
from .exceptions import NESTErrors
from .pynest.api import (CopyModel, Connect, Create, GetConnections, GetDefaults, GetKernelStatus,
                         GetStatus, Install, Models, ResetKernel, SetDefaults, SetKernelStatus, SetStatus,
                         Simulate, VerbosityLevel, get, set, set_verbosity)
from .pynest.node_collection import NodeCollection
from .pynest.synapse_collection import SynapseCollection
from .simulation.engine import WFRWarning
from .simulation.settings import SETTABLE as _SETTABLE

__version__ = "0.1.0"

__all__ = ["CopyModel", "Connect", "Create", "GetConnections", "GetDefaults", "GetKernelStatus", "GetStatus",
           "Install", "Models", "NESTErrors", "NodeCollection", "ResetKernel", "SetDefaults", "SetKernelStatus",
           "SetStatus", "Simulate", "SynapseCollection", "VerbosityLevel", "WFRWarning", "get", "random", "set",
           "set_verbosity"]


class _KernelAttributes(types.ModuleType):
    """Kernel status entries as module attributes, as in PyNEST (``nest.resolution``).

    As PyNEST's module, this one is frozen: besides the settable kernel
    attributes (and ``verbosity``) nothing can be assigned to it.
    """

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        status = GetKernelStatus()
        if name == "kernel_status":
            return status
        if name in status:
            return status[name]
        raise AttributeError(f"module 'nestgap' has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name in _SETTABLE:
            SetKernelStatus({name: value})
        elif name == "verbosity":
            set_verbosity(value)
        elif isinstance(value, types.ModuleType) or name.startswith("__"):
            super().__setattr__(name, value)  # the import machinery adds submodules
        elif name in GetKernelStatus():
            raise AttributeError(f"`{name}` is a read only kernel attribute.")
        else:
            raise AttributeError(f"Cannot set attribute '{name}' on module 'nestgap'")


sys.modules[__name__].__class__ = _KernelAttributes
