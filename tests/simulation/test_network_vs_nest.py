"""A deterministic recurrent network of hh_psc_alpha_gap neurons: nestgap against NEST 3.10.

The network (nestgap/scenarios/networks.py): 40 neurons, excitatory and inhibitory static synapses with
delays 1.0 and 1.5 ms and one with 0.5 ms (min_delay 0.5 ms), spike_generator drive with trains
drawn by numpy, initial V_m drawn by numpy; no gap junctions. Spike times and the V_m traces of
all neurons must be bitwise identical to NEST's, independent of how Simulate is chunked (also with
partial slices), of the number of virtual processes/threads, and of print_time.
"""

import numpy as np
import pytest

from support import assert_bitwise_equal
from nestgap.scenarios.networks import draw_network, run_network

KEYS = ("V_m", "times", "senders", "spike_times", "spike_senders")


@pytest.fixture(scope="module")
def ingredients():
    return draw_network(n=40, T=500.0, resolution=0.1)


@pytest.fixture(scope="module")
def nest_500(nest_module, ingredients):
    """NEST, one Simulate(500)."""
    return run_network(nest_module, ingredients, chunks=(500.0,))


@pytest.fixture(scope="module")
def nestgap_500(ingredients):
    """nestgap, one Simulate(500)."""
    import nestgap

    return run_network(nestgap, ingredients, chunks=(500.0,))


def _compare(ours, theirs, what=""):
    for key in KEYS:
        assert_bitwise_equal(ours[key], theirs[key], f"{what} {key}".strip())
    assert ours["min_delay"] == theirs["min_delay"]
    assert ours["biological_time"] == theirs["biological_time"]


def test_network_is_not_trivial(ingredients, nest_500):
    """The comparison means something: every neuron fires, recurrent delays include 0.5 ms, the
    drive has repeated spike times, and min_delay is 0.5 ms."""
    assert set(np.unique(ingredients["delays"])) == {0.5, 1.0, 1.5}
    assert (ingredients["weights"] > 0).any() and (ingredients["weights"] < 0).any()
    assert any(len(set(d)) < len(d) for d in ingredients["drive"])
    assert nest_500["min_delay"] == 0.5
    assert len(np.unique(nest_500["spike_senders"])) == ingredients["n"]
    assert len(nest_500["spike_times"]) > 5 * ingredients["n"]
    # all samples but those of the last 0.5 ms slice
    assert nest_500["V_m"].shape == (40, 5000 - 5)


@pytest.mark.parametrize("resolution", [0.1, 0.05])
def test_network_200ms_bitwise(resolution, nest, ng):
    """Spike times and V_m of all 40 neurons at every step over 200 ms."""
    ing = draw_network(n=40, T=200.0, resolution=resolution, seed=7)
    theirs = run_network(nest, ing, chunks=(200.0,))
    ours = run_network(ng, ing, chunks=(200.0,))
    assert len(theirs["spike_times"]) > 40
    _compare(ours, theirs)


def test_network_500ms_bitwise(nestgap_500, nest_500):
    _compare(nestgap_500, nest_500)


CHUNKINGS = {
    "5x100": (100.0,) * 5,
    "partial_slice": (12.3, 87.7, 400.0),
    "many_partial": (0.3, 12.3, 87.4, 0.1, 99.9, 300.0),
}


@pytest.mark.parametrize("chunking", list(CHUNKINGS))
def test_chunked_simulate_nestgap(chunking, ingredients, nestgap_500, nest_500, ng):
    """Simulate in pieces (also ending inside a min_delay slice) = one Simulate(500), bitwise."""
    ours = run_network(ng, ingredients, chunks=CHUNKINGS[chunking])
    _compare(ours, nestgap_500, chunking)
    _compare(ours, nest_500, chunking)


@pytest.mark.parametrize("chunking", ["5x100", "partial_slice"])
def test_chunked_simulate_nest(chunking, ingredients, nest_500, nest):
    """NEST itself gives the same for the same chunking (what the nestgap test relies on)."""
    theirs = run_network(nest, ingredients, chunks=CHUNKINGS[chunking])
    _compare(theirs, nest_500, chunking)


@pytest.mark.parametrize("setting", [{"vps": 1}, {"vps": 4}, {"threads": 2}])
def test_threads_nestgap(setting, ingredients, nestgap_500, nest_500, ng):
    ours = run_network(ng, ingredients, chunks=(500.0,), **setting)
    _compare(ours, nestgap_500, str(setting))
    _compare(ours, nest_500, str(setting))
    if "vps" in setting:
        assert ng.GetKernelStatus("total_num_virtual_procs") == setting["vps"]
    else:
        assert ng.GetKernelStatus("local_num_threads") == setting["threads"]


def test_threads_nestgap_chunked(ingredients, nest_500, ng):
    """4 virtual processes and Simulate(100) x 5 together."""
    ours = run_network(ng, ingredients, chunks=(100.0,) * 5, vps=4)
    _compare(ours, nest_500)


def _prefix(result, T):
    """The part of a longer run that a run of T ms returns (samples withheld for the last slice)."""
    n_samples = int(round((T - result["min_delay"]) / 0.1))
    keep = result["spike_times"] <= T
    return {**result, "V_m": result["V_m"][:, :n_samples], "times": result["times"][:n_samples],
            "spike_times": result["spike_times"][keep], "spike_senders": result["spike_senders"][keep],
            "biological_time": T}


@pytest.mark.parametrize("setting, T", [({"vps": 4}, 500.0), ({"threads": 2}, 200.0)])
def test_threads_nest(setting, T, ingredients, nest_500, nest):
    """NEST with several virtual processes gives the same as with one (integer weights: the
    ring-buffer sums are exact in any delivery order). NEST's OpenMP threads are slow on a busy
    2-core machine: 200 ms with 2 threads, compared with the first 200 ms of the long run."""
    theirs = run_network(nest, ingredients, chunks=(T,), **setting)
    _compare(theirs, _prefix(nest_500, T), str(setting))


def test_print_time(ingredients, nestgap_500, ng, capfd):
    """print_time = True: progress on stderr, results unchanged."""
    capfd.readouterr()
    ours = run_network(ng, ingredients, chunks=(250.0, 250.0), print_time=True)
    out, err = capfd.readouterr()
    assert ng.GetKernelStatus("print_time") is True
    assert err.strip(), "no progress output on stderr"
    assert "ms" in err
    assert out == ""
    _compare(ours, nestgap_500)
