"""Model spec -> Python source of the model's simulation kernel.

The generated module (template ``templates/python_kernel.py.jinja``) holds the
model's functions, defaults, internals, initial state, invariants, the
right-hand side of its ODEs, GSL 1.15's rkf45 integrator as NEST drives it,
and the per-step update of a population (update block, onReceive and
onCondition blocks, current inputs, recording and the waveform-relaxation
bookkeeping of gap junctions). The integrator is a lane integrator: eight
neurons side by side, each with its own step control, their arithmetic done
in SIMD registers with the rounding of scalar code. Expressions are printed
from the model's own trees, never from sympy-simplified forms. The output
depends only on the spec and nestgap's version: generating twice gives
identical bytes.
"""

import json
from pathlib import Path

import jinja2

from ..version import __version__
from ..frontend import ir
from ..frontend.errors import ModelError
from .python_printer import PythonPrinter, number, python_name

TEMPLATES = Path(__file__).parent / "templates"

#: names the generated module defines at module level
_MODULE_NAMES = {"math", "np", "jit", "dynamics_lanes", "dynamics_lane",
                 "rkf45_attempt", "update_task", "compute_internals", "initial_state", "EXPORTS",
                 "add_to_rings", "deliver_gap_coefficients",
                 "check_invariants", "default_parameters", "MODEL", "SOURCE_SHA256", "PARAMETERS",
                 "STATE", "ODE_STATE", "AUX_STATE", "INT_STATE", "INTERNALS", "SPIKE_PORTS",
                 "CURRENT_PORTS", "GAP_JUNCTION", "EMITS_SPIKES", "INVARIANTS", "LANES",
                 "range", "abs", "min", "max", "int", "float", "True", "False", "None"}

#: operations that can turn a NaN into a number: right-hand sides using them do not
#: use the vectorisable exp (whose rare out-of-range results are NaN markers, see the template)
_NAN_ABSORBING_CALLS = {"min", "max", "clip", "floor", "ceil", "pow"}
_NAN_ABSORBING_OPS = {"**", "%", "<", "<=", ">", ">=", "==", "!=", "and", "or", "not"}


def generate_python(spec) -> str:
    """The source text of the generated kernel module for ``spec``."""
    return _Generator(spec).render()


