"""NESTML's own analysis of a model, as its NEST target does it, before any code is printed.

NESTML's NEST target transforms a parsed model in two stages: its transformers
(inline expressions expanded into the ODEs, kernels and ``convolve`` turned
into state variables, ODE-toolbox's analysis: which ODEs have exact
propagators, which go to the numeric solver) and its code generator's analysis
(propagators added to the internals, ODE definitions removed, spike updates of
the kernel variables). nestgap runs exactly these steps with the model's
options (:mod:`.options`) and lowers the result, so that its kernel and the
module NESTML builds from the same file compute the same expressions.

Two NESTML 9.0.0 printing behaviours are adjusted while the analysis runs (and
restored afterwards), as ``nestgap build-nest-module`` does (docs/nest_module.md):
float literals keep all their digits (not 9), and ODE right-hand sides that
ODE-toolbox returned unchanged (``preserve_expressions``) are not re-printed in
sympy's order.
"""

from contextlib import contextmanager
from dataclasses import dataclass

#: what NESTML's NEST target calls the NEST version it generates for (skips NEST's detection)
NEST_VERSION = "v3.10.0"


@dataclass
class Solvers:
    """ODE-toolbox's verdict on a transformed model (None where a solver is not used)."""
    analytic: dict | None        # state_variables, update_expressions, propagators, initial_values
    numeric: dict | None         # state_variables, update_expressions
    spike_updates: dict          # input port -> [ASTAssignment] (kernel variables' jumps)


@contextmanager
def nestml_printing():
    """Full-precision float literals and expression order kept, for the duration of the analysis."""
    from pynestml.codegeneration.printers.constant_printer import ConstantPrinter
    from pynestml.utils.ode_toolbox_utils import ODEToolboxUtils

    original_constant = ConstantPrinter.print_constant
    original_rewrite = ODEToolboxUtils.__dict__["_rewrite_piecewise_into_ternary"]
    rewrite = original_rewrite.__func__

    def print_constant(self, node):
        if isinstance(node, float):
            return repr(node)  # the shortest text that reads back as the same double
        return original_constant(self, node)

    def rewrite_only_piecewise(cls, expression):
        return rewrite(cls, expression) if "Piecewise" in expression else expression

    ConstantPrinter.print_constant = print_constant
    ODEToolboxUtils._rewrite_piecewise_into_ternary = classmethod(rewrite_only_piecewise)
    try:
        yield
    finally:
        ConstantPrinter.print_constant = original_constant
        ODEToolboxUtils._rewrite_piecewise_into_ternary = original_rewrite


def analyse(model, options) -> Solvers:
    """Transform ``model`` (a checked NESTML ASTModel, changed in place) as NESTML's NEST target does."""
    from pynestml.codegeneration.nest_code_generator import NESTCodeGenerator
    from pynestml.frontend.frontend_configuration import FrontendConfiguration
    from pynestml.frontend.pynestml_frontend import transform_models, transformers_from_target_name

    codegen = {**options.nestml_codegen_options(), "preserve_expressions": True, "nest_version": NEST_VERSION}
    FrontendConfiguration.logging_level = "ERROR"  # ODE-toolbox's logging level (NESTML's own stays quiet)
    with nestml_printing():
        transformers, rest = transformers_from_target_name("NEST", options=dict(codegen))
        (model,), metadata = transform_models(transformers, [model])
        generator = NESTCodeGenerator({key: rest[key] for key in rest if key in NESTCodeGenerator._default_options})
        generator.analyse_transform_neurons([model], metadata)
    data = metadata[model.name]
    return model, Solvers(data.get("analytic_solver"), data.get("numeric_solver"), data.get("spike_updates", {}))


def parse_solver_expression(text, model):
    """An expression string of ODE-toolbox's output as NESTML's AST, in the model's equations scope
    (as NESTML's NEST target reads it)."""
    from pynestml.utils.model_parser import ModelParser
    from pynestml.utils.ode_toolbox_utils import ODEToolboxUtils
    from pynestml.visitors.ast_symbol_table_visitor import ASTSymbolTableVisitor

    with nestml_printing():
        text = ODEToolboxUtils._rewrite_piecewise_into_ternary(text)
    expression = ModelParser.parse_expression(text)
    expression.update_scope(model.get_equations_blocks()[0].get_scope())
    expression.accept(ASTSymbolTableVisitor())
    return expression
