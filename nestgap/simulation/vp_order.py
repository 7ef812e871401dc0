"""Orders in which NEST 3.10 stores connections and adds up events, as pure functions.

These rules are documented, with citations of NEST's sources and the experiments
that confirm them, in docs/nest_vp_structure.md. They hold for one MPI process
with T threads (T = number of virtual processes, VPs).

* ``thread_of``: the thread (= VP) that owns a neuron.
* ``connector_sort``: the permutation NEST applies to one connector (the
  connections of one synapse model whose targets live on one thread) when it
  sorts them by source node id. The sort is not stable: connections with the
  same source end up in an order that depends on the whole connector, hence on
  the number of threads (section 2 of the doc).
* ``ConnectorTable``: all connectors of a network, with the sorts NEST applies
  over time, and every connection's position (lcid) in its connector.
* ``spike_key`` / ``device_event_key`` (with ``segment_of`` for slices cut by the
  end of a Simulate call): sort keys that give the order in which contributions
  are added into one ring-buffer slot of a target (section 3).
* ``gap_key``: the order of gap-junction coefficients into sumj_g and the
  coefficient buffer of a target (section 4).

No imports from the rest of nestgap but, on first use of the connector sort, the
module that compiles its transcription (:mod:`.integer_sort`): the kernel can use
these functions, and tests can check them against NEST directly.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np

# -- node placement ---------------------------------------------------------------------


def thread_of(node_id: int, n_vp: int) -> int:
    """Thread (= VP, single process) of a neuron: node_id mod n_vp (doc section 1)."""
    return node_id % n_vp


# -- the connector sort (Boost.Sort spreadsort integer_sort, pdqsort below 1000) ------------


def connector_sort(sources):
    """Permutation NEST applies when it sorts one connector by source node id.

    ``sources``: source node ids of the connector's connections in their current
    order (creation order before the first sort). Returns ``perm`` (int64 array)
    such that the sorted connector is ``[old[i] for i in perm]`` (doc section 2).
    Sorting an already sorted connector can permute it again (pdqsort, below 1000
    connections); from 1000 on a sorted connector stays as it is (spreadsort
    first checks whether its input is sorted)."""
    keys = np.array(sources, np.int64)
    perm = np.arange(len(keys), dtype=np.int64)
    _compiled_sort()(keys, perm)
    return perm


@lru_cache(maxsize=None)
def _compiled_sort():
    """:func:`.integer_sort.integer_sort` compiled as the kernels are (NESTGAP_JIT); looked up on first use."""
    from ..codegen.cache import runtime_module

    return runtime_module(Path(__file__).with_name("integer_sort.py"), "integer_sort").integer_sort


class ConnectorTable:
    """NEST's connectors of one process: per (target thread, synapse id), connections in stored order.

    ``add`` appends a connection (NEST pushes new connections to the end of
    their connector); ``sort`` is what NEST does to every connector whenever it
    rebuilds its connection infrastructure (doc section 2.2: at Simulate if
    nodes or connections changed since the last rebuild, at GetConnections if
    connections changed). ``position`` is the connection's index (lcid) in its
    connector, which orders spike and gap-junction deliveries (doc sections 3, 4).
    Only connections between neurons belong here; device connections are never sorted."""

    def __init__(self, n_vp: int):
        self.n_vp = n_vp
        self._connectors = {}     # (thread, syn_id) -> [(source, connection), ...]
        self._position = {}

    def add(self, connection, source: int, target: int, syn_id: int):
        """Append ``connection`` (any hashable label) from neuron ``source`` to neuron ``target``."""
        key = (thread_of(target, self.n_vp), syn_id)
        entries = self._connectors.setdefault(key, [])
        self._position[connection] = (key, len(entries))
        entries.append((int(source), connection))

    def sort(self):
        for key, entries in self._connectors.items():
            perm = connector_sort([s for s, _ in entries])
            entries[:] = [entries[i] for i in perm.tolist()]
            for lcid, (_, connection) in enumerate(entries):
                self._position[connection] = (key, lcid)

    def position(self, connection) -> int:
        return self._position[connection][1]

    def connector(self, thread: int, syn_id: int):
        """Connection labels of one connector in stored order."""
        return [c for _, c in self._connectors.get((thread, syn_id), [])]


# -- order of contributions to one ring-buffer slot -----------------------------------------


def segment_of(step: int, run_ends, min_delay: int) -> int:
    """Index of the piece of its slice in which ``step`` was simulated.

    ``run_ends``: the steps at which the Simulate calls so far ended. A slice cut by
    an end of Simulate is updated in pieces (every node runs its first lags, then,
    in the next call, its remaining lags); 0 for slices that were not cut."""
    first = step - step % min_delay
    return sum(1 for end in run_ends if first < end <= step)


def spike_key(stamp: int, source: int, syn_id: int, copy: int, position: int, n_vp: int, min_delay: int,
              segment: int = 0):
    """Sort key of one spike from neuron ``source`` into a target's ring-buffer slot (doc section 3).

    ``stamp``: the spike's time stamp in steps (emitted during step stamp - 1);
    ``copy``: 0 .. multiplicity - 1 (a neuron spike of multiplicity m arrives as
    m separate additions of the weight); ``position``: the connection's lcid
    (``ConnectorTable.position``); ``segment``: ``segment_of(stamp - 1, ...)``.
    Contributions are added in ascending key order."""
    step = stamp - 1
    return (step // min_delay, 1, thread_of(source, n_vp), segment, source, step % min_delay, syn_id, copy,
            position)


def device_event_key(stamp: int, device: int, syn_id: int, position: int, min_delay: int, segment: int = 0):
    """Sort key of one event of a generator (spike, current) into a target's ring-buffer slot.

    ``position``: creation index of the connection among the device's connections
    to targets on the target's thread (a device has one synapse model). A
    generator event of multiplicity m is one addition of m times the weight.
    Comparable with ``spike_key``: within one slice, generator events come before
    neuron spikes of the same slice and after those of the previous slice (doc section 3)."""
    step = stamp - 1
    return (step // min_delay, 0, segment, device, step % min_delay, syn_id, position)


def gap_key(syn_id: int, position: int):
    """Sort key of one gap-junction connection's contribution to its target's sumj_g and coefficients.

    ``position``: lcid in the (target thread, syn_id) connector after sorting (doc section 4)."""
    return (syn_id, position)
