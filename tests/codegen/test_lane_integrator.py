"""The vectorised right-hand side of the lane integrator against reference_impl.

dynamics_lanes evaluates eight neurons at once with an exp that is exact inside
glibc's fast path and NaN outside it (|x| < 2^-54, |x| >= 512, inf, nan); such
lanes are redone with the exact exp. States that hit those cases (V_m = -44 mV
gives exp(0); |V_m| in the thousands of mV overflows) must still give the
reference's derivatives bit for bit, whatever else the other lanes hold.
"""

import math

import numpy as np
import pytest

from nestgap.codegen.cache import kernel_module
from reference_impl import hh_psc_alpha_gap as reference
from support import assert_bitwise_equal

MODEL = "models/hh_psc_alpha_gap.nestml"
SPECIAL_V = [-44.0, 75.5, -51.25, 95.0, 0.0, -0.0, 3.0e4, -3.0e4, 1.0e6, -1.0e6, math.inf, -math.inf, math.nan]


def _c_exp(x):
    """glibc's exp with C semantics (inf on overflow, where Python raises)."""
    try:
        return np.float64(math.exp(x))
    except OverflowError:
        return np.float64(math.inf)


@pytest.fixture(scope="module")
def kernel():
    """Compiled by numba in this process: dynamics_lanes is not among the functions built ahead of time."""
    return kernel_module(MODEL, "numba")


def _lanes(kernel, states, params, i_stim, gap_g, coefficients, t):
    """Register file holding one state per lane (at most LANES)."""
    k, L = kernel, kernel.LANES
    R = np.zeros(k._NROWS * L)
    for lane, y in enumerate(states):
        for j, value in enumerate(y):
            R[(k._RYIN + j) * L + lane] = value
        for j, value in enumerate(params):
            R[(k._RP + j) * L + lane] = value
        R[k._RCUR * L + lane] = i_stim
        R[k._RGG * L + lane] = gap_g
        for j, value in enumerate(coefficients):
            R[(k._RGC + j) * L + lane] = value
        R[k._RT * L + lane] = t
        R[k._RACT * L + lane] = 1.0
    return R


@pytest.mark.parametrize("order", (0, 1, 3))
def test_vectorised_rhs_equals_reference_also_in_exp_special_cases(kernel, order):
    rng = np.random.default_rng(3)
    names = [p[0] for p in kernel.PARAMETERS]
    params = kernel.default_parameters(np.zeros(len(kernel.ODE_STATE)), np.zeros(len(kernel.AUX_STATE)),
                                       np.zeros(len(kernel.INT_STATE), np.int64))
    P = dict(zip(names, params))
    h, t, gap_g = 0.05, 0.0173, 2.5
    coefficients = rng.uniform(-50.0, 50.0, 4)
    tau = t / h
    normal = [list(reference.initial_state()) for _ in range(40)]
    for y in normal:
        y[0] = rng.uniform(-90.0, 40.0)
        y[5:] = rng.uniform(-100.0, 100.0, 4)
    special = []
    for v in SPECIAL_V:
        y = list(reference.initial_state())
        y[0] = v
        special.append(y)
    states = normal[:20] + special + normal[20:]  # special cases in every lane position
    L = kernel.LANES
    for start in range(0, len(states), L):
        batch = states[start:start + L]
        R = _lanes(kernel, batch, params, 12.5, gap_g, coefficients, t)
        kernel.dynamics_lanes(R, order, h)
        for lane, y in enumerate(batch):
            y = [np.float64(v) for v in y]  # C semantics: x / 0 is inf or nan, not an exception
            with np.errstate(all="ignore"):
                i_gap = reference.gap_current(y[0], tau, 0, order, gap_g, coefficients)
                expected = np.array(reference.rhs(y, P, 12.5, i_gap, exp=_c_exp))
            ours = np.array([R[(kernel._RF + j) * L + lane] for j in range(len(y))])
            nan = np.isnan(expected)
            assert np.array_equal(np.isnan(ours), nan), f"NaNs differ for V_m={y[0]!r}: {ours} vs {expected}"
            assert_bitwise_equal(ours[~nan].view(np.int64), expected[~nan].view(np.int64),
                                 f"f(V_m={y[0]!r}), order {order}")


