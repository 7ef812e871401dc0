"""The gallery network: NEST's example gap_junctions_inhibitory_network, as one function.

:func:`build` is NEST's script up to Simulate, statement for statement and with
its comments, as a function of the simulator module it runs on. As in the
script, V_m, the in-degree sources and the Poisson trains come from the
simulator's random streams. Given ``inputs`` (:func:`deterministic_inputs`),
the same network is built with every one of those draws made by numpy
beforehand and passed in explicitly: V_m values, in-degree sources as connect
arrays, Poisson trains as spike_generators; any simulator that implements
NEST's semantics exactly must then give the same spikes, bit for bit.

The example is test case 2 (Figures 9 and 10) of Hahne et al. (2015) A unified
framework for spiking and gap-junction interactions in distributed neuronal
network simulations, Front. Neuroinform. 9:22, doi:10.3389/fninf.2015.00022.
"""

from types import SimpleNamespace

import numpy

N_NEURON = 500
GAP_PER_NEURON = 60
INH_PER_NEURON = 50
DELAY = 1.0
J_EXC = 300.0
J_INH = -50.0
THREADS = 8
STEPSIZE = 0.05
SIMTIME = 501.0
POISSON_RATE = 500.0


def wfr_settings(nest, use_wfr=True, order=3, comm=1.0, tol=1e-4, max_iterations=15):
    """The script's settings for waveform relaxation. If 'use_wfr' is set to False,
    communication takes place in every step instead of using an iterative solution."""
    nest.use_wfr = use_wfr
    if use_wfr:
        nest.wfr_comm_interval = comm
        nest.wfr_tol = tol
        nest.wfr_max_iterations = max_iterations
        nest.wfr_interpolation_order = order


def gap_pairs(neuron_ids, n_neuron=N_NEURON, gap_per_neuron=GAP_PER_NEURON, seed=1):
    """The script's gap-junction pairs: ``numpy.random.seed(1)``, then ``numpy.random.choice``."""
    numpy.random.seed(seed)
    n_connection = int(n_neuron * gap_per_neuron / 2)
    return numpy.random.choice(neuron_ids, [n_connection, 2])


