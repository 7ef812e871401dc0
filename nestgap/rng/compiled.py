"""The functions of :mod:`nestgap.rng.kernels`, compiled as ``NESTGAP_JIT`` asks.

- ``aot`` (default): the kernels' ``EXPORTS``, compiled ahead of time once per
  version of kernels.py and machine kind into an extension module kept in the
  cache (``$NESTGAP_CACHE_DIR/rng_kernels``, :func:`nestgap.codegen.cache.runtime_module`;
  no numba in the simulating process). Where no extension can be built, numba
  compiles them at run time instead (with a warning).
- ``numba``: numba compiles them in this process (cached on disk).
- ``0``: plain Python on numpy scalars, with identical results (integer words wrap
  modulo 2^64 by design, so numpy's overflow warnings are silenced).

``functions()`` returns a namespace of the exported functions.
"""

import functools
import types
from functools import lru_cache

import numpy as np

from ..codegen import jit
from ..codegen.cache import runtime_module
from . import kernels


def _wrapping(function):
    @functools.wraps(function)
    def call(*arguments):
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return function(*arguments)
    return call


@lru_cache(maxsize=None)
def functions(mode=None) -> types.SimpleNamespace:
    """The exported kernels compiled as ``mode`` (default :data:`nestgap.codegen.jit.MODE`)."""
    module = runtime_module(kernels.__file__, "rng_kernels", mode or jit.MODE)
    found = {name: getattr(module, name) for name in kernels.EXPORTS}
    if module.COMPILED == "python":
        found = {name: _wrapping(function) for name, function in found.items()}
    return types.SimpleNamespace(mode=module.COMPILED, **found)
