"""One hh_psc_alpha_gap neuron: nestgap against NEST 3.10, bit for bit.

The same script (nestgap/scenarios/single_neuron.run_nest) runs on real NEST and
on nestgap. For every scenario and both resolutions all 7 recordables must be
identical doubles at every sample, the multimeter must return the same sample
times and the same number of samples (NEST withholds the samples of the last
min_delay slice), and the spike times must be identical.
"""

import numpy as np
import pytest

from support import assert_bitwise_equal
from nestgap.scenarios.single_neuron import RECORDABLES, SCENARIOS, run_nest

T = 200.0


def _compare(ours, theirs):
    assert len(ours["times"]) == len(theirs["times"])
    assert_bitwise_equal(ours["times"], theirs["times"], "multimeter times")
    for name in RECORDABLES:
        assert_bitwise_equal(ours[name], theirs[name], name)
    assert_bitwise_equal(ours["spike_times"], theirs["spike_times"], "spike times")
    assert ours["min_delay"] == theirs["min_delay"]


def _expected_samples(resolution, min_delay):
    """Every step is sampled, except those of the last (still pending) min_delay slice."""
    return int(round(T / resolution)) - int(round(min_delay / resolution))


@pytest.mark.parametrize("resolution", [0.05, 0.1])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario_bitwise(scenario, resolution, nest, ng):
    theirs = run_nest(T, resolution=resolution, nest=nest, **SCENARIOS[scenario])
    ours = run_nest(T, resolution=resolution, nest=ng, **SCENARIOS[scenario])
    _compare(ours, theirs)
    # the one-slice lag of the multimeter: min_delay is 1 ms (all connections have delay 1 ms)
    assert theirs["min_delay"] == 1.0
    assert len(theirs["times"]) == _expected_samples(resolution, 1.0)
    assert theirs["times"][0] == resolution
    assert theirs["times"][-1] == T - 1.0


def test_scenarios_fire_as_documented(nest):
    """Guard against a vacuous comparison: the firing scenarios do fire in NEST."""
    counts = {name: len(run_nest(T, resolution=0.1, nest=nest, **kw)["spike_times"])
              for name, kw in SCENARIOS.items()}
    assert counts["rest"] == 0 and counts["spikes_subthreshold"] == 0
    assert counts["I_e_1000"] > counts["I_e_500"] > counts["I_e_200"] > 0
    assert counts["dc_window"] > 0 and counts["spikes_firing"] > 0


# -- I_e given in different ways ----------------------------------------------------------------

def _run_I_e(sim, how, I_e=450.0, resolution=0.1, T_run=100.0):
    sim.ResetKernel()
    sim.resolution = resolution
    if how == "create":
        neuron = sim.Create("hh_psc_alpha_gap", params={"I_e": I_e})
    else:
        neuron = sim.Create("hh_psc_alpha_gap")
        if how == "SetStatus":
            sim.SetStatus(neuron, {"I_e": I_e})
        elif how == "set":
            neuron.set(I_e=I_e)
        elif how == "attribute":
            neuron.I_e = I_e
    mm = sim.Create("multimeter", params={"interval": resolution, "record_from": list(RECORDABLES)})
    sr = sim.Create("spike_recorder")
    sim.Connect(mm, neuron)
    sim.Connect(neuron, sr)
    sim.Simulate(T_run)
    ev = mm.get("events")
    out = {name: np.asarray(ev[name]) for name in RECORDABLES}
    out["times"] = np.asarray(ev["times"])
    out["spike_times"] = np.asarray(sr.get("events")["times"])
    out["I_e"] = neuron.get("I_e")
    return out


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyNEST: SetStatus() is deprecated
@pytest.mark.parametrize("how", ["SetStatus", "set", "attribute"])
def test_I_e_create_params_vs_setstatus(how, nest, ng):
    """I_e through Create(..., params=...) and through SetStatus/set/attribute: the same bits,
    in nestgap and in NEST."""
    reference = _run_I_e(nest, "create")
    assert len(reference["spike_times"]) > 0
    for result in (_run_I_e(nest, how), _run_I_e(ng, "create"), _run_I_e(ng, how)):
        assert result["I_e"] == 450.0
        for key in ("times", "spike_times") + RECORDABLES:
            assert_bitwise_equal(result[key], reference[key], key)


def test_I_e_changed_between_simulate_calls(nest, ng):
    """SetStatus(I_e) between two Simulate calls acts from the next step on, as in NEST."""
    def run(sim):
        sim.ResetKernel()
        neuron = sim.Create("hh_psc_alpha_gap", params={"I_e": 100.0})
        mm = sim.Create("multimeter", params={"interval": 0.1, "record_from": ["V_m", "Act_m"]})
        sr = sim.Create("spike_recorder")
        sim.Connect(mm, neuron)
        sim.Connect(neuron, sr)
        sim.Simulate(30.3)               # ends inside a slice
        sim.SetStatus(neuron, {"I_e": 700.0})
        sim.Simulate(69.7)
        ev = mm.get("events")
        return ev["times"], ev["V_m"], ev["Act_m"], sr.get("events")["times"]
    for ours, theirs, what in zip(run(ng), run(nest), ("times", "V_m", "Act_m", "spike times")):
        assert_bitwise_equal(ours, theirs, what)


# -- a 0.5 ms connection delay: min_delay 0.5 ms -----------------------------------------------

HALF_MS = {
    "spikes_firing_0.5": {"spikes": dict(SCENARIOS["spikes_firing"]["spikes"], delay=0.5)},
    "spikes_subthreshold_0.5": {"spikes": dict(SCENARIOS["spikes_subthreshold"]["spikes"], delay=0.5)},
    "dc_window_0.5": {"dc": dict(SCENARIOS["dc_window"]["dc"], delay=0.5)},
}


@pytest.mark.parametrize("resolution", [0.05, 0.1])
@pytest.mark.parametrize("scenario", list(HALF_MS))
def test_half_ms_delay_bitwise(scenario, resolution, nest, ng):
    theirs = run_nest(T, resolution=resolution, nest=nest, **HALF_MS[scenario])
    ours = run_nest(T, resolution=resolution, nest=ng, **HALF_MS[scenario])
    assert theirs["min_delay"] == 0.5
    _compare(ours, theirs)
    # only the last 0.5 ms slice is withheld now
    assert len(ours["times"]) == _expected_samples(resolution, 0.5)
    assert ours["times"][-1] == T - 0.5


def test_half_ms_delay_shifts_input(nest, ng):
    """The same spike input with delay 0.5 instead of 1.0 ms: the first deviation from rest comes
    exactly 0.5 ms (5 steps) earlier, in both simulators."""
    spikes = {"times": [10.0, 30.0], "weights": [800.0, -300.0]}
    for sim in (nest, ng):
        late = run_nest(60.0, resolution=0.1, nest=sim, spikes=dict(spikes, delay=1.0))
        early = run_nest(60.0, resolution=0.1, nest=sim, spikes=dict(spikes, delay=0.5))
        V_late, V_early = np.asarray(late["V_m"]), np.asarray(early["V_m"])
        first_late = np.nonzero(V_late != V_late[0])[0][0]
        first_early = np.nonzero(V_early != V_early[0])[0][0]
        assert first_late - first_early == 5
