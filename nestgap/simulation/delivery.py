"""Compiled event delivery: spikes and currents into ring buffers, gap-junction coefficients.

A ring buffer slot holds the summed input of one absolute step (slot = step %
ring length); spikes and current events are added in the order given.
Gap-junction coefficients are summed per target over its incoming
connections in the order stored (NEST: by synapse model, then source id), as
``sum_g += w`` and ``c[k] += w * coefficient_k`` starting from zero.
"""

import numpy as np

from ..codegen.jit import jit, prange


@jit
def add_to_rings(rows, ports, slots, values, buffer, counts):
    """buffer[row, port, slot] += value and counts[...] += 1 for every event, in order."""
    for e in range(rows.shape[0]):
        buffer[rows[e], ports[e], slots[e]] += values[e]
        if counts.shape[0] > 0:
            counts[rows[e], ports[e], slots[e]] += 1


def _deliver_gap_coefficients(indptr, source_rows, weights, coefficients, sum_g, received):
    """For target t: sum_g[t] = sum of w, received[t] = sum of w * coefficients[source]."""
    n_coefficients = coefficients.shape[1]
    for t in prange(indptr.shape[0] - 1):
        g = 0.0
        for k in range(n_coefficients):
            received[t, k] = 0.0
        for e in range(indptr[t], indptr[t + 1]):
            w = weights[e]
            g += w
            source = source_rows[e]
            for k in range(n_coefficients):
                received[t, k] += w * coefficients[source, k]
        sum_g[t] = g


_deliver_serial = jit(_deliver_gap_coefficients)
_deliver_parallel = jit(_deliver_gap_coefficients, parallel=True)


def deliver_gap_coefficients(indptr, source_rows, weights, coefficients, sum_g, received):
    """Gap-junction coefficients to every target row; threads only where the work pays for them."""
    work = len(weights) * coefficients.shape[1]
    (_deliver_parallel if work > 100_000 else _deliver_serial)(indptr, source_rows, weights, coefficients,
                                                                sum_g, received)


def csr_by_row(rows, n_rows):
    """Group entries by ``rows`` (stable: creation order kept within a row).

    Returns (indptr, order) where order sorts the entries row by row.
    """
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return indptr, order
