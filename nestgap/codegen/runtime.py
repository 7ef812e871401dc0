"""What generated kernels need at run time: event delivery into their buffers.

Spikes and currents go into ring buffers, gap-junction coefficients into the
coupling buffers of their targets.

A ring buffer slot holds the summed input of one absolute step (slot = step %
ring length); spikes and current events are added in the order given.
Gap-junction coefficients are summed per target over its incoming
connections in the order stored (NEST: by synapse model, then source id), as
``sum_g += w`` and ``c[k] += w * coefficient_k`` starting from zero.

The functions are plain Python; every generated kernel compiles them with its
own code (``add_to_rings``; ``gap_sums`` inside update_task: a neuron sums the
coefficients delivered to it when a lane takes it, so the threads that update the
neurons deliver them too), so that a block of neurons and the events into its
buffers run the same compiled way.
"""


def add_to_rings(rows, ports, slots, values, buffer, counts):
    """buffer[row, port, slot] += value and counts[...] += 1 for every event, in order."""
    for e in range(rows.shape[0]):
        buffer[rows[e], ports[e], slots[e]] += values[e]
        if counts.shape[0] > 0:
            counts[rows[e], ports[e], slots[e]] += 1


#: gap_sums asks for the coefficients of the source this many entries ahead while it sums
#: one: half of them were written on another core (benchmarks/RESULTS.md, 2026-12-07)
PREFETCH_AHEAD = 8


def gap_sums_with(prefetch):
    """``gap_sums`` built on the given prefetch operation (:mod:`.atomics`)."""

    def gap_sums(t, indptr, source_rows, weights, coefficients, sum_g, received):
        """The gap-junction coefficients delivered to target row t: sum_g[t] = sum of w,
        received[t] = sum of w * coefficients[source] over entries indptr[t]..indptr[t + 1]."""
        g = 0.0
        n_coefficients = coefficients.shape[1]
        for k in range(n_coefficients):
            received[t, k] = 0.0
        end = indptr[t + 1]
        asked = indptr[t]  # the first entry whose source's row has not been prefetched
        for e in range(indptr[t], end):
            while asked < end and asked <= e + PREFETCH_AHEAD:
                for k in range(0, n_coefficients + 7, 8):  # every cache line of the row
                    prefetch(coefficients, source_rows[asked] * n_coefficients + min(k, n_coefficients - 1))
                asked += 1
            w = weights[e]
            g += w
            source = source_rows[e]
            for k in range(n_coefficients):
                received[t, k] += w * coefficients[source, k]
        sum_g[t] = g

    return gap_sums
