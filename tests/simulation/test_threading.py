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


def test_a_thread_team_runs_every_job_on_all_threads_whether_its_helpers_spin_or_sleep():
    """TaskThreads.together with a compiled lead/follow pair as generated kernels build them
    (nestgap.codegen.team): back-to-back jobs find the helper spinning, jobs after a pause
    (longer than the helper spins) have to wake it; plain ``every`` jobs share the helper."""
    import time

    import numba

    from nestgap.codegen import jit, team

    with jit.compiling_with_numba():
        from nestgap.codegen import atomics
        claim, join, finish = (numba.njit(f, inline="always") for f in team.team(
            atomics.load, atomics.publish, atomics.swap_if, atomics.pause, atomics.cycles, atomics.yield_cpu))
        take = atomics.take

    @numba.njit(nogil=True)
    def count(counter, taken, n):
        mine = 0
        while True:
            k = take(counter)
            if k >= n:
                return mine
            taken[k] += 1
            mine += 1

    @numba.njit(nogil=True)
    def lead(control, try_claim, counter, taken, n):
        if try_claim and not claim(control):
            return -1
        return count(counter, taken, n) + join(control)

    @numba.njit(nogil=True)
    def follow(row, counter, taken, n):
        return finish(row, count(counter, taken, n))

    pool, n = TaskThreads(), 200_000
    helper_shares = 0
    for job in range(300):
        counter, taken = np.zeros(1, np.int64), np.zeros(n, np.int64)
        assert pool.together(2, lead, follow, (counter, taken, n)) == n
        assert np.all(taken == 1)
        helper_shares += int(pool._control[0, team.RESULT] > 0)
        if job % 50 == 49:
            time.sleep(0.01)  # the helper stops spinning and falls asleep
            assert pool._control[0, team.STATE] == team.IDLE
            assert pool.every(2, lambda: 1) == 2
    assert helper_shares >= 10  # the helper did take part (not only the calling thread)
    assert pool.together(1, lead, follow, (np.zeros(1, np.int64), np.zeros(10, np.int64), 10)) == 10


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


GAP_AUX_MODEL = """
# gap_aux_neuron - a leaky neuron whose ODE reads a state variable without an ODE of its own
#
# Code generation options
# +++++++++++++++++++++++
#
# .. code-block:: json
#
#    {"solver": "numeric",
#     "gap_junctions": {"enable": true, "membrane_potential_variable": "V_m", "gap_current_port": "I_gap"}}
#
model gap_aux_neuron:
    state:
        V_m mV = -65 mV
        I_extra pA = 0 pA

    equations:
        V_m' = (-g_L * (V_m - E_L) + I_extra + I_gap) / C_m

    parameters:
        C_m pF = 100 pF
        g_L nS = 10 nS
        E_L mV = -65 mV
        I_step pA = 0 pA

    input:
        I_gap pA <- continuous

    update:
        I_extra = I_step            # read by the right-hand side: set before the integration ...
        if g_L > 0 nS:              # (not at the top level: the WFR slope at the step's start is computed apart)
            integrate_odes()
        I_extra = 0.5 * I_step      # ... and changed after it (seen by the WFR slope at the step's end)
"""


def _pairs_of_gap_aux_neurons(folder, order, threads):
    """Ten gap-coupled pairs with different I_step, created in ``order``; final V_m per pair index."""
    import nestgap as nest
    nest.ResetKernel()
    nest.Install(str(folder / "gap_aux_neuron.nestml"))
    nest.total_num_virtual_procs = threads
    nest.set(use_wfr=True, wfr_interpolation_order=3, wfr_tol=1e-6)
    final = {}
    neurons = {}
    for pair in order:
        neurons[pair] = nest.Create("gap_aux_neuron", 2, params={"I_step": [50.0 * (pair + 1), -20.0 * pair]})
        nest.Connect(neurons[pair][0], neurons[pair][1], {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction", "weight": 5.0})
    nest.Simulate(10.0)
    for pair, pn in neurons.items():
        final[pair] = np.asarray(pn.V_m)
    return final


def test_gap_models_whose_odes_read_other_state_do_not_depend_on_lanes_or_threads(tmp_path):
    """A lane serves one neuron after another: the WFR slopes of a neuron must read its own state
    without ODE (here I_extra), as it is at that moment, never the lane's previous neuron's."""
    (tmp_path / "gap_aux_neuron.nestml").write_text(GAP_AUX_MODEL.lstrip())  # the header opens the file
    forward = _pairs_of_gap_aux_neurons(tmp_path, range(10), threads=1)
    backward = _pairs_of_gap_aux_neurons(tmp_path, reversed(range(10)), threads=1)
    two_threads = _pairs_of_gap_aux_neurons(tmp_path, range(10), threads=2)
    for pair in range(10):
        assert forward[pair].tolist() == backward[pair].tolist() == two_threads[pair].tolist(), pair
