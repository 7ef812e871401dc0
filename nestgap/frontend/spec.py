"""The model spec: everything nestgap needs from a model file, as plain data.

Expressions are :mod:`nestgap.frontend.ir` trees in NEST's units; the sympy view
of them is in :mod:`nestgap.frontend.symbolic`. Declaration order is kept
everywhere: it is the order of the state vector and of the status dictionary.
"""

from dataclasses import dataclass, field

from . import ir


@dataclass(frozen=True)
class Variable:
    """A parameter, state variable or internal."""
    name: str
    type: str            # real, integer or boolean
    unit: str            # NEST unit text, e.g. "mV", "pA / ms"; "" if dimensionless
    value: ir.Expr       # default (parameters), initial value (state), definition (internals)
    invariant: ir.Expr | None = None
    invariant_text: str = ""   # as written in the model file, e.g. "C_m > 0 pF"
    doc: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[str, ...]
    body: tuple[ir.Stmt, ...]
    line: int | None = None
    param_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Port:
    name: str
    kind: str            # "spike" or "continuous"
    qualifier: str = ""  # spike ports: "excitatory", "inhibitory" or "" (all spikes)
    unit: str = ""


@dataclass(frozen=True)
class GapJunction:
    """Which variable is the membrane potential and which continuous port carries the gap current."""
    membrane_potential: str
    current_port: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: str
    sha256: str                          # of the model file's bytes
    parameters: tuple[Variable, ...]
    state: tuple[Variable, ...]
    internals: tuple[Variable, ...]
    functions: tuple[Function, ...]
    inlines: tuple[tuple[str, ir.Expr], ...]   # equations-block inline expressions, in order
    odes: tuple[tuple[str, ir.Expr], ...]      # (state variable, right-hand side), in state order
    ports: tuple[Port, ...]
    gap_junction: GapJunction | None
    update: tuple[ir.Stmt, ...]
    on_receive: tuple[tuple[str, tuple[ir.Stmt, ...]], ...]
    on_condition: tuple[tuple[ir.Expr, tuple[ir.Stmt, ...]], ...]
    emits_spikes: bool
    doc: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def ode_state(self) -> tuple[str, ...]:
        """Names of the state variables integrated by integrate_odes(), in state order."""
        return tuple(name for name, _ in self.odes)

    @property
    def spike_ports(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.kind == "spike")

    @property
    def current_ports(self) -> tuple[Port, ...]:
        """Continuous ports fed by current events (all but the gap-junction port)."""
        gap = self.gap_junction.current_port if self.gap_junction else None
        return tuple(p for p in self.ports if p.kind == "continuous" and p.name != gap)

    def variable(self, name: str) -> Variable:
        for group in (self.parameters, self.state, self.internals):
            for variable in group:
                if variable.name == name:
                    return variable
        raise KeyError(name)
