"""The model pipeline: model file -> NESTML front end -> spec -> sympy checks -> generated code.

Expected values come from NEST 3.10 run in this session (GetDefaults) or from
the model file itself; nothing is typed in from elsewhere.
"""

import hashlib
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nestgap.cli import main as cli_main
from nestgap.codegen.cache import kernel_path
from nestgap.codegen.generator import generate_python
from nestgap.codegen.libm import reciprocal_parts
from nestgap.frontend.errors import ModelError
from nestgap.frontend.loader import load_model
from support import ROOT

MODEL = ROOT / "models" / "hh_psc_alpha_gap.nestml"


@pytest.fixture(scope="module")
def spec():
    return load_model(MODEL)


def _edited(tmp_path, old, new, name="hh_psc_alpha_gap.nestml"):
    text = MODEL.read_text()
    assert old in text, f"{old!r} not in the model file"
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def test_spec_matches_nest_defaults(spec, nest):
    """Every parameter and state variable NEST exposes exists with NEST's name and default."""
    defaults = nest.GetDefaults("hh_psc_alpha_gap")
    ours = {v.name: v for v in spec.parameters + spec.state}
    from nestgap.codegen.cache import kernel_module
    kernel = kernel_module(MODEL)
    p = kernel.default_parameters(np.zeros(len(kernel.ODE_STATE)), np.zeros(len(kernel.AUX_STATE)),
                                  np.zeros(len(kernel.INT_STATE), np.int64))
    for name, value in zip([v.name for v in spec.parameters], p):
        assert value == defaults[name], name
    q = np.zeros((1, len(kernel.INTERNALS)))
    kernel.compute_internals(p[None, :], q, np.zeros((1, len(kernel.ODE_STATE))), np.zeros((1, 0)),
                             np.zeros((1, len(kernel.INT_STATE)), np.int64), 0.1, 1000.0, 100)
    y, _, _ = kernel.initial_state(p, q[0])
    for name, value in zip(kernel.ODE_STATE, y):
        if name in defaults:
            assert value == defaults[name], name  # bitwise: V_m and the gates at steady state
    for name in ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p", "t_ref", "g_Na", "g_Kv1", "g_Kv3", "g_L",
                 "C_m", "E_Na", "E_K", "E_L", "tau_syn_ex", "tau_syn_in", "I_e"):
        assert name in ours
    units = {v.name: v.unit for v in spec.parameters}
    assert units["C_m"] == "pF" and units["g_Na"] == "nS" and units["t_ref"] == "ms" and units["I_e"] == "pA"


def test_spec_contents(spec):
    assert spec.ode_state == ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p", "DI_syn_ex", "I_syn_ex",
                              "DI_syn_in", "I_syn_in")
    assert [(p.name, p.qualifier) for p in spec.spike_ports] == [("exc_spikes", "excitatory"),
                                                                  ("inh_spikes", "inhibitory")]
    assert [p.name for p in spec.current_ports] == ["I_stim"]
    assert spec.gap_junction.membrane_potential == "V_m" and spec.gap_junction.current_port == "I_gap"
    assert spec.emits_spikes
    assert "Mancilla" in spec.doc and "Hahne" in spec.doc


