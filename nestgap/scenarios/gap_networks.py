"""Gap-junction scenarios, written once against the PyNEST API and run on NEST and on nestgap.

Every function takes the simulator module (``nest`` or ``nestgap``) as its first
argument, builds the network in a fresh kernel, simulates and returns plain
numpy results, so that the two simulators can be compared bit for bit.
"""

import warnings

import numpy as np

from .gallery import wfr_settings

#: the 20 variants of the gap-coupled pair (docs/waveform_relaxation.md, section 10): name -> settings
PAIR_VARIANTS = {
    "order3": {},
    "order1": {"order": 1},
    "order0": {"order": 0},
    "order3_h01": {"resolution": 0.1},
    "order1_h01": {"resolution": 0.1, "order": 1},
    "order0_h01": {"resolution": 0.1, "order": 0},
    "no_wfr": {"use_wfr": False},
    "no_wfr_h01": {"use_wfr": False, "resolution": 0.1},
    "max_iter_1": {"max_iterations": 1},
    "max_iter_2": {"max_iterations": 2},
    "max_iter_15": {"max_iterations": 15},
    "tol_0": {"tol": 0.0},
    "comm_0.5": {"comm": 0.5},
    "comm_2": {"comm": 2.0},
    "extra_delay_0.2": {"extra_delay": 0.2},
    "dc_drive": {"dc": 200.0},
    "weak_0.5nS": {"weight": 0.5},
    "spike_input": {"spikes": True},
    "order1_spike_input": {"order": 1, "spikes": True},
    "no_wfr_spike_input": {"use_wfr": False, "spikes": True},
}


def _kernel(nest, resolution, use_wfr, order, comm, tol, max_iterations, vps=1):
    nest.ResetKernel()
    nest.resolution = resolution
    nest.total_num_virtual_procs = vps
    wfr_settings(nest, use_wfr, order, comm, tol, max_iterations)


def gap_pair(nest, T=100.0, resolution=0.05, use_wfr=True, order=3, comm=1.0, tol=1e-4, max_iterations=15,
             weight=20.0, dc=None, extra_delay=None, spikes=False, model="hh_psc_alpha_gap", I_e=200.0,
             spike_weight=600.0):
    """An I_e driven neuron coupled to an undriven one; V_m of both at every step."""
    _kernel(nest, resolution, use_wfr, order, comm, tol, max_iterations)
    n = nest.Create(model, 2)
    if dc is None:
        n[0].I_e = I_e
    else:
        gen = nest.Create("dc_generator", params={"amplitude": dc})
        nest.Connect(gen, n[0])
    nest.Connect(n[0], n[1], {"rule": "one_to_one", "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": weight})
    if extra_delay is not None:  # a chemical synapse that lowers min_delay
        nest.Connect(n[1], n[0], "one_to_one", {"weight": 10.0, "delay": extra_delay})
    if spikes:
        sg = nest.Create("spike_generator", params={"spike_times": [5.0, 5.5, 30.0, 61.0, 61.5, 62.0]})
        nest.Connect(sg, n[1], syn_spec={"weight": spike_weight, "delay": 1.0})
    return _record(nest, n, T, resolution)


