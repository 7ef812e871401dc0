"""``nestgap check`` for any model file: the oracle found through an entry point, not by name.

(a) compares with an independent transcription where one is registered (reference_impl/ registers
NEST's two gap models) and otherwise says so without failing; (e) compares the generated
right-hand side with the sympy form of the model's ODEs at random points.
"""

import importlib.metadata
import re

import pytest

from nestgap.checks.model_checks import REFERENCE_GROUP, check_generated_right_hand_side, reference_transcription
from nestgap.cli import main as cli_main
from nestgap.frontend.loader import load_model
from support import ROOT

TRAUB = ROOT / "models" / "hh_cond_beta_gap_traub.nestml"
LIBRARY = {f.name: f for f in importlib.metadata.files("nestml") if f.name.endswith("_neuron.nestml")}


def test_both_gap_models_have_registered_transcriptions():
    names = {entry.name for entry in importlib.metadata.entry_points(group=REFERENCE_GROUP)}
    assert {"hh_psc_alpha_gap", "hh_cond_beta_gap_traub"} <= names
    assert reference_transcription("iaf_psc_alpha_neuron") is None


def test_the_package_does_not_import_its_oracle_by_name():
    for path in (ROOT / "nestgap").rglob("*.py"):
        code = "\n".join(line.split("#")[0] for line in path.read_text().splitlines())
        assert not re.search(r"import\s+reference_impl|from\s+reference_impl|import_module\(\s*['\"]reference_impl",
                             code), path


def test_check_of_hh_cond_beta_gap_traub(capsys):
    """(a): every ODE identical to the transcription; (b) finds what NEST's model does: its gates start
    at the steady state of the rate functions at E_L, without the offset V_T the ODEs use."""
    assert cli_main(["check", str(TRAUB)]) == 1
    out = capsys.readouterr().out
    assert "PASS  (a)" in out and out.count(": identical") == 8
    assert "FAIL  (b)" in out and all(f"d{gate}/dt = " in out for gate in ("Act_m", "Inact_h", "Act_n"))
    assert "PASS  (e)" in out and "4 of 5 checks passed" in out


def test_check_of_a_library_model_without_transcription(capsys):
    path = LIBRARY["aeif_cond_alpha_neuron.nestml"].locate()
    assert cli_main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no independent reference" in out and "5 of 5 checks passed" in out
    assert "PASS  (e)" in out and "140 derivatives" in out


def test_random_point_check_fails_on_a_wrong_right_hand_side(monkeypatch):
    """(e) can fail: print exp as sin in the generated code and the comparison finds it."""
    from nestgap.codegen import python_printer

    spec = load_model(TRAUB)
    assert check_generated_right_hand_side(spec).passed
    monkeypatch.setitem(python_printer.FUNCTIONS, "exp", "math.sin")
    result = check_generated_right_hand_side(spec)
    assert not result.passed and "max relative difference" in result.lines[0]