@pytest.mark.parametrize("old, new, fragment", [
    ("    equations:", "    equations::", "parsing"),                        # syntax error
    ("(V_m - E_Na)\n", "(V_m - E_Nax)\n", "E_Nax"),                           # undefined name
    ("tau_syn_ex ms = 0.2 ms", "tau_syn_ex mV = 0.2 ms", "type"),             # unit mismatch
    ("        U_old mV = V_m\n", "        U_old mV = V_m + random_normal(0 mV, 1 mV)\n",
     "waveform-relaxation"),                                                  # random in a gap model
    ("            r -= 1\n", "            r -= 1\n            U_old = random_normal(0 mV, 1 mV)\n",
     "top level"),                                                            # random in a branch
    ("        U_old mV = V_m\n", "        U_old mV = random_normal(0 mV, 1 mV) + random_normal(0 mV, 1 mV)\n",
     "one random function per statement"),
    ("        inh_spikes <- inhibitory spike\n", "        inh_spikes <- inhibitory spike\n        other <- spike\n",
     "qualifiers"),                                                           # mixed spike ports
])
def test_broken_model_file_one_clear_error(tmp_path, old, new, fragment, capsys):
    path = _edited(tmp_path, old, new)
    with pytest.raises(ModelError) as info:
        load_model(path)
    message = str(info.value)
    first = message.splitlines()[0]
    assert first.startswith(f"{path}:")
    line, col = first[len(str(path)) + 1:].split(":")[:2]
    assert line.isdigit() and col.isdigit()
    assert fragment.lower() in message.lower()
    # the command line prints it and exits non-zero, without a traceback
    assert cli_main(["generate", str(path), "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err


def test_check_passes_with_report(capsys):
    assert cli_main(["check", str(MODEL)]) == 0
    out = capsys.readouterr().out
    assert "5 of 5 checks passed" in out
    for fact in ("dV_m/dt: identical", "Act_m(0)", "0 (steady state)", "V = 75.5", "V = -51.25",
                 "V = 95", "V = -44", "limit 540"):
        assert fact in out, fact


def test_check_fails_on_edited_constant_naming_the_ode(tmp_path, capsys):
    path = _edited(tmp_path, "/ 1 mV + 44) / 2.3))", "/ 1 mV + 44) / 2.4))")
    assert cli_main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  (a)" in out
    assert "dAct_n/dt: DIFFERS" in out
    assert "2.4" in out and "2.3" in out
    assert "dAct_m/dt: identical" in out


def test_check_fails_when_gates_do_not_start_at_steady_state(tmp_path, capsys):
    path = _edited(tmp_path, "Act_n real = steady_state(alpha_n(V_init), beta_n(V_init))",
                   "Act_n real = steady_state(alpha_n(V_init), beta_m(V_init))")
    assert cli_main(["check", str(path)]) == 1
    assert "FAIL  (b)" in capsys.readouterr().out


def test_generation_is_deterministic_and_has_header(tmp_path, spec):
    first = generate_python(spec)
    second = generate_python(load_model(MODEL))
    assert first == second
    assert cli_main(["generate", str(MODEL), "-o", str(tmp_path / "a")]) == 0
    assert cli_main(["generate", str(MODEL), "-o", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "hh_psc_alpha_gap.py").read_bytes()
    assert a == (tmp_path / "b" / "hh_psc_alpha_gap.py").read_bytes()
    header = a.decode().splitlines()[:5]
    assert "hh_psc_alpha_gap.nestml" in header[0]
    assert hashlib.sha256(MODEL.read_bytes()).hexdigest() in header[2]
    compile(a, "generated", "exec")  # valid Python


def test_generated_code_keeps_nest_operation_order(spec):
    """The right-hand side as NESTML's analysis hands it on: the inline currents expanded in place,
    every operation in the model file's order."""
    code = generate_python(spec)
    i_na = "g_Na * Act_m * Act_m * Act_m * Inact_h * (V_m - E_Na)"
    i_k = "(g_Kv1 * Act_n * Act_n * Act_n * Act_n + g_Kv3 * Inact_p * Inact_p) * (V_m - E_K)"
    for expression in ("40 * (V - 75.5) / (1 - _exp(-(V - 75.5) / 13.5))",
                       "1.2262 / _exp(V / 42.248)",
                       f"(-({i_na} + {i_k} + g_L * (V_m - E_L)) + I_stim + I_e + I_syn_ex + I_syn_in + I_gap) / C_m"):
        assert expression in code, expression


def test_generation_does_not_depend_on_the_hash_seed_with_several_kernels(tmp_path):
    """NESTML's analysis orders the convolutions of a model with several kernels differently under
    different PYTHONHASHSEEDs (0 and 1 here: g_inh's variables first, then g_exc's first); the
    generated code is the same."""
    library = {f.name: f for f in importlib.metadata.files("nestml") if f.name.endswith("_neuron.nestml")}
    model = library["aeif_cond_alpha_neuron.nestml"].locate()
    codes = []
    for seed in ("0", "1"):
        out = tmp_path / seed
        subprocess.run([sys.executable, "-m", "nestgap", "generate", str(model), "-o", str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
        codes.append((out / "aeif_cond_alpha_neuron.py").read_bytes())
    assert codes[0] == codes[1]


def test_vectorised_rate_functions_divide_exp_arguments_by_fmas(spec):
    """exp(x / literal) in the vectorised right-hand side: the quotient from the literal's reciprocal
    parts (docs/exact_division.md); the exact right-hand side keeps the division."""
    code = generate_python(spec)
    hi, lo = reciprocal_parts(13.5)
    assert f"_exp_quotient_v(-(V - 75.5), 13.5, {hi!r}, {lo!r})" in code
    assert f"_exp_quotient_v(V + 44, 34.0, {reciprocal_parts(34.0)[0]!r}, {reciprocal_parts(34.0)[1]!r})" in code
    assert "_exp(-(V - 75.5) / 13.5)" in code and "_exp_v(" not in code  # every exp argument here is a quotient


def test_cache_regenerates_when_the_model_changes(tmp_path):
    env = {**os.environ, "NESTGAP_CACHE_DIR": str(tmp_path / "cache")}
    original = tmp_path / "hh_psc_alpha_gap.nestml"
    original.write_text(MODEL.read_text())
    before = kernel_path(original)
    original.write_text(MODEL.read_text().replace("I_e pA = 0 pA", "I_e pA = 1 pA"))
    assert kernel_path(original) != before
    # a fresh cache entry is used without importing NESTML
    script = ("import sys; from nestgap.codegen.cache import kernel_module; "
              f"kernel_module({str(original)!r}); print('pynestml' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "True"    # generated: NESTML was needed
    assert second.stdout.strip() == "False"  # cached: NESTML not imported


def test_import_nestgap_does_not_import_nestml():
    out = subprocess.run([sys.executable, "-c", "import sys, nestgap; print('pynestml' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _edited_model(tmp_path, name, replacements):
    """The model file renamed to ``name`` with (old, new) replacements, in a folder on the model path
    (with the original beside it: the repository's, not that of an installed copy)."""
    (tmp_path / MODEL.name).write_text(MODEL.read_text())
    text = MODEL.read_text().replace("model hh_psc_alpha_gap:", f"model {name}:", 1)
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    (tmp_path / f"{name}.nestml").write_text(text)


def _run_small_network(nest, model):
    """10 neurons with I_e and spike input, recorded: (spike times, senders, final V_m, V_m trace)."""
    nest.ResetKernel()
    neurons = nest.Create(model, 10, params={"I_e": 600.0})
    neurons.V_m = np.linspace(-75.0, -50.0, 10)
    generator = nest.Create("spike_generator", params={"spike_times": [3.0, 7.5, 7.5, 20.0]})
    nest.Connect(generator, neurons, syn_spec={"weight": 250.0, "delay": 1.0})
    nest.Connect(neurons[:5], neurons[5:], "one_to_one", syn_spec={"weight": -80.0, "delay": 2.0})
    sr, mm = nest.Create("spike_recorder"), nest.Create("multimeter", params={"record_from": ["V_m"]})
    nest.Connect(neurons, sr)
    nest.Connect(mm, neurons)
    nest.Simulate(60.0)
    return (np.asarray(sr.events["times"]), np.asarray(sr.events["senders"]), np.asarray(neurons.V_m),
            np.asarray(mm.events["V_m"]))


def _assert_simulates_like_the_original(tmp_path, monkeypatch, name):
    """The edited model ``name`` (written by _edited_model) gives hh_psc_alpha_gap's numbers."""
    monkeypatch.setenv("NESTGAP_MODEL_PATH", str(tmp_path))
    import nestgap as nest

    theirs, ours = _run_small_network(nest, "hh_psc_alpha_gap"), _run_small_network(nest, name)
    assert len(theirs[0]) > 10
    for a, b in zip(ours, theirs):
        assert np.array_equal(a, b)


def test_model_without_gap_junctions_simulates_like_the_gap_model_without_gap_connections(tmp_path, monkeypatch):
    """The kernel of a model without a gap-junction port (the generator's other branch) gives the same
    numbers as hh_psc_alpha_gap without gap junctions (+ I_gap adds an exact 0 there)."""
    _edited_model(tmp_path, "hh_no_gap", [("        I_gap pA <- continuous\n", ""), (" + I_gap) / C_m", ") / C_m"),
                                          ('"gap_junctions": {"enable": true', '"gap_junctions": {"enable": false')])
    _assert_simulates_like_the_original(tmp_path, monkeypatch, "hh_no_gap")


def test_right_hand_side_that_could_hide_a_nan_uses_the_exact_exp(tmp_path, monkeypatch):
    """max() could turn a NaN marker of the vectorisable exp into a number, so such a model's
    lanes use the exact exp throughout (the generator's other branch); same numbers."""
    _edited_model(tmp_path, "hh_max", [("DI_syn_ex' = -DI_syn_ex / tau_syn_ex",
                                        "DI_syn_ex' = -DI_syn_ex / max(tau_syn_ex, 0.001 ms)")])
    assert "_exp_v" not in generate_python(load_model(tmp_path / "hh_max.nestml"))
    assert "_exp_v" in generate_python(load_model(MODEL))
    _assert_simulates_like_the_original(tmp_path, monkeypatch, "hh_max")


def test_integrate_odes_in_branches_simulates_like_the_original(tmp_path, monkeypatch):
    """integrate_odes() inside an if/else (both branches taken in turn) and with every ODE variable as
    arguments: the update block is cut into segments at the calls, and the numbers stay the same."""
    every = "V_m, Act_m, Inact_h, Act_n, Inact_p, DI_syn_ex, I_syn_ex, DI_syn_in, I_syn_in"
    _edited_model(tmp_path, "hh_branches", [
        ("        integrate_odes()\n",
         f"        if r > 0:\n            integrate_odes()\n        else:\n            integrate_odes({every})\n")])
    code = generate_python(load_model(tmp_path / "hh_branches.nestml"))
    assert "_c = 1" in code and "_s == 1" in code  # two call sites, one shared continuation
    _assert_simulates_like_the_original(tmp_path, monkeypatch, "hh_branches")


def test_update_locals_of_every_type_survive_the_integration(tmp_path, monkeypatch):
    """Variables declared before integrate_odes() and used after it (real, integer, boolean)
    are kept per lane across the integration: an edited model that uses all three behaves
    exactly like the original."""
    _edited_model(tmp_path, "hh_locals", [
        ("        U_old mV = V_m\n",
         "        U_old mV = V_m\n        crossed boolean = V_m > -1000 mV\n        three integer = 3\n"),
        ("elif V_m >= 0 mV and U_old > V_m:", "elif V_m >= 0 mV and U_old > V_m and crossed:"),
        ("r = RefractoryCounts\n", "r = RefractoryCounts + three - 3\n")])
    _assert_simulates_like_the_original(tmp_path, monkeypatch, "hh_locals")
