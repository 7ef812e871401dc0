"""The gallery network (gap_junctions_inhibitory_network), in two forms.

``build_gallery(nest, ...)`` is NEST's gallery script as a function of the
``nest`` module it runs on (real NEST or nestgap): NEST's own random streams
draw V_m, the in-degree sources and the Poisson trains, so NEST and nestgap
can only be compared statistically.

``build_deterministic(nest, inputs, ...)`` is the same network with every
random draw made by numpy beforehand (:func:`deterministic_inputs`) and passed
to the simulator explicitly: V_m values, in-degree sources as one_to_one
connections, Poisson trains as spike_generators. Any simulator that implements
NEST's semantics exactly must produce the same spikes, bit for bit.
"""

import numpy as np

N_NEURON = 500
GAP_PER_NEURON = 60
INH_PER_NEURON = 50
DELAY = 1.0
J_EXC = 300.0
J_INH = -50.0
RESOLUTION = 0.05
SIMTIME = 501.0
POISSON_RATE = 500.0


def wfr_settings(nest, use_wfr=True, order=3, comm=1.0, tol=1e-4, max_iterations=15):
    nest.use_wfr = use_wfr
    if use_wfr:
        nest.wfr_comm_interval = comm
        nest.wfr_tol = tol
        nest.wfr_max_iterations = max_iterations
        nest.wfr_interpolation_order = order


def gap_pairs(neuron_ids, n_neuron=N_NEURON, gap_per_neuron=GAP_PER_NEURON, seed=1):
    """The gallery's gap-junction pairs: ``numpy.random.seed(1); numpy.random.choice(ids, [n, 2])``."""
    np.random.seed(seed)
    return np.random.choice(neuron_ids, [int(n_neuron * gap_per_neuron / 2), 2])


def build_gallery(nest, gap_weight=0.3, threads=2, rng_seed=None, n_neuron=N_NEURON, use_wfr=True, order=3):
    """NEST's gallery script up to Simulate; returns (neurons, spike_recorder)."""
    nest.ResetKernel()
    nest.resolution = RESOLUTION
    nest.total_num_virtual_procs = threads
    if rng_seed is not None:
        nest.rng_seed = rng_seed
    wfr_settings(nest, use_wfr, order)
    neurons = nest.Create("hh_psc_alpha_gap", n_neuron)
    sr = nest.Create("spike_recorder")
    pg = nest.Create("poisson_generator", params={"rate": POISSON_RATE})
    nest.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": INH_PER_NEURON,
                                    "allow_autapses": False, "allow_multapses": True},
                 {"synapse_model": "static_synapse", "weight": J_INH, "delay": DELAY})
    nest.Connect(pg, neurons, "all_to_all", syn_spec={"synapse_model": "static_synapse", "weight": J_EXC,
                                                       "delay": DELAY})
    nest.Connect(neurons, sr)
    neurons.V_m = nest.random.uniform(min=-80.0, max=-40.0)
    for source, target in gap_pairs(neurons.tolist(), n_neuron):
        nest.Connect(nest.NodeCollection([source]), nest.NodeCollection([target]),
                     {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction", "weight": gap_weight})
    return neurons, sr


def deterministic_inputs(n_neuron=N_NEURON, simtime=SIMTIME, seed=12345, rate=POISSON_RATE,
                         resolution=RESOLUTION):
    """numpy draws replacing NEST's: V0, in-degree sources, Poisson trains (as stamps)."""
    rng = np.random.default_rng(seed)
    v0 = rng.uniform(-80.0, -40.0, n_neuron)
    # fixed_indegree without autapses, with multapses: INH_PER_NEURON sources per target
    sources = rng.integers(0, n_neuron - 1, size=(n_neuron, INH_PER_NEURON))
    sources += sources >= np.arange(n_neuron)[:, None]  # skip the target itself
    # a poisson_generator sends in steps s = 1 .. n-1 (stamps 2 .. n): per target independent counts
    n_steps = int(round(simtime / resolution))
    lam = resolution * rate * 1e-3
    counts = rng.poisson(lam, size=(n_neuron, n_steps - 1))
    trains = []
    for row in counts:
        steps = np.nonzero(row)[0] + 1
        trains.append(np.repeat(steps + 1, row[steps - 1]))  # stamps, repeated by multiplicity
    return {"v0": v0, "inh_sources": sources, "poisson_stamps": trains, "n_neuron": n_neuron}


def build_deterministic(nest, inputs, gap_weight=0.3, threads=2, use_wfr=True, order=3, comm=1.0,
                        tol=1e-4, max_iterations=15, with_gap=True):
    """The gallery network with numpy-drawn inputs; returns (neurons, spike_recorder)."""
    n = inputs["n_neuron"]
    nest.ResetKernel()
    nest.resolution = RESOLUTION
    nest.total_num_virtual_procs = threads
    wfr_settings(nest, use_wfr, order, comm, tol, max_iterations)
    neurons = nest.Create("hh_psc_alpha_gap", n)
    sr = nest.Create("spike_recorder")
    generators = nest.Create("spike_generator", n)
    generators.set([{"spike_times": stamps * RESOLUTION} for stamps in _on_grid(inputs["poisson_stamps"])])
    ids = np.asarray(neurons.tolist())
    pre = ids[inputs["inh_sources"].ravel()]
    post = np.repeat(ids, INH_PER_NEURON)
    # arrays of node ids (duplicates allowed): PyNEST's "connect arrays", pair by pair
    nest.Connect(pre, post, "one_to_one", {"synapse_model": "static_synapse", "weight": np.full(len(pre), J_INH),
                                           "delay": np.full(len(pre), DELAY)})
    nest.Connect(generators, neurons, "one_to_one", {"synapse_model": "static_synapse", "weight": J_EXC,
                                                     "delay": DELAY})
    nest.Connect(neurons, sr)
    neurons.V_m = inputs["v0"]
    if with_gap:
        for source, target in gap_pairs(neurons.tolist(), n):
            nest.Connect(nest.NodeCollection([source]), nest.NodeCollection([target]),
                         {"rule": "one_to_one", "make_symmetric": True},
                         {"synapse_model": "gap_junction", "weight": gap_weight})
    return neurons, sr


def _on_grid(stamp_lists):
    return [np.asarray(s, dtype=np.int64) for s in stamp_lists]
