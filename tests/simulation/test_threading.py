"""Threads run the compiled kernel: work shared by an atomic counter, errors surface, safe with fork."""

import multiprocessing
import threading

import numpy as np
import pytest

from nestgap.simulation.threads import TaskThreads


def test_every_runs_on_all_threads_at_once_and_a_failure_raises_after_all_finished():
    pool, started, barrier = TaskThreads(), [], threading.Barrier(2, timeout=30)

    def work():
        started.append(threading.get_ident())
        barrier.wait()  # only returns if two threads run at the same time
        return 1

    assert pool.every(2, work) == 2
    assert len(set(started)) == 2

    calls = []

    def failing():
        calls.append(threading.get_ident())
        if len(calls) == 1:
            raise ValueError("first call failed")
        return 1

    with pytest.raises(ValueError, match="first call failed"):
        pool.every(2, failing)
    assert len(calls) == 2  # the other thread finished before the error surfaced
    assert pool.every(2, lambda: 1) == 2  # still usable


def test_threads_share_a_counter_without_taking_a_value_twice():
    """What the lanes of update_task and gap delivery rely on: take() is one atomic step."""
    import numba

    from nestgap.codegen import jit

    with jit.compiling_with_numba():
        from nestgap.codegen.atomics import take

    @numba.njit(nogil=True)
    def count(counter, taken, n):
        mine = 0
        while True:
            k = take(counter)
            if k >= n:
                return mine
            taken[k] += 1
            mine += 1

    counter, taken = np.zeros(1, np.int64), np.zeros(3_000_000, np.int64)
    shares = []
    TaskThreads().every(2, lambda: shares.append(count(counter, taken, len(taken))))
    assert sum(shares) == len(taken) and np.all(taken == 1)
    assert min(shares) > 0  # both threads took some


def _simulate(_=None):
    import nestgap as nest
    nest.ResetKernel()
    nest.local_num_threads = 2
    neurons = nest.Create("hh_psc_alpha_gap", 4, params={"I_e": 400.0})
    nest.Simulate(20.0)
    return np.asarray(neurons.V_m).tolist()


def test_forked_children_can_simulate_after_the_parent_did():
    parent = _simulate()  # the helper threads are running now
    with multiprocessing.get_context("fork").Pool(2) as pool:
        children = pool.map_async(_simulate, range(2)).get(timeout=300)  # a killed child never answers
    assert children == [parent, parent]
