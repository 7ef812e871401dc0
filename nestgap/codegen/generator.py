"""Model spec -> Python source of the model's simulation kernel.

The generated module has three parts, each from its own template:

- the model (``model.py.jinja``): the model's functions, defaults, internals
  (with NESTML's propagators), initial state, invariants and the right-hand
  side of the numeric solver's ODEs, for sixteen neurons at once (``LANES``);
- the integrator (``rkf45.py.jinja``): GSL 1.15's rkf45 stepper with the
  standard step control, its tolerances taken from the model's options;
- the update (``update.py.jinja``, with ``gap_junctions.py.jinja``): NESTML's
  NEST-target step of a population: kernel variables propagated, the update
  block with its ``integrate_odes(...)`` calls (exact propagators for the
  analytic variables, the GSL loop for the numeric ones), onReceive and
  onCondition blocks, current inputs, recording, and the waveform-relaxation
  bookkeeping of gap junctions.

The integrator is a lane integrator: sixteen neurons side by side, each with its
own step control, their arithmetic done in SIMD registers with the rounding of
scalar code. An update block may call ``integrate_odes`` anywhere outside
loops: it is cut at every call that needs the GSL stepper into segments, and a
lane resumes the right segment when its integration is done. Expressions are
printed from the model's own trees, never from sympy-simplified forms. The
output depends only on the spec and nestgap's version: generating twice gives
identical bytes.
"""

import json
from pathlib import Path

import jinja2

from ..version import __version__
from ..frontend import ir
from ..frontend.errors import ModelError
from .libm import reciprocal_parts
from .python_printer import PythonPrinter, number, python_name

TEMPLATES = Path(__file__).parent / "templates"

#: names the generated module defines at module level
_MODULE_NAMES = {"math", "np", "jit", "dynamics_lanes", "dynamics_lane", "gap_slope_lane",
                 "update_task", "compute_internals", "initial_state", "EXPORTS",
                 "add_to_rings", "update_task_lead", "update_task_follow", "BUFFERS", "UPDATE_ARGUMENTS", "SOLVER",
                 "check_invariants", "default_parameters", "MODEL", "SOURCE_SHA256", "PARAMETERS",
                 "STATE", "ODE_STATE", "AUX_STATE", "INT_STATE", "INTERNALS", "SPIKE_PORTS", "RECEPTOR_TYPES", "RANDOM_DRAWS",
                 "CURRENT_PORTS", "GAP_JUNCTION", "EMITS_SPIKES", "INVARIANTS", "LANES", "INIT_READS_STATE",
                 "range", "abs", "min", "max", "int", "float", "True", "False", "None"}

#: operations that can turn a NaN into a number: right-hand sides using them do not
#: use the vectorisable exp (whose rare out-of-range results are NaN markers, see the template)
_NAN_ABSORBING_CALLS = {"min", "max", "clip", "floor", "ceil", "pow"}
_NAN_ABSORBING_OPS = {"**", "%", "<", "<=", ">", ">=", "==", "!=", "and", "or", "not"}

#: the scalar arguments of update_task, before the arrays
_SLICE_ARGUMENTS = ("origin", "frm", "to", "wfr", "order", "tol", "h", "ring")
_SLICE_TYPES = ("i8", "i8", "i8", "b1", "i8", "f8", "f8", "i8")


def generate_python(spec) -> str:
    """The source text of the generated kernel module for ``spec``."""
    return _Generator(spec).render()


class _Call:
    """One ``integrate_odes(...)`` call site of the update block."""

    def __init__(self, index, stmt, generator):
        g = generator
        self.index = index
        self.variables = stmt.variables  # None: every ODE
        chosen = set(g.ode if stmt.variables is None else stmt.variables)
        # a named variable brings its higher-order variables x__d, x__d__d (NESTML's filter_variables_list)
        chosen |= {v for v in g.ode if "__d" in v and v.split("__d")[0] in chosen}
        unknown = chosen - set(g.ode)
        if unknown:
            raise g.error(f"integrate_odes({', '.join(sorted(unknown))}): not a state variable with an ODE")
        #: analytic variables propagated by this call (kernel variables evolve every step anyway)
        self.analytic = [v for v in g.analytic if v in chosen and v not in g.conv]
        #: does the call run the GSL loop? (the numeric system holds every ODE variable)
        self.numeric = bool(g.numeric) and bool(chosen & set(g.numeric))
        #: per ODE variable: 1 where the right-hand side is evaluated, 0 where it is held at 0 (NESTML)
        self.mask = [1 if stmt.variables is None or v in chosen or v in g.conv else 0 for v in g.ode]
        integrated = set(self.analytic) | (chosen & set(g.numeric))
        #: jumps of delta-kernel targets integrated here (NESTML applies them inside the call)
        self.spike_updates = [(port, [s for s in body if s.name in integrated and s.name not in g.conv])
                              for port, body in g.spec.spike_updates]


