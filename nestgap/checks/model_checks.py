"""The sympy checks of ``nestgap check``, for any model file.

(a) every ODE right-hand side equals, symbolically and exactly, an independent
    transcription of the same model, where one is registered (the entry-point group
    ``nestgap.reference_models``: model name -> module with ``symbolic_rhs()``;
    ``reference_impl/`` registers NEST's two gap models); without one the check
    reports "no independent reference" and passes;
(b) every dimensionless state variable with an ODE (a gating variable) starts
    at its steady state: its derivative vanishes at the declared initial state;
(c) physical units are consistent (NESTML's own type and unit checks);
(d) the removable singularities (0/0) of one-argument functions such as rate
    functions are found and reported with their limits;
(e) the generated right-hand side (the kernel's ``dynamics_lane``, run as plain
    Python) equals the sympy form of the model's ODEs at random points, in
    NEST's units, to rounding.

Each check returns a :class:`CheckResult`; the report lists them all.
"""

import importlib.metadata
import math
import types
from dataclasses import dataclass, field

import numpy as np
import sympy

from ..frontend.symbolic import SympyView, exact

#: the entry-point group of independent transcriptions
REFERENCE_GROUP = "nestgap.reference_models"


@dataclass
class CheckResult:
    name: str
    passed: bool
    lines: list = field(default_factory=list)


def _plain(expr):
    """Symbols by name only (the reference builds them without assumptions)."""
    return expr.xreplace({s: sympy.Symbol(s.name) for s in expr.free_symbols})


def reference_transcription(model_name):
    """The module registered for ``model_name`` in the entry-point group, or None."""
    for entry in importlib.metadata.entry_points(group=REFERENCE_GROUP):
        if entry.name == model_name:
            return entry.load()
    return None


def check_reference_equations(spec) -> CheckResult:
    name = "(a) right-hand sides equal an independent transcription"
    reference = reference_transcription(spec.name)
    if reference is None:
        return CheckResult(name, True, [f"no independent reference: no transcription of '{spec.name}' is "
                                        f"registered (entry-point group {REFERENCE_GROUP})"])
    # unevaluated, so that every float literal stays a number of its own (no
    # rounded products such as 1/34.0) and becomes the exact rational it stands for
    with sympy.evaluate(False):
        ours = {k: _plain(v) for k, v in SympyView(spec).odes().items()}
        theirs = {k: _plain(v) for k, v in reference.symbolic_rhs().items()}
        exact_ours = {k: exact(v) for k, v in ours.items()}
        exact_theirs = {k: exact(v) for k, v in theirs.items()}
    lines, passed = [], True
    for state in sorted(set(ours) | set(theirs), key=lambda s: list(ours).index(s) if s in ours else 99):
        if state not in ours or state not in theirs:
            passed = False
            lines.append(f"{state}: {'no ODE in the model' if state not in ours else 'not in the reference'}")
            continue
        if _equal(exact_ours[state], exact_theirs[state]):
            lines.append(f"d{state}/dt: identical")
        else:
            passed = False
            lines.append(f"d{state}/dt: DIFFERS; differing terms (model vs reference):")
            lines += [f"    {a}   vs   {b}" for a, b in _differing_terms(ours[state], theirs[state])]
    return CheckResult(name, passed, lines)


def _equal(a, b) -> bool:
    """Exact symbolic equality: identical trees, or a difference that simplifies to 0."""
    difference = a - b
    if difference == 0 or sympy.expand(difference) == 0:
        return True
    # a cheap numeric probe first: a real difference shows at random points
    points = [{s: sympy.Rational(k * 7 + 3, 13) for s in difference.free_symbols} for k in range(3)]
    if any(abs(difference.subs(p).evalf(30)) > 1e-20 for p in points):
        return False
    return sympy.simplify(difference) == 0


def _differing_terms(a, b):
    """The smallest subexpressions in which two expressions of the same shape differ."""
    if a == b or (a.is_Number and b.is_Number and float(a) == float(b)):
        return []
    if a.func == b.func and len(a.args) == len(b.args) and a.args:
        pairs = [_differing_terms(x, y) for x, y in zip(a.args, b.args)]
        return [p for pair in pairs for p in pair]
    return [(a, b)]


