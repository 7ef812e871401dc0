"""Parameter programs: NEST's Parameter trees as tables the compiled kernels evaluate.

A ``nest.random`` parameter (nestgap.random) writes itself into a :class:`ProgramBuilder`
in postfix order: leaves (constant, uniform, uniform_int, normal, lognormal, exponential)
push a value, operators (+ - * / and ** number) pop their operands, the left one drawn
first as in NEST (parameter.h: ``p1->value() op p2->value()``). Each row of the table is
``(opcode, a, b, c)`` (opcodes and their arguments in nestgap.rng.kernels).

NEST's normal and lognormal parameters own one libstdc++ distribution per thread, and
each keeps the second value of its last polar pair (docs/nest_randomness.md §3): the
:class:`DistributionCache` of a leaf is that state, shared by every tree the leaf is part
of, as the C++ object is. A :class:`ProgramSet` puts several programs into one table and
gathers the caches of their leaves into one ``(thread, slot, 2)`` array for the kernels.
"""

import numbers

import numpy as np

from ..exceptions import KernelException
from . import kernels as k


class DistributionCache:
    """Per-thread ``[available, value]`` rows of one normal/lognormal parameter (all empty at
    first, as NEST's freshly constructed distributions)."""

    def __init__(self):
        self.rows = np.zeros((0, 2))

    def for_threads(self, n_threads):
        """The rows for threads 0 ... n_threads - 1 (new threads start empty)."""
        if self.rows.shape[0] < n_threads:
            grown = np.zeros((n_threads, 2))
            grown[:self.rows.shape[0]] = self.rows
            self.rows = grown
        return self.rows[:n_threads]


class ProgramBuilder:
    """Collects the rows of programs and the caches their leaves refer to (by slot)."""

    def __init__(self):
        self.rows = []
        self.caches = []
        self._depth = 0
        self.redraws = False  # a redraw can give NaN: NEST's "Number of redraws exceeded" error

    def _push(self, row, change):
        """Append ``row``, which changes the number of values held by ``change``."""
        self.rows.append(row)
        self._depth += change
        if self._depth > k.STACK_DEPTH:
            raise ValueError(f"random parameter nested too deeply (more than {k.STACK_DEPTH} pending operands)")

    def end_program(self):
        self._depth = 0

    def _slot(self, cache):
        for slot, known in enumerate(self.caches):
            if known is cache:
                return slot
        self.caches.append(cache)
        return len(self.caches) - 1

    def constant(self, value):
        self._push((k.OP_CONST, float(value), 0.0, 0.0), 1)

    def uniform(self, lower, span):
        """NEST's UniformParameter: lower + drand() * span (span = max - min, computed by NEST)."""
        self._push((k.OP_UNIFORM, float(lower), float(span), 0.0), 1)

    def uniform_int(self, limit):
        """NEST's UniformIntParameter: ulrand(limit), as a double (limit up to 2^63 - 1)."""
        self._push((k.OP_UNIFORM_INT, float(limit >> 32), float(limit & 0xFFFFFFFF), 0.0), 1)

    def normal(self, mean, std, cache):
        self._push((k.OP_NORMAL, float(mean), float(std), float(self._slot(cache))), 1)

    def lognormal(self, mean, std, cache):
        self._push((k.OP_LOGNORMAL, float(mean), float(std), float(self._slot(cache))), 1)

    def exponential(self, beta):
        self._push((k.OP_EXPONENTIAL, float(beta), 0.0, 0.0), 1)

    def binary(self, symbol):
        """``left symbol right`` of the two values on top (symbol one of + - * /)."""
        opcodes = {"+": k.OP_ADD, "-": k.OP_SUB, "*": k.OP_MUL, "/": k.OP_DIV}
        self._push((opcodes[symbol], 0.0, 0.0, 0.0), -1)

    def power(self, exponent):
        """std::pow(value on top, exponent)."""
        self._push((k.OP_POW, float(exponent), 0.0, 0.0), 0)

    def function(self, name):
        """std::exp, std::sin or std::cos of the value on top."""
        opcodes = {"exp": k.OP_EXP, "sin": k.OP_SIN, "cos": k.OP_COS}
        self._push((opcodes[name], 0.0, 0.0, 0.0), 0)

    def bound(self, name, value):
        """std::min or std::max ("min", "max") of the value on top and a number."""
        self._push((k.OP_MIN if name == "min" else k.OP_MAX, float(value), 0.0, 0.0), 0)

    def compare(self, code):
        """1.0 if ``left code right`` holds for the two values on top, else 0.0 (code: k.CMP_*)."""
        self._push((k.OP_COMPARE, float(code), 0.0, 0.0), -1)

    def conditional(self, condition, if_true, if_false):
        """``if_true`` if ``condition`` is non-zero, else ``if_false``; only the chosen branch is
        drawn (three callables that emit into this builder)."""
        condition()
        branch = len(self.rows)
        self._push((k.OP_JUMP_IF_ZERO, 0.0, 0.0, 0.0), -1)
        if_true()
        skip = len(self.rows)
        self._push((k.OP_JUMP, 0.0, 0.0, 0.0), -1)  # the true value stays; the false one replaces it
        self.rows[branch] = (k.OP_JUMP_IF_ZERO, float(len(self.rows)), 0.0, 0.0)
        if_false()
        self.rows[skip] = (k.OP_JUMP, float(len(self.rows)), 0.0, 0.0)

    def redraw(self, operand, low, high):
        """The value of ``operand`` (a callable that emits it), drawn again while outside
        [low, high], at most k.MAX_REDRAWS times (then NaN)."""
        self.redraws = True
        self._push((k.OP_REDRAW_START, 0.0, 0.0, 0.0), 1)
        again = len(self.rows)
        operand()
        self._push((k.OP_REDRAW, float(low), float(high), float(again)), -1)


def _emit(value, builder):
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        builder.constant(value)
    elif hasattr(value, "emit"):
        value.emit(builder)
    else:
        raise TypeError(f"not a number or a random parameter: {value!r}")


class ProgramSet:
    """Programs ``values`` (numbers or objects with ``emit(builder)``) in one table.

    ``code`` float64[n_rows, 4]; program i is rows ``starts[i]:starts[i + 1]``;
    ``caches`` the DistributionCache of every slot.
    """

    def __init__(self, values):
        builder = ProgramBuilder()
        starts = [0]
        for value in values:
            _emit(value, builder)
            builder.end_program()
            starts.append(len(builder.rows))
        self.code = np.array(builder.rows, np.float64).reshape(-1, 4)
        self.starts = np.array(starts, np.int64)
        self.caches = builder.caches
        self.redraws = builder.redraws

    def check(self, values):
        """NEST's error where a redraw found no value in its range (the kernels gave NaN)."""
        if self.redraws and np.isnan(values).any():
            raise KernelException(f"Number of redraws exceeded limit of {k.MAX_REDRAWS}")

    def __len__(self):
        return self.starts.size - 1

    def gather(self, n_threads):
        """The caches as one float64[n_threads, n_slots, 2] array (a copy; see :meth:`scatter`)."""
        array = np.zeros((n_threads, max(len(self.caches), 1), 2))
        for slot, cache in enumerate(self.caches):
            array[:, slot] = cache.for_threads(n_threads)
        return array

    def scatter(self, array):
        """Write the caches back after the kernels drew with ``array``."""
        for slot, cache in enumerate(self.caches):
            cache.for_threads(array.shape[0])[:] = array[:, slot]
