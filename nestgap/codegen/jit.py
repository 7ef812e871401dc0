"""How generated code is compiled, and the decorator it uses.

Generated modules mark their compiled functions with :func:`jit`. What that
means is chosen with ``NESTGAP_JIT``:

- ``aot`` (the default): the functions a simulation calls are compiled ahead of
  time, once per model version and machine kind, into a Python extension module
  (:mod:`nestgap.codegen.aot`); simulations then run without importing numba.
- ``numba``: numba compiles them in the simulating process, caching its machine
  code on disk (also what ``aot`` falls back to where no extension can be built).
- ``0``: :func:`jit` is the identity and the same code runs as plain Python,
  slowly but step by step in a debugger, with identical results.

Every mode compiles without fast-math, so every operation rounds as written.
Compiled functions release the GIL: threads run them in parallel.
"""

import os
from contextlib import contextmanager

_MODES = {"0": "python", "false": "python", "no": "python", "off": "python", "python": "python",
          "numba": "numba", "jit": "numba", "1": "aot", "aot": "aot", "": "aot"}
#: the mode asked for in the environment: "aot", "numba" or "python"
MODE = _MODES.get(os.environ.get("NESTGAP_JIT", "aot").strip().lower(), "aot")

_numba = False  # while True, jit() compiles with numba


@contextmanager
def compiling_with_numba():
    """Functions decorated inside (a generated module being imported) are compiled by numba."""
    global _numba
    import numba  # noqa: F401

    previous, _numba = _numba, True
    try:
        yield
    finally:
        _numba = previous


def numba_active() -> bool:
    return _numba


def jit(function=None, *, inline="never"):
    """numba.njit (on-disk cache, numpy's error model, no GIL) inside
    :func:`compiling_with_numba`, else the identity; ``inline="always"`` inlines the
    function into its callers (small hot functions)."""
    if not _numba:
        return (lambda f: f) if function is None else function
    import numba

    decorate = numba.njit(cache=True, nogil=True, error_model="numpy", inline=inline)
    return decorate if function is None else decorate(function)