def test_results_do_not_depend_on_how_neurons_are_grouped_into_lanes(monkeypatch):
    """50 gap-coupled neurons on 2 virtual processes, on 1 OS thread and on 2, whose lanes take
    the neurons from shared counters as they finish the previous one: neurons share lanes with
    different neighbours and are taken at other times."""
    import nestgap as nest
    from nestgap.scenarios import gallery

    inputs = gallery.deterministic_inputs(n_neuron=50, simtime=40.0)
    runs = []
    for threads in (1, 2):
        monkeypatch.setenv("NESTGAP_NUM_THREADS", str(threads))
        network = gallery.build(nest, inputs=inputs, gap_weight=2.0, threads=2)
        nest.Simulate(40.0)
        sr = network.spike_recorder
        runs.append((np.asarray(sr.events["times"]), np.asarray(sr.events["senders"]), np.asarray(network.neurons.V_m)))
    assert len(runs[0][0]) > 20
    for ours, theirs, what in zip(runs[1], runs[0], ("times", "senders", "V_m")):
        assert_bitwise_equal(ours, theirs, what)


@pytest.mark.parametrize("order", (0, 1, 3))
def test_gap_slope_lane_is_the_membrane_row_of_the_whole_right_hand_side(kernel, order):
    """The WFR interpolation's end slope is evaluated for V_m's row alone: the same bits as
    dynamics_lane's row, also where the exp special cases make dynamics_lanes redo a lane."""
    rng = np.random.default_rng(5)
    params = kernel.default_parameters(np.zeros(len(kernel.ODE_STATE)), np.zeros(len(kernel.AUX_STATE)),
                                       np.zeros(len(kernel.INT_STATE), np.int64))
    states = [list(reference.initial_state()) for _ in range(kernel.LANES)]
    for lane, y in enumerate(states):
        y[0] = SPECIAL_V[lane] if lane < len(SPECIAL_V) else rng.uniform(-90.0, 40.0)
        y[1:] = rng.uniform(0.0, 1.0, 4).tolist() + rng.uniform(-100.0, 100.0, 4).tolist()
    R = _lanes(kernel, states, params, -7.25, 1.75, rng.uniform(-50.0, 50.0, 4), 0.05)
    row = (kernel._RF + kernel._V_m) * kernel.LANES
    for lane in range(kernel.LANES):
        whole, alone = R.copy(), R.copy()
        whole[kernel._RF * kernel.LANES:(kernel._RF + len(states[0])) * kernel.LANES] = 0.0
        alone[kernel._RF * kernel.LANES:(kernel._RF + len(states[0])) * kernel.LANES] = 0.0
        kernel.dynamics_lane(whole, lane, order, 0.05)
        kernel.gap_slope_lane(alone, lane, order, 0.05)
        assert_bitwise_equal(np.array([alone[row + lane]]).view(np.int64),
                             np.array([whole[row + lane]]).view(np.int64), f"lane {lane}, V_m={states[lane][0]!r}")


def test_error_ratio_is_gsls_max_of_component_ratios(kernel):
    """With eps_rel = 0, _step_end divides the largest |yerr_j| by eps_abs once; GSL takes the
    largest of the ratios |yerr_j| / eps_abs, passing over NaN, starting from DBL_MIN.
    Division by a positive constant being monotone, both give the same double: checked with
    errors spanning every binade, subnormal ones, zeros, infinities and NaNs."""
    k, L, n = kernel, kernel.LANES, len(kernel.ODE_STATE)
    rng = np.random.default_rng(11)
    specials = np.array([0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1e-300, math.inf, -math.inf, math.nan])
    eps_abs = k._EPS_ABS  # the model file's option, 1e-06
    for trial in range(200):
        R = np.zeros(k._NROWS * L)
        K = rng.standard_normal((6, n, L)) * 10.0 ** rng.integers(-320, 300, (6, n, L)).astype(float)
        if trial % 2:
            K[rng.integers(0, 6, 4), rng.integers(0, n, 4), rng.integers(0, L, 4)] = rng.choice(specials, 4)
        K[:, :, trial % L] = rng.choice([0.0, 1e-310, math.nan])  # every error 0, subnormal or NaN
        h = 10.0 ** rng.uniform(-8, -1, L)
        for s in range(6):
            R[(k._RK1 + s * n) * L:(k._RK1 + (s + 1) * n) * L] = K[s].ravel()
        R[k._RH * L:(k._RH + 1) * L] = h
        with np.errstate(all="ignore"):
            k._step_end(R)
            yerr = h * (k._EC1 * K[0] + k._EC3 * K[2] + k._EC4 * K[3] + k._EC5 * K[4] + k._EC6 * K[5])
            for lane in range(L):
                rmax = 2.2250738585072014e-308
                for j in range(n):
                    r = abs(yerr[j, lane]) / abs(eps_abs)
                    if r > rmax:
                        rmax = r
                assert_bitwise_equal(np.array([R[k._RRMAX * L + lane]]).view(np.int64),
                                     np.array([rmax]).view(np.int64), f"trial {trial}, lane {lane}")
