"""NESTML's NEST-target code generation for one model file, run in a child process.

``python .../nestgap/nest_module/generate.py REQUEST.json RESULT.json``
(self-contained: the standard library and NESTML only, no nestgap import)

A child process because NESTML keeps global state (logger, symbol table,
configuration), prints to stdout, and because this module adjusts two NESTML
printing functions (below) that must not leak into other NESTML users in the
calling process (nestgap's own front end).

The generation mirrors NESTML's ``generate_nest_target`` (parse, context
conditions, transformers, code generator) but stops before NESTML's builder:
nestgap corrects the generated C++ (``patches.py``) and builds it itself
(``builder.py``). ``nest_version`` is given, so NESTML does not start a NEST
process to detect it.

Options: the model file's own (its "Code generation options" header section,
passed in the request as ``codegen_options``; docs/models.md), or else these,
chosen so that the module computes what NEST's built-in ``hh_psc_alpha_gap``
computes:

- ``gap_junctions``: gap-junction support with the model's ``V_m`` and ``I_gap``;
- ``solver: numeric``: every ODE, including the linear alpha-current pairs,
  goes to the GSL ``rkf45`` stepper (``numeric_solver: rk45``) with the
  ``y_new`` step-size control (``gsl_adaptive_step_size_controller:
  with_respect_to_solution``), as in the built-in. The analytic solver would
  propagate the alpha currents exactly, which is more accurate but no longer
  NEST's numbers;
- ``preserve_expressions``: ODE-toolbox returns the right-hand sides as
  written in the model file (floating-point evaluation order included).

Three NESTML 9.0.0 printing behaviours are adjusted here:

- float literals: ``ConstantPrinter`` prints 9 significant digits
  (``-69.60401191631222`` becomes ``-69.6040119``); nestgap prints the
  shortest string that reads back as the same double (Python's ``repr``);
- literals with a unit: NESTML multiplies by astropy's float conversion factor
  (``0.012 uS`` becomes ``11.999999999999998``, which 9 digits used to hide);
  nestgap prints the exact decimal product (``12.0``), as its front end computes;
- ``ODEToolboxUtils._rewrite_piecewise_into_ternary`` re-parses every
  right-hand side with sympy and prints it back in sympy's canonical order,
  undoing ``preserve_expressions`` (``a*b*c*d*(V - E)`` comes out as
  ``(-c*c*c)*d*a*(-E + V)`` ...). Its only purpose is rewriting ``Piecewise``;
  nestgap passes expressions without ``Piecewise`` through unchanged.
"""

import json
import sys
from pathlib import Path

CODEGEN_OPTIONS = {
    "gap_junctions": {"enable": True, "membrane_potential_variable": "V_m", "gap_current_port": "I_gap"},
    "solver": "numeric",
    "preserve_expressions": True,
    "numeric_solver": "rk45",
    "gsl_adaptive_step_size_controller": "with_respect_to_solution",
}


class NestmlDrift(Exception):
    """A NESTML internal this module adjusts is missing (another NESTML version)."""


def _print_full_precision_floats():
    from pynestml.codegeneration.printers.constant_printer import ConstantPrinter

    original = getattr(ConstantPrinter, "print_constant", None)
    if original is None or not hasattr(ConstantPrinter, "n_float_digits"):
        raise NestmlDrift("pynestml ConstantPrinter.print_constant/n_float_digits not found")

    def print_constant(self, node):
        if isinstance(node, float):
            return repr(node)  # shortest form that reads back as the same double
        return original(self, node)

    ConstantPrinter.print_constant = print_constant