class _Generator:
    def __init__(self, spec):
        self.spec = spec
        self.ode = list(spec.ode_state)
        self.numeric = list(spec.numeric_state)
        self.analytic = [name for name, _ in spec.analytic]
        self.conv = list(spec.convolutions)
        if self.numeric and self.numeric != self.ode:
            raise self.error("the numeric solver must integrate every ODE variable (as NESTML's NEST target does)")
        self.aux = [v.name for v in spec.state if v.name not in self.ode and v.type == "real"]
        self.int = [v.name for v in spec.state if v.name not in self.ode and v.type != "real"]
        self.params = [v.name for v in spec.parameters]
        self.model_names = {v.name for v in (*spec.parameters, *spec.state, *spec.internals)} | \
            {name for name, _ in spec.inlines} | {p.name for p in spec.ports}
        self.internals = [v.name for v in spec.internals]
        self.inlines = dict(spec.inlines)
        # real state without an ODE that the right-hand sides read (NESTML: the node's value, held
        # during the GSL loop; e.g. a noise conductance set in the update block)
        read_by_odes = self._used([e for _, e in spec.odes]).get("state", ())
        self.rhs_aux = [n for n in self.aux if n in read_by_odes]
        self.current_ports = [p.name for p in spec.current_ports]
        self.spike_ports = [p.name for p in spec.spike_ports]
        self.gap = spec.gap_junction
        # variables (and update-block or function locals) of integer type
        self.integer_names = {v.name for v in (*spec.parameters, *spec.state, *spec.internals) if v.type == "integer"}
        bodies = [spec.update, *(f.body for f in spec.functions), *(b for _, b in spec.on_receive),
                  *(b for _, b in spec.on_condition)]
        self.integer_names |= {sub.name for body in bodies for stmt in body for sub in ir.walk(stmt)
                               if isinstance(sub, ir.Declare) and sub.type == "integer"}
        self._check_names()
        self.update_printer = self._printer("update")
        self.calls, self.segments = self._segments()
        self.masked = any(0 in call.mask for call in self.calls if call.numeric)
        self.dynamics_functions, self.vector_exp = self._dynamics_functions()

    def error(self, message):
        return ModelError(self.spec.path, [(None, None, message)])

    # -- names ---------------------------------------------------------------
    def _check_names(self):
        names = [*self.params, *self.internals, *(v.name for v in self.spec.state),
                 *self.inlines, *(p.name for p in self.spec.ports), *(f.name for f in self.spec.functions)]
        printed = [python_name(n) for n in names]
        for name, text in zip(names, printed):
            if (text.startswith("_") or text in _MODULE_NAMES) or printed.count(text) > 1:
                raise self.error(f"the name '{name}' is reserved by nestgap's generated code (names starting "
                                 f"with '_' or 'nestml_' and {', '.join(sorted(_MODULE_NAMES))})")

    # -- expressions in the different functions ---------------------------------
    def _printer(self, context, vector=False):
        """A printer for ``context`` in {functions, defaults, internals, initial, invariants,
        dynamics, update}; ``vector``: calls go to the vectorisable exp and model functions."""

        def name(node):
            n, kind = node.name, node.kind
            if kind == "local":
                return self._local(n)
            if context == "functions":
                raise self.error(f"function bodies may only use their arguments, not '{n}'")
            if kind == "parameter":
                return python_name(n)
            if kind == "internal" and context not in ("defaults",):
                return python_name(n)
            if kind == "state" and context in ("initial", "invariants", "internals"):
                return python_name(n)
            if kind == "state" and context == "defaults":  # NESTML allows it: the state before initialisation
                array, group = ("_y", self.ode) if n in self.ode else ("_aux", self.aux) if n in self.aux \
                    else ("_ints", self.int)
                return f"{array}[{group.index(n)}]"
            if kind == "state" and context == "dynamics":
                if n not in self.ode and n not in self.rhs_aux:
                    raise self.error(f"ODE right-hand sides cannot use '{n}', a state variable without an ODE")
                return python_name(n)
            if kind == "state" and context == "update":
                return f"_y[_{n}]" if n in self.ode else python_name(n)
            if kind == "inline" and context in ("dynamics",):
                return python_name(n)
            if kind == "inline" and context == "update":
                return f"({printer.expr(self.inlines[n])})"
            if kind == "continuous_port" and context in ("dynamics", "update"):
                if self.gap and n == self.gap.current_port:
                    if context == "update":
                        raise self.error(f"the gap-junction current '{n}' can only be used in ODEs "
                                         "integrated by the numeric solver")
                    return python_name(n)
                index = self.current_ports.index(n)
                return python_name(n) if context == "dynamics" else f"_CUR[_i, {index}]"
            if kind == "spike_port" and context == "update":
                return f"_SPIKE_BUF[_i, {self.spike_ports.index(n)}, _slot]"
            raise self.error(f"'{n}' ({kind}) cannot be used here ({context})")

        def call(node, args):
            if isinstance(node, ir.Draw):  # NESTML: ((mu) + (sigma) * normal_dev_(rng)), drawn ahead
                if context != "update":
                    raise self.error("random functions are only available in the update block")
                return f"(({args[0]}) + ({args[1]}) * _RAND[_i, _lag, {node.site}])"
            if node.function in ("resolution", "timestep"):
                if context == "internals":
                    return "resolution"
                if context in ("update", "dynamics"):
                    return "_h"
                raise self.error(f"{node.function}() is only available in internals, ODEs and update blocks")
            if vector and node.function == "exp":
                quotient = node.args[0]
                parts = (reciprocal_parts(float(quotient.right.value))
                         if isinstance(quotient, ir.Binary) and quotient.op == "/" and isinstance(quotient.right, ir.Num)
                         and not (self._is_integer(quotient.left) and self._is_integer(quotient.right)) else None)
                if parts is not None:
                    # exp(x / d), d a literal: the quotient by fused multiply-adds (docs/exact_division.md)
                    return (f"_exp_quotient_v({printer.expr(quotient.left)}, {number(float(quotient.right.value))}, "
                            f"{number(parts[0])}, {number(parts[1])})")
                return f"_exp_v({args[0]})"
            if vector and node.function in self.dynamics_functions:
                return f"_v_{python_name(node.function)}({', '.join(args)})"
            if node.function == "steps":
                if context != "internals":
                    raise self.error("steps() is only available in the internals block")
                return f"_steps({args[0]}, tics_per_ms, tics_per_step)"
            return None

        printer = PythonPrinter(name=name, call=call, integer=self._is_integer)
        return printer

    def _is_integer(self, node) -> bool:
        """Is ``node`` integer-valued in NESTML's C++ (integer variables and literals, and +, -, *, /, %
        of them; steps())?"""
        if isinstance(node, ir.Num):
            return isinstance(node.value, int)
        if isinstance(node, ir.Name):
            return node.name in self.integer_names
        if isinstance(node, ir.Unary):
            return node.op == "-" and self._is_integer(node.operand)
        if isinstance(node, ir.Binary) and node.op in ("+", "-", "*", "/", "%"):
            return self._is_integer(node.left) and self._is_integer(node.right)
        return isinstance(node, ir.Call) and node.function == "steps"

    def _local(self, name) -> str:
        """A local variable's name in the generated code: a local that shadows a model-level
        variable (NESTML allows ``V_m_old mV = V_m`` in the update block beside the state
        ``V_m_old``, which then keeps its value) gets a name of its own."""
        return f"_loc_{name}" if name in self.model_names else python_name(name)

    def _statements(self, stmts, printer, indent=""):
        lines = []
        for stmt in stmts:
            if isinstance(stmt, ir.Declare):
                value = printer.expr(stmt.value) if stmt.value is not None else \
                    ("0" if stmt.type != "real" else "0.0")
                lines.append(f"{indent}{self._local(stmt.name)} = {value}")
            elif isinstance(stmt, ir.Assign):
                target = f"_y[_{stmt.name}]" if stmt.kind == "state" and stmt.name in self.ode \
                    else self._local(stmt.name) if stmt.kind == "local" else python_name(stmt.name)
                lines.append(f"{indent}{target} {stmt.op} {printer.expr(stmt.value)}")
            elif isinstance(stmt, ir.If):
                for k, (condition, body) in enumerate(stmt.branches):
                    keyword = "if" if k == 0 else "elif"
                    lines.append(f"{indent}{keyword} {printer.expr(condition)}:")
                    lines += self._statements(body, printer, indent + "    ") or [indent + "    pass"]
                if stmt.orelse:
                    lines.append(f"{indent}else:")
                    lines += self._statements(stmt.orelse, printer, indent + "    ")
            elif isinstance(stmt, ir.EmitSpike):
                lines.append(f"{indent}if not _wfr:")
                lines.append(f"{indent}    _SPIKED[_i, _lag] = True")
            elif isinstance(stmt, ir.Return):
                lines.append(f"{indent}return {printer.expr(stmt.value)}")
            elif isinstance(stmt, ir.IntegrateODEs):
                raise self.error("integrate_odes() is only allowed in the update block, outside loops")
            else:
                raise self.error(f"unsupported statement {stmt!r}")
        return lines

    # -- the update block, cut into segments at integrate_odes() calls ----------
    def _segments(self):
        """(calls, segments): every integrate_odes() call site, and the code of the update block cut
        at the calls that need the GSL loop.

        Segment 0 starts the update block; a segment ends where a GSL call starts (it sets ``_c``,
        the call, and ``_s``, the segment that continues after it) or with the update block's end.
        The statements after an ``if`` that contains a call are repeated in each branch, so that
        every segment is straight code."""
        calls, segments, index = [], [], {}

        def call_of(stmt):
            calls.append(_Call(len(calls), stmt, self))
            return calls[-1]

        def segment_of(stmts):
            stmts = tuple(stmts)
            if stmts not in index:
                index[stmts] = len(segments)
                segments.append(None)
                segments[index[stmts]] = code(stmts, "")
            return index[stmts]

        def code(stmts, indent):
            lines = []
            for k, stmt in enumerate(stmts):
                rest = stmts[k + 1:]
                if isinstance(stmt, ir.IntegrateODEs):
                    call = call_of(stmt)
                    lines += self._analytic_new_values(call, indent, kept=call.numeric)
                    if call.numeric:
                        lines += [f"{indent}_c = {call.index}", f"{indent}_s = {segment_of(rest)}"]
                        return lines
                    lines += self._finish_call(call, indent, kept=False)
                    continue
                if isinstance(stmt, ir.If) and _integrates(stmt):
                    for j, (condition, body) in enumerate(stmt.branches):
                        lines.append(f"{indent}{'if' if j == 0 else 'elif'} "
                                     f"{self.update_printer.expr(condition)}:")
                        lines += code((*body, *rest), indent + "    ") or [f"{indent}    pass"]
                    else_code = code((*stmt.orelse, *rest), indent + "    ")
                    if else_code:
                        lines += [f"{indent}else:", *else_code]
                    return lines
                if isinstance(stmt, (ir.Declare, ir.Assign, ir.If, ir.EmitSpike)) and not _integrates(stmt):
                    lines += self._statements([stmt], self.update_printer, indent)
                else:
                    raise self.error("integrate_odes() is only allowed in the update block, outside loops")
            return lines

        segment_of(self.spec.update)
        return calls, segments

    def _analytic_new_values(self, call, indent, kept):
        """The exact new values of the call's analytic variables, from the state before the step;
        ``kept``: into the lane's store _LTMP (the GSL loop runs in between), else into locals."""
        printer = self.update_printer
        expressions = dict(self.spec.analytic)
        lines = []
        for name in call.analytic:
            target = f"_LTMP[_l, {self.analytic.index(name)}]" if kept else f"_tmp_{python_name(name)}"
            lines.append(f"{indent}{target} = {printer.expr(expressions[name])}")
        return lines

    def _finish_call(self, call, indent, kept):
        """After a call's integration: its analytic variables take their new values, then the jumps
        of delta-kernel targets it integrated."""
        lines = []
        for name in call.analytic:
            source = f"_LTMP[_l, {self.analytic.index(name)}]" if kept else f"_tmp_{python_name(name)}"
            lines.append(f"{indent}_y[_{name}] = {source}")
        for _, body in call.spike_updates:
            lines += self._statements(body, self.update_printer, indent)
        return lines

    def _reached(self, exprs):
        """Every node of ``exprs`` and of the inline expressions and model functions they use
        (each of those walked once)."""
        functions = {f.name: f for f in self.spec.functions}
        todo, seen_functions, seen_inlines = list(exprs), set(), set()
        while todo:
            for sub in ir.walk(todo.pop()):
                yield sub
                if isinstance(sub, ir.Call) and sub.function in functions and sub.function not in seen_functions:
                    seen_functions.add(sub.function)
                    todo += list(functions[sub.function].body)
                if isinstance(sub, ir.Name) and sub.kind == "inline" and sub.name not in seen_inlines:
                    seen_inlines.add(sub.name)
                    todo.append(self.inlines[sub.name])

    def _dynamics_functions(self):
        """(model functions the right-hand side calls, may it use the vectorisable exp?).

        The vectorisable exp is used only if no operation of the right-hand side
        (following inline expressions and model functions) can turn a NaN into a number.
        """
        nodes = list(self._reached(expr for _, expr in self.spec.odes))
        names = {f.name for f in self.spec.functions}
        vectorisable = not any(isinstance(sub, (ir.Conditional, ir.If)) or
                               isinstance(sub, (ir.Binary, ir.Unary)) and sub.op in _NAN_ABSORBING_OPS or
                               isinstance(sub, ir.Call) and sub.function in _NAN_ABSORBING_CALLS for sub in nodes)
        return {sub.function for sub in nodes if isinstance(sub, ir.Call) and sub.function in names}, vectorisable

    def _calls_exp(self, expr) -> bool:
        """Does ``expr`` call exp, directly or through inline expressions and model functions?"""
        return any(isinstance(sub, ir.Call) and sub.function == "exp" for sub in self._reached([expr]))

    def _used(self, exprs):
        """Names (by kind) used by ``exprs``, following inline expressions."""
        used, todo, seen_inlines = {}, list(exprs), set()
        while todo:
            node = todo.pop()
            for sub in ir.walk(node):
                if isinstance(sub, ir.Name):
                    used.setdefault(sub.kind, set()).add(sub.name)
                    if sub.kind == "inline" and sub.name not in seen_inlines:
                        seen_inlines.add(sub.name)
                        todo.append(self.inlines[sub.name])
        return used

    # -- the model part ------------------------------------------------------------
    def functions(self, vector=False):
        """The model's functions; with ``vector`` the vectorisable twins ``_v_<name>`` of those
        the right-hand side calls."""
        printer = self._printer("functions", vector)
        blocks = []
        for function in self.spec.functions:
            if vector and function.name not in self.dynamics_functions:
                continue
            name = ("_v_" if vector else "") + python_name(function.name)
            head = f"def {name}({', '.join(self._local(p) for p in function.params)}):"
            blocks.append("\n".join([head] + self._statements(function.body, printer, "    ")))
        return blocks

    def default_parameters(self):
        printer = self._printer("defaults")
        lines = [f"{python_name(v.name)} = {printer.expr(v.value)}" for v in self.spec.parameters]
        lines.append(f"return np.array([{', '.join(python_name(p) for p in self.params)}], dtype=np.float64)")
        return lines

    def compute_internals(self):
        printer = self._printer("internals")
        lines = [f"{python_name(p)} = P[_i, {k}]" for k, p in enumerate(self.params)]
        used = self._used([v.value for v in self.spec.internals]).get("state", set())
        lines += [line for line, name in zip(self._state_loads("Y", "AUX", "INT"), self.ode + self.aux + self.int)
                  if name in used]
        for k, v in enumerate(self.spec.internals):
            lines.append(f"{python_name(v.name)} = {printer.expr(v.value)}")
        lines += [f"Q[_i, {k}] = {python_name(v)}" for k, v in enumerate(self.internals)]
        return lines or ["pass"]

    def initial_state(self):
        printer = self._printer("initial")
        lines = [f"{python_name(p)} = p[{k}]" for k, p in enumerate(self.params)]
        lines += [f"{python_name(q)} = q[{k}]" for k, q in enumerate(self.internals)]
        lines += [f"{python_name(v.name)} = {printer.expr(v.value)}" for v in self.spec.state]

        def row(names, dtype):
            return f"np.array([{', '.join(python_name(n) for n in names)}], dtype=np.{dtype})"
        lines.append(f"return {row(self.ode, 'float64')}, {row(self.aux, 'float64')}, {row(self.int, 'int64')}")
        return lines

    def invariants(self):
        rows = []
        printer = self._printer("invariants")
        loads = [f"{python_name(p)} = P[_i, {k}]" for k, p in enumerate(self.params)]
        loads += self._state_loads("Y", "AUX", "INT")
        checks = []
        for group, kind in ((self.spec.parameters, "parameter"), (self.spec.state, "state")):
            for variable in group:
                if variable.invariant is None:
                    continue
                k = len(rows)
                rows.append(repr((kind, variable.name, variable.invariant_text)))
                checks += [f"if _bad[_i] < 0 and not ({printer.expr(variable.invariant)}):",
                           f"    _bad[_i] = {k}"]
        lines = loads + checks if checks else ["pass"]
        return rows, lines

    def _state_loads(self, y, aux, ints):
        lines = [f"{python_name(n)} = {y}[_i, {k}]" for k, n in enumerate(self.ode)]
        lines += [f"{python_name(n)} = {aux}[_i, {k}]" for k, n in enumerate(self.aux)]
        lines += [f"{python_name(n)} = {ints}[_i, {k}]" for k, n in enumerate(self.int)]
        return lines

    def dynamics(self, vector=False, only=None):
        """Body of the right-hand side for lane ``_l`` of the register file ``_R``: reads the
        state rows _RYIN and the time row _RT, writes the derivative rows _RF (0 where the
        call's mask rows _RMASK say so); with ``only`` (an ODE variable) that one row, with
        the same operations as the whole right-hand side."""
        printer = self._printer("dynamics", vector)
        odes = [expr for name, expr in self.spec.odes if only in (None, name)]
        used = self._used(odes)

        def cell(row):
            return f"_R[({row}) * _L + _l]"
        lines = [f"{python_name(n)} = {cell(f'_RYIN + _{n}')}" for n in self.ode if n in used.get("state", ())]
        lines += [f"{python_name(p)} = {cell(f'_RP + {k}')}" for k, p in enumerate(self.params)
                  if p in used.get("parameter", ())]
        lines += [f"{python_name(q)} = {cell(f'_RQ + {k}')}" for k, q in enumerate(self.internals)
                  if q in used.get("internal", ())]
        lines += [f"{python_name(c)} = {cell(f'_RCUR + {k}')}" for k, c in enumerate(self.current_ports)
                  if c in used.get("continuous_port", ())]
        lines += [f"{python_name(a)} = {cell(f'_RAUX + {k}')}" for k, a in enumerate(self.rhs_aux)]
        if self.gap and self.gap.current_port in used.get("continuous_port", ()):
            lines += _GAP_CURRENT.format(port=python_name(self.gap.current_port),
                                         v=python_name(self.gap.membrane_potential),
                                         g=cell("_RGG"), c0=cell("_RGC"), c1=cell("_RGC + 1"),
                                         c2=cell("_RGC + 2"), c3=cell("_RGC + 3"), t=cell("_RT")).splitlines()
        for name, expr in self.spec.inlines:
            if name in used.get("inline", ()):
                lines.append(f"{python_name(name)} = {printer.expr(expr)}")
        for name, expr in self.spec.odes:
            if only not in (None, name):
                continue
            value = printer.expr(expr)
            if self.masked:
                value = f"({value}) if {cell(f'_RMASK + _{name}')} != 0.0 else 0.0"
            lines.append(f"{cell(f'_RF + _{name}')} = {value}")
        return lines

    # -- the update part -----------------------------------------------------------
    def update_parts(self):
        """The per-step code of one neuron (lane ``_l``) around its integrations.

        Segments of the update block, the calls' completions, the kernel variables' propagation
        and jumps, onReceive and onCondition blocks, and recording run at different moments of
        the lane integrator: each piece loads the neuron's parameters and internals, and the
        lane's copies of the other state variables (_LAUX, _LINT) and of the update block's own
        variables (_LLOC), and stores back what it may have changed.
        """
        printer = self.update_printer
        spec = self.spec
        bodies = [spec.update, *(b for _, b in spec.on_receive), *(b for _, b in spec.on_condition),
                  *(b for _, b in spec.spike_updates)]
        exprs = [c for c, _ in spec.on_condition] + [e for _, e in spec.analytic]
        for body in bodies:
            for stmt in body:
                exprs.extend(ir.walk(stmt))
        used = self._used(exprs)
        load = [f"{python_name(p)} = _P[_i, {k}]" for k, p in enumerate(self.params)
                if p in used.get("parameter", ())]
        load += [f"{python_name(q)} = {'int(_Q[_i, %d])' % k if self._is_integer_internal(q) else '_Q[_i, %d]' % k}"
                 for k, q in enumerate(self.internals) if q in used.get("internal", ())]
        load += [f"{python_name(n)} = _LAUX[_l, {k}]" for k, n in enumerate(self.aux)]
        load += [f"{python_name(n)} = _LINT[_l, {k}]" for k, n in enumerate(self.int)]
        store = [f"_LAUX[_l, {k}] = {python_name(n)}" for k, n in enumerate(self.aux)]
        store += [f"_LINT[_l, {k}] = {python_name(n)}" for k, n in enumerate(self.int)]
        declared = [sub for stmt in spec.update for sub in ir.walk(stmt) if isinstance(sub, ir.Declare)]
        names = list(dict.fromkeys(self._local(d.name) for d in declared))
        kinds = {self._local(d.name): d.type for d in declared}
        keep, restore = [], []
        for k, n in enumerate(names):
            cell = f"_LLOC[_l, {k}]"
            if kinds[n] == "boolean":
                keep.append(f"{cell} = 1.0 if {n} else 0.0")
                restore.append(f"{n} = {cell} != 0.0")
            else:
                keep.append(f"{cell} = {n}")
                restore.append(f"{n} = {cell}" if kinds[n] == "real" else f"{n} = int({cell})")

        segments = []
        for k, code in enumerate(self.segments):
            segments.append(f"{'if' if k == 0 else 'elif'} _s == {k}:")
            segments += ["    " + line for line in code] or ["    pass"]
        finish = []
        for call in self.calls:
            if call.numeric:
                finish.append(f"{'if' if not finish else 'elif'} _call[_l] == {call.index}:")
                finish += self._finish_call(call, "    ", kept=True) or ["    pass"]

        on_receive = []
        for port, body in spec.on_receive:
            k = self.spike_ports.index(port)
            on_receive.append(f"if _SPIKE_CNT[_i, {k}, _slot] > 0:")
            on_receive += self._statements(body, printer, "    ") or ["    pass"]
        expressions = dict(spec.analytic)
        convolutions_start = [f"_LCONV[_l, {k}] = {printer.expr(expressions[n])}" for k, n in enumerate(self.conv)]
        convolutions_end = [f"_y[_{n}] = _LCONV[_l, {k}]" for k, n in enumerate(self.conv)]
        for _, body in spec.spike_updates:
            convolutions_end += self._statements([s for s in body if s.name in self.conv], printer)
        on_condition = []
        for condition, body in spec.on_condition:
            on_condition.append(f"if {printer.expr(condition)}:")
            on_condition += self._statements(body, printer, "    ") or ["    pass"]
        columns = [f"_y[_{n}]" for n in self.ode] + [python_name(n) for n in self.aux + self.int]
        record = [f"_REC_BUF[_row, _lag, {k}] = {c}" for k, c in enumerate(columns)]
        return dict(load_locals=load, store_locals=store, keep_locals=keep, restore_locals=restore,
                    n_update_locals=max(1, len(names)), segments=segments, finish_call=finish,
                    convolutions_start=convolutions_start, convolutions_end=convolutions_end,
                    k1_reuse=self._k1_reuse(),
                    on_receive=on_receive, on_condition=on_condition, record=record or ["pass"])

    def _k1_reuse(self) -> bool:
        """May f(0, y) computed at a step's start (the slope of the WFR interpolation) serve as the
        integrator's first k1? Yes if the update block integrates once, every ODE, at its top level,
        and assigns before it to no state variable the right-hand side reads (NESTML's f(0, y) reads
        the neuron's state as it is at the step's start)."""
        update = self.spec.update
        top = [k for k, stmt in enumerate(update) if isinstance(stmt, ir.IntegrateODEs)]
        if len(self.calls) != 1 or len(top) != 1 or update[top[0]].variables is not None or not self.calls[0].numeric:
            return False
        read = set(self.ode) | set(self.rhs_aux)
        return not any(isinstance(sub, ir.Assign) and sub.name in read
                       for stmt in update[:top[0]] for sub in ir.walk(stmt))

    def _is_integer_internal(self, name):
        return self.spec.variable(name).type != "real"

    def buffers(self):
        """BUFFERS rows: (name, dtype, shape, initial value, kept from run to run)."""
        n_spike, n_cur = len(self.spike_ports), len(self.current_ports)
        n_columns = len(self.ode) + len(self.aux) + len(self.int)
        rows = []
        if self.numeric:
            rows.append(("STEP", "f8", ("n",), "resolution", True))
        rows += [("CUR", "f8", ("n", n_cur), 0.0, True),
                 ("SPIKE_BUF", "f8", ("n", n_spike, "ring"), 0.0, True),
                 ("SPIKE_CNT", "i8", ("n", n_spike, "ring"), 0, True),
                 ("CUR_BUF", "f8", ("n", n_cur, "ring"), 0.0, True)]
        if self.gap:
            rows += [("GAP_G", "f8", ("n",), 0.0, True),
                     ("GAP_C", "f8", ("n", "coefficients"), 0.0, True),
                     ("NEW_C", "f8", ("n", "coefficients"), 0.0, True),
                     ("LAST_Y", "f8", ("n", "lags"), 0.0, True)]
        if self.spec.random_draws:  # each step's draws, made ahead in NEST's order; each node's normal cache
            rows += [("RAND", "f8", ("n", "lags", len(self.spec.random_draws)), 0.0, False),
                     ("RAND_CACHE", "f8", ("n", 2), 0.0, True)]
        rows += [("SPIKED", "b1", ("n", "lags"), False, False),
                 ("ORDER", "i8", ("n",), 0, False),
                 ("COST", "i8", ("n",), 0, True),
                 ("REC_ROW", "i8", ("n",), -1, False),
                 ("REC_BUF", "f8", ("recorded", "lags", n_columns), 0.0, False)]
        return rows

    # -- assembly ------------------------------------------------------------------
    def render(self) -> str:
        spec = self.spec
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), keep_trailing_newline=True,
                                         undefined=jinja2.StrictUndefined)
        environment.filters["tojson"] = json.dumps
        environment.filters["tuple"] = lambda items: repr(tuple(items))
        invariant_rows, invariant_lines = self.invariants()
        buffers = self.buffers()
        arrays = [("Y", "f8", 2), ("AUX", "f8", 2), ("INT", "i8", 2), ("P", "f8", 2), ("Q", "f8", 2)]
        arrays += [(name, dtype, len(shape)) for name, dtype, shape, _, _ in buffers]
        if self.gap:  # the gap-junction route into the block, and the coefficients delivered over it
            arrays += [("GAP_INDPTR", "i8", 1), ("GAP_SOURCES", "i8", 1), ("GAP_WEIGHTS", "f8", 1), ("GAP_IN", "f8", 2)]
        # the threads' shares of ORDER and their counters (the simulation's)
        arrays += [("BOUNDS", "i8", 1), ("NEXT", "i8", 1)]
        options = spec.options
        context = dict(
            nestgap_version=__version__, source_name=Path(spec.path).name, model=spec.name, sha256=spec.sha256,
            doc=_indent_doc(spec.doc),
            parameters=self.params, internals=self.internals, ode_state=self.ode,
            aux_state=self.aux, int_state=self.int, python_name=python_name,
            parameter_rows=[repr((v.name, v.unit, v.type, v.doc)) for v in spec.parameters],
            state_rows=[repr((v.name, v.unit, v.type, v.doc)) for v in spec.state],
            spike_ports=[(p.name, p.qualifier) for p in spec.spike_ports], receptor_types=repr(spec.receptor_types),
            random_draws=spec.random_draws,
            current_ports=self.current_ports,
            gap_junction=repr((self.gap.membrane_potential, self.gap.current_port)) if self.gap else "None",
            gap=self.gap is not None, gap_v=self.gap.membrane_potential if self.gap else "",
            emits_spikes=repr(spec.emits_spikes),
            init_reads_state=repr(bool(self._used([v.value for v in (*spec.parameters, *spec.internals)]).get("state"))),
            solver=repr({"analytic": self.analytic, "numeric": self.numeric, "convolutions": self.conv}),
            numeric=bool(self.numeric), masked=self.masked,
            masks=[call.mask for call in self.calls if call.numeric] and
            [call.mask if call.numeric else [1] * len(self.ode) for call in self.calls],
            full_calls=[0 not in call.mask for call in self.calls],
            eps_abs=number(options.gsl_abs_error_tol), eps_rel=number(options.gsl_rel_error_tol),
            a_y=number(options.a_y), a_dydt=number(options.a_dydt), relative_control=options.gsl_rel_error_tol != 0,
            buffers=buffers, update_arguments=[*_SLICE_ARGUMENTS, *(a[0] for a in arrays)],
            update_signature=", ".join([*_SLICE_TYPES, *(_array_type(d, n) for _, d, n in arrays)]),
            update_parameters=", ".join("_" + name for name in [*_SLICE_ARGUMENTS, *(a[0] for a in arrays)]),
            invariant_rows=invariant_rows, check_invariants=invariant_lines,
            ode_index=[(n, k) for k, n in enumerate(self.ode)],
            functions=self.functions(), default_parameters=self.default_parameters(),
            compute_internals=self.compute_internals(), initial_state=self.initial_state(),
            vector_exp=self.vector_exp, vector_functions=self.functions(vector=True) if self.vector_exp else [],
            n_aux=len(self.aux), n_int=len(self.int), n_params=len(self.params),
            n_internals=len(self.internals), n_current_ports=len(self.current_ports), n_rhs_aux=len(self.rhs_aux),
            rhs_aux=[(self.aux.index(n), k) for k, n in enumerate(self.rhs_aux)],
            n_analytic=len(self.analytic), n_conv=len(self.conv),
            dynamics=self.dynamics(), dynamics_vector=self.dynamics(vector=self.vector_exp),
            exp_row_sum=" + ".join(f"_R[(_RF + _{name}) * _L + _l]" for name, expr in self.spec.odes
                                   if self._calls_exp(expr)) or "0.0",
            dynamics_gap_v=self.dynamics(only=self.gap.membrane_potential) if self.gap and self.numeric else [],
            **self.update_parts())
        text = environment.get_template("kernel.py.jinja").render(**context)
        return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


#: the gap-junction current inside the right-hand side (NEST's order, docs/waveform_relaxation.md 3)
_GAP_CURRENT = """\
# gap-junction current from the neighbours' interpolated waveforms (NEST's order):
# sum_j g_ij (P_j(tau) - V) with tau = t / h; _RGC holds this step's coefficients
_tau = {t} / _h
if _order == 0:
    {port} = -{g} * {v} + {c0}
elif _order == 1:
    {port} = -{g} * {v} + {c0} + {c1} * _tau
else:
    {port} = (-{g} * {v} + {c0} + {c1} * _tau
              + {c2} * _tau * _tau + {c3} * _tau * _tau * _tau)"""


def _integrates(stmt) -> bool:
    return any(isinstance(sub, ir.IntegrateODEs) for sub in ir.walk(stmt))


def _array_type(dtype, ndim) -> str:
    return f"{dtype}[{', '.join([':'] * (ndim - 1) + ['::1'])}]"


def _indent_doc(doc: str) -> str:
    return doc.replace('"""', "'''").replace("\\", "\\\\")


__all__ = ["generate_python", "number"]
