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


def gap_sums_with(weighted_rows, block_width):
    """``gap_sums`` built on the given weighted row sums and their block widths (:mod:`.row_sums`)."""

    def gap_sums(t, indptr, source_rows, weights, coefficients, sum_g, received):
        """The gap-junction coefficients delivered to target row t: sum_g[t] = sum of w,
        received[t] = sum of w * coefficients[source] over entries indptr[t]..indptr[t + 1]
        (the columns in blocks, each one loop over the entries)."""
        start, end = indptr[t], indptr[t + 1]
        g = 0.0
        for e in range(start, end):
            g += weights[e]
        sum_g[t] = g
        n = coefficients.shape[1]
        k0 = 0
        while k0 < n:
            columns = block_width(n - k0)
            weighted_rows(coefficients, source_rows, weights, start, end, received, t, k0, columns)
            k0 += columns

    return gap_sums
