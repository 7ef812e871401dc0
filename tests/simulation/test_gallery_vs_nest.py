"""The full-size gallery network (500 neurons, 30 000 gap connections, WFR) against NEST, spike for spike.

Every random draw of the gallery script is made with numpy and passed to both
simulators (nestgap/scenarios/gallery.py), so both must produce the same spikes, bit
for bit. The test suite runs the first 100 ms at 0.3 nS with WFR and without;
benchmarks/gallery.py runs the full 501 ms at all gap weights and checks the same.
"""

import numpy as np
import pytest

from support import assert_bitwise_equal
from nestgap.scenarios import gallery


@pytest.fixture(scope="module")
def inputs():
    return gallery.deterministic_inputs()


def _spikes(simulator, inputs, T, **settings):
    network = gallery.build(simulator, inputs=inputs, threads=2, **settings)
    simulator.Simulate(T)
    events = network.spike_recorder.events
    order = np.lexsort((events["senders"], events["times"]))
    return np.asarray(events["times"])[order], np.asarray(events["senders"])[order]


@pytest.mark.parametrize("settings", [{"gap_weight": 0.3}, {"gap_weight": 0.3, "use_wfr": False}],
                         ids=["wfr", "no_wfr"])
def test_gallery_spike_for_spike(settings, inputs, nest, ng):
    theirs = _spikes(nest, inputs, 100.0, **settings)
    ours = _spikes(ng, inputs, 100.0, **settings)
    assert len(theirs[0]) > 100
    assert_bitwise_equal(ours[0], theirs[0], "spike times")
    assert_bitwise_equal(ours[1], theirs[1], "senders")
