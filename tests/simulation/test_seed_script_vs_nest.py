"""The gallery script as NEST's users have it (NEST's random streams draw V_m, the in-degree sources
and the Poisson trains), against NEST: identical spikes, in NEST's raw order, and every neuron's final
V_m bit for bit, at 1, 2, 3 and 8 virtual processes, two gap weights and two seeds (50 ms each).

The network is built by nestgap.scenarios.gallery.build, NEST's script statement for statement;
validation/seed_script.py runs the script's own text for 501 ms at all four gap weights.
"""

import numpy as np
import pytest

from nestgap.scenarios import gallery
from support import assert_bitwise_equal, outcome


def _run(sim, gap_weight, vps, seed):
    network = gallery.build(sim, gap_weight, threads=vps, rng_seed=seed)
    sim.Simulate(50.0)
    events = network.spike_recorder.events
    return np.asarray(events["times"]), np.asarray(events["senders"]), np.asarray(network.neurons.V_m)


@pytest.mark.parametrize("seed", [None, 12345], ids=["default_seed", "seed_12345"])
@pytest.mark.parametrize("gap_weight", [0.0, 0.54])
@pytest.mark.parametrize("vps", [1, 2, 3, 8])
def test_seed_script_bit_for_bit(vps, gap_weight, seed, nest_module):
    import nestgap

    theirs = outcome(nest_module, lambda sim: _run(sim, gap_weight, vps, seed))
    ours = outcome(nestgap, lambda sim: _run(sim, gap_weight, vps, seed))
    assert theirs[0] == ours[0] == "ok", (theirs[1:], ours[1:])
    assert len(theirs[1][0]) > 100
    for k, what in enumerate(("spike times", "senders", "final V_m")):
        assert_bitwise_equal(ours[1][k], theirs[1][k], what)
