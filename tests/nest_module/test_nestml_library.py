"""NESTML's model library on nestgap against NESTML's own NEST modules and NEST's built-ins.

Four files shipped in the nestml wheel, one of each kind the pipeline must handle: exact
propagators with kernels (iaf_psc_alpha_neuron: integrate_odes(V_m) and integrate_odes(refr_t) in
the branches of an if), a conductance model (iaf_cond_alpha_neuron: numeric V_m, kernels, analytic
refractory timer), an adaptive-exponential model (aeif_cond_alpha_neuron: two numeric variables,
min() in the right-hand side, an analytic variable overwritten after the GSL loop), a model with
four spike ports (traub_cond_multisyn_neuron: receptor types 1-4) and one that draws random numbers
(hh_cond_exp_destexhe_neuron: random_normal in the update block, a state variable without an ODE
read by the right-hand side, parameters' defaults that read the state, a local variable that
shadows a state variable). Each runs the
standard protocol of validation/nestml_library.py on nestgap and on NEST with the model built by
NESTML's NEST target (one module for all, cached), and must agree bit for bit; NEST's
built-in of the same name is compared too (NESTML's formulation differs from NEST's C++: bounded).
The full library table is docs/nestml_library.md (python -m validation.nestml_library).
"""

import nest
import numpy as np
import pytest

from nestgap.exceptions import ToolchainError
from nestgap.nest_module import install
from support import assert_bitwise_equal
from validation.nestml_library import (RESOLUTION, SIMTIME, build_nestml_module, builtin_of, compare,
                                       library_model_files, protocol)

MODELS = ("iaf_psc_alpha_neuron", "iaf_cond_alpha_neuron", "aeif_cond_alpha_neuron")
RECEPTOR_MODEL = "traub_cond_multisyn_neuron"
RANDOM_MODEL = "hh_cond_exp_destexhe_neuron"
#: max |dV| (mV) of NESTML's formulation against NEST's built-in in this protocol: ten times the measured
#: 3.5e-13, 5.1e-6, 1.4e-7 (docs/nestml_library.md: propagators printed from sympy's forms; NESTML's GSL
#: tolerances 1e-6/1e-6 against the built-ins' own settings)
BUILTIN_BOUND = {"iaf_psc_alpha_neuron": 3.5e-12, "iaf_cond_alpha_neuron": 5.1e-5, "aeif_cond_alpha_neuron": 1.4e-6}


@pytest.fixture(scope="module")
def library():
    files = [f for f in library_model_files() if f.stem in (*MODELS, RECEPTOR_MODEL, RANDOM_MODEL)]
    assert len(files) == len(MODELS) + 2
    try:
        built = build_nestml_module(files, module_name="nestmltest_module")
    except ToolchainError as error:
        pytest.fail(f"building NESTML's module failed: {error}", pytrace=False)
    return files, built


@pytest.mark.parametrize("name", (*MODELS, RECEPTOR_MODEL, RANDOM_MODEL))
def test_nestgap_equals_nestmls_module(library, name, ng):
    files, built = library
    ng.Install(next(f for f in files if f.stem == name))

    def with_module():
        nest.ResetKernel()
        install(built.library)

    ours = protocol(ng, name)
    theirs = protocol(nest, f"{name}_nestml", reset=with_module)
    result = compare(ours, theirs)
    assert result.same_spikes and result.max_dv == 0, result.cell()
    assert len(theirs["V"]) == round(SIMTIME / RESOLUTION) - 10  # the multimeter withholds the last 1 ms


@pytest.mark.parametrize("name", MODELS)
def test_nestgap_against_nests_builtin(library, name, ng):
    files, _ = library
    ng.Install(next(f for f in files if f.stem == name))
    builtin = builtin_of(name, nest.node_models)
    assert builtin == name.removesuffix("_neuron")
    result = compare(protocol(ng, name), protocol(nest, builtin))
    assert result.same_spikes, result.cell()
    assert result.max_dv <= BUILTIN_BOUND[name], result.cell()


