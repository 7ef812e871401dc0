"""The element moves of NEST's connector sort, over int64 keys with an int64 payload.

NEST sorts each connector by source node id with Boost.Sort's ``integer_sort``
(spreadsort from 1000 elements on, pdqsort below and for small bins;
docs/nest_vp_structure.md section 2). The sort is unstable, so this module
re-implements its element moves exactly: equal keys end up where NEST puts them.

One transcription that runs as plain Python (``NESTGAP_JIT=0``, tests) and
compiled like a kernel's functions (:func:`nestgap.codegen.cache.runtime_module`:
ahead of time into an extension in the cache, numba at run time where that
fails). Hence arrays instead of objects, and absolute imports: the module is
also loaded from its file.
"""

import numpy as np

from nestgap.codegen.jit import jit

_INSERTION_SORT_THRESHOLD = 24    # pdqsort: ranges shorter than this are insertion sorted
_NINTHER_THRESHOLD = 128          # pdqsort: longer ranges use a pseudo median of nine
_PARTIAL_INSERTION_LIMIT = 8      # pdqsort: moves allowed in an optimistic insertion sort
_MIN_SORT_SIZE = 1000             # spreadsort: shorter inputs go to pdqsort directly
_MAX_SPLITS = 11                  # spreadsort: at most 2**11 bins per pass
_MAX_FINISHING_SPLITS = 12
_LOG_MEAN_BIN_SIZE = 2
_LOG_MIN_SPLIT_COUNT = 9

#: the functions compiled ahead of time, with their signatures
EXPORTS = {"integer_sort": "void(i8[::1], i8[::1])"}


@jit
def integer_sort(keys, payload):
    """Sort ``keys`` (>= 0: node ids) ascending in place, moving ``payload[i]`` (same length) along with
    ``keys[i]``."""
    n = len(keys)
    if n < _MIN_SORT_SIZE:
        pdqsort(keys, payload, 0, n)
    else:
        _spreadsort(keys, payload)


# -- small helpers (strict key comparison, like the C++ operator<) --

@jit
def _bit_length(x):
    """Number of bits of ``x`` >= 0 (int.bit_length)."""
    bits = 0
    while x > 0:
        x >>= 1
        bits += 1
    return bits


@jit
def _swap(keys, payload, i, j):
    keys[i], keys[j] = keys[j], keys[i]
    payload[i], payload[j] = payload[j], payload[i]


@jit
def _sort2(keys, payload, i, j):
    if keys[j] < keys[i]:
        _swap(keys, payload, i, j)


@jit
def _sort3(keys, payload, i, j, k):
    _sort2(keys, payload, i, j)
    _sort2(keys, payload, j, k)
    _sort2(keys, payload, i, j)


# -- pdqsort (branchy variant: the element type is not arithmetic) --

@jit
def _insertion(keys, payload, begin, end, guarded):
    """Insertion sort of [begin, end); unguarded (``guarded`` False) relies on a smaller key before begin."""
    for cur in range(begin + 1, end):
        if keys[cur] < keys[cur - 1]:
            _insert(keys, payload, begin, cur, guarded)


@jit
def _partial_insertion(keys, payload, begin, end):
    """Insertion sort that gives up (False) after more than 8 element moves."""
    moved = 0
    for cur in range(begin + 1, end):
        if keys[cur] < keys[cur - 1]:
            moved += cur - _insert(keys, payload, begin, cur, True)
        if moved > _PARTIAL_INSERTION_LIMIT:
            return False
    return True


@jit
def _insert(keys, payload, begin, cur, guarded):
    """Move element ``cur`` (smaller than ``cur - 1``) left past the larger keys; returns where it lands."""
    key, value = keys[cur], payload[cur]
    hole, prev = cur, cur - 1
    while True:
        keys[hole], payload[hole] = keys[prev], payload[prev]
        hole -= 1
        if guarded and hole == begin:
            break
        prev -= 1
        if not key < keys[prev]:
            break
    keys[hole], payload[hole] = key, value
    return hole


@jit
def _partition_right(keys, payload, begin, end):
    """Elements < pivot to the left, >= pivot to the right; (pivot position, already partitioned)."""
    pivot, pivot_value = keys[begin], payload[begin]
    first, last = begin + 1, end
    while keys[first] < pivot:
        first += 1
    if first - 1 == begin:
        while first < last:
            last -= 1
            if keys[last] < pivot:
                break
    else:
        last -= 1
        while not keys[last] < pivot:
            last -= 1
    already_partitioned = first >= last
    while first < last:
        _swap(keys, payload, first, last)
        first += 1
        while keys[first] < pivot:
            first += 1
        last -= 1
        while not keys[last] < pivot:
            last -= 1
    pivot_pos = first - 1
    keys[begin], payload[begin] = keys[pivot_pos], payload[pivot_pos]
    keys[pivot_pos], payload[pivot_pos] = pivot, pivot_value
    return pivot_pos, already_partitioned


