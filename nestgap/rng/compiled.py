"""The functions of :mod:`nestgap.rng.kernels`, compiled as ``NESTGAP_JIT`` asks.

- ``aot`` (default): the kernels' ``EXPORTS``, compiled ahead of time once per
  version of kernels.py and machine kind into an extension module kept in the
  cache (``$NESTGAP_CACHE_DIR/rng``; no numba in the simulating process). Where no
  extension can be built, numba compiles them at run time instead (with a warning).
- ``numba``: numba compiles them in this process (cached on disk).
- ``0``: plain Python on numpy scalars, with identical results (integer words wrap
  modulo 2^64 by design, so numpy's overflow warnings are silenced).

``functions()`` returns a namespace of the exported functions.
"""

import functools
import hashlib
import importlib.util
import os
import sys
import types
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..cache import cache_root
from ..codegen import aot, jit
from . import kernels

_SOURCE = Path(kernels.__file__)


def _cached_source() -> Path:
    """A copy of kernels.py in the cache, named by its content (the extension is built beside it)."""
    text = _SOURCE.read_bytes()
    target = cache_root() / "rng" / f"rng_kernels_{hashlib.sha256(text).hexdigest()[:16]}.py"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(text)
        temporary.replace(target)  # atomic: concurrent processes never see half a file
    return target


def _with_numba():
    """kernels.py imported with numba compiling its functions."""
    path = _cached_source()
    module_name = f"nestgap_rng_kernels_numba_{path.stem}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        with jit.compiling_with_numba():
            spec.loader.exec_module(module)
    return {name: getattr(sys.modules[module_name], name) for name in kernels.EXPORTS}


def _wrapping(function):
    @functools.wraps(function)
    def call(*arguments):
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return function(*arguments)
    return call


@lru_cache(maxsize=None)
def functions(mode=None) -> types.SimpleNamespace:
    """The exported kernels compiled as ``mode`` (default :data:`nestgap.codegen.jit.MODE`)."""
    mode = mode or jit.MODE
    if mode == "aot":
        try:
            found = aot.compiled(_cached_source(), kernels.EXPORTS)
        except aot.BuildError as error:
            warnings.warn(f"{error}\nnumba compiles the random-number kernels at run time instead.",
                          RuntimeWarning, stacklevel=2)
            return functions("numba")
    elif mode == "numba":
        found = _with_numba()
    else:
        found = {name: _wrapping(getattr(kernels, name)) for name in kernels.EXPORTS}
    return types.SimpleNamespace(mode=mode, **found)