def _exact_unit_literals():
    """A literal with a unit is printed as its value in NEST's unit, computed exactly: NESTML
    multiplies by astropy's float factor (0.012 uS -> 0.012 * 999.9999999999999 nS =
    11.999999999999998), which its 9-digit printing rounds away but the full-precision one
    would keep; nestgap's front end converts exactly (12.0)."""
    from fractions import Fraction

    import astropy.units
    from pynestml.codegeneration.nest_unit_converter import NESTUnitConverter
    from pynestml.codegeneration.printers.c_simple_expression_printer import CSimpleExpressionPrinter
    from pynestml.symbols.predefined_units import PredefinedUnits

    original = getattr(CSimpleExpressionPrinter, "print_simple_expression", None)
    if original is None:
        raise NestmlDrift("pynestml CSimpleExpressionPrinter.print_simple_expression not found")

    def print_simple_expression(self, node):
        if not node.is_numeric_literal_with_unit():
            return original(self, node)
        factor = 1
        for unit in (lambda: PredefinedUnits.get_unit(node.get_variable().get_complete_name()).get_unit(),
                     lambda: astropy.units.Unit(str(node.unitType))):
            try:  # NESTML's lookup: the second that works wins
                factor = NESTUnitConverter.get_factor(unit())
            except BaseException:
                pass
        exact = Fraction(repr(float(node.get_numeric_literal()))) * Fraction(f"{float(factor):.15g}")
        return self._constant_printer.print_constant(float(exact))

    CSimpleExpressionPrinter.print_simple_expression = print_simple_expression


def _keep_expression_order():
    from pynestml.utils.ode_toolbox_utils import ODEToolboxUtils

    original = ODEToolboxUtils.__dict__.get("_rewrite_piecewise_into_ternary")
    if original is None:
        raise NestmlDrift("pynestml ODEToolboxUtils._rewrite_piecewise_into_ternary not found")
    rewrite = original.__func__

    def rewrite_only_piecewise(cls, expression: str) -> str:
        return rewrite(cls, expression) if "Piecewise" in expression else expression

    ODEToolboxUtils._rewrite_piecewise_into_ternary = classmethod(rewrite_only_piecewise)


def _problems(models):
    """(line, column, message) of every NESTML error logged so far."""
    from pynestml.utils.logger import Logger, LoggingLevel

    problems = []
    for entry in Logger.get_messages(level=LoggingLevel.ERROR):
        position, message = entry[4], entry[5]
        problems.append((getattr(position, "start_line", None), getattr(position, "start_column", None),
                         str(message)))
    if not problems and not models:
        problems.append((None, None, "NESTML found no model in the file"))
    return problems


def generate(model_path, target_dir: str, module_name: str, suffix: str, nest_version: str,
             codegen_options: dict = None) -> dict:
    """Generate the module's C++ into ``target_dir``; return ``{"models": [...]}`` or ``{"problems": [...]}``.

    ``model_path``: a model file, or a list of them (one module with all their models)."""
    _print_full_precision_floats()
    _exact_unit_literals()
    _keep_expression_order()

    from pynestml.cocos.co_cos_manager import CoCosManager
    from pynestml.frontend.frontend_configuration import FrontendConfiguration
    from pynestml.frontend.pynestml_frontend import (code_generator_from_target_name, configure_front_end,
                                                     get_parsed_models, generate_code,
                                                     transformers_from_target_name, transform_models)
    from pynestml.utils.logger import Logger

    options = dict(CODEGEN_OPTIONS if codegen_options is None else codegen_options, nest_version=nest_version)
    options.setdefault("preserve_expressions", True)
    configure_front_end(model_path, "NEST", target_path=target_dir, logging_level="WARNING",
                        module_name=module_name, suffix=suffix, codegen_opts=options)
    transformers, rest = transformers_from_target_name("NEST", options=FrontendConfiguration.get_codegen_opts())
    code_generator = code_generator_from_target_name("NEST", rest)
    unused = code_generator.set_options(rest)
    if unused:
        raise NestmlDrift(f"NESTML does not know the code generator options {sorted(unused)}")

    models = get_parsed_models()
    for model in models:
        if not Logger.has_errors(model):
            CoCosManager.check_cocos(model)
    problems = _problems(models)
    if problems:
        return {"problems": problems}

    models, metadata = transform_models(transformers, models)
    generate_code(code_generator, models, metadata)
    problems = _problems(models)
    if problems:
        return {"problems": problems}
    return {"models": sorted(model.get_name() for model in models)}


def main(argv=None) -> int:
    request_path, result_path = (argv if argv is not None else sys.argv[1:])
    request = json.loads(Path(request_path).read_text())
    result = generate(**request)
    Path(result_path).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
