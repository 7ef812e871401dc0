"""The plain transcription of hh_cond_beta_gap_traub in reference_impl/ against NEST 3.10, bit for bit.

The oracle of ``nestgap check`` (a) must itself be NEST's model: the same single-neuron scenarios as
tests/simulation/test_hh_cond_beta_gap_traub_vs_nest.py, every recordable at every step.
"""

import pytest

from reference_impl import simulate
from support import assert_bitwise_equal
from nestgap.scenarios.single_neuron import run_nest

MODEL = "hh_cond_beta_gap_traub"
RECORDABLES = ("V_m", "g_ex", "g_in", "Act_m", "Inact_h", "Act_n")
SCENARIOS = {
    "I_e_500": {"I_e": 500.0},
    "dc": {"dc": {"amplitude": 300.0, "start": 5.0, "stop": 80.0, "delay": 1.0}},
    "spikes": {"I_e": 100.0, "spikes": {"times": [10.0, 10.0, 20.0, 30.0, 45.0, 80.0, 80.5],
                                        "weights": [40.0, -10.0, 40.0, 40.0, -20.0, 60.0, 60.0], "delay": 1.0}},
}


@pytest.mark.parametrize("h", (0.05, 0.1))
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_reference_equals_nest(name, h, nest):
    theirs = run_nest(100.0, h, nest=nest, model=MODEL, recordables=RECORDABLES, **SCENARIOS[name])
    ours = simulate(100.0, h, model=MODEL, **SCENARIOS[name])
    n = len(theirs["times"])
    assert_bitwise_equal(ours["times"][:n], theirs["times"], "times")
    for key in RECORDABLES:
        assert_bitwise_equal(ours[key][:n], theirs[key], key)
    assert ours["spike_times"] == theirs["spike_times"] and len(theirs["spike_times"]) > 0
