"""nestgap: NESTML models simulated with NEST's semantics, bit for bit.

``import nestgap as nest`` gives PyNEST 3.10's functions (Create, Connect,
Simulate, GetStatus, ...), NodeCollection and SynapseCollection, NESTErrors,
``nest.random`` and the kernel attributes as module attributes
(``nest.resolution = 0.05``). Neuron models are NESTML files (see
``models/``); their simulation code is generated and compiled on first use.

The face is loaded on first use of one of its names: importing a stage of the
pipeline (``nestgap.frontend``, ``nestgap.codegen``, ...) does not start the
simulator.
"""

import importlib
import sys
import types

from .version import __version__

_API = ("Cleanup", "CopyModel", "Connect", "Create", "CreateMask", "CreateParameter", "DisableStructuralPlasticity",
        "EnableStructuralPlasticity", "GetConnections", "GetDefaults",
        "GetKernelStatus", "GetStatus", "Install", "Models", "NumProcesses", "Prepare", "Rank", "ResetKernel", "Run",
        "RunManager", "SetDefaults", "SetKernelStatus", "SetStatus", "Simulate", "VerbosityLevel", "get",
        "get_verbosity", "set", "set_verbosity", "to_json")
#: name of the face -> the module that defines it
_FACE = {**{name: "nestgap.pynest.api" for name in _API},
         "NESTErrors": "nestgap.exceptions",
         "NESTError": "nestgap.exceptions",
         "Parameter": "nestgap.random",
         "NodeCollection": "nestgap.pynest.node_collection",
         "SynapseCollection": "nestgap.pynest.synapse_collection",
         "WFRWarning": "nestgap.simulation.engine"}

#: PyNEST's submodules: nest.random, nest.math, nest.logic, nest.raster_plot, nest.voltage_trace;
#: nest.spatial and nest.spatial_distributions refuse every name (no spatial networks)
_MODULES = ("random", "math", "logic", "raster_plot", "voltage_trace", "spatial", "spatial_distributions")

__all__ = sorted([*_FACE, *_MODULES])


class _Face(types.ModuleType):
    """PyNEST's module: its functions, and the kernel attributes as module attributes.

    As PyNEST's module, this one is frozen: besides the settable kernel
    attributes (and ``verbosity``) nothing can be assigned to it.
    """

    def __getattr__(self, name):
        if name in _FACE:
            value = getattr(importlib.import_module(_FACE[name]), name)
            types.ModuleType.__setattr__(self, name, value)
            return value
        if name in _MODULES:
            return importlib.import_module(f"nestgap.{name}")
        if name.startswith("__"):
            raise AttributeError(name)
        status = self.GetKernelStatus()
        if name == "kernel_status":
            return status
        if name in status:
            return status[name]
        raise AttributeError(f"module 'nestgap' has no attribute '{name}'")

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) or name.startswith("__"):
            super().__setattr__(name, value)  # the import machinery adds submodules
            return
        from .pynest.api import STRUCTURAL_PLASTICITY
        from .simulation.settings import SETTABLE

        if name in SETTABLE or name in STRUCTURAL_PLASTICITY:
            self.SetKernelStatus({name: value})
        elif name == "verbosity":
            self.set_verbosity(value)
        elif name in self.GetKernelStatus():
            raise AttributeError(f"`{name}` is a read only kernel attribute.")
        else:
            raise AttributeError(f"Cannot set attribute '{name}' on module 'nestgap'")

    def __dir__(self):
        return sorted({*super().__dir__(), *__all__})


sys.modules[__name__].__class__ = _Face