def check_initial_steady_state(spec) -> CheckResult:
    name = "(b) gating variables start at their steady state"
    # one-argument functions (rate functions) stay opaque: the check is that
    # x0 = a / (a + b) solves a (1 - x) - b x = 0, whatever a and b are
    view = SympyView(spec, opaque=[f.name for f in spec.functions if len(f.params) == 1])
    # initial values may use internals (e.g. alpha_m_init = rate at V_m_init): their definitions
    definitions = {sympy.Symbol(k, real=True): v for k, v in view.internals().items()}
    initial = {k: _substituted(v, definitions) for k, v in view.initial_values().items()}
    odes = view.odes()
    # the model file's own dimensionless ODE variables (not the kernel variables NESTML's analysis adds)
    gates = [v.name for v in spec.state if v.name in odes and v.unit == "" and v.type == "real"
             and "__" not in v.name]
    at_start = {sympy.Symbol(k, real=True): v for k, v in initial.items()}
    numeric = _numeric_initial_state(spec)
    lines, passed = [], True
    for gate in gates:
        derivative = sympy.simplify(odes[gate].xreplace(at_start))
        ok = bool(derivative.is_zero)
        passed &= ok
        value = numeric.get(gate)
        lines.append(f"{gate}(0) = {initial[gate]} = {value!r}: d{gate}/dt = "
                     f"{'0 (steady state)' if ok else derivative}")
    if not gates:
        lines.append("no dimensionless state variables with ODEs")
    return CheckResult(name, passed, lines)


def _substituted(expr, definitions):
    """``expr`` with the defined symbols replaced, repeatedly (definitions may use each other)."""
    for _ in range(len(definitions) + 1):
        replaced = expr.xreplace(definitions)
        if replaced == expr:
            break
        expr = replaced
    return expr


def _numeric_initial_state(spec) -> dict:
    """Initial values as doubles, evaluated by the model's own expressions in IEEE order."""
    import math

    from ..codegen.python_printer import PythonPrinter
    from ..frontend import ir

    env = {"math": math, "_exp": math.exp}
    printer = PythonPrinter()
    for function in spec.functions:
        body = function.body
        if len(body) == 1 and isinstance(body[0], ir.Return):
            source = f"def {function.name}({', '.join(function.params)}):\n    return {printer.expr(body[0].value)}"
            exec(source, env)  # noqa: S102 -- the model's own expressions
    names = {}
    for group in (spec.parameters, spec.internals, spec.state):
        for variable in group:
            try:
                names[variable.name] = eval(printer.expr(variable.value), env, names)  # noqa: S307
            except Exception:  # e.g. steps(): not needed for the initial state here
                names[variable.name] = None
    return {v.name: names.get(v.name) for v in spec.state}


def check_units(spec) -> CheckResult:
    lines = ["NESTML's context conditions (types, physical units, definitions) report no errors"]
    lines += [f"warning at line {w}" for w in spec.warnings]
    return CheckResult("(c) units are consistent", True, lines)


def check_removable_singularities(spec) -> CheckResult:
    name = "(d) removable singularities of one-argument functions"
    view = SympyView(spec)
    lines = []
    for function in spec.functions:
        if len(function.params) != 1:
            continue
        with sympy.evaluate(False):  # keep 13.5 a literal instead of a rounded 1/13.5
            x, expr = view.function_of_argument(function.name)
        unit = f" {function.param_units[0]}" if function.param_units and function.param_units[0] else ""
        expr = _decimal(expr)
        for point in _zero_over_zero(expr, x):
            limit = sympy.limit(expr, x, point)
            lines.append(f"{function.name}({x}): 0/0 at {x} = {float(point):g}{unit}, removable, "
                         f"limit {float(limit):.10g} (evaluates to NaN there in floating point)")
    if not lines:
        lines.append("none found")
    return CheckResult(name, True, lines)


def _decimal(expr):
    """Floats -> the decimal rationals they were written as (75.5 -> 151/2), to keep sympy fast."""
    return expr.xreplace({f: sympy.Rational(repr(float(f))) for f in expr.atoms(sympy.Float)})


def _zero_over_zero(expr, x):
    """Real points where a denominator of ``expr`` and its numerator both vanish."""
    points = []
    numerator, denominator = sympy.fraction(sympy.together(expr))
    for root in sympy.solveset(denominator, x, sympy.S.Reals):
        if isinstance(root, sympy.Expr) and sympy.simplify(numerator.subs(x, root)) == 0:
            points.append(root)
    return points


