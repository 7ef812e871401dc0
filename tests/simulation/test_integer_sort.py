"""The connector sort compiled (as NESTGAP_JIT asks: ahead of time by default) moves elements exactly
as the same transcription run as plain Python, nestgap/simulation/integer_sort.py.

Equal keys are where the two could part (the sort is unstable), so the inputs have
many of them; tests/simulation/test_vp_order.py checks the permutation against NEST.
"""

import numpy as np
import pytest

from nestgap.codegen.cache import runtime_module
from nestgap.simulation import integer_sort


def _plain():
    return runtime_module(integer_sort.__file__, "integer_sort", "python")


def _sorted_both_ways(sources):
    """(keys, permutation) after the compiled sort and after the plain-Python one."""
    results = []
    for module in (runtime_module(integer_sort.__file__, "integer_sort"), _plain()):
        keys = np.array(sources, np.int64)
        perm = np.arange(len(keys), dtype=np.int64)
        module.integer_sort(keys, perm)
        results.append((keys, perm))
    return results


def _inputs(rng, n):
    """Connectors of ``n`` sources of many shapes (node ids >= 1)."""
    few = rng.integers(1, 4, n)
    # from 4096 on, a bin of >= 2048 keys below 512: a second spreadsort pass
    clustered = np.where(rng.random(n) < 0.6, rng.integers(1, 500, n), rng.integers(1, 2**20, n))
    return {"few distinct": few,
            "uniform": rng.integers(1, 50, n),
            "sorted": np.sort(rng.integers(1, 200, n)),
            "reverse sorted": np.sort(rng.integers(1, 200, n))[::-1],
            "sorted, then a few swapped": _swapped(rng, np.sort(rng.integers(1, 500, n)), 5),
            "organ pipe": np.concatenate([np.arange(n // 2), np.arange(n - n // 2)[::-1]]) % 97 + 1,
            "large ids": rng.integers(1, 2**40, n),
            "clustered in a large range": clustered,
            "distinct": rng.permutation(n) + 1,
            "pdqsort's adversary": _pdqsort_adversary(min(n, 999))}


def _pdqsort_adversary(n):
    """Keys that drive pdqsort into its heap-sort fallback: McIlroy's adversary ("A killer
    adversary for quicksort", 1999) fixes the value of a key only when a comparison needs it,
    always so that the partition comes out unbalanced."""
    gas = n                                  # not yet fixed: above every fixed value
    value = [gas] * n
    state = {"fixed": 0, "candidate": 0}     # values fixed so far; the latest key compared while gas

    class Key:
        def __init__(self, i):
            self.i = i

        def __lt__(self, other):
            x, y = self.i, other.i
            if value[x] == gas and value[y] == gas:
                value[x if x == state["candidate"] else y] = state["fixed"]
                state["fixed"] += 1
            if value[x] == gas:
                state["candidate"] = x
            elif value[y] == gas:
                state["candidate"] = y
            return value[x] < value[y]

    _plain().pdqsort([Key(i) for i in range(n)], list(range(n)), 0, n)
    rest = iter(range(state["fixed"], n))
    return np.array([v if v != gas else next(rest) for v in value], np.int64) + 1


def _swapped(rng, keys, count):
    keys = keys.copy()
    if len(keys):
        for i, j in rng.integers(0, len(keys), (count, 2)):
            keys[i], keys[j] = keys[j], keys[i]
    return keys


@pytest.mark.parametrize("seed", range(4))
def test_compiled_and_plain_python_sorts_give_the_same_permutation(seed):
    rng = np.random.default_rng(seed)
    sizes = [0, 1, 2, 23, 24, 25, 128, 129, 999, 1000, 1001, 4096, 5000, *rng.integers(2, 5000, 6)]
    for n in sizes:
        for shape, sources in _inputs(rng, int(n)).items():
            (keys, perm), (plain_keys, plain_perm) = _sorted_both_ways(sources)
            assert np.array_equal(perm, plain_perm), (n, shape)
            assert np.array_equal(keys, plain_keys) and np.array_equal(keys, sources[perm]), (n, shape)
            assert np.all(keys[1:] >= keys[:-1]), (n, shape)


def test_the_adversary_reaches_pdqsorts_heap_sort(monkeypatch):
    plain, sizes = _plain(), []
    heap_sort = plain._heap_sort

    def counted(keys, payload, begin, end):
        sizes.append(end - begin)
        heap_sort(keys, payload, begin, end)

    monkeypatch.setattr(plain, "_heap_sort", counted)
    keys = _pdqsort_adversary(500)
    plain.integer_sort(keys, np.arange(500))
    assert sizes and np.all(keys[1:] >= keys[:-1])
