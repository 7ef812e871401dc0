"""What threads share inside compiled code: counters, and the flags of a thread team.

* ``take(counter, k)`` returns ``counter[k]`` and adds 1 to it in one atomic step
  (LLVM's ``atomicrmw add``; numba has no atomic operations of its own), so that
  the lanes of all threads running update_task at once each take a different
  neuron, and no thread waits while another still has neurons to update.
* ``load(flag)`` reads ``flag[0]`` and ``publish(flag, value)`` writes it, so that
  what a thread wrote before publishing is seen by a thread that loads the value
  (acquire and release ordering); ``swap_if(flag, expected, new)`` sets ``flag[0]``
  to ``new`` only if it holds ``expected`` and returns what it held (compare and
  swap). The thread team of :mod:`.runtime` is built on these.
* ``pause()`` tells the CPU that a thread is spinning (x86's ``pause``),
  ``cycles()`` reads its time-stamp counter, ``yield_cpu()`` gives the core to
  another thread (``sched_yield``).

The functions are looked up when a generated module imports them: numba's
versions while numba compiles it (:func:`.jit.compiling_with_numba`), else plain
Python (one thread: plain Python code holds the GIL).
"""

import os
import time
from functools import lru_cache

from . import jit

_NAMES = ("take", "load", "publish", "swap_if", "pause", "cycles", "yield_cpu")


def _take_python(counter, k):
    value = counter[k]
    counter[k] = value + 1
    return value


def _load_python(flag):
    return flag[0]


def _publish_python(flag, value):
    flag[0] = value


def _swap_if_python(flag, expected, new):
    old = flag[0]
    if old == expected:
        flag[0] = new
    return old


def _pause_python():
    pass


_PYTHON = {"take": _take_python, "load": _load_python, "publish": _publish_python,
           "swap_if": _swap_if_python, "pause": _pause_python, "cycles": time.perf_counter_ns,
           "yield_cpu": os.sched_yield}


@lru_cache(maxsize=None)
def for_numba():
    """numba's versions, by name (their arguments: int64 arrays and int64 values)."""
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    i64 = ir.IntType(64)

    def first(context, builder, array_type, array):
        return context.make_array(array_type)(context, builder, array).data

    def int_array(a):
        return isinstance(a, types.Array) and a.dtype == types.int64

    def call(builder, name, returns):
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(returns, []), name)
        return builder.call(function, [])

    @intrinsic
    def take(typingctx, counter, k):
        """counter[k]++ as one atomic instruction; the value before."""
        if not int_array(counter) or not isinstance(k, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            data = first(context, builder, signature.args[0], args[0])
            index = context.cast(builder, args[1], signature.args[1], types.int64)
            return builder.atomic_rmw("add", builder.gep(data, [index]), ir.Constant(i64, 1), "monotonic")
        return types.int64(counter, k), codegen

    @intrinsic
    def load(typingctx, flag):
        """flag[0], read with acquire ordering."""
        if not int_array(flag):
            return None

        def codegen(context, builder, signature, args):
            return builder.load_atomic(first(context, builder, signature.args[0], args[0]), "acquire", 8)
        return types.int64(flag), codegen

    @intrinsic
    def publish(typingctx, flag, value):
        """flag[0] = value, written with release ordering."""
        if not int_array(flag):
            return None

        def codegen(context, builder, signature, args):
            data = first(context, builder, signature.args[0], args[0])
            value = context.cast(builder, args[1], signature.args[1], types.int64)
            builder.store_atomic(value, data, "release", 8)
            return context.get_dummy_value()
        return types.void(flag, value), codegen

    @intrinsic
    def swap_if(typingctx, flag, expected, new):
        """flag[0] = new if it holds expected, in one atomic step; the value it held."""
        if not int_array(flag):
            return None

        def codegen(context, builder, signature, args):
            data = first(context, builder, signature.args[0], args[0])
            expected = context.cast(builder, args[1], signature.args[1], types.int64)
            new = context.cast(builder, args[2], signature.args[2], types.int64)
            return builder.extract_value(builder.cmpxchg(data, expected, new, "acq_rel", "acquire"), 0)
        return types.int64(flag, expected, new), codegen

    @intrinsic
    def pause(typingctx):
        """x86's pause: a spinning thread leaves the core's resources to others."""
        def codegen(context, builder, signature, args):
            call(builder, "llvm.x86.sse2.pause", ir.VoidType())
            return context.get_dummy_value()
        return types.void(), codegen

    @intrinsic
    def cycles(typingctx):
        """The CPU's time-stamp counter (cycles at a constant rate)."""
        def codegen(context, builder, signature, args):
            return call(builder, "llvm.readcyclecounter", i64)
        return types.int64(), codegen

    @intrinsic
    def yield_cpu(typingctx):
        """sched_yield(): another thread that is ready may run on this core."""
        def codegen(context, builder, signature, args):
            call(builder, "sched_yield", ir.IntType(32))
            return context.get_dummy_value()
        return types.void(), codegen

    return {"take": take, "load": load, "publish": publish, "swap_if": swap_if, "pause": pause,
            "cycles": cycles, "yield_cpu": yield_cpu}


def __getattr__(name):
    if name in _NAMES:
        return for_numba()[name] if jit.numba_active() else _PYTHON[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
