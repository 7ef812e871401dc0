"""reference_impl reproduces NEST 3.10's hh_psc_alpha_gap bit for bit.

Runs real NEST in the same session (never skipped: a missing NEST is a
failure). For every scenario and resolution all 7 recordables must be
bitwise equal at every sample NEST returns (NEST withholds the last
min_delay slice, docs/time_and_events.md 5.4) and the spike times must be identical.
"""

import math

import numpy as np
import pytest

from reference_impl import (PARAMETER_DEFAULTS, RECORDABLES, STATE_NAMES,
                            initial_state, rhs, simulate, symbolic_rhs)
from reference_impl import hh_psc_alpha_gap as model
from nestgap.scenarios.single_neuron import SCENARIOS, run_nest

T = 200.0
RESOLUTIONS = (0.05, 0.1)


def _nest():
    import nest  # noqa: F401  (must be importable: fail, do not skip)
    return nest


_cache = {}


def _runs(h, name):
    key = (h, name)
    if key not in _cache:
        _nest()
        kwargs = SCENARIOS[name]
        _cache[key] = (simulate(T, h, **kwargs), run_nest(T, h, **kwargs))
    return _cache[key]


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("h", RESOLUTIONS)
def test_bitwise_equal_to_nest(h, name):
    ref, nst = _runs(h, name)
    n_steps = int(round(T / h))
    d_steps = int(round(nst["min_delay"] / h))
    assert len(ref["times"]) == n_steps
    # multimeter lag: the last min_delay slice is not returned by NEST
    n = len(nst["times"])
    assert n == n_steps - d_steps, (n, n_steps, d_steps)

    assert np.array_equal(np.array(ref["times"][:n]), np.array(nst["times"]))
    for key in RECORDABLES:
        a = np.array(ref[key][:n], dtype=np.float64)
        b = np.array(nst[key], dtype=np.float64)
        if not np.array_equal(a, b):
            idx = np.flatnonzero(a != b)
            dV = np.max(np.abs(np.array(ref["V_m"][:n]) - np.array(nst["V_m"])))
            pytest.fail("%s differs at %d of %d samples (first at t=%r: %r vs %r); "
                        "max |dV| = %g mV" % (key, idx.size, n, nst["times"][idx[0]],
                                              a[idx[0]], b[idx[0]], dV))
    assert ref["spike_times"] == nst["spike_times"]


# --- sanity checks against the reference figures of docs/models.md -------

def test_known_spike_times_h005():
    ref, nst = _runs(0.05, "I_e_200")
    expected = [5.7, 18.8, 36.85, 60.3, 85.45, 110.8, 136.2, 161.6, 187.0]
    assert nst["spike_times"] == pytest.approx(expected, abs=1e-9)
    assert ref["spike_times"] == pytest.approx(expected, abs=1e-9)

    ref500, _ = _runs(0.05, "I_e_500")
    assert len(ref500["spike_times"]) == 23 and ref500["spike_times"][0] == 2.6
    ref1000, _ = _runs(0.05, "I_e_1000")
    assert len(ref1000["spike_times"]) == 35 and ref1000["spike_times"][0] == 1.55

    # dc_generator 200 pA (start 0, delay 1 ms) = I_e 200 pA shifted by 1.05 ms
    dc, _ = _runs(0.05, "dc_200")
    assert dc["spike_times"] == pytest.approx([t + 1.05 for t in expected], abs=1e-9)


@pytest.mark.parametrize("h", RESOLUTIONS)
def test_input_timing(h):
    """dc window acts on [21, 121) ms; a spike at t with delay 1 acts at t + 1."""
    rest, _ = _runs(h, "rest")
    win, _ = _runs(h, "dc_window")
    n_on = int(round(21.0 / h))         # samples up to and including t = 21.0
    assert win["V_m"][:n_on] == rest["V_m"][:n_on]
    assert win["V_m"][n_on] != rest["V_m"][n_on]

    sub, _ = _runs(h, "spikes_subthreshold")
    k = int(round(11.0 / h)) - 1        # sample stamped 11.0 ms (first spike at 10 ms)
    assert sub["DI_syn_ex"][k - 1] == 0.0 and sub["DI_syn_ex"][k] > 0.0
    assert sub["I_syn_ex"][k] == 0.0 and sub["I_syn_ex"][k + 1] > 0.0


def test_defaults_and_initial_state_match_nest():
    nest = _nest()
    nest.ResetKernel()
    defaults = nest.GetDefaults("hh_psc_alpha_gap")
    for name, value in PARAMETER_DEFAULTS.items():
        assert defaults[name] == value, name
    neuron = nest.Create("hh_psc_alpha_gap")
    y0 = initial_state()
    for i, name in enumerate(STATE_NAMES[:5]):
        assert neuron.get(name) == y0[i], name
    assert sorted(defaults["recordables"]) == sorted(RECORDABLES)


def test_refractory_counts():
    assert model.HHPscAlphaGap(resolution=0.05).RefractoryCounts == 40
    assert model.HHPscAlphaGap(resolution=0.1).RefractoryCounts == 20
    assert model.HHPscAlphaGap(resolution=0.1, params={"t_ref": 0.25}).RefractoryCounts == 3


def test_symbolic_rhs_agrees_with_numeric():
    import sympy

    exprs = symbolic_rhs()
    assert list(exprs) == list(STATE_NAMES)
    free = set().union(*(e.free_symbols for e in exprs.values()))
    allowed = ({sympy.Symbol(p) for p in PARAMETER_DEFAULTS}
               | {sympy.Symbol(s) for s in STATE_NAMES}
               | {sympy.Symbol("I_stim"), sympy.Symbol("I_gap")})
    assert free <= allowed and sympy.Symbol("I_gap") in free

    P = dict(PARAMETER_DEFAULTS, I_e=123.0)
    y = [-55.3, 0.1, 0.6, 0.05, 0.02, 30.0, 12.0, -4.0, -7.0]
    num = rhs(y, P, 45.0, -17.0)
    subs = {sympy.Symbol(k): v for k, v in P.items()}
    subs.update({sympy.Symbol(s): v for s, v in zip(STATE_NAMES, y)})
    subs.update({sympy.Symbol("I_stim"): 45.0, sympy.Symbol("I_gap"): -17.0})
    for name, value in zip(STATE_NAMES, num):
        sym = float(exprs[name].evalf(30, subs=subs))
        assert sym == pytest.approx(value, rel=1e-12, abs=1e-12), name


def test_steady_state_gates():
    """Initial gates are the steady states of the rate functions at V_init."""
    V = model.V_INIT
    y0 = initial_state()
    for i, (a, b) in enumerate([(model.alpha_m, model.beta_m), (model.alpha_h, model.beta_h),
                                (model.alpha_n, model.beta_n), (model.alpha_p, model.beta_p)]):
        assert y0[1 + i] == a(V) / (a(V) + b(V))
    assert y0[1:5] == [0.019198766985083732, 0.868462041294399,
                       0.0005741576228359767, 0.0002511318227150632]
    assert not math.isnan(sum(y0))
