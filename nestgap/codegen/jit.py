"""The compiler switch used by generated code.

Generated modules decorate their functions with :func:`jit` and loop over
neurons with :func:`prange`. With numba (the default) these compile to machine
code, cached on disk beside the generated module. With ``NESTGAP_JIT=0`` in the
environment they are the identity and ``range``: the same code then runs as
plain Python, slowly but step by step in a debugger, with identical results.
numba compiles without fast-math, so every operation rounds as written.
"""

import ctypes
import os
import site
import sys
from pathlib import Path

ENABLED = os.environ.get("NESTGAP_JIT", "1") not in ("0", "false", "no", "off")


def _threading_layer() -> str:
    """numba's thread pool for ``prange``: Intel TBB if its library loads, else numba's workqueue.

    TBB (the ``tbb`` wheel, a dependency) keeps its threads ready between the
    thousands of short parallel calls of a simulation (12 % faster than the
    workqueue on the gallery network with 2 threads), is safe with ``fork`` and
    with threads, and does not clash with NEST's OpenMP runtime in the same
    process. numba's OpenMP layer is not used: GNU OpenMP aborts forked children.
    The wheel puts ``libtbb`` into ``<prefix>/lib`` (or ``~/.local/lib`` with
    ``pip --user``), which the loader does not search, so it is loaded from there first.
    """
    libraries = [library for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, site.getuserbase()))
                 for library in sorted(Path(prefix, "lib").glob("libtbb.so.12*"))]
    for library in libraries:  # the first that loads, one copy only
        try:
            ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
            break
        except OSError:
            continue
    try:
        # numba needs TBB 2021.6 or later (interface version 12060)
        if ctypes.CDLL("libtbb.so.12").TBB_runtime_interface_version() < 12060:
            return "workqueue"
        import numba.np.ufunc.tbbpool  # noqa: F401
    except (ImportError, OSError, AttributeError):
        return "workqueue"
    return "tbb"


if ENABLED:
    import numba

    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = _threading_layer()

    def jit(function=None, *, parallel=False, inline="never"):
        """numba.njit with an on-disk cache; ``parallel`` enables prange, ``inline="always"``
        inlines the function into its callers (small hot functions)."""
        decorate = numba.njit(cache=True, parallel=parallel, error_model="numpy", inline=inline)
        return decorate if function is None else decorate(function)

    prange = numba.prange
else:
    def jit(function=None, *, parallel=False, inline="never"):
        return (lambda f: f) if function is None else function

    prange = range
