"""Threads run the compiled kernel: same numbers with any grouping, errors surface, safe with fork."""

import multiprocessing
import threading

import numpy as np
import pytest

from nestgap.simulation.threads import TaskThreads


@pytest.mark.parametrize("threads, n, min_rows", [(1, 50, 8), (2, 50, 8), (2, 3, 8), (3, 1000, 64), (2, 0, 8)])
def test_tasks_cover_every_row_once(threads, n, min_rows):
    seen, lock = [], threading.Lock()

    def task(first, last):
        with lock:
            seen.append((first, last, threading.get_ident()))
        return last - first

    assert TaskThreads().run(threads, n, min_rows, task) == n
    rows = sorted(r for first, last, _ in seen for r in range(first, last))
    assert rows == list(range(n))
    assert all(last - first >= min_rows / 2 or len(seen) == 1 for first, last, _ in seen)
    assert len(seen) <= 4 * threads


def test_both_threads_work_and_a_failing_task_raises_after_all_finished():
    pool, started, barrier = TaskThreads(), [], threading.Barrier(2, timeout=30)

    def task(first, last):
        started.append(threading.get_ident())
        barrier.wait()  # only returns if two threads run tasks at the same time
        return 1

    assert pool.run(2, 16, 8, task) == 2
    assert len(set(started)) == 2

    def failing(first, last):
        if first == 0:
            raise ValueError("task 0 failed")
        return 1

    with pytest.raises(ValueError, match="task 0 failed"):
        pool.run(2, 64, 8, failing)
    assert pool.run(2, 64, 8, lambda first, last: 1) == 8  # still usable


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
