"""A model's code-generation options: the options of NESTML's NEST target, written in the model file.

NESTML takes its NEST target's options (solver, GSL step control, gap
junctions) from the command that generates code, not from the model file. A
model whose dynamics depend on them (NEST's gap-junction models need the GSL
stepper with NEST's tolerances and name their membrane potential and gap
current) states them in its structured header, in a section of its own::

    # Code generation options
    # +++++++++++++++++++++++
    #
    # .. code-block:: json
    #
    #    {"solver": "numeric", "gsl_abs_error_tol": 1e-6, "gsl_rel_error_tol": 0.0,
    #     "gap_junctions": {"enable": true, "membrane_potential_variable": "V_m",
    #                       "gap_current_port": "I_gap"}}

nestgap generates its kernel with these options and ``nestgap build-nest-module``
passes the same ones to NESTML, so both simulators integrate the model alike.
A model without the section gets NESTML's defaults (docs/models.md, "Code
generation options").
"""

import json
import math
from dataclasses import dataclass

from .errors import ModelError

SECTION = "Code generation options"

#: GSL's standard step control as NESTML's option names it: (a_y, a_dydt) of gsl_odeiv_control_standard_new
STEP_SIZE_CONTROLLERS = {"with_respect_to_solution": (1.0, 0.0), "with_respect_to_derivative": (0.0, 1.0)}


@dataclass(frozen=True)
class GapJunctionOptions:
    membrane_potential_variable: str = "V_m"
    gap_current_port: str = "I_gap"


@dataclass(frozen=True)
class Options:
    """NESTML's NEST-target options that change the numbers, with NESTML 9.0.0's defaults.

    ``gsl_abs_error_tol`` and ``gsl_rel_error_tol`` are the defaults NESTML's NEST
    models give the GSL step control (eps_abs, eps_rel); nestgap compiles them in.
    """
    solver: str = "analytic"                 # "analytic": propagators where ODE-toolbox finds them
    numeric_solver: str = "rk45"
    gsl_adaptive_step_size_controller: str = "with_respect_to_solution"
    gsl_abs_error_tol: float = 1e-6
    gsl_rel_error_tol: float = 1e-6
    gap_junctions: GapJunctionOptions | None = None

    @property
    def a_y(self) -> float:
        return STEP_SIZE_CONTROLLERS[self.gsl_adaptive_step_size_controller][0]

    @property
    def a_dydt(self) -> float:
        return STEP_SIZE_CONTROLLERS[self.gsl_adaptive_step_size_controller][1]

    def nestml_codegen_options(self) -> dict:
        """The options as NESTML's NEST target takes them (``codegen_opts``)."""
        options = {"solver": self.solver, "numeric_solver": self.numeric_solver,
                   "gsl_adaptive_step_size_controller": self.gsl_adaptive_step_size_controller}
        if self.gap_junctions is not None:
            options["gap_junctions"] = {"enable": True,
                                        "membrane_potential_variable": self.gap_junctions.membrane_potential_variable,
                                        "gap_current_port": self.gap_junctions.gap_current_port}
        return options


def header_doc(text: str) -> str:
    """The comment block that opens the file (NESTML's structured model header)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines).strip()


def parse_options(path, header: str) -> Options:
    """The options of the model file ``path`` from its header text (comment markers removed)."""
    text, line = _section_code(header)
    if text is None:
        return Options()
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelError(path, [(line + error.lineno - 1, error.colno,
                                 f"'{SECTION}': not valid JSON ({error.msg})")]) from None
    if not isinstance(raw, dict):
        raise ModelError(path, [(line, None, f"'{SECTION}': expected a JSON object")])
    return _validated(path, line, raw)


def _section_code(header):
    """(code block of the options section, its first line number in the file) or (None, None)."""
    lines = header.splitlines()
    for k, text in enumerate(lines[:-1]):
        if text.strip() == SECTION and set(lines[k + 1].strip()) == {"+"}:
            block, start = [], None
            for j in range(k + 2, len(lines)):
                if j + 1 < len(lines) and lines[j].strip() and set(lines[j + 1].strip()) == {"+"}:
                    break  # the next section
                if start is None and lines[j].strip().startswith(".. code-block::"):
                    start = j + 1
                elif start is not None:
                    block.append(lines[j])
            return "\n".join(block), (start or k) + 1
    return None, None


def _validated(path, line, raw) -> Options:
    def fail(message):
        raise ModelError(path, [(line, None, f"'{SECTION}': {message}")])

    known = {"solver", "numeric_solver", "gsl_adaptive_step_size_controller", "gsl_abs_error_tol",
             "gsl_rel_error_tol", "gap_junctions"}
    unknown = sorted(set(raw) - known)
    if unknown:
        fail(f"unknown option(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    defaults = Options()
    solver = raw.get("solver", defaults.solver)
    if solver not in ("analytic", "numeric"):
        fail(f"solver must be \"analytic\" or \"numeric\", not {solver!r}")
    numeric = raw.get("numeric_solver", defaults.numeric_solver)
    if numeric != "rk45":
        fail(f"numeric_solver {numeric!r} is not supported by nestgap (supported: \"rk45\")")
    controller = raw.get("gsl_adaptive_step_size_controller", defaults.gsl_adaptive_step_size_controller)
    if controller not in STEP_SIZE_CONTROLLERS:
        fail(f"gsl_adaptive_step_size_controller must be one of {', '.join(STEP_SIZE_CONTROLLERS)}")
    eps_abs = raw.get("gsl_abs_error_tol", defaults.gsl_abs_error_tol)
    eps_rel = raw.get("gsl_rel_error_tol", defaults.gsl_rel_error_tol)
    for name, value in (("gsl_abs_error_tol", eps_abs), ("gsl_rel_error_tol", eps_rel)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            fail(f"{name} must be a number")
    if eps_abs <= 0:
        fail("gsl_abs_error_tol must be strictly positive")  # as NESTML's models require
    if eps_rel < 0:
        fail("gsl_rel_error_tol must be zero or positive")
    gap = raw.get("gap_junctions")
    gap_options = None
    if gap is not None:
        if not isinstance(gap, dict) or set(gap) - {"enable", "membrane_potential_variable", "gap_current_port"}:
            fail("gap_junctions takes enable, membrane_potential_variable and gap_current_port")
        if gap.get("enable", False):
            gap_options = GapJunctionOptions(gap.get("membrane_potential_variable", "V_m"),
                                             gap.get("gap_current_port", "I_gap"))
    return Options(solver, numeric, controller, float(eps_abs), float(eps_rel), gap_options)
