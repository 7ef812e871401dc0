"""What NEST returns in an order that follows its virtual processes, against NEST at several VP counts:
recorder events (thread by thread, unsorted), GetConnections (per synapse model and thread; NEST's order
of the threads varies from call to call, so blocks are compared), connection ports (positions in the
sorted connectors), and sums of simultaneous spikes with weights whose sum depends on their order
(docs/nest_vp_structure.md)."""

import numpy as np
import pytest

from support import assert_bitwise_equal, outcome

HH = "hh_psc_alpha_gap"
VPS = [1, 2, 3, 8]


def _network(sim, vps):
    """20 neurons driven to fire, recurrent connections with multapses and two synapse models, a
    spike_generator, recorders; returns the recorders' raw events and the connections."""
    sim.total_num_virtual_procs = vps
    sim.resolution = 0.1
    rng = np.random.default_rng(3)
    neurons = sim.Create(HH, 20, params={"I_e": list(rng.uniform(300.0, 700.0, 20))})
    sim.CopyModel("static_synapse", "static_copy")
    pre = np.asarray(neurons.tolist())[rng.integers(0, 20, 200)]
    post = np.asarray(neurons.tolist())[rng.integers(0, 20, 200)]
    sim.Connect(pre, post, "one_to_one", {"weight": rng.uniform(-90.0, 90.0, 200), "delay": np.full(200, 1.0)})
    sim.Connect(pre[:60], post[:60], "one_to_one", {"synapse_model": "static_copy",
                                                    "weight": rng.uniform(-90.0, 90.0, 60),
                                                    "delay": np.full(60, 1.0)})
    generator = sim.Create("spike_generator", params={"spike_times": [2.0, 2.3, 5.0], "spike_weights": [1.0, 0.7, 1.3]})
    sim.Connect(generator, neurons[::3], syn_spec={"weight": 250.0})
    sr = sim.Create("spike_recorder")
    mm = sim.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5})
    sim.Connect(neurons, sr)
    for k in (7, 2, 11, 4, 19, 0):  # the multimeter reads its neurons in connection order
        sim.Connect(mm, neurons[k])
    sim.Simulate(15.0)
    sim.Simulate(7.3)  # a slice cut in two pieces
    sim.Simulate(2.7)
    spikes = {k: np.asarray(v) for k, v in sr.events.items()}
    samples = {k: np.asarray(v) for k, v in mm.events.items()}
    conns = sim.GetConnections().get(["source", "target", "synapse_model", "weight", "port", "target_thread"])
    return spikes, samples, conns, np.asarray(neurons.V_m)


@pytest.fixture(scope="module", params=VPS, ids=[f"{v}vp" for v in VPS])
def both(request, nest_module):
    import nestgap

    vps = request.param
    theirs, ours = outcome(nest_module, lambda sim: _network(sim, vps)), outcome(nestgap, lambda sim: _network(sim, vps))
    assert theirs[0] == ours[0] == "ok", (theirs[1:], ours[1:])
    return vps, theirs[1], ours[1]


def test_recorder_events_in_nests_raw_order(both):
    vps, (spikes, samples, _, v_m), (our_spikes, our_samples, _, our_v_m) = both
    assert len(spikes["times"]) > 50
    for key in ("times", "senders"):
        assert_bitwise_equal(our_spikes[key], spikes[key], f"spike_recorder {key}")
    for key in ("times", "senders", "V_m"):
        assert_bitwise_equal(our_samples[key], samples[key], f"multimeter {key}")
    assert_bitwise_equal(our_v_m, v_m, "final V_m")


def _blocks(conns):
    """Consecutive runs of (synapse model, thread) -> their rows."""
    rows = list(zip(conns["source"], conns["target"], conns["synapse_model"], conns["weight"], conns["port"]))
    blocks, keys = {}, []
    for row, thread in zip(rows, conns["target_thread"]):
        key = (row[2], thread)
        if not keys or keys[-1] != key:
            assert key not in blocks, "a block appears twice"
            keys.append(key)
            blocks[key] = []
        blocks[key].append(row)
    return blocks, [k[0] for k in keys]


def test_get_connections_blocks_and_ports(both):
    vps, (*_, conns, _), (*_, our_conns, _) = both
    theirs, their_models = _blocks(conns)
    ours, our_models = _blocks(our_conns)
    assert our_models == their_models  # synapse models in the same order; threads may be shuffled in NEST
    assert ours == theirs
