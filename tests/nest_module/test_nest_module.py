"""The NEST extension module built from models/hh_psc_alpha_gap.nestml against NEST's built-in.

The module is built once per session (about a minute cold; afterwards taken from
nestgap's cache by the model file's hash) and loaded into this process's NEST.
Every simulation runs in a fresh kernel, the built-in's and the module's with
identical scripts, so that they can be compared number for number.

Each of the first tests guards one correction of NESTML's generated code
(``nestgap/nest_module/patches.py``); it fails when that correction is left
out. The comparison tests then require NEST's results exactly: with the
corrections, the module computes bit for bit what the built-in computes (same
right-hand-side evaluation order, same literals, same GSL 1.15 ``rkf45`` and
step control, same WFR logic), so the measured difference is 0 and any
difference is a regression. Missing build prerequisites make the tests fail
with the missing package named; they never skip.
"""

import argparse
import os

import nest
import numpy as np
import pytest

from nestgap.frontend.errors import ModelError
from nestgap.nest_module import MissingPrerequisite, NestModuleError, PatchError, build_module, install
from nestgap.nest_module import builder as builder_module
from nestgap.nest_module import command
from nestgap.nest_module.patches import CORRECTIONS, correct_neuron_source
from support import ROOT

MODEL_FILE = os.path.join(str(ROOT), "models",
                          "hh_psc_alpha_gap.nestml")
BUILTIN = "hh_psc_alpha_gap"


@pytest.fixture(scope="module")
def module_model(built):
    nest.ResetKernel()  # NEST loads modules only while no nodes exist (other tests may have left some)
    nest.verbosity = nest.VerbosityLevel.ERROR
    return install(built.library)


def reset(model_module_library, simulator=nest, **kernel):
    """A fresh kernel with the module loaded (ResetKernel unloads the module's models)."""
    simulator.ResetKernel()
    simulator.verbosity = simulator.VerbosityLevel.ERROR
    if simulator is nest:
        install(model_module_library)
    simulator.set(**kernel)


def gap_pair(built, model, *, order=3, use_wfr=True, resolution=0.05, spike_input=True, dc_input=False,
             threads=1, simtime=100.0, g=20.0, simulator=nest):
    """An I_e = 200 pA (or dc_generator) driven neuron gap-coupled to an undriven one.

    ``simulator``: NEST (with the module loaded) or nestgap, running the same script.
    Returns (V_m traces [2 x steps], spike times per neuron, node_uses_wfr per neuron).
    """
    kernel = dict(resolution=resolution, use_wfr=use_wfr, local_num_threads=threads)
    if use_wfr:
        kernel["wfr_interpolation_order"] = order
    reset(built.library, simulator, **kernel)
    nest = simulator  # noqa: F811 -- the rest of the script runs on the chosen simulator
    neurons = nest.Create(model, 2)
    if dc_input:
        dc = nest.Create("dc_generator", params={"amplitude": 200.0, "start": 10.0, "stop": 80.0})
        nest.Connect(dc, neurons[0])
    else:
        neurons[0].I_e = 200.0
    nest.Connect(neurons[0], neurons[1], {"rule": "one_to_one", "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": g})
    if spike_input:
        excitation = nest.Create("spike_generator", params={"spike_times": [5.0, 20.0, 20.0, 33.3, 50.0, 70.2]})
        nest.Connect(excitation, neurons[1], syn_spec={"weight": 300.0, "delay": 1.0})
        inhibition = nest.Create("spike_generator", params={"spike_times": [10.0, 40.0, 60.0]})
        nest.Connect(inhibition, neurons[0], syn_spec={"weight": -50.0, "delay": 1.0})
    multimeter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": resolution})
    nest.Connect(multimeter, neurons)
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    nest.Simulate(simtime)
    events, spikes = multimeter.events, recorder.events
    traces = np.array([events["V_m"][events["senders"] == n.global_id] for n in neurons])
    times = [sorted(spikes["times"][spikes["senders"] == n.global_id].tolist()) for n in neurons]
    return traces, times, list(neurons.get("node_uses_wfr"))


