"""The gallery network built the ways people write scripts, on NEST or on nestgap.

Every builder takes the simulator module (``nest`` or ``nestgap``), the gap
weight (nS), the number of virtual processes and the numpy draws of
:func:`inputs` (None for ``seed``), and returns the spike recorder. The draws
are the script's, the same code for both simulators, so the benchmark makes
them before it starts the set-up clock. The
network is always the gallery's (nestgap/scenarios/gallery.py: 500
hh_psc_alpha_gap, 50 inhibitory inputs and one Poisson train per neuron, 60
gap junctions per neuron, WFR of order 3); what differs is how it is built:

- ``seed``: NEST's script itself, NEST's random streams (population rules
  fixed_indegree and all_to_all, a poisson_generator, random initial V_m),
  gap junctions pair by pair;
- ``arrays``: every draw made by numpy; inhibition as connect arrays, the
  Poisson trains as spike_generators (one_to_one), gap junctions pair by pair;
- ``pairs``: the same network as ``arrays``, every connection by its own
  single-pair ``Connect`` call (25 000 static, 500 from generators, 15 000
  gap pairs with make_symmetric), spike_generators created with a list of
  parameter dicts;
- ``rules``: population rules only, NEST's random streams: pairwise_bernoulli
  inhibition (p = 0.1), spike_generators one_to_one, gap junctions by
  symmetric_pairwise_bernoulli (p = 0.12, 60 per neuron on average).

Both simulators implement the same semantics and the same random streams, so
each scenario must give identical spikes on both.
"""

import numpy as np

from nestgap.scenarios import gallery

SCENARIOS = ("seed", "arrays", "pairs", "rules")


def _kernel(nest, threads):
    nest.ResetKernel()
    nest.resolution = gallery.STEPSIZE
    nest.total_num_virtual_procs = threads
    gallery.wfr_settings(nest)


def inputs(scenario, simtime):
    """The numpy draws ``scenario`` uses for ``simtime`` ms (gallery.deterministic_inputs), or None."""
    return None if scenario == "seed" else gallery.deterministic_inputs(simtime=simtime)


def populations(nest, threads, inputs):
    """A fresh kernel, the neurons and the spike recorder."""
    _kernel(nest, threads)
    return nest.Create("hh_psc_alpha_gap", inputs["n_neuron"]), nest.Create("spike_recorder")


def _trains(inputs):
    return [np.asarray(stamps, np.int64) * gallery.STEPSIZE for stamps in inputs["poisson_stamps"]]


def seed(nest, gap_weight, threads, inputs):
    return gallery.build(nest, gap_weight=gap_weight, threads=threads).spike_recorder


def arrays(nest, gap_weight, threads, inputs):
    return gallery.build(nest, inputs=inputs, gap_weight=gap_weight, threads=threads).spike_recorder


def pairs(nest, gap_weight, threads, inputs):
    neurons, sr = populations(nest, threads, inputs)
    n = inputs["n_neuron"]
    generators = nest.Create("spike_generator", n, params=[{"spike_times": t} for t in _trains(inputs)])
    inhibition_pair_by_pair(nest, neurons, inputs)
    drive = {"synapse_model": "static_synapse", "weight": gallery.J_EXC, "delay": gallery.DELAY}
    for k in range(n):
        nest.Connect(generators[k], neurons[k], syn_spec=drive)
    nest.Connect(neurons, sr)
    neurons.V_m = inputs["v0"]
    gap_junctions_pair_by_pair(nest, neurons, gallery.gap_pairs(list(range(n)), n), gap_weight)
    return sr


def inhibition_pair_by_pair(nest, neurons, inputs):
    """The recurrent inhibition of ``pairs`` (sources drawn in ``inputs``), one static_synapse
    ``Connect`` call per pair; their number."""
    inhibition = {"synapse_model": "static_synapse", "weight": gallery.J_INH, "delay": gallery.DELAY}
    for target, sources in enumerate(inputs["inh_sources"]):
        for source in sources:
            nest.Connect(neurons[int(source)], neurons[target], syn_spec=inhibition)
    return sum(len(sources) for sources in inputs["inh_sources"])


def gap_junctions_pair_by_pair(nest, neurons, gap_pairs, gap_weight):
    """Gap junctions between ``neurons`` at the positions of ``gap_pairs`` (gallery.gap_pairs), one
    ``Connect`` call with make_symmetric per pair, as in ``pairs``."""
    gap = {"synapse_model": "gap_junction", "weight": gap_weight}
    for source, target in gap_pairs:
        nest.Connect(neurons[int(source)], neurons[int(target)], {"rule": "one_to_one", "make_symmetric": True}, gap)


def rules(nest, gap_weight, threads, inputs):
    neurons, sr = populations(nest, threads, inputs)
    n = inputs["n_neuron"]
    generators = nest.Create("spike_generator", n)
    generators.set([{"spike_times": t} for t in _trains(inputs)])
    nest.Connect(neurons, neurons, {"rule": "pairwise_bernoulli", "p": gallery.INH_PER_NEURON / n,
                                    "allow_autapses": False},
                 {"synapse_model": "static_synapse", "weight": gallery.J_INH, "delay": gallery.DELAY})
    nest.Connect(generators, neurons, "one_to_one",
                 {"synapse_model": "static_synapse", "weight": gallery.J_EXC, "delay": gallery.DELAY})
    nest.Connect(neurons, sr)
    neurons.V_m = nest.random.uniform(min=-80.0, max=-40.0)
    nest.Connect(neurons, neurons, {"rule": "symmetric_pairwise_bernoulli", "p": gallery.GAP_PER_NEURON / n,
                                    "allow_autapses": False, "allow_multapses": True, "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": gap_weight})
    return sr


BUILDERS = {"seed": seed, "arrays": arrays, "pairs": pairs, "rules": rules}