@jit
def _partition_left(keys, payload, begin, end):
    """Elements <= pivot to the left, > pivot to the right; returns the pivot position."""
    pivot, pivot_value = keys[begin], payload[begin]
    first, last = begin, end - 1
    while pivot < keys[last]:
        last -= 1
    if last + 1 == end:
        while first < last:
            first += 1
            if pivot < keys[first]:
                break
    else:
        first += 1
        while not pivot < keys[first]:
            first += 1
    while first < last:
        _swap(keys, payload, first, last)
        last -= 1
        while pivot < keys[last]:
            last -= 1
        first += 1
        while not pivot < keys[first]:
            first += 1
    keys[begin], payload[begin] = keys[last], payload[last]
    keys[last], payload[last] = pivot, pivot_value
    return last


@jit
def _heap_sort(keys, payload, begin, end):
    """Heap sort of the fallback (binary max-heap, sift to a leaf then up)."""
    n = end - begin
    if n < 2:
        return
    for parent in range((n - 2) // 2, -1, -1):
        _adjust_heap(keys, payload, begin, parent, n, keys[begin + parent], payload[begin + parent])
    for size in range(n - 1, 0, -1):
        key, value = keys[begin + size], payload[begin + size]
        keys[begin + size], payload[begin + size] = keys[begin], payload[begin]
        _adjust_heap(keys, payload, begin, 0, size, key, value)


@jit
def _adjust_heap(keys, payload, base, hole, n, key, value):
    """Put (``key``, ``value``) into the heap of ``n`` elements at ``base`` from position ``hole`` down."""
    top = hole
    child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if keys[base + child] < keys[base + child - 1]:
            child -= 1
        keys[base + hole], payload[base + hole] = keys[base + child], payload[base + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        keys[base + hole], payload[base + hole] = keys[base + child - 1], payload[base + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and keys[base + parent] < key:
        keys[base + hole], payload[base + hole] = keys[base + parent], payload[base + parent]
        hole = parent
        parent = (hole - 1) // 2
    keys[base + hole], payload[base + hole] = key, value


@jit
def pdqsort(keys, payload, begin, end):
    """Sort [begin, end) of ``keys`` (and ``payload`` along) in place.

    pdqsort sorts the part left of a pivot by recursion, then loops on the
    right part; here the right parts wait on a stack instead (same moves, same order)."""
    if end - begin <= 0:
        return
    pending = np.empty((16, 3), np.int64)   # right parts still to sort: (begin, end, bad partitions allowed)
    n_pending = 0
    bad_allowed = _bit_length(end - begin) - 1
    leftmost = True
    while True:
        size = end - begin
        if size < _INSERTION_SORT_THRESHOLD:
            _insertion(keys, payload, begin, end, leftmost)
        else:
            s2 = size // 2
            if size > _NINTHER_THRESHOLD:
                _sort3(keys, payload, begin, begin + s2, end - 1)
                _sort3(keys, payload, begin + 1, begin + s2 - 1, end - 2)
                _sort3(keys, payload, begin + 2, begin + s2 + 1, end - 3)
                _sort3(keys, payload, begin + s2 - 1, begin + s2, begin + s2 + 1)
                _swap(keys, payload, begin, begin + s2)
            else:
                _sort3(keys, payload, begin + s2, begin, end - 1)
            if not leftmost and not keys[begin - 1] < keys[begin]:
                begin = _partition_left(keys, payload, begin, end) + 1
                continue
            pivot_pos, already_partitioned = _partition_right(keys, payload, begin, end)
            l_size = pivot_pos - begin
            r_size = end - (pivot_pos + 1)
            if l_size < size // 8 or r_size < size // 8:   # highly unbalanced
                bad_allowed -= 1
                finished = bad_allowed == 0
                if finished:
                    _heap_sort(keys, payload, begin, end)
                else:
                    _break_patterns(keys, payload, begin, pivot_pos, end)
            else:
                finished = (already_partitioned and _partial_insertion(keys, payload, begin, pivot_pos)
                            and _partial_insertion(keys, payload, pivot_pos + 1, end))
            if not finished:                        # the left part now, the right part later
                pending = _pushed(pending, n_pending, pivot_pos + 1, end, bad_allowed)
                n_pending += 1
                end = pivot_pos
                continue
        if n_pending == 0:
            return
        n_pending -= 1
        begin, end, bad_allowed = pending[n_pending, 0], pending[n_pending, 1], pending[n_pending, 2]
        leftmost = False


@jit
def _break_patterns(keys, payload, begin, pivot_pos, end):
    """pdqsort's swaps in both parts of an unbalanced partition around ``pivot_pos``."""
    l_size = pivot_pos - begin
    r_size = end - (pivot_pos + 1)
    if l_size >= _INSERTION_SORT_THRESHOLD:
        q = l_size // 4
        _swap(keys, payload, begin, begin + q)
        _swap(keys, payload, pivot_pos - 1, pivot_pos - q)
        if l_size > _NINTHER_THRESHOLD:
            _swap(keys, payload, begin + 1, begin + q + 1)
            _swap(keys, payload, begin + 2, begin + q + 2)
            _swap(keys, payload, pivot_pos - 2, pivot_pos - (q + 1))
            _swap(keys, payload, pivot_pos - 3, pivot_pos - (q + 2))
    if r_size >= _INSERTION_SORT_THRESHOLD:
        q = r_size // 4
        _swap(keys, payload, pivot_pos + 1, pivot_pos + 1 + q)
        _swap(keys, payload, end - 1, end - q)
        if r_size > _NINTHER_THRESHOLD:
            _swap(keys, payload, pivot_pos + 2, pivot_pos + 2 + q)
            _swap(keys, payload, pivot_pos + 3, pivot_pos + 3 + q)
            _swap(keys, payload, end - 2, end - (1 + q))
            _swap(keys, payload, end - 3, end - (2 + q))


@jit
def _pushed(stack, size, a, b, c):
    """``stack`` (rows [0, size) in use) with the row (a, b, c) at ``size``: itself, or a copy twice as long if full."""
    if size == len(stack):
        grown = np.empty((2 * size, 3), np.int64)
        grown[:size] = stack
        stack = grown
    stack[size, 0] = a
    stack[size, 1] = b
    stack[size, 2] = c
    return stack


# -- spreadsort (integer keys, radix-like binning; ranges >= 1000) --

@jit
def _sorted_or_extremes(keys, first, last):
    """(True, 0, 0) if [first, last) is sorted, else (False, min key, max key)."""
    cur = first
    while not keys[cur + 1] < keys[cur]:
        cur += 1
        if cur == last - 1:
            return True, 0, 0
    lo = keys[first]
    hi = keys[cur]
    for i in range(cur + 1, last):
        k = keys[i]
        if hi < k:
            hi = k
        elif k < lo:
            lo = k
    return False, lo, hi


@jit
def _log_divisor(count, log_range):
    log_divisor = log_range - _bit_length(count)
    if log_divisor <= 0 and log_range <= _MAX_FINISHING_SPLITS:
        return 0
    log_divisor += _LOG_MEAN_BIN_SIZE
    if log_range - log_divisor > _MAX_SPLITS:
        log_divisor = log_range - _MAX_SPLITS
    return log_divisor


@jit
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


@jit
def _spreadsort(keys, payload):
    """Spreadsort of all of ``keys`` (at least 2). Spreadsort sorts its large bins by recursion,
    the others by pdqsort; here the bins wait on a stack instead, taken in the same order."""
    pending = np.empty((16, 3), np.int64)   # ranges still to sort: (first, last, pdqsort below this size)
    pending[0, 0], pending[0, 1], pending[0, 2] = 0, len(keys), 0
    n_pending = 1
    while n_pending > 0:
        n_pending -= 1
        first, last, max_count = pending[n_pending, 0], pending[n_pending, 1], pending[n_pending, 2]
        if last - first < max_count:
            pdqsort(keys, payload, first, last)
        else:
            pending, n_pending = _spread_bins(keys, payload, first, last, pending, n_pending)


@jit
def _spread_bins(keys, payload, first, last, pending, n_pending):
    """Distribute [first, last) into bins of ``key >> log_divisor`` in place, then push its bins of
    2 or more elements, the last bin first, on ``pending``; returns (pending, n_pending)."""
    is_sorted, lo, hi = _sorted_or_extremes(keys, first, last)
    if is_sorted:
        return pending, n_pending
    log_divisor = _log_divisor(last - first, _bit_length(hi - lo))
    div_min = lo >> log_divisor
    bin_count = (hi >> log_divisor) - div_min + 1
    sizes = np.zeros(bin_count, np.int64)
    for i in range(first, last):
        sizes[(keys[i] >> log_divisor) - div_min] += 1
    bins = np.empty(bin_count, np.int64)     # bins[u]: the next free slot of bin u, then its end
    bins[0] = first
    for u in range(bin_count - 1):
        bins[u + 1] = bins[u] + sizes[u]
    next_start = first
    for u in range(bin_count - 1):
        next_start += sizes[u]
        cur = bins[u]
        while cur < next_start:
            target = (keys[cur] >> log_divisor) - div_min
            while target != u:
                b = bins[target]
                bins[target] += 1
                b_bin = (keys[b] >> log_divisor) - div_min
                if b_bin != u:
                    c = bins[b_bin]
                    bins[b_bin] += 1
                    key, value = keys[c], payload[c]
                    keys[c], payload[c] = keys[b], payload[b]
                else:
                    key, value = keys[b], payload[b]
                keys[b], payload[b] = keys[cur], payload[cur]
                keys[cur], payload[cur] = key, value
                target = (keys[cur] >> log_divisor) - div_min
            cur += 1
        bins[u] = next_start
    bins[bin_count - 1] = last
    if log_divisor == 0:
        return pending, n_pending
    max_count = _min_count(log_divisor)
    for u in range(bin_count - 1, -1, -1):
        begin = bins[u - 1] if u > 0 else first
        if bins[u] - begin >= 2:
            pending = _pushed(pending, n_pending, begin, bins[u], max_count)
            n_pending += 1
    return pending, n_pending
