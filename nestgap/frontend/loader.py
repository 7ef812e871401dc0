"""Model file -> :class:`~nestgap.frontend.spec.ModelSpec`, through NESTML's own front end.

NESTML parses the file, builds its symbol table and runs its context conditions
(names defined before use, types and physical units, ...). Every error it
reports becomes one line of a single :class:`ModelError` naming file, line and
column. The accepted model is then analysed as NESTML's NEST target does it
(:mod:`.transform`: kernels become state variables, ODE-toolbox chooses exact
propagators or the numeric solver, with the options of the model's header,
:mod:`.options`) and lowered to nestgap's IR. Importing this module imports
NESTML (a few seconds, mostly astropy): the simulator only does so when a
model's generated code is missing or stale.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from . import ir
from .errors import ModelError
from .lowering import Lowering
from .options import header_doc, parse_options
from .spec import Function, GapJunction, ModelSpec, Port, Variable
from .transform import analyse, parse_solver_expression

#: NESTML's marker of the state variables that hold a kernel convolved with a spike port
CONVOLUTION_MARK = "__X__"


def load_model(path) -> ModelSpec:
    """Parse, check, analyse and lower the single model in ``path``."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(path, [(None, None, "no such model file")])
    source = path.read_bytes()
    doc = header_doc(source.decode("utf-8", "replace"))
    options = parse_options(path, doc)
    model = _parse(path)
    warnings = model.nestgap_warnings
    model, solvers = _analyse(path, model, options)
    return _Builder(path, model, solvers, options, hashlib.sha256(source).hexdigest(), doc, warnings).build()


def _parse(path: Path):
    from pynestml.cocos.co_cos_manager import CoCosManager
    from pynestml.frontend.pynestml_frontend import configure_front_end, get_parsed_models
    from pynestml.utils.logger import Logger, LoggingLevel

    # NESTML writes a report/ folder beside its target path: keep both out of the user's way
    target = Path(tempfile.gettempdir()) / f"nestgap-nestml-{os.getuid()}" / "target"
    target.mkdir(parents=True, exist_ok=True)
    configure_front_end(str(path), "NONE", target_path=str(target), logging_level="NO")
    models = get_parsed_models()
    for model in models:
        CoCosManager.check_cocos(model)
    problems = _logged_errors()
    if problems:
        raise ModelError(path, problems)
    if len(models) != 1:
        raise ModelError(path, [(None, None, f"expected one model in the file, found {len(models)}")])
    model = models[0]
    warnings = [f"{getattr(e[4], 'start_line', '?')}: {e[5]}" for e in Logger.get_log().values()
                if e[2] == LoggingLevel.WARNING]
    model.nestgap_warnings = tuple(warnings)
    return model


def _logged_errors():
    from pynestml.utils.logger import Logger, LoggingLevel

    problems = []
    for entry in Logger.get_log().values():
        _, _, level, _, position, message = entry
        if level == LoggingLevel.ERROR:
            line = getattr(position, "start_line", None)
            col = getattr(position, "start_column", None)
            problems.append((line, None if col is None else col + 1, message))
    return problems


def _analyse(path, model, options):
    """NESTML's NEST-target analysis; its errors (e.g. ODE-toolbox's) as one ModelError."""
    if model.get_equations_blocks() and len(model.get_equations_blocks()) > 1:
        raise ModelError(path, [(None, None, "one equations block per model, as NESTML's NEST target requires")])
    model, solvers = analyse(model, options)
    problems = _logged_errors()
    if problems:
        raise ModelError(path, problems)
    return model, solvers


def _unit_text(data_type) -> str:
    if data_type.is_unit_type():
        return str(data_type.get_type_symbol().astropy_unit)
    return ""


def _by_kernel_name(variables):
    """``variables`` with the ones NESTML's analysis adds for convolutions (kernel state variables
    and their propagators, named with CONVOLUTION_MARK) sorted by name, in the places they take;
    the others as they are. The analysis adds them in an order that varies from run to run
    (several kernels), and the generated code must not; each depends on parameters only (initial
    values, propagators), not on another, so their order does not change a result."""
    places = [k for k, v in enumerate(variables) if CONVOLUTION_MARK in v.name]
    result = list(variables)
    for k, v in zip(places, sorted((variables[k] for k in places), key=lambda v: v.name)):
        result[k] = v
    return tuple(result)


