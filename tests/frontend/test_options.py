"""The code-generation options of a model file's header (docs/models.md, "Code generation options")."""

import pytest

from nestgap.frontend.errors import ModelError
from nestgap.frontend.options import GapJunctionOptions, Options, header_doc, parse_options
from support import ROOT


def _header(body):
    return header_doc("# m\n# +\n#\n# Code generation options\n# +++++++++++++++++++++++\n#\n"
                      "# .. code-block:: json\n#\n" + "".join(f"#    {line}\n" for line in body.splitlines())
                      + "#\nmodel m:\n")


def test_defaults_are_nestmls():
    options = parse_options("m.nestml", "no options here")
    assert options == Options()
    assert (options.solver, options.gsl_abs_error_tol, options.gsl_rel_error_tol) == ("analytic", 1e-6, 1e-6)
    assert (options.a_y, options.a_dydt) == (1.0, 0.0) and options.gap_junctions is None


def test_the_gap_models_state_nests_settings():
    for name, eps_abs in (("hh_psc_alpha_gap", 1e-6), ("hh_cond_beta_gap_traub", 1e-3)):
        path = ROOT / "models" / f"{name}.nestml"
        options = parse_options(path, header_doc(path.read_text()))
        assert options.solver == "numeric"
        assert (options.gsl_abs_error_tol, options.gsl_rel_error_tol) == (eps_abs, 0.0)
        assert options.gap_junctions == GapJunctionOptions("V_m", "I_gap")
        assert options.nestml_codegen_options()["gap_junctions"]["enable"] is True


@pytest.mark.parametrize("body, fragment", [
    ('{"solver": "numeric",', "not valid JSON"),
    ('{"solverr": "numeric"}', "unknown option(s) solverr"),
    ('{"solver": "exact"}', "solver must be"),
    ('{"numeric_solver": "forward-Euler"}', "not supported by nestgap"),
    ('{"gsl_abs_error_tol": 0}', "strictly positive"),
    ('{"gsl_rel_error_tol": -1e-6}', "zero or positive"),
    ('{"gap_junctions": {"enable": true, "port": "I_gap"}}', "gap_junctions takes"),
])
def test_bad_options_are_one_clear_error(body, fragment):
    with pytest.raises(ModelError, match="Code generation options") as error:
        parse_options("m.nestml", _header(body))
    assert fragment in str(error.value)
    assert str(error.value).startswith("m.nestml:")


def test_options_of_the_header_reach_the_kernel(tmp_path):
    from nestgap.codegen.generator import generate_python
    from nestgap.frontend.loader import load_model

    text = (ROOT / "models" / "hh_cond_beta_gap_traub.nestml").read_text()
    path = tmp_path / "hh_cond_beta_gap_traub.nestml"
    path.write_text(text.replace('"gsl_rel_error_tol": 0.0', '"gsl_rel_error_tol": 1e-7'))
    code = generate_python(load_model(path))
    assert "_EPS_ABS = 0.001" in code and "_EPS_REL = 1e-07" in code and "_A_Y = 1.0" in code
    path.write_text(text.replace('"gap_current_port": "I_gap"', '"gap_current_port": "I_gapp"'))
    with pytest.raises(ModelError, match="no continuous input port 'I_gapp'"):
        load_model(path)
