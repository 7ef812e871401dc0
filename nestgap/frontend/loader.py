"""Model file -> :class:`~nestgap.frontend.spec.ModelSpec`, through NESTML's own front end.

NESTML parses the file, builds its symbol table and runs its context conditions
(names defined before use, types and physical units, ...). Every error it
reports becomes one line of a single :class:`ModelError` naming file, line and
column. The accepted AST is then lowered to nestgap's IR. Importing this module
imports NESTML (a few seconds, mostly astropy): the simulator only does so when
a model's generated code is missing or stale.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from . import ir
from .errors import ModelError
from .lowering import Lowering
from .spec import Function, GapJunction, ModelSpec, Port, Variable

#: NESTML's defaults for its gap-junction code-generation options
GAP_MEMBRANE_POTENTIAL = "V_m"
GAP_CURRENT_PORT = "I_gap"


def load_model(path) -> ModelSpec:
    """Parse, check and lower the single model in ``path``."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(path, [(None, None, "no such model file")])
    source = path.read_bytes()
    model = _parse(path)
    return _Builder(path, model, hashlib.sha256(source).hexdigest(),
                    _header_doc(source.decode("utf-8", "replace"))).build()


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
    problems = []
    for entry in Logger.get_log().values():
        _, _, level, _, position, message = entry
        if level == LoggingLevel.ERROR:
            line = getattr(position, "start_line", None)
            col = getattr(position, "start_column", None)
            problems.append((line, None if col is None else col + 1, message))
    if problems:
        raise ModelError(path, problems)
    if len(models) != 1:
        raise ModelError(path, [(None, None, f"expected one model in the file, found {len(models)}")])
    model = models[0]
    warnings = [f"{getattr(e[4], 'start_line', '?')}: {e[5]}" for e in Logger.get_log().values()
                if e[2] == LoggingLevel.WARNING]
    model.nestgap_warnings = tuple(warnings)
    return model


def _header_doc(text: str) -> str:
    """The comment block that opens the file (NESTML's structured model header)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines).strip()


def _unit_text(data_type) -> str:
    if data_type.is_unit_type():
        return str(data_type.get_type_symbol().astropy_unit)
    return ""


class _Builder:
    def __init__(self, path, model, sha256, doc):
        self.path, self.model, self.sha256, self.doc = path, model, sha256, doc
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
        inline_nodes, ode_nodes = [], []
        for block in m.get_equations_blocks():
            if block.get_kernels():
                raise self.error(block.get_kernels()[0], "kernels/convolve are not supported by nestgap: "
                                 "write the synaptic currents as state variables with ODEs")
            inline_nodes += block.get_inline_expressions()
            ode_nodes += block.get_ode_equations()
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

        parameters, state, internals = finish(parameters), finish(state), finish(internals)
        inlines = tuple((n.get_variable_name(), lower.value(n.get_expression())) for n in inline_nodes)
        odes = self._odes(ode_nodes, state, lower)
        return ModelSpec(
            name=m.get_name(), path=str(self.path), sha256=self.sha256,
            parameters=parameters, state=state, internals=internals,
            functions=tuple(self._function(f, lower) for f in m.get_functions()),
            inlines=inlines, odes=odes, ports=ports, gap_junction=self._gap_junction(state, ports),
            update=self._update(lower),
            on_receive=tuple((b.get_port_name(), lower.statements(b.get_stmts_body(), set()))
                             for b in m.get_on_receive_blocks()),
            on_condition=tuple((lower.value(b.get_cond_expr()), lower.statements(b.get_stmts_body(), set()))
                               for b in m.get_on_condition_blocks()),
            emits_spikes=any(ob.is_spike() for ob in m.get_output_blocks()),
            doc=self.doc, warnings=getattr(m, "nestgap_warnings", ()))

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
        ports = []
        for block in self.model.get_input_blocks():
            for port in block.get_input_ports():
                if port.has_size_parameter():
                    raise self.error(port, "vector input ports are not supported by nestgap")
                if port.is_spike():
                    qualifier = ("excitatory" if port.is_excitatory() and not port.is_inhibitory() else
                                 "inhibitory" if port.is_inhibitory() and not port.is_excitatory() else "")
                    ports.append(Port(port.get_name(), "spike", qualifier))
                    self.kinds[port.get_name()] = "spike_port"
                else:
                    unit = _unit_text(port.get_datatype()) if port.has_datatype() else ""
                    ports.append(Port(port.get_name(), "continuous", "", unit))
                    self.kinds[port.get_name()] = "continuous_port"
        return tuple(ports)

    def _odes(self, ode_nodes, state, lower):
        by_name = {}
        for node in ode_nodes:
            lhs = node.get_lhs()
            name = lhs.get_name()
            if lhs.get_differential_order() != 1:
                raise self.error(node, f"'{lhs}': only first-order ODEs are supported by nestgap")
            if self.kinds.get(name) != "state":
                raise self.error(node, f"ODE for '{name}', which is not a state variable")
            if name in by_name:
                raise self.error(node, f"second ODE for '{name}'")
            by_name[name] = lower.value(node.get_rhs())
        return tuple((v.name, by_name[v.name]) for v in state if v.name in by_name)

    def _function(self, node, lower):
        params = tuple(p.get_name() for p in node.get_parameters())
        units = tuple(_unit_text(p.get_data_type()) for p in node.get_parameters())
        body = lower.statements(node.get_stmts_body(), set(params))
        return Function(node.get_name(), params, body, node.get_source_position().start_line, units)

    def _update(self, lower):
        blocks = self.model.get_update_blocks()
        if not blocks:
            return (ir.IntegrateODEs(),) if self.model.get_equations_blocks() else ()
        return lower.statements(blocks[0].get_stmts_body(), set())

    def _gap_junction(self, state, ports):
        port = next((p for p in ports if p.name == GAP_CURRENT_PORT and p.kind == "continuous"), None)
        if port is None:
            return None
        if not any(v.name == GAP_MEMBRANE_POTENTIAL for v in state):
            raise ModelError(self.path, [(None, None, f"gap-junction port '{GAP_CURRENT_PORT}' declared but "
                                          f"no state variable '{GAP_MEMBRANE_POTENTIAL}'")])
        return GapJunction(GAP_MEMBRANE_POTENTIAL, GAP_CURRENT_PORT)