def _record(nest, neurons, T, interval):
    mm = nest.Create("multimeter", params={"interval": interval, "record_from": ["V_m"]})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, neurons)
    nest.Connect(neurons, sr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nest.Simulate(T)
    events, spikes = mm.events, sr.events
    order = np.lexsort((events["senders"], events["times"]))
    spike_order = np.lexsort((spikes["senders"], spikes["times"]))
    return {"times": np.asarray(events["times"])[order], "senders": np.asarray(events["senders"])[order],
            "V_m": np.asarray(events["V_m"])[order],
            "spike_times": np.asarray(spikes["times"])[spike_order],
            "spike_senders": np.asarray(spikes["senders"])[spike_order],
            "min_delay": nest.GetKernelStatus("min_delay"), "warnings": len(caught)}


def nest_testsuite_pair(nest, model="hh_psc_alpha_gap"):
    """NEST's own test of hh_psc_alpha_gap (and, the same, of hh_cond_beta_gap_traub), in our words:
    h = 0.1 ms, WFR order 3 (tol 1e-4, at most 10 iterations), neuron 1 driven by I_e = 200 pA,
    gap weight 20 nS, a voltmeter on neuron 2 with delay = resolution (so min_delay is one step), 20 ms.

    Returns (steps, V_m of neuron 2)."""
    _kernel(nest, 0.1, True, 3, 1.0, 1e-4, 10)
    n = nest.Create(model, 2)
    n[0].I_e = 200.0
    nest.Connect(n[0], n[1], {"rule": "one_to_one", "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": 20.0})
    vm = nest.Create("voltmeter", params={"time_in_steps": True, "interval": 0.1})
    nest.Connect(vm, n[1], "all_to_all", {"delay": 0.1})
    nest.Simulate(20.0)
    events = vm.events
    return np.asarray(events["times"]), np.asarray(events["V_m"])


def mpi_testsuite_spikes(nest, vps):
    """NEST's test of gap junctions under MPI, as virtual processes: 4 neurons, h = 0.1 ms,
    WFR order 3, neuron 0 driven by 400 pA, gaps 0-1 (10 nS), 0-2 (8 nS), 0-3 (12 nS); 50 ms."""
    _kernel(nest, 0.1, True, 3, 1.0, 1e-4, 10, vps=vps)
    n = nest.Create("hh_psc_alpha_gap", 4)
    n[0].I_e = 400.0
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    for target, weight in ((1, 10.0), (2, 8.0), (3, 12.0)):
        nest.Connect(n[0], n[target], {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction", "weight": weight})
    nest.Simulate(50.0)
    events = sr.events
    order = np.lexsort((events["senders"], events["times"]))
    return np.asarray(events["times"])[order], np.asarray(events["senders"])[order]


def network_inputs(n=30, T=100.0, resolution=0.05, seed=7, n_gap_pairs=90, rate=800.0):
    """numpy draws for the 30-neuron gap network: V0, recurrent sources, gap pairs, input trains."""
    rng = np.random.default_rng(seed)
    sources = rng.integers(0, n, size=(n, 5))
    pairs = rng.integers(0, n, size=(n_gap_pairs, 2))
    n_steps = int(round(T / resolution))
    counts = rng.poisson(resolution * rate * 1e-3, size=(n, n_steps - 1))
    trains = [np.repeat(np.nonzero(row)[0] + 2, row[np.nonzero(row)[0]]) for row in counts]
    v0 = rng.uniform(-75.0, -55.0, n)
    # for networks whose sums depend on the order of their terms (NEST's depends on the VP count)
    gap_weights = rng.uniform(0.1, 1.0, n_gap_pairs)
    inh_weights = rng.uniform(-40.0, -20.0, sources.size)
    return {"v0": v0, "sources": sources, "pairs": pairs, "trains": trains, "n": n, "resolution": resolution,
            "gap_weights": gap_weights, "inh_weights": inh_weights}


def gap_network(nest, inputs, T=100.0, use_wfr=True, order=3, weight=0.5, vps=1, model="hh_psc_alpha_gap",
                input_weight=400.0, inhibitory_weight=-30.0, random_weights=False):
    """Recurrent inhibition, 90 random gap pairs (self-pairs and duplicates kept), spike_generator drive.

    ``random_weights``: every gap pair and inhibitory synapse with its own weight (inputs'
    ``gap_weights``, ``inh_weights``) instead of ``weight`` and ``inhibitory_weight``, so that the
    sums a neuron forms depend on their order. ``model``: a model name, or two (the first half of
    the neurons of one, the rest of the other: gap junctions between two blocks)."""
    h = inputs["resolution"]
    _kernel(nest, h, use_wfr, order, 1.0, 1e-4, 15, vps=vps)
    n = inputs["n"]
    if isinstance(model, str):
        neurons = nest.Create(model, n)
    else:
        neurons = nest.Create(model[0], n // 2) + nest.Create(model[1], n - n // 2)
    generators = nest.Create("spike_generator", n)
    generators.set([{"spike_times": stamps * h} for stamps in inputs["trains"]])
    nest.Connect(generators, neurons, "one_to_one", {"weight": input_weight, "delay": 1.0})
    ids = np.asarray(neurons.tolist())
    pre = ids[inputs["sources"].ravel()]
    post = np.repeat(ids, inputs["sources"].shape[1])
    inh = inputs["inh_weights"] if random_weights else np.full(len(pre), inhibitory_weight)
    nest.Connect(pre, post, "one_to_one", {"synapse_model": "static_synapse", "weight": inh,
                                           "delay": np.full(len(pre), 1.0)})
    neurons.V_m = inputs["v0"]
    for k, (a, b) in enumerate(inputs["pairs"]):
        nest.Connect(neurons[int(a)], neurons[int(b)], {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction",
                      "weight": float(inputs["gap_weights"][k]) if random_weights else weight})
    return _record(nest, neurons, T, h)