class _Builder:
    def __init__(self, path, model, solvers, options, sha256, doc, warnings):
        self.path, self.model, self.solvers, self.options = path, model, solvers, options
        self.sha256, self.doc, self.warnings = sha256, doc, warnings
        self.kinds = {}

    def error(self, node, message):
        position = node.get_source_position()
        return ModelError(self.path, [(position.start_line, position.start_column + 1, message)])

    def build(self) -> ModelSpec:
        m = self.model
        parameters = self._declarations(m.get_parameters_blocks(), "parameter")
        state = self._declarations(m.get_state_blocks(), "state")
        internals = self._declarations(m.get_internals_blocks(), "internal")
        ports = self._ports()
        inline_nodes = [node for block in m.get_equations_blocks() for node in block.get_inline_expressions()]
        for node in inline_nodes:
            self.kinds[node.get_variable_name()] = "inline"
        functions = [f.get_name() for f in m.get_functions()]
        lower = Lowering(str(self.path), self.kinds, functions)

        # declarations' values are lowered after all names are known
        def finish(raw):
            result = []
            for name, type_name, unit, decl in raw:
                invariant = lower.value(decl.get_invariant()) if decl.has_invariant() else None
                result.append(Variable(
                    name=name, type=type_name, unit=unit, value=lower.value(decl.get_expression()),
                    invariant=invariant, invariant_text=str(decl.get_invariant()).strip() if invariant else "",
                    doc=(decl.in_comment or "").strip(), line=decl.get_source_position().start_line))
            return tuple(result)

        parameters = finish(parameters)
        state, internals = _by_kernel_name(finish(state)), _by_kernel_name(finish(internals))
        inlines = tuple((n.get_variable_name(), lower.value(n.get_expression())) for n in inline_nodes)
        analytic = self._solver_expressions(self.solvers.analytic, state, lower)
        odes = self._solver_expressions(self.solvers.numeric, state, lower)
        solved = {name for name, _ in analytic} | {name for name, _ in odes}
        ode_state = tuple(v.name for v in state if v.name in solved)
        for name in ode_state:
            if self.kinds[name] != "state" or state[[v.name for v in state].index(name)].type != "real":
                raise ModelError(self.path, [(None, None, f"the ODE of '{name}' needs a real-valued state variable")])
        spec = ModelSpec(
            name=m.get_name(), path=str(self.path), sha256=self.sha256,
            parameters=parameters, state=state, internals=internals,
            functions=tuple(self._function(f, lower) for f in m.get_functions()),
            inlines=inlines, ode_state=ode_state, odes=odes, analytic=analytic,
            convolutions=tuple(name for name, _ in analytic if CONVOLUTION_MARK in name),
            spike_updates=self._spike_updates(lower),
            ports=ports, gap_junction=self._gap_junction(state, ports, odes),
            update=self._update(lower),
            on_receive=tuple((b.get_port_name(), lower.statements(b.get_stmts_body(), set()))
                             for b in m.get_on_receive_blocks()),
            on_condition=tuple((lower.value(b.get_cond_expr()), lower.statements(b.get_stmts_body(), set()))
                               for b in m.get_on_condition_blocks()),
            emits_spikes=any(ob.is_spike() for ob in m.get_output_blocks()),
            random_draws=tuple(distribution for distribution, _, _ in lower.draws),
            options=self.options, doc=self.doc, warnings=self.warnings)
        self._check_draws(spec, lower.draws)
        return spec

    def _check_draws(self, spec, draws):
        """Random functions only where nestgap can draw each step's numbers ahead, in NEST's order
        (docs/models.md): in statements at the top level of the update block, one per statement,
        in a model without gap junctions (NEST draws again in every waveform-relaxation pass)."""
        placed = set()
        for stmt in spec.update:
            if isinstance(stmt, ir.If):
                continue
            sites = [sub.site for sub in ir.walk(stmt) if isinstance(sub, ir.Draw)]
            if len(sites) > 1:
                _, line, column = draws[sites[1]]
                raise ModelError(self.path, [(line, column, "one random function per statement (C++ leaves the "
                                                            "order of two calls in one expression open)")])
            placed.update(sites)
        for site, (_, line, column) in enumerate(draws):
            if site not in placed:
                raise ModelError(self.path, [(line, column, "random functions are supported in statements at "
                                                            "the top level of the update block only (not in "
                                                            "branches, loops, functions or other blocks)")])
            if spec.gap_junction is not None:
                raise ModelError(self.path, [(line, column, "random functions in a model with gap junctions are "
                                                            "not supported (NEST draws again in every "
                                                            "waveform-relaxation pass)")])

    def _declarations(self, blocks, kind):
        raw = []
        for block in blocks:
            for decl in block.get_declarations():
                if decl.has_size_parameter():
                    raise self.error(decl, "vector variables are not supported by nestgap")
                type_symbol = decl.get_data_type()
                type_name = "integer" if type_symbol.is_integer else "boolean" if type_symbol.is_boolean else "real"
                for variable in decl.get_variables():
                    self.kinds[variable.get_name()] = kind
                    raw.append((variable.get_name(), type_name, _unit_text(type_symbol), decl))
        return raw

    def _ports(self):
        ports, spike_nodes = [], []
        for block in self.model.get_input_blocks():
            for port in block.get_input_ports():
                if port.has_size_parameter():
                    raise self.error(port, "vector input ports are not supported by nestgap")
                if port.is_spike():
                    qualifier = ("excitatory" if port.is_excitatory() and not port.is_inhibitory() else
                                 "inhibitory" if port.is_inhibitory() and not port.is_excitatory() else "")
                    ports.append(Port(port.get_name(), "spike", qualifier))
                    spike_nodes.append(port)
                    self.kinds[port.get_name()] = "spike_port"
                else:
                    unit = _unit_text(port.get_datatype()) if port.has_datatype() else ""
                    ports.append(Port(port.get_name(), "continuous", "", unit))
                    self.kinds[port.get_name()] = "continuous_port"
        qualifiers = [p.qualifier for p in ports if p.kind == "spike"]
        if any(qualifiers) and sorted(qualifiers) not in (["excitatory"], ["inhibitory"], ["excitatory", "inhibitory"]):
            # one port or an excitatory/inhibitory pair are told apart by sign (receptor type 0), several
            # ports without qualifiers by receptor type (1, 2, ...); a mixture is neither
            offending = next((node for node, q in zip(spike_nodes, qualifiers) if not q), spike_nodes[-1])
            raise self.error(offending, f"spike input ports with qualifiers {sorted(qualifiers)}: nestgap takes "
                                        "one port, an excitatory/inhibitory pair, or several ports without "
                                        "qualifiers (receptor types 1, 2, ...)")
        return tuple(ports)

    def _solver_expressions(self, solver, state, lower):
        """(variable, expression) of an ODE-toolbox solver, in state order: the right-hand sides of
        the numeric solver, or the new values after one step of the analytic one."""
        if solver is None:
            return ()
        expressions = solver["update_expressions"]
        result = []
        for variable in state:
            if variable.name in solver["state_variables"]:
                ast = parse_solver_expression(expressions[variable.name], self.model)
                result.append((variable.name, lower.value(ast)))
        return tuple(result)

    def _spike_updates(self, lower):
        """Per spike port, the jumps of kernel variables (and of delta-kernel targets) a spike causes;
        the ports in the model file's order (NESTML's analysis hands them on in an order that varies
        from run to run)."""
        updates = []
        declared = [port.get_name() for block in self.model.get_input_blocks() for port in block.get_input_ports()]
        for port, assignments in sorted(self.solvers.spike_updates.items(),
                                        key=lambda item: declared.index(item[0]) if item[0] in declared
                                        else len(declared)):
            statements = []
            for assignment in assignments:
                name = assignment.lhs.get_complete_name()
                op = "+=" if assignment.is_compound_sum else "=" if assignment.is_direct_assignment else None
                if op is None or self.kinds.get(name) != "state":
                    raise self.error(assignment, f"unexpected spike update of '{name}' from NESTML's analysis")
                statements.append(ir.Assign(name, "state", op, lower.value(assignment.rhs)))
            updates.append((port, tuple(statements)))
        return tuple(updates)

    def _function(self, node, lower):
        params = tuple(p.get_name() for p in node.get_parameters())
        units = tuple(_unit_text(p.get_data_type()) for p in node.get_parameters())
        body = lower.statements(node.get_stmts_body(), set(params))
        return Function(node.get_name(), params, body, node.get_source_position().start_line, units)

    def _update(self, lower):
        blocks = self.model.get_update_blocks()
        if not blocks:  # as in NESTML's NEST target: nothing is integrated (kernels still evolve)
            return ()
        return lower.statements(blocks[0].get_stmts_body(), set())

    def _gap_junction(self, state, ports, odes):
        gap = self.options.gap_junctions
        if gap is None:
            return None
        if not any(p.name == gap.gap_current_port and p.kind == "continuous" for p in ports):
            raise ModelError(self.path, [(None, None, f"gap junctions: no continuous input port "
                                          f"'{gap.gap_current_port}' (option gap_current_port)")])
        if gap.membrane_potential_variable not in {name for name, _ in odes}:
            raise ModelError(self.path, [(None, None, f"gap junctions: '{gap.membrane_potential_variable}' "
                                          "(option membrane_potential_variable) must be a state variable "
                                          "integrated by the numeric solver (solver \"numeric\")")])
        return GapJunction(gap.membrane_potential_variable, gap.gap_current_port)