def check_generated_right_hand_side(spec, points=20, seed=12345) -> CheckResult:
    name = "(e) the generated right-hand side equals the sympy form of the ODEs at random points"
    if not spec.odes:
        return CheckResult(name, True, ["no ODEs for the numeric solver (exact propagators only)"])
    from ..codegen.generator import generate_python

    kernel = types.ModuleType(f"nestgap_check_{spec.name}")
    exec(compile(generate_python(spec), f"<generated kernel of {spec.name}>", "exec"), kernel.__dict__)  # noqa: S102
    view = SympyView(spec)
    rhs = view.odes()
    undefined = sorted({f.func.__name__ for e in rhs.values() for f in e.atoms(sympy.core.function.AppliedUndef)})
    if undefined:
        return CheckResult(name, True, [f"not checked: the ODEs call {', '.join(undefined)} (no closed form)"])
    rng = np.random.default_rng(seed)
    params = kernel.default_parameters(np.zeros(len(kernel.ODE_STATE)), np.zeros(len(kernel.AUX_STATE)),
                                       np.zeros(len(kernel.INT_STATE), np.int64))
    worst, checked = 0.0, 0
    for _ in range(points):
        values, R = _random_point(spec, kernel, params, rng)
        kernel.dynamics_lane(R, 0, 0, 0.1)
        symbols = {sympy.Symbol(k, real=True): sympy.Float(v, 30) for k, v in values.items()}
        for j, variable in enumerate(kernel.ODE_STATE):
            if variable not in rhs:
                continue
            ours = R[(kernel._RF + j) * kernel.LANES]
            theirs = complex(rhs[variable].xreplace(symbols).evalf(30))
            if not (math.isfinite(theirs.real) and theirs.imag == 0):
                continue
            error = abs(ours - theirs.real) / max(1.0, abs(theirs.real))
            worst, checked = max(worst, error), checked + 1
    passed = worst <= 1e-9
    return CheckResult(name, passed, [f"{checked} derivatives at {points} random points (states in plausible "
                                      f"ranges, defaults, random inputs): max relative difference {worst:.2g}"])


def _random_point(spec, kernel, params, rng):
    """(values by name, register file with lane 0 filled) at a random state of the model."""
    q = np.zeros((1, len(kernel.INTERNALS)))
    y = np.array([[_random_value(v, rng) for v in spec.state if v.name in kernel.ODE_STATE]])
    kernel.compute_internals(params[None, :], q, y, np.zeros((1, len(kernel.AUX_STATE))),
                             np.zeros((1, len(kernel.INT_STATE)), np.int64), 0.1, 1000.0, 100)
    L = kernel.LANES
    R = np.zeros(kernel._NROWS * L)
    values = {}
    for j, name in enumerate(kernel.ODE_STATE):
        R[(kernel._RYIN + j) * L] = values[name] = y[0, j]
    for j, (name, *_) in enumerate(kernel.PARAMETERS):
        R[(kernel._RP + j) * L] = values[name] = params[j]
    for j, name in enumerate(kernel.INTERNALS):
        R[(kernel._RQ + j) * L] = values[name] = q[0, j]
    for j, name in enumerate(kernel.CURRENT_PORTS):
        R[(kernel._RCUR + j) * L] = values[name] = rng.uniform(-100.0, 100.0)
    if kernel.GAP_JUNCTION is not None:  # g = 0 and the constant coefficient: I_gap = c0 exactly
        R[kernel._RGC * L] = values[kernel.GAP_JUNCTION[1]] = rng.uniform(-100.0, 100.0)
    for j in range(kernel._NROWS - kernel._RMASK):
        R[(kernel._RMASK + j) * L] = 1.0
    return values, R


def _random_value(variable, rng):
    """A plausible value in NEST's units: a potential in [-80, 40] mV, a dimensionless variable in [0, 1],
    anything else in [-10, 10]."""
    if variable.unit == "mV":
        return rng.uniform(-80.0, 40.0)
    if variable.unit == "":
        return rng.uniform(0.0, 1.0)
    return rng.uniform(-10.0, 10.0)


def run_checks(spec) -> list:
    return [check_reference_equations(spec), check_initial_steady_state(spec), check_units(spec),
            check_removable_singularities(spec), check_generated_right_hand_side(spec)]