class _Generator:
    def __init__(self, spec):
        self.spec = spec
        self.ode = list(spec.ode_state)
        self.aux = [v.name for v in spec.state if v.name not in self.ode and v.type == "real"]
        self.int = [v.name for v in spec.state if v.name not in self.ode and v.type != "real"]
        self.params = [v.name for v in spec.parameters]
        self.internals = [v.name for v in spec.internals]
        self.inlines = dict(spec.inlines)
        self.current_ports = [p.name for p in spec.current_ports]
        self.spike_ports = [p.name for p in spec.spike_ports]
        self.gap = spec.gap_junction
        self._check_names()
        self.before_integration, self.after_integration = self._split_update()
        self.dynamics_functions, self.vector_exp = self._dynamics_functions()

    # -- names ---------------------------------------------------------------
    def _check_names(self):
        names = [*self.params, *self.internals, *(v.name for v in self.spec.state),
                 *self.inlines, *(p.name for p in self.spec.ports), *(f.name for f in self.spec.functions)]
        for name in names:
            if name.startswith("_") or name in _MODULE_NAMES:
                raise ModelError(self.spec.path, [(None, None, f"the name '{name}' is reserved by nestgap's "
                                                   "generated code (names starting with '_' and "
                                                   f"{', '.join(sorted(_MODULE_NAMES))})")])

    def _error(self, message):
        return ModelError(self.spec.path, [(None, None, message)])

    # -- expressions in the different functions ---------------------------------
    def _printer(self, context, vector=False):
        """A printer for ``context`` in {functions, defaults, internals, initial, invariants,
        dynamics, update}; ``vector``: calls go to the vectorisable exp and model functions."""

        def name(node):
            n, kind = node.name, node.kind
            if kind == "local":
                return python_name(n)
            if context == "functions":
                raise self._error(f"function bodies may only use their arguments, not '{n}'")
            if kind == "parameter":
                return python_name(n)
            if kind == "internal" and context not in ("defaults",):
                return python_name(n)
            if kind == "state" and context in ("initial", "invariants"):
                return python_name(n)
            if kind == "state" and context == "dynamics":
                if n not in self.ode:
                    raise self._error(f"ODE right-hand sides cannot use '{n}', a state variable "
                                      "without an ODE")
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
                        raise self._error(f"the gap-junction current '{n}' can only be used in ODEs")
                    return python_name(n)
                index = self.current_ports.index(n)
                return python_name(n) if context == "dynamics" else f"_CUR[_i, {index}]"
            if kind == "spike_port" and context == "update":
                return python_name(n)
            raise self._error(f"'{n}' ({kind}) cannot be used here ({context})")

        def call(node, args):
            if node.function == "resolution":
                if context == "internals":
                    return "resolution"
                if context in ("update", "dynamics"):
                    return "_h"
                raise self._error("resolution() is only available in internals, ODEs and update blocks")
            if vector and node.function == "exp":
                return f"_exp_v({args[0]})"
            if vector and node.function in self.dynamics_functions:
                return f"_v_{python_name(node.function)}({', '.join(args)})"
            if node.function == "steps":
                if context != "internals":
                    raise self._error("steps() is only available in the internals block")
                return f"_steps({args[0]}, tics_per_ms, tics_per_step)"
            return None

        printer = PythonPrinter(name=name, call=call)
        return printer

    def _statements(self, stmts, printer, indent=""):
        lines = []
        for stmt in stmts:
            if isinstance(stmt, ir.Declare):
                value = printer.expr(stmt.value) if stmt.value is not None else \
                    ("0" if stmt.type != "real" else "0.0")
                lines.append(f"{indent}{python_name(stmt.name)} = {value}")
            elif isinstance(stmt, ir.Assign):
                target = f"_y[_{stmt.name}]" if stmt.kind == "state" and stmt.name in self.ode \
                    else python_name(stmt.name)
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
            else:
                raise self._error(f"unsupported statement {stmt!r}")
        return lines

    def _split_update(self):
        """The update block as (statements before, statements after) its integrate_odes() call.

        The lane integrator runs the integration of many neurons side by side, so a
        model's update block must integrate exactly once, at its top level.
        """
        update = self.spec.update
        top = [k for k, stmt in enumerate(update) if isinstance(stmt, ir.IntegrateODEs)]
        nested = sum(isinstance(sub, ir.IntegrateODEs) for stmt in update if not isinstance(stmt, ir.IntegrateODEs)
                     for sub in ir.walk(stmt))
        if len(top) != 1 or nested:
            raise self._error("the update block must call integrate_odes() exactly once, at its top level "
                              f"(found {len(top)} top-level and {nested} nested calls)")
        return update[:top[0]], update[top[0] + 1:]

    def _dynamics_functions(self):
        """(model functions the right-hand side calls, may it use the vectorisable exp?).

        The vectorisable exp is used only if no operation of the right-hand side
        (following inline expressions and model functions) can turn a NaN into a number.
        """
        todo = [expr for _, expr in self.spec.odes]
        functions = {f.name: f for f in self.spec.functions}
        seen, vectorisable = set(), True
        while todo:
            for sub in ir.walk(todo.pop()):
                if isinstance(sub, (ir.Conditional, ir.If)) or \
                        isinstance(sub, (ir.Binary, ir.Unary)) and sub.op in _NAN_ABSORBING_OPS or \
                        isinstance(sub, ir.Call) and sub.function in _NAN_ABSORBING_CALLS:
                    vectorisable = False
                if isinstance(sub, ir.Call) and sub.function in functions and sub.function not in seen:
                    seen.add(sub.function)
                    todo += list(functions[sub.function].body)
                if isinstance(sub, ir.Name) and sub.kind == "inline" and sub.name not in seen:
                    seen.add(sub.name)
                    todo.append(self.inlines[sub.name])
        return seen & set(functions), vectorisable

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

    # -- the pieces of the module ----------------------------------------------
    def functions(self, vector=False):
        """The model's functions; with ``vector`` the vectorisable twins ``_v_<name>`` of those
        the right-hand side calls."""
        printer = self._printer("functions", vector)
        blocks = []
        for function in self.spec.functions:
            if vector and function.name not in self.dynamics_functions:
                continue
            name = ("_v_" if vector else "") + python_name(function.name)
            head = f"def {name}({', '.join(python_name(p) for p in function.params)}):"
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
        rows, lines = [], []
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

    def dynamics(self, vector=False):
        """Body of the right-hand side for lane ``_l`` of the register file ``_R``: reads the
        state rows _RYIN and the time row _RT, writes the derivative rows _RF."""
        printer = self._printer("dynamics", vector)
        odes = [expr for _, expr in self.spec.odes]
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
        if self.gap and self.gap.current_port in used.get("continuous_port", ()):
            v, port = python_name(self.gap.membrane_potential), python_name(self.gap.current_port)
            g, c = cell("_RGG"), [cell(f"_RGC + {k}") for k in range(4)]
            lines += [
                "# gap-junction current from the neighbours' interpolated waveforms (NEST's order):",
                "# sum_j g_ij (P_j(tau) - V) with tau = t / h; _RGC holds this step's coefficients",
                f"_tau = {cell('_RT')} / _h",
                "if _order == 0:",
                f"    {port} = -{g} * {v} + {c[0]}",
                "elif _order == 1:",
                f"    {port} = -{g} * {v} + {c[0]} + {c[1]} * _tau",
                "else:",
                f"    {port} = (-{g} * {v} + {c[0]} + {c[1]} * _tau",
                f"              + {c[2]} * _tau * _tau + {c[3]} * _tau * _tau * _tau)",
            ]
        for name, expr in self.spec.inlines:
            if name in used.get("inline", ()):
                lines.append(f"{python_name(name)} = {printer.expr(expr)}")
        for name, expr in self.spec.odes:
            lines.append(f"{cell(f'_RF + _{name}')} = {printer.expr(expr)}")
        return lines

    def update_parts(self):
        """The per-step code of one neuron (lane ``_l``), around its integration: the update
        block before and after integrate_odes(), onReceive and onCondition blocks, recording.

        The two halves run at different moments of the lane integrator, so each loads the
        neuron's parameters and internals, and the lane's copies of the other state
        variables (_LAUX, _LINT) and of the update block's own variables (_LLOC), and
        stores back what it may have changed.
        """
        printer = self._printer("update")
        bodies = [self.spec.update, *(b for _, b in self.spec.on_receive), *(b for _, b in self.spec.on_condition)]
        exprs = [c for c, _ in self.spec.on_condition]
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
        declared = [sub for stmt in self.before_integration for sub in ir.walk(stmt) if isinstance(sub, ir.Declare)]
        names = list(dict.fromkeys(python_name(d.name) for d in declared))
        kinds = {python_name(d.name): d.type for d in declared}
        keep, restore = [], []
        for k, n in enumerate(names):
            cell = f"_LLOC[_l, {k}]"
            if kinds[n] == "boolean":
                keep.append(f"{cell} = 1.0 if {n} else 0.0")
                restore.append(f"{n} = {cell} != 0.0")
            else:
                keep.append(f"{cell} = {n}")
                restore.append(f"{n} = {cell}" if kinds[n] == "real" else f"{n} = int({cell})")

        on_receive = []
        for port, body in self.spec.on_receive:
            k = self.spike_ports.index(port)
            on_receive += [f"if _SPIKE_CNT[_i, {k}, _slot] > 0:",
                           f"    {python_name(port)} = _SPIKE_BUF[_i, {k}, _slot]"]
            on_receive += self._statements(body, printer, "    ")
        on_condition = []
        for condition, body in self.spec.on_condition:
            on_condition.append(f"if {printer.expr(condition)}:")
            on_condition += self._statements(body, printer, "    ") or ["    pass"]
        columns = [f"_y[_{n}]" for n in self.ode] + [python_name(n) for n in self.aux + self.int]
        record = [f"_REC_BUF[_row, _lag, {k}] = {c}" for k, c in enumerate(columns)]
        return dict(load_locals=load, store_locals=store, keep_locals=keep, restore_locals=restore,
                    n_update_locals=max(1, len(names)),
                    before_integration=self._statements(self.before_integration, printer) or ["pass"],
                    after_integration=self._statements(self.after_integration, printer) or ["pass"],
                    k1_reuse=repr(self._k1_reuse()),
                    on_receive=on_receive or ["pass"], on_condition=on_condition, record=record or ["pass"])

    def _k1_reuse(self) -> bool:
        """May f(0, y) computed at a step's start serve as the integrator's first k1?
        Yes if the update block does not assign to an ODE state variable before integrate_odes()."""
        return not any(isinstance(sub, ir.Assign) and sub.name in self.ode
                       for stmt in self.before_integration for sub in ir.walk(stmt))

    def _is_integer_internal(self, name):
        return self.spec.variable(name).type != "real"

    # -- assembly ------------------------------------------------------------------
    def render(self) -> str:
        spec = self.spec
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), keep_trailing_newline=True,
                                         undefined=jinja2.StrictUndefined)
        environment.filters["tojson"] = json.dumps
        environment.filters["tuple"] = lambda items: repr(tuple(items))
        invariant_rows, invariant_lines = self.invariants()
        context = dict(
            nestgap_version=__version__, source_name=Path(spec.path).name, model=spec.name, sha256=spec.sha256,
            doc=_indent_doc(spec.doc),
            parameters=self.params, internals=self.internals, ode_state=self.ode,
            aux_state=self.aux, int_state=self.int,
            parameter_rows=[repr((v.name, v.unit, v.type, v.doc)) for v in spec.parameters],
            state_rows=[repr((v.name, v.unit, v.type, v.doc)) for v in spec.state],
            spike_ports=[(p.name, p.qualifier) for p in spec.spike_ports],
            current_ports=self.current_ports,
            gap_junction=repr((self.gap.membrane_potential, self.gap.current_port)) if self.gap else "None",
            gap=self.gap is not None, gap_v=self.gap.membrane_potential if self.gap else "",
            emits_spikes=repr(spec.emits_spikes),
            invariant_rows=invariant_rows, check_invariants=invariant_lines,
            ode_index=list(enumerate(self.ode)) and [(n, k) for k, n in enumerate(self.ode)],
            functions=self.functions(), default_parameters=self.default_parameters(),
            compute_internals=self.compute_internals(), initial_state=self.initial_state(),
            vector_exp=self.vector_exp, vector_functions=self.functions(vector=True) if self.vector_exp else [],
            n_aux=len(self.aux), n_int=len(self.int), n_params=len(self.params),
            n_internals=len(self.internals), n_current_ports=len(self.current_ports),
            dynamics=self.dynamics(), dynamics_vector=self.dynamics(vector=self.vector_exp),
            **self.update_parts())
        text = environment.get_template("python_kernel.py.jinja").render(**context)
        return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _indent_doc(doc: str) -> str:
    return doc.replace('"""', "'''").replace("\\", "\\\\")


__all__ = ["generate_python", "number"]
