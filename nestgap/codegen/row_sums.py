"""Weighted sums of matrix rows, with the partial sums held in SIMD registers.

``weighted_rows(matrix, rows, weights, start, end, out, t, k0, columns)`` sets, for every
k in [k0, k0 + columns)::

    out[t, k] = sum over e = start, ..., end - 1 of weights[e] * matrix[rows[e], k]

each column summed from +0 in the order of e, as a product then a sum (never a fused
multiply-add): exactly the doubles of the plain loop, column by column. ``columns`` is
one of WIDTHS (``block_width`` picks it). Summing all columns of a row of 80 one source at
a time, as the plain loop does, keeps the sums in memory, and every addition waits for the
store of the previous one; the compiled version keeps them in registers (vectors of four
doubles, the rest single doubles) for the whole loop over e, and asks for the block's
columns of the row ``AHEAD`` entries on while it sums one (rows that another core wrote
take hundreds of cycles to arrive).

Arrays are C-contiguous (float64 ``matrix``, ``weights`` and ``out``, int64 ``rows``).
``weighted_rows`` is looked up when a generated module imports it: numba's version while
numba compiles it (:func:`.jit.compiling_with_numba`), else plain Python.
"""

from functools import lru_cache

from . import jit

#: entries ahead whose row a block prefetches: half of the rows were written on another core
AHEAD = 8
#: the numbers of columns summed in one loop over the entries (the compiled version has a loop for each)
WIDTHS = (64, 32, 16, 8, 4, 3, 2, 1)


def block_width(rest):
    """The widest of WIDTHS that fits in ``rest`` > 0 columns."""
    if rest < 4:
        return rest
    width = 64
    while width > rest:
        width //= 2
    return width


def _weighted_rows_python(matrix, rows, weights, start, end, out, t, k0, columns):
    for k in range(k0, k0 + columns):
        total = 0.0
        for e in range(start, end):
            total += weights[e] * matrix[rows[e], k]
        out[t, k] = total


@lru_cache(maxsize=None)
def _weighted_rows_numba():
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    i32, i64, f8 = ir.IntType(32), ir.IntType(64), ir.DoubleType()
    quad = ir.VectorType(f8, 4)

    def c_array(a, dtype, ndim):
        return isinstance(a, types.Array) and a.dtype == dtype and a.ndim == ndim and a.layout == "C"

    @intrinsic
    def weighted_rows(typingctx, matrix, rows, weights, start, end, out, t, k0, columns):
        if not (c_array(matrix, types.float64, 2) and c_array(rows, types.int64, 1)
                and c_array(weights, types.float64, 1) and c_array(out, types.float64, 2)
                and all(isinstance(x, types.Integer) for x in (start, end, t, k0, columns))):
            return None

        def codegen(context, builder, signature, args):
            arrays = [context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 1, 2, 5)]
            matrix, rows, weights, out = (a.data for a in arrays)
            n, n_out = (builder.extract_value(arrays[k].shape, 1) for k in (0, 3))
            start, end, t, k0, columns = (context.cast(builder, args[k], signature.args[k], types.int64)
                                          for k in (3, 4, 6, 7, 8))
            prefetch = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer(), i32, i32, i32]),
                "llvm.prefetch.p0i8")

            def at(pointer, index, offset, kind):
                address = builder.gep(pointer, [builder.add(index, ir.Constant(i64, offset))])
                return address if kind is f8 else builder.bitcast(address, kind.as_pointer())

            def block(width, done):
                """The loop over the entries for ``width`` columns, then on to ``done``."""
                # (offset, type) of each register of partial sums: vectors of four, then single doubles
                registers = [(4 * j, quad) for j in range(width // 4)] + [(k, f8) for k in range(width // 4 * 4, width)]
                entry = builder.basic_block
                test, body, end_of_block = (builder.append_basic_block(f"weighted_rows.{width}.{name}")
                                            for name in ("test", "body", "end"))
                builder.branch(test)

                builder.position_at_end(test)
                e = builder.phi(i64)
                e.add_incoming(start, entry)
                sums = []
                for _, kind in registers:
                    partial = builder.phi(kind)
                    partial.add_incoming(ir.Constant(kind, [0.0] * 4 if kind is quad else 0.0), entry)
                    sums.append(partial)
                builder.cbranch(builder.icmp_signed("<", e, end), body, end_of_block)

                builder.position_at_end(body)
                ahead = builder.add(e, ir.Constant(i64, AHEAD))
                last = builder.sub(end, ir.Constant(i64, 1))
                ahead = builder.select(builder.icmp_signed("<", ahead, last), ahead, last)
                row_ahead = builder.add(builder.mul(builder.load(builder.gep(rows, [ahead])), n), k0)
                for line in range(0, width, 8):  # a cache line holds eight doubles
                    address = builder.bitcast(at(matrix, row_ahead, line, f8), ir.IntType(8).as_pointer())
                    builder.call(prefetch, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
                row = builder.add(builder.mul(builder.load(builder.gep(rows, [e])), n), k0)
                weight = builder.load(builder.gep(weights, [e]))
                weight4 = builder.shuffle_vector(builder.insert_element(ir.Constant(quad, ir.Undefined), weight,
                                                                        ir.Constant(i32, 0)),
                                                 ir.Constant(quad, ir.Undefined),
                                                 ir.Constant(ir.VectorType(i32, 4), [0] * 4))
                added = [builder.fadd(partial, builder.fmul(weight4 if kind is quad else weight,
                                                            builder.load(at(matrix, row, offset, kind), align=8)))
                         for partial, (offset, kind) in zip(sums, registers)]
                e.add_incoming(builder.add(e, ir.Constant(i64, 1)), body)
                builder.branch(test)
                for partial, value in zip(sums, added):
                    partial.add_incoming(value, body)

                builder.position_at_end(end_of_block)
                first = builder.add(builder.mul(t, n_out), k0)
                for partial, (offset, kind) in zip(sums, registers):
                    builder.store(partial, at(out, first, offset, kind), align=8)
                builder.branch(done)

            done = builder.append_basic_block("weighted_rows.done")
            switch = builder.switch(columns, done)  # a width not in WIDTHS sums nothing
            for width in WIDTHS:
                case = builder.append_basic_block(f"weighted_rows.{width}")
                switch.add_case(ir.Constant(i64, width), case)
                builder.position_at_end(case)
                block(width, done)
            builder.position_at_end(done)
            return context.get_dummy_value()
        return types.void(matrix, rows, weights, start, end, out, t, k0, columns), codegen

    return weighted_rows


def __getattr__(name):
    if name == "weighted_rows":
        return _weighted_rows_numba() if jit.numba_active() else _weighted_rows_python
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
