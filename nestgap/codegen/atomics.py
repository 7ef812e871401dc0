"""A counter that threads share inside compiled code: which neuron a lane takes next.

``take(counter)`` returns ``counter[0]`` and adds 1 to it in one atomic step
(LLVM's ``atomicrmw add``; numba has no atomic operations of its own), so that
the lanes of all threads running update_task at once each take a different
neuron, and no thread waits while another still has neurons to update.

``take`` is looked up when a generated module imports it: numba's version while
numba compiles it (:func:`.jit.compiling_with_numba`), else plain Python (one
thread: plain Python code holds the GIL).
"""

from functools import lru_cache

from . import jit


def _take_python(counter):
    value = counter[0]
    counter[0] = value + 1
    return value


@lru_cache(maxsize=None)
def for_numba():
    """numba's ``take`` for an int64 array."""
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def take(typingctx, counter):
        """counter[0]++ as one atomic instruction; the value before."""
        if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
            return None

        def codegen(context, builder, signature, args):
            array = context.make_array(signature.args[0])(context, builder, args[0])
            return builder.atomic_rmw("add", array.data, ir.Constant(ir.IntType(64), 1), "monotonic")
        return types.int64(counter), codegen

    return take


def __getattr__(name):
    if name == "take":
        return for_numba() if jit.numba_active() else _take_python
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
