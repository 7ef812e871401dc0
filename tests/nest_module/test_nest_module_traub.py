"""The NEST module built from models/hh_cond_beta_gap_traub.nestml against NEST's built-in, bit for bit.

``nestgap build-nest-module`` generates the module with the model file's options (numeric
solver, GSL absolute error 1e-3 and no relative term, gap junctions on V_m and I_gap) and the
corrections of nestgap/nest_module/patches.py. The same scenarios as for nestgap
(nestgap/scenarios) run on the built-in and on the module's model in this session.
"""

import nest
import pytest

from nestgap.exceptions import ToolchainError
from nestgap.nest_module import build_module, install
from nestgap.scenarios.gap_networks import gap_pair, nest_testsuite_pair
from nestgap.scenarios.single_neuron import run_nest
from support import ROOT, assert_bitwise_equal

MODEL_FILE = ROOT / "models" / "hh_cond_beta_gap_traub.nestml"
BUILTIN = "hh_cond_beta_gap_traub"
RECORDABLES = ("V_m", "g_ex", "g_in", "Act_m", "Inact_h", "Act_n")


class NestWithModule:
    """NEST, with the module loaded again after every ResetKernel (which unloads its models)."""

    def __init__(self, library):
        object.__setattr__(self, "library", library)

    def __getattr__(self, name):
        return getattr(nest, name)

    def __setattr__(self, name, value):
        setattr(nest, name, value)

    def ResetKernel(self):  # noqa: N802 -- PyNEST's name
        nest.ResetKernel()
        install(self.library)


@pytest.fixture(scope="module")
def module_nest():
    try:
        built = build_module(MODEL_FILE, log=print)
    except ToolchainError as error:  # e.g. a missing Debian package: fail, naming it
        pytest.fail(f"building the NEST module failed: {error}", pytrace=False)
    assert built.models == [f"{BUILTIN}_nestml"]
    nest.ResetKernel()
    return NestWithModule(built.library)


def test_defaults_of_the_module_are_the_builtins(module_nest):
    module_nest.ResetKernel()
    theirs, ours = nest.GetDefaults(BUILTIN), nest.GetDefaults(f"{BUILTIN}_nestml")
    for key in ("g_Na", "g_K", "g_L", "C_m", "E_Na", "E_K", "E_L", "V_T", "E_ex", "E_in", "tau_rise_ex",
                "tau_decay_ex", "tau_rise_in", "tau_decay_in", "t_ref", "I_e", "V_m", "Act_m", "Inact_h", "Act_n"):
        assert ours[key] == theirs[key], key
    assert ours["gsl_abs_error_tol"] == 1e-3 and ours["gsl_rel_error_tol"] == 0.0  # the model's options


@pytest.mark.parametrize("h", (0.05, 0.1))
def test_single_neuron_bitwise(module_nest, h):
    kwargs = dict(I_e=100.0, recordables=RECORDABLES, spikes={
        "times": [10.0, 10.0, 20.0, 30.0, 45.0, 80.0, 80.5], "weights": [40.0, -10.0, 40.0, 40.0, -20.0, 60.0, 60.0],
        "delay": 1.0})
    theirs = run_nest(100.0, h, nest=nest, model=BUILTIN, **kwargs)
    ours = run_nest(100.0, h, nest=module_nest, model=f"{BUILTIN}_nestml", **kwargs)
    for key in RECORDABLES:
        assert_bitwise_equal(ours[key], theirs[key], key)
    assert ours["spike_times"] == theirs["spike_times"] and len(theirs["spike_times"]) > 0


@pytest.mark.parametrize("variant", [{}, {"order": 1}, {"order": 0}, {"use_wfr": False},
                                     {"resolution": 0.1, "spikes": True}])
def test_gap_pair_bitwise(module_nest, variant):
    settings = dict(variant, I_e=400.0, spike_weight=30.0)
    theirs = gap_pair(nest, model=BUILTIN, **settings)
    ours = gap_pair(module_nest, model=f"{BUILTIN}_nestml", **settings)
    for key in ("times", "senders", "V_m", "spike_times", "spike_senders"):
        assert_bitwise_equal(ours[key], theirs[key], key)
    assert len(theirs["spike_times"]) > 0


def test_nest_testsuite_pair_bitwise(module_nest):
    steps, theirs = nest_testsuite_pair(nest, BUILTIN)
    our_steps, ours = nest_testsuite_pair(module_nest, f"{BUILTIN}_nestml")
    assert_bitwise_equal(our_steps, steps, "steps")
    assert_bitwise_equal(ours, theirs, "V_m")