def small_gallery_network(built, model, *, gap_weight, use_wfr=True, threads=2, n_neuron=40, simtime=40.0):
    """The gallery script (gap_junctions_inhibitory_network) scaled down; NEST's RNG with a fixed seed."""
    kernel = dict(resolution=0.05, use_wfr=use_wfr, local_num_threads=threads, rng_seed=12)
    if use_wfr:
        kernel.update(wfr_comm_interval=1.0, wfr_tol=1e-4, wfr_max_iterations=15, wfr_interpolation_order=3)
    reset(built.library, **kernel)
    rng = np.random.default_rng(1)
    neurons = nest.Create(model, n_neuron)
    recorder = nest.Create("spike_recorder")
    poisson = nest.Create("poisson_generator", params={"rate": 500.0})
    nest.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": 5, "allow_autapses": False,
                                    "allow_multapses": True},
                 {"synapse_model": "static_synapse", "weight": -50.0, "delay": 1.0})
    nest.Connect(poisson, neurons, "all_to_all", syn_spec={"weight": 300.0, "delay": 1.0})
    nest.Connect(neurons, recorder)
    neurons.V_m = nest.random.uniform(min=-80.0, max=-40.0)
    ids = neurons.tolist()
    for source, target in rng.choice(ids, [n_neuron * 3, 2]):  # self pairs and duplicates included
        nest.Connect(nest.NodeCollection([source]), nest.NodeCollection([target]),
                     {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction", "weight": gap_weight})
    multimeter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.05})
    nest.Connect(multimeter, neurons)
    nest.Simulate(simtime)
    events, spikes = multimeter.events, recorder.events
    order = np.lexsort((events["senders"], events["times"]))
    spike_order = np.lexsort((spikes["senders"], spikes["times"]))
    return (events["V_m"][order], list(zip(spikes["times"][spike_order].tolist(),
                                            (spikes["senders"][spike_order] - ids[0]).tolist())))


# --- the build ---------------------------------------------------------------------------------------------

def test_second_build_is_taken_from_the_cache(built):
    mtime = built.library.stat().st_mtime_ns
    again = build_module(MODEL_FILE)
    assert again.cached and again.library == built.library
    assert again.library.stat().st_mtime_ns == mtime
    assert again.models == ["hh_psc_alpha_gap_nestml"]
    print(f"\ncold build {built.build_seconds} s (this session: {'cached' if built.cached else 'built'})")


def test_install_is_idempotent_and_returns_the_model_name(module_model, built):
    reset(built.library)
    assert module_model == "hh_psc_alpha_gap_nestml"
    assert install(built.library) == module_model  # already loaded: no second nest.Install
    assert install(built.install_dir) == module_model
    assert module_model in nest.node_models
    assert built.install_dir in os.environ["LD_LIBRARY_PATH"].split(os.pathsep)


def test_install_after_nodes_exist_says_what_to_do(module_model, built):
    nest.ResetKernel()
    nest.Create("iaf_psc_alpha")
    with pytest.raises(NestModuleError, match=r"call install\(\) right after nest.ResetKernel\(\)"):
        install(built.library)


def test_command_options_leave_the_cli_dispatch_alone():
    # nestgap.cli stores the implementing module in args.module_name
    parser = argparse.ArgumentParser()
    parser.set_defaults(module_name="nestgap.nest_module.command")
    command.configure_parser(parser)
    args = parser.parse_args([MODEL_FILE, "--module-name", "gap_module", "--install-dir", "d", "--nest-config", "c"])
    assert args.module_name == "nestgap.nest_module.command"
    assert (args.model, args.name, args.install_dir, args.nest_config) == (MODEL_FILE, "gap_module", "d", "c")


def test_command_prints_how_to_load_the_module(built, capsys):
    parser = argparse.ArgumentParser()
    parser.set_defaults(module_name="nestgap.nest_module.command")
    command.configure_parser(parser)
    assert command.run(parser.parse_args([MODEL_FILE])) == 0
    out = capsys.readouterr().out
    assert "up to date (cached)" in out
    assert f"install({str(built.library)!r})" in out and "nest.Create(model" in out
    assert f"export LD_LIBRARY_PATH={built.install_dir}:" in out


def test_missing_model_file_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        build_module(tmp_path / "absent.nestml")


def test_invalid_module_name_is_refused():
    with pytest.raises(NestModuleError, match="must be a C identifier ending in 'module'"):
        build_module(MODEL_FILE, module_name="hh-gap")


def test_missing_prerequisite_names_the_debian_package(monkeypatch, tmp_path):
    real_which = builder_module.shutil.which
    monkeypatch.setattr(builder_module.shutil, "which", lambda tool: None if tool == "cmake" else real_which(tool))
    with pytest.raises(MissingPrerequisite, match=r"cmake not found: install the Debian package cmake"):
        build_module(MODEL_FILE, install_dir=tmp_path)  # nothing installed there: a build is needed


def test_corrections_fail_loudly_when_the_generated_code_differs():
    with pytest.raises(PatchError, match=r"correction \(a\)"):
        correct_neuron_source("// not NESTML's output\n", "hh_psc_alpha_gap_nestml")


def test_every_correction_is_applied_to_the_built_source(built):
    source = (builder_module.Path(built.build_dir) / "src" / "hh_psc_alpha_gap_nestml.cpp").read_text()
    assert source.count("set_node_uses_wfr( nest::kernel().simulation_manager.use_wfr() );") == 2  # (a)
    assert source.count("get_value_wfr_update(lag)") == 2                                          # (b)
    assert "__t_gap = __time / " in source and source.count("nestgap correction (c)") == 3        # (c)
    assert "nestgap correction (d)" in source and "nestgap correction (e)" in source              # (d, e)
    assert source.count("nestgap (f)") == 2 and "__gsl_rel_error_tol = 0.0;" in source            # (f, gsl)
    assert [c.key for c in CORRECTIONS] == ["a", "b", "c", "d", "e", "f", "gsl"]


