"""Build a model file into a NEST extension module, and load it into a running NEST.

For simulations beyond one machine: the same model file runs in real NEST
(threads, MPI) through a module that NESTML generates and nestgap corrects and
builds (``nestgap build-nest-module MODEL.nestml``; see docs/nest_module.md).

    import nest
    from nestgap.nest_module import install
    model = install("models/hh_psc_alpha_gap.nestml")   # builds once, then cached
    neurons = nest.Create(model, 2)

Importing this package is cheap: NESTML and NEST are imported only when a
module is built or loaded.
"""

from .builder import BuiltModule, build_module
from .errors import BuildError, MissingPrerequisite, NestModuleError, PatchError
from .loader import install

__all__ = ["install", "build_module", "BuiltModule", "NestModuleError", "MissingPrerequisite",
           "PatchError", "BuildError"]