def test_receptor_types_as_in_nestmls_module(library, ng):
    """Several spike ports: receptor types 1..4 in the status, receptor 0 and 5 refused with
    UnknownReceptorType, the connections' receptor (NEST's rport: type - 1) as in NESTML's module."""
    files, built = library
    ng.Install(next(f for f in files if f.stem == RECEPTOR_MODEL))

    def build(sim, model):
        neuron = sim.Create(model)
        generator = sim.Create("spike_generator", params={"spike_times": [1.0]})
        refused = []
        for receptor in (0, 5):
            with pytest.raises(sim.NESTErrors.UnknownReceptorType) as error:
                sim.Connect(generator, neuron, syn_spec={"receptor_type": receptor})
            refused.append(str(error.value).count(model) > 0)
        with pytest.raises(IndexError):  # receptor types are unsigned
            sim.Connect(generator, neuron, syn_spec={"receptor_type": -1})
        for receptor in (3, 1, 4):
            sim.Connect(generator, neuron, syn_spec={"weight": 2.0, "receptor_type": receptor})
        connections = sim.GetConnections()
        return (neuron.get("receptor_types"), sim.GetDefaults(model)["receptor_types"], refused,
                connections.get("receptor"), connections.get("port"), len(sim.GetConnections()))

    nest.ResetKernel()
    install(built.library)
    theirs = build(nest, f"{RECEPTOR_MODEL}_nestml")
    ng.ResetKernel()
    ours = build(ng, RECEPTOR_MODEL)
    assert ours == theirs
    assert ours[0] == {"AMPA": 1, "NMDA": 2, "GABA_A": 3, "GABA_B": 4} and ours[3] == [2, 0, 3]


@pytest.mark.parametrize("vps", [1, 2, 3])
def test_random_functions_as_in_nestmls_module(library, ng, vps):
    """random_normal draws from each neuron's own normal distribution and its VP's stream, in NEST's
    order: nodes by id, each for all lags of the slice, neurons and poisson_generators interleaved
    (a generator created before, one between and after the neurons); the noise conductances and V_m
    at every step and the spikes equal NESTML's module's at 1, 2 and 3 virtual processes."""
    files, built = library
    ng.Install(next(f for f in files if f.stem == RANDOM_MODEL))

    def run(sim, model):
        sim.set(resolution=0.1, total_num_virtual_procs=vps, rng_seed=11)
        first = sim.Create("poisson_generator", params={"rate": 4000.0})
        neurons = sim.Create(model, 3)
        second = sim.Create("poisson_generator", params={"rate": 3000.0})
        neurons += sim.Create(model, 2, params={"V_T": -63.0})
        sim.Connect(first, neurons, syn_spec={"weight": 30.0})
        sim.Connect(second, neurons, syn_spec={"weight": -20.0})
        record = ["V_m", "g_noise_exc", "g_noise_inh"]
        meter = sim.Create("multimeter", params={"interval": 0.1, "record_from": record})
        recorder = sim.Create("spike_recorder")
        sim.Connect(meter, neurons)
        sim.Connect(neurons, recorder)
        sim.Simulate(15.3)  # a piece of a slice
        sim.Simulate(14.7)
        events = meter.events
        order = np.lexsort((events["times"], events["senders"]))
        spikes = recorder.events
        return ({key: np.asarray(events[key])[order] for key in ("senders", "times", *record)},
                sorted(zip(spikes["senders"], spikes["times"])))

    nest.ResetKernel()
    install(built.library)
    theirs = run(nest, f"{RANDOM_MODEL}_nestml")
    ng.ResetKernel()
    ours = run(ng, RANDOM_MODEL)
    assert ours[1] == theirs[1]
    for key, values in theirs[0].items():
        assert_bitwise_equal(ours[0][key], values, key)
    assert len(np.unique(theirs[0]["g_noise_exc"])) > 100