def build(nest, gap_weight=0.3, threads=THREADS, rng_seed=None, n_neuron=N_NEURON, use_wfr=True, order=3,
          inputs=None, v_m_interval=None, print_time=False, wfr=None, model="hh_psc_alpha_gap", reset=True):
    """The network up to Simulate; returns a namespace with ``neurons``, ``spike_recorder`` and
    ``multimeter`` (recording V_m every ``v_m_interval`` ms, or None).

    ``inputs``: numpy draws replacing the simulator's (:func:`deterministic_inputs`).
    ``wfr``: further keyword arguments of :func:`wfr_settings`.
    ``model``: the neuron model (e.g. a NEST module's model, nestgap.nest_module.install).
    ``reset``: False if the caller has just reset the kernel itself (and loaded a module after it).
    """
    if inputs is not None:
        n_neuron = inputs["n_neuron"]
    if reset:
        nest.ResetKernel()

    ###########################################################################
    # First we set the random seed, adjust the kernel settings and create
    # ``hh_psc_alpha_gap`` neurons, ``spike_recorder`` and ``poisson_generator``.

    nest.resolution = STEPSIZE
    nest.total_num_virtual_procs = threads
    nest.print_time = print_time
    if rng_seed is not None:
        nest.rng_seed = rng_seed
    wfr_settings(nest, use_wfr, order, **(wfr or {}))

    neurons = nest.Create(model, n_neuron)
    sr = nest.Create("spike_recorder")
    if inputs is None:
        pg = nest.Create("poisson_generator", params={"rate": POISSON_RATE})
    else:  # one spike_generator per neuron replays that neuron's Poisson train
        pg = nest.Create("spike_generator", n_neuron)
        pg.set([{"spike_times": numpy.asarray(stamps, numpy.int64) * STEPSIZE}
                for stamps in inputs["poisson_stamps"]])
    mm = None
    if v_m_interval is not None:
        mm = nest.Create("multimeter", params={"interval": v_m_interval, "record_from": ["V_m"]})

    ###########################################################################
    # Each neuron shall receive ``inh_per_neuron = 50`` inhibitory synaptic
    # inputs that are randomly selected from all other neurons, each with
    # synaptic weight ``j_inh = -50.0`` pA and a synaptic delay of 1.0 ms.
    # Furthermore each neuron shall receive an excitatory external Poissonian
    # input of 500.0 Hz with synaptic weight ``j_exc = 300.0`` pA and the same
    # delay.

    syn_dict = {"synapse_model": "static_synapse", "weight": J_INH, "delay": DELAY}
    if inputs is None:
        conn_dict = {"rule": "fixed_indegree", "indegree": INH_PER_NEURON, "allow_autapses": False,
                     "allow_multapses": True}
        nest.Connect(neurons, neurons, conn_dict, syn_dict)
        nest.Connect(pg, neurons, "all_to_all", syn_spec={"synapse_model": "static_synapse", "weight": J_EXC,
                                                           "delay": DELAY})
    else:  # the drawn sources as connect arrays (node ids may repeat), pair by pair
        ids = numpy.asarray(neurons.tolist())
        pre = ids[inputs["inh_sources"].ravel()]
        post = numpy.repeat(ids, INH_PER_NEURON)
        nest.Connect(pre, post, "one_to_one", {**syn_dict, "weight": numpy.full(len(pre), J_INH),
                                               "delay": numpy.full(len(pre), DELAY)})
        nest.Connect(pg, neurons, "one_to_one", {"synapse_model": "static_synapse", "weight": J_EXC,
                                                 "delay": DELAY})

    ###########################################################################
    # Then the neurons are connected to the ``spike_recorder`` and the initial
    # membrane potential of each neuron is set randomly between -40 and -80 mV.

    nest.Connect(neurons, sr)
    if mm is not None:
        nest.Connect(mm, neurons)
    if inputs is None:
        neurons.V_m = nest.random.uniform(min=-80.0, max=-40.0)
    else:  # one dictionary per neuron: PyNEST spreads a list of values over the neurons only where
        # all of them are local, so under MPI ``neurons.V_m = list`` fails (docs/nest_module.md)
        neurons.set([{"V_m": v} for v in inputs["v0"]])

    ###########################################################################
    # Finally gap junctions are added to the network. :math:`(60*500)/2`
    # ``gap_junction`` connections are added randomly resulting in an average
    # of 60 gap-junction connections per neuron. ``gap_junction`` connections
    # are bidirectional, so the same neurons are connected both ways with the
    # ``make_symmetric`` flag of ``one_to_one`` connections.

    for source_node_id, target_node_id in gap_pairs(neurons.tolist(), n_neuron):
        nest.Connect(nest.NodeCollection([source_node_id]), nest.NodeCollection([target_node_id]),
                     {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction", "weight": gap_weight})
    return SimpleNamespace(neurons=neurons, spike_recorder=sr, multimeter=mm)


def deterministic_inputs(n_neuron=N_NEURON, simtime=SIMTIME, seed=12345, rate=POISSON_RATE,
                         resolution=STEPSIZE):
    """numpy draws replacing the simulator's: V0, in-degree sources, Poisson trains (as stamps)."""
    rng = numpy.random.default_rng(seed)
    v0 = rng.uniform(-80.0, -40.0, n_neuron)
    # fixed_indegree without autapses, with multapses: INH_PER_NEURON sources per target
    sources = rng.integers(0, n_neuron - 1, size=(n_neuron, INH_PER_NEURON))
    sources += sources >= numpy.arange(n_neuron)[:, None]  # skip the target itself
    # a poisson_generator sends in steps s = 1 .. n-1 (stamps 2 .. n): per target independent counts
    n_steps = int(round(simtime / resolution))
    lam = resolution * rate * 1e-3
    counts = rng.poisson(lam, size=(n_neuron, n_steps - 1))
    trains = []
    for row in counts:
        steps = numpy.nonzero(row)[0] + 1
        trains.append(numpy.repeat(steps + 1, row[steps - 1]))  # stamps, repeated by multiplicity
    return {"v0": v0, "inh_sources": sources, "poisson_stamps": trains, "n_neuron": n_neuron}
