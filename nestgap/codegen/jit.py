"""The compiler switch used by generated code.

Generated modules decorate their functions with :func:`jit` and loop over
neurons with :func:`prange`. With numba (the default) these compile to machine
code, cached on disk beside the generated module. With ``NESTGAP_JIT=0`` in the
environment they are the identity and ``range``: the same code then runs as
plain Python, slowly but step by step in a debugger, with identical results.
numba compiles without fast-math, so every operation rounds as written.
"""

import os

ENABLED = os.environ.get("NESTGAP_JIT", "1") not in ("0", "false", "no", "off")

if ENABLED:
    import numba

    if "NUMBA_THREADING_LAYER" not in os.environ:
        # numba's own thread pool: an OpenMP layer would load a second OpenMP
        # runtime beside NEST's and crash processes that use both (tests do)
        numba.config.THREADING_LAYER = "workqueue"

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
