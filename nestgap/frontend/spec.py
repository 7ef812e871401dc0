"""The model spec: everything nestgap needs from a model file, as plain data.

Expressions are :mod:`nestgap.frontend.ir` trees in NEST's units; the sympy view
of them is in :mod:`nestgap.frontend.symbolic`. Declaration order is kept
everywhere: it is the order of the state vector and of the status dictionary.
The spec describes the model after NESTML's own analysis (:mod:`.transform`):
kernels are state variables, and the ODEs are split into those with exact
propagators (``analytic``) and the system of the numeric solver (``odes``).
"""

from dataclasses import dataclass, field

from . import ir
from .options import Options


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
    internals: tuple[Variable, ...]      # the model's, then NESTML's (__h, propagators __P__...)
    functions: tuple[Function, ...]
    inlines: tuple[tuple[str, ir.Expr], ...]   # equations-block inline expressions, in order
    ode_state: tuple[str, ...]                 # every state variable with an ODE, in state order
    odes: tuple[tuple[str, ir.Expr], ...]      # the numeric solver's system: (variable, right-hand side)
    analytic: tuple[tuple[str, ir.Expr], ...]  # exact propagation over one step: (variable, new value)
    convolutions: tuple[str, ...]              # analytic variables of kernels (NESTML's ``K__X__port``)
    spike_updates: tuple[tuple[str, tuple[ir.Stmt, ...]], ...]  # port -> jumps of kernel variables
    ports: tuple[Port, ...]
    gap_junction: GapJunction | None
    update: tuple[ir.Stmt, ...]
    on_receive: tuple[tuple[str, tuple[ir.Stmt, ...]], ...]
    on_condition: tuple[tuple[ir.Expr, tuple[ir.Stmt, ...]], ...]
    emits_spikes: bool
    random_draws: tuple[str, ...] = ()   # distribution of each random call site, in the update block's order
    options: Options = field(default_factory=Options)
    doc: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def numeric_state(self) -> tuple[str, ...]:
        """The state variables the numeric solver integrates, in state order."""
        return tuple(name for name, _ in self.odes)

    @property
    def spike_ports(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.kind == "spike")

    @property
    def receptor_types(self) -> dict:
        """Spike port name -> receptor type, as NESTML's NEST target numbers several spike ports
        without qualifiers: 1, 2, ... in declaration order (docs/models.md, section 5); empty for one
        port or an excitatory/inhibitory pair, which take receptor type 0 and are told apart by sign."""
        ports = self.spike_ports
        if len(ports) < 2 or any(p.qualifier for p in ports):
            return {}
        return {p.name: k + 1 for k, p in enumerate(ports)}

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
