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

No imports from the rest of nestgap: the kernel can use these functions, and
tests can check them against NEST directly.
"""

# -- node placement ---------------------------------------------------------------------


def thread_of(node_id: int, n_vp: int) -> int:
    """Thread (= VP, single process) of a neuron: node_id mod n_vp (doc section 1)."""
    return node_id % n_vp


# -- the connector sort (Boost.Sort spreadsort integer_sort, pdqsort below 1000) ------------

_INSERTION_SORT_THRESHOLD = 24    # pdqsort: ranges shorter than this are insertion sorted
_NINTHER_THRESHOLD = 128          # pdqsort: longer ranges use a pseudo median of nine
_PARTIAL_INSERTION_LIMIT = 8      # pdqsort: moves allowed in an optimistic insertion sort
_MIN_SORT_SIZE = 1000             # spreadsort: shorter inputs go to pdqsort directly
_MAX_SPLITS = 11                  # spreadsort: at most 2**11 bins per pass
_MAX_FINISHING_SPLITS = 12
_LOG_MEAN_BIN_SIZE = 2
_LOG_MIN_SPLIT_COUNT = 9


class _Sorter:
    """In-place sort of ``items`` (pairs ``(key, payload)``), comparing keys only.

    A re-implementation of the element moves of the algorithms NEST's
    connector sort runs (doc section 2), so that equal keys end up exactly where
    NEST puts them."""

    def __init__(self, items):
        self.a = items

    # small helpers (strict key comparison, like the C++ operator<)
    def _less(self, i, j):
        return self.a[i][0] < self.a[j][0]

    def _swap(self, i, j):
        a = self.a
        a[i], a[j] = a[j], a[i]

    def _sort2(self, i, j):
        if self._less(j, i):
            self._swap(i, j)

    def _sort3(self, i, j, k):
        self._sort2(i, j)
        self._sort2(j, k)
        self._sort2(i, j)

    # -- pdqsort (branchy variant: the element type is not arithmetic) --
    def _insertion(self, begin, end, guarded=True):
        a = self.a
        for cur in range(begin + 1, end):
            if a[cur][0] < a[cur - 1][0]:
                tmp = a[cur]
                hole, prev = cur, cur - 1
                while True:
                    a[hole] = a[prev]
                    hole -= 1
                    if guarded and hole == begin:
                        break
                    prev -= 1
                    if not tmp[0] < a[prev][0]:
                        break
                a[hole] = tmp

    def _partial_insertion(self, begin, end):
        """Insertion sort that gives up (False) after more than 8 element moves."""
        a = self.a
        moved = 0
        for cur in range(begin + 1, end):
            if a[cur][0] < a[cur - 1][0]:
                tmp = a[cur]
                hole, prev = cur, cur - 1
                while True:
                    a[hole] = a[prev]
                    hole -= 1
                    if hole == begin:
                        break
                    prev -= 1
                    if not tmp[0] < a[prev][0]:
                        break
                a[hole] = tmp
                moved += cur - hole
            if moved > _PARTIAL_INSERTION_LIMIT:
                return False
        return True

    def _partition_right(self, begin, end):
        """Elements < pivot to the left, >= pivot to the right; (pivot position, already partitioned)."""
        a = self.a
        pivot = a[begin]
        key = pivot[0]
        first, last = begin + 1, end
        while a[first][0] < key:
            first += 1
        if first - 1 == begin:
            while first < last:
                last -= 1
                if a[last][0] < key:
                    break
        else:
            last -= 1
            while not a[last][0] < key:
                last -= 1
        already_partitioned = first >= last
        while first < last:
            a[first], a[last] = a[last], a[first]
            first += 1
            while a[first][0] < key:
                first += 1
            last -= 1
            while not a[last][0] < key:
                last -= 1
        pivot_pos = first - 1
        a[begin] = a[pivot_pos]
        a[pivot_pos] = pivot
        return pivot_pos, already_partitioned

    def _partition_left(self, begin, end):
        """Elements <= pivot to the left, > pivot to the right; returns the pivot position."""
        a = self.a
        pivot = a[begin]
        key = pivot[0]
        first, last = begin, end - 1
        while key < a[last][0]:
            last -= 1
        if last + 1 == end:
            while first < last:
                first += 1
                if key < a[first][0]:
                    break
        else:
            first += 1
            while not key < a[first][0]:
                first += 1
        while first < last:
            a[first], a[last] = a[last], a[first]
            last -= 1
            while key < a[last][0]:
                last -= 1
            first += 1
            while not key < a[first][0]:
                first += 1
        a[begin] = a[last]
        a[last] = pivot
        return last

    def _heap_sort(self, begin, end):
        """Heap sort of the fallback (binary max-heap, sift to a leaf then up)."""
        n = end - begin
        if n < 2:
            return
        for parent in range((n - 2) // 2, -1, -1):
            self._adjust_heap(begin, parent, n, self.a[begin + parent])
        for size in range(n - 1, 0, -1):
            value = self.a[begin + size]
            self.a[begin + size] = self.a[begin]
            self._adjust_heap(begin, 0, size, value)

    def _adjust_heap(self, base, hole, n, value):
        a = self.a
        top = hole
        child = hole
        while child < (n - 1) // 2:
            child = 2 * (child + 1)
            if a[base + child][0] < a[base + child - 1][0]:
                child -= 1
            a[base + hole] = a[base + child]
            hole = child
        if n % 2 == 0 and child == (n - 2) // 2:
            child = 2 * (child + 1)
            a[base + hole] = a[base + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2
        while hole > top and a[base + parent][0] < value[0]:
            a[base + hole] = a[base + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[base + hole] = value

    def pdqsort(self, begin, end):
        if end - begin > 0:
            self._pdq_loop(begin, end, (end - begin).bit_length() - 1, True)

    def _pdq_loop(self, begin, end, bad_allowed, leftmost):
        while True:
            size = end - begin
            if size < _INSERTION_SORT_THRESHOLD:
                self._insertion(begin, end, guarded=leftmost)
                return
            s2 = size // 2
            if size > _NINTHER_THRESHOLD:
                self._sort3(begin, begin + s2, end - 1)
                self._sort3(begin + 1, begin + s2 - 1, end - 2)
                self._sort3(begin + 2, begin + s2 + 1, end - 3)
                self._sort3(begin + s2 - 1, begin + s2, begin + s2 + 1)
                self._swap(begin, begin + s2)
            else:
                self._sort3(begin + s2, begin, end - 1)
            if not leftmost and not self._less(begin - 1, begin):
                begin = self._partition_left(begin, end) + 1
                continue
            pivot_pos, already_partitioned = self._partition_right(begin, end)
            l_size = pivot_pos - begin
            r_size = end - (pivot_pos + 1)
            if l_size < size // 8 or r_size < size // 8:   # highly unbalanced
                bad_allowed -= 1
                if bad_allowed == 0:
                    self._heap_sort(begin, end)
                    return
                if l_size >= _INSERTION_SORT_THRESHOLD:
                    q = l_size // 4
                    self._swap(begin, begin + q)
                    self._swap(pivot_pos - 1, pivot_pos - q)
                    if l_size > _NINTHER_THRESHOLD:
                        self._swap(begin + 1, begin + q + 1)
                        self._swap(begin + 2, begin + q + 2)
                        self._swap(pivot_pos - 2, pivot_pos - (q + 1))
                        self._swap(pivot_pos - 3, pivot_pos - (q + 2))
                if r_size >= _INSERTION_SORT_THRESHOLD:
                    q = r_size // 4
                    self._swap(pivot_pos + 1, pivot_pos + 1 + q)
                    self._swap(end - 1, end - q)
                    if r_size > _NINTHER_THRESHOLD:
                        self._swap(pivot_pos + 2, pivot_pos + 2 + q)
                        self._swap(pivot_pos + 3, pivot_pos + 3 + q)
                        self._swap(end - 2, end - (1 + q))
                        self._swap(end - 3, end - (2 + q))
            elif (already_partitioned and self._partial_insertion(begin, pivot_pos)
                  and self._partial_insertion(pivot_pos + 1, end)):
                return
            self._pdq_loop(begin, pivot_pos, bad_allowed, leftmost)
            begin = pivot_pos + 1
            leftmost = False

    # -- spreadsort (integer keys, radix-like binning; ranges >= 1000) --
    def integer_sort(self):
        n = len(self.a)
        if n < _MIN_SORT_SIZE:
            self.pdqsort(0, n)
        else:
            self._bin_cache = []
            self._spread(0, n, 0)

    def _sorted_or_extremes(self, first, last):
        """None if [first, last) is sorted, else the (min, max) keys."""
        a = self.a
        cur = first
        while not a[cur + 1][0] < a[cur][0]:
            cur += 1
            if cur == last - 1:
                return None
        lo = hi = a[first][0]
        hi = a[cur][0]
        for i in range(cur + 1, last):
            k = a[i][0]
            if hi < k:
                hi = k
            elif k < lo:
                lo = k
        return lo, hi

    @staticmethod
    def _log_divisor(count, log_range):
        log_divisor = log_range - count.bit_length()
        if log_divisor <= 0 and log_range <= _MAX_FINISHING_SPLITS:
            return 0
        log_divisor += _LOG_MEAN_BIN_SIZE
        if log_range - log_divisor > _MAX_SPLITS:
            log_divisor = log_range - _MAX_SPLITS
        return log_divisor

    @staticmethod
    def _min_count(log_range):
        """Bins with fewer elements than this are finished by pdqsort (integer-key constants)."""
        min_size = _LOG_MEAN_BIN_SIZE + _LOG_MIN_SPLIT_COUNT
        base_iterations = _MAX_SPLITS - _LOG_MIN_SPLIT_COUNT
        base_range = ((base_iterations + 1) * (_MAX_SPLITS + _LOG_MIN_SPLIT_COUNT)) // 2 + _LOG_MEAN_BIN_SIZE
        if log_range < base_range:
            result = _LOG_MIN_SPLIT_COUNT
            offset = min_size
            while offset < log_range:
                result += 1
                offset += result
            return 1 << min(result + _LOG_MEAN_BIN_SIZE, 63)
        remainder = log_range - base_range
        bit_length = ((_MAX_SPLITS - 1) + remainder) // _MAX_SPLITS + base_iterations + min_size
        return 1 << min(bit_length, 63)

    def _spread(self, first, last, cache_offset):
        a = self.a
        extremes = self._sorted_or_extremes(first, last)
        if extremes is None:
            return
        lo, hi = extremes
        log_divisor = self._log_divisor(last - first, (hi - lo).bit_length())
        div_min = lo >> log_divisor
        bin_count = (hi >> log_divisor) - div_min + 1
        cache_end = cache_offset + bin_count
        cache = self._bin_cache
        if cache_end > len(cache):
            cache.extend([0] * (cache_end - len(cache)))
        sizes = [0] * bin_count
        for i in range(first, last):
            sizes[(a[i][0] >> log_divisor) - div_min] += 1
        # bins[u] (= cache[cache_offset + u]) is the next free slot of bin u
        cache[cache_offset] = first
        for u in range(bin_count - 1):
            cache[cache_offset + u + 1] = cache[cache_offset + u] + sizes[u]
        next_start = first
        for u in range(bin_count - 1):
            local = cache_offset + u
            next_start += sizes[u]
            cur = cache[local]
            while cur < next_start:
                target = cache_offset + (a[cur][0] >> log_divisor) - div_min
                while target != local:
                    b = cache[target]
                    cache[target] += 1
                    b_bin = cache_offset + (a[b][0] >> log_divisor) - div_min
                    if b_bin != local:
                        c = cache[b_bin]
                        cache[b_bin] += 1
                        tmp = a[c]
                        a[c] = a[b]
                    else:
                        tmp = a[b]
                    a[b] = a[cur]
                    a[cur] = tmp
                    target = cache_offset + (a[cur][0] >> log_divisor) - div_min
                cur += 1
            cache[local] = next_start
        cache[cache_offset + bin_count - 1] = last
        if log_divisor == 0:
            return
        max_count = self._min_count(log_divisor)
        last_pos = first
        for u in range(cache_offset, cache_end):
            bin_end = cache[u]
            count = bin_end - last_pos
            if count >= 2:
                if count < max_count:
                    self.pdqsort(last_pos, bin_end)
                else:
                    self._spread(last_pos, bin_end, cache_end)
            last_pos = cache[u]


def connector_sort(sources):
    """Permutation NEST applies when it sorts one connector by source node id.

    ``sources``: source node ids of the connector's connections in their current
    order (creation order before the first sort). Returns ``perm`` such that
    the sorted connector is ``[old[i] for i in perm]`` (doc section 2). Sorting
    an already sorted connector can permute it again (pdqsort, below 1000
    connections); from 1000 on a sorted connector stays as it is."""
    items = [(int(s), i) for i, s in enumerate(sources)]
    _Sorter(items).integer_sort()
    return [i for _, i in items]


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
            entries[:] = [entries[i] for i in perm]
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