# --- one test per correction ---------------------------------------------------------------------------------

def test_a_node_uses_wfr_as_the_builtin(built, module_model):
    for use_wfr in (True, False):
        flags = {model: gap_pair(built, model, use_wfr=use_wfr, simtime=1.0)[2] for model in (BUILTIN, module_model)}
        assert flags[module_model] == flags[BUILTIN] == [use_wfr, use_wfr]


def test_b_spikes_reach_a_wfr_coupled_neuron(built, module_model):
    with_input, _, _ = gap_pair(built, module_model, spike_input=True)
    without_input, _, _ = gap_pair(built, module_model, spike_input=False)
    builtin, _, _ = gap_pair(built, BUILTIN, spike_input=True)
    assert np.max(np.abs(with_input[1] - without_input[1])) > 1.0  # the input does something ...
    np.testing.assert_array_equal(with_input, builtin)             # ... and exactly what it does in NEST


def test_c_interpolation_orders_differ_as_in_the_builtin(built, module_model):
    traces = {(model, order): gap_pair(built, model, order=order, spike_input=False)[0]
              for model in (BUILTIN, module_model) for order in (0, 1, 3)}
    for order in (1, 3):
        builtin_effect = np.max(np.abs(traces[BUILTIN, order] - traces[BUILTIN, 0]))
        module_effect = np.max(np.abs(traces[module_model, order] - traces[module_model, 0]))
        print(f"\norder {order} vs 0: max |dV| built-in {builtin_effect:.6g} mV, module {module_effect:.6g} mV")
        assert builtin_effect > 1.0
        assert module_effect == builtin_effect
        np.testing.assert_array_equal(traces[module_model, order], traces[BUILTIN, order])


def test_d_no_duplicate_spikes(built, module_model):
    _, builtin_spikes, _ = gap_pair(built, BUILTIN, order=3)
    _, module_spikes, _ = gap_pair(built, module_model, order=3)
    assert [len(s) for s in module_spikes] == [len(s) for s in builtin_spikes] == [3, 3]
    assert module_spikes == builtin_spikes


def test_e_dc_generator_current_reaches_the_neuron(built, module_model):
    builtin, builtin_spikes, _ = gap_pair(built, BUILTIN, dc_input=True, spike_input=False)
    module, module_spikes, _ = gap_pair(built, module_model, dc_input=True, spike_input=False)
    assert len(builtin_spikes[0]) >= 2
    assert module_spikes == builtin_spikes
    np.testing.assert_array_equal(module, builtin)


# --- the comparison with NEST's built-in ---------------------------------------------------------------------

VARIANTS = {
    "wfr-order-0": dict(order=0),
    "wfr-order-1": dict(order=1),
    "wfr-order-3": dict(order=3),
    "no-wfr": dict(use_wfr=False),
    "wfr-order-3-h0.1": dict(order=3, resolution=0.1),
    "wfr-order-3-dc": dict(order=3, dc_input=True),
    "wfr-order-3-2-threads": dict(order=3, threads=2),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_gap_pair_three_way(built, module_model, variant):
    """NEST's built-in, the NESTML-built module and nestgap: identical spikes and traces."""
    import nestgap

    builtin, builtin_spikes, _ = gap_pair(built, BUILTIN, **VARIANTS[variant])
    module, module_spikes, _ = gap_pair(built, module_model, **VARIANTS[variant])
    ours, our_spikes, _ = gap_pair(built, BUILTIN, simulator=nestgap, **VARIANTS[variant])
    max_dv = float(np.max(np.abs(module - builtin)))
    print(f"\n{variant}: module vs built-in max |dV| = {max_dv:.3g} mV over {builtin.size} samples; "
          f"nestgap vs built-in max |dV| = {float(np.max(np.abs(ours - builtin))):.3g} mV; spikes {builtin_spikes}")
    assert module_spikes == builtin_spikes == our_spikes
    # measured 0.0 in every variant: the module and nestgap compute NEST's numbers bit for bit
    assert max_dv == 0.0
    np.testing.assert_array_equal(ours, builtin)


@pytest.mark.parametrize("use_wfr", [True, False], ids=["wfr", "no-wfr"])
def test_small_gallery_network_matches_the_builtin(built, module_model, use_wfr):
    builtin_v, builtin_spikes = small_gallery_network(built, BUILTIN, gap_weight=0.54, use_wfr=use_wfr)
    module_v, module_spikes = small_gallery_network(built, module_model, gap_weight=0.54, use_wfr=use_wfr)
    max_dv = float(np.max(np.abs(module_v - builtin_v)))
    print(f"\ngallery network (40 neurons, 2 threads, use_wfr={use_wfr}): {len(builtin_spikes)} spikes, "
          f"max |dV| = {max_dv:.3g} mV")
    assert len(builtin_spikes) > 10
    assert module_spikes == builtin_spikes
    assert max_dv == 0.0
