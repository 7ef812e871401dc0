"""Threads run the compiled kernel: work shared by atomic counters, errors surface, safe with fork."""

import functools
import multiprocessing
import time

import numpy as np
import pytest

from nestgap.simulation.threads import TaskThreads


@functools.lru_cache(maxsize=None)
def _counting_team():
    """A compiled lead/follow pair as generated kernels build theirs (nestgap.codegen.team): every
    thread of the team takes items from a shared counter (as update_task's lanes take neurons)
    and marks them; each returns how many it took."""
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
            k = take(counter, 0)
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

    return lead, follow


def _job(n):
    return np.zeros(1, np.int64), np.zeros(n, np.int64), n


def test_a_thread_team_runs_every_job_on_all_threads_whether_its_helpers_spin_or_sleep():
    """Back-to-back jobs find the helper spinning; jobs after a pause (longer than the helper
    spins) have to wake it. No item is taken twice or left, and the helper takes part."""
    from nestgap.codegen import team

    lead, follow = _counting_team()
    pool, n = TaskThreads(), 200_000
    helper_shares = 0
    for job in range(300):
        arguments = _job(n)
        assert pool.together(2, lead, follow, arguments) == n
        assert np.all(arguments[1] == 1)
        helper_shares += int(pool._control[0, team.RESULT] > 0)
        if job % 50 == 49:
            time.sleep(0.01)  # the helper stops spinning and falls asleep
            assert pool._control[0, team.STATE] == team.IDLE
    assert helper_shares >= 10  # the helper did take part (not only the calling thread)
    assert pool.together(1, lead, follow, _job(10)) == 10


def test_a_failure_on_a_helper_surfaces_after_the_team_finished():
    """A helper whose part raises (e.g. the check of its array arguments) lets the caller finish,
    which then raises it; the team stays usable."""
    lead, follow = _counting_team()
    pool = TaskThreads()

    def failing(row, *arguments):
        raise TypeError("update_task_follow: argument 3 must be a C-contiguous 2-d float64 array")

    arguments = _job(1000)
    with pytest.raises(TypeError, match="argument 3"):
        pool.together(2, lead, failing, arguments)
    assert np.all(arguments[1] == 1)  # the caller did the whole job alone
    assert pool.together(2, lead, follow, _job(1000)) == 1000


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


def test_threads_take_ranges_of_consecutive_neurons_of_equal_cost_dearest_first():
    """team.share_out: every neuron in exactly one share; share p a range of consecutive neurons
    whose costs (attempts in the last pass, plus one) add up to about a p-th of the total, dearest
    first; counters reset. The engine keeps one set of share arrays per thread count."""
    from nestgap.codegen.team import share_out
    from nestgap.simulation.engine import Engine

    cost = np.array([5, 1, 9, 9, 2, 7, 3, 8], np.int64)  # plus one: 6 2 10 10 | 3 8 4 9, 52 in all
    order = np.zeros(8, np.int64)
    engine = Engine.__new__(Engine)
    engine._share_arrays = {}
    bounds, counters = engine._shares(2)
    assert counters.shape == (16,) and engine._shares(2)[0] is bounds
    counters[8] = 5
    share_out(order, bounds, counters, cost)
    assert bounds.tolist() == [0, 4, 8] and not counters.any()
    assert order.tolist() == [2, 3, 0, 1, 7, 5, 6, 4]
    bounds, counters = engine._shares(3)
    share_out(order, bounds, counters, cost)
    assert bounds.tolist() == [0, 3, 6, 8] and order.tolist() == [2, 0, 1, 3, 5, 4, 7, 6]
    share_out(order, *engine._shares(2), np.zeros(8, np.int64))  # before any pass: halves
    assert engine._shares(2)[0].tolist() == [0, 4, 8] and order.tolist() == list(range(8))
    share_out(order[:4], *engine._shares(2), np.array([100, 0, 0, 0]))  # one dear neuron
    assert engine._shares(2)[0].tolist() == [0, 1, 4]
