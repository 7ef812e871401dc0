"""Synapse models and the connection table.

Connections are stored in flat numpy arrays (one entry per connection), never
as Python objects per connection, so that millions of them build in seconds.
``static_synapse`` carries spikes and currents with a weight and a delay;
``gap_junction`` couples membrane potentials and has no delay (NEST 3.10,
models/gap_junction.h: requires_symmetric, supports waveform relaxation).
"""

import numbers
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import BadProperty, UnaccessedDictionaryEntry, cast_error


#: NEST 3.10's model ids of the built-in synapse models, and of the first CopyModel copy
#: (GetDefaults(...)['synapse_modelid']; GetConnections orders by them)
STATIC_SYNAPSE_ID, GAP_JUNCTION_ID, FIRST_COPY_ID = 29, 16, 77


@dataclass
class SynapseModel:
    name: str
    syn_id: int
    kind: str                      # "static" or "gap"
    defaults: dict = field(default_factory=dict)
    base: str = ""                 # the built-in model this one is a copy of (NEST's messages name it)
    default_delay_checked: bool = False   # NEST checks the default delay once, at its first use
    receptor_type: int = 0         # the receptor port of a Connect that names none

    def __post_init__(self):
        self.base = self.base or self.name

    @property
    def has_delay(self) -> bool:
        return self.kind == "static"

    @property
    def requires_symmetric(self) -> bool:
        return self.kind == "gap"

    def status(self) -> dict:
        return {"delay": 1.0, **self.defaults, "synapse_model": self.name, "synapse_modelid": self.syn_id,
                "has_delay": self.has_delay, "requires_symmetric": self.requires_symmetric,
                "element_type": "synapse", "receptor_type": self.receptor_type}

    def copy(self, name, syn_id) -> "SynapseModel":
        return SynapseModel(name, syn_id, self.kind, dict(self.defaults), self.base, receptor_type=self.receptor_type)

    def set_defaults(self, params: dict):
        """SetDefaults: weight (and delay in ms, if the model has one); all or nothing."""
        new = dict(self.defaults)
        receptor = self.receptor_type
        for key, value in params.items():
            if key == "receptor_type":  # NEST's errors for a port that is no non-negative integer
                if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                    raise RuntimeError("The dictionary value with key receptor_type does not hold a numeric "
                                       f"integer type. (got {value!r})")
                if value < 0:
                    raise IndexError(f"Value causes data loss or overflow. (receptor_type {value})")
                receptor = int(value)
                continue
            if key == "delay" and not self.has_delay:
                raise BadProperty(f"{self.base} connection has no delay")
            if key not in self.defaults:
                raise UnaccessedDictionaryEntry(f"Unaccessed elements in {self.name} defaults: {key} "
                                                f"(valid entries: {', '.join(sorted(self.defaults))})")
            new[key] = as_real(key, value)
        self.defaults = new
        self.receptor_type = receptor
        self.default_delay_checked = False


def as_real(key, value) -> float:
    """A number given for ``key`` (a bool is one, as NEST reads a double), as float (NEST's
    TypeMismatch otherwise)."""
    if not isinstance(value, numbers.Real) or isinstance(value, np.bool_):
        raise cast_error(key, value, "double")
    return float(value)


def builtin_synapse_models() -> dict:
    return {"static_synapse": SynapseModel("static_synapse", STATIC_SYNAPSE_ID, "static",
                                           {"weight": 1.0, "delay": 1.0}),
            "gap_junction": SynapseModel("gap_junction", GAP_JUNCTION_ID, "gap", {"weight": 1.0})}


class ConnectionTable:
    """All connections, appended in chunks and concatenated on demand.

    Columns: source and target node ids, weight, delay in steps (0 for gap
    junctions), synapse model id, and the receptor port at the target (NEST's
    rport: what the target made of the receptor type; 0 for most). Entries keep
    their creation order.
    """

    COLUMNS = ("source", "target", "weight", "delay", "syn_id", "rport")
    DTYPES = (np.int64, np.int64, np.float64, np.int64, np.int32, np.int32)

    def __init__(self):
        self._chunks = []
        self._single = []          # connections added one by one since the last chunk, as tuples
        self._arrays = None
        self._n = 0
        self.version = 0           # incremented by every change, to rebuild derived structures

    def __len__(self):
        return self._n

    def add(self, source, target, weight, delay, syn_id, rport):
        n = len(source)
        if n == 0:
            return
        self._gather_single()
        self._append([np.asarray(source, np.int64), np.asarray(target, np.int64), np.asarray(weight, np.float64),
                      np.asarray(delay, np.int64), np.full(n, syn_id, np.int32),
                      np.broadcast_to(np.asarray(rport, np.int32), (n,))])
        self._n += n
        self.version += 1

    def add_one(self, source: int, target: int, weight: float, delay: int, syn_id: int, rport: int):
        """One connection (cheaper than :meth:`add` for networks built pair by pair)."""
        self._single.append((source, target, weight, delay, syn_id, rport))
        self._n += 1
        self.version += 1

    def add_pair(self, source: int, target: int, weight: float, delay: int, syn_id: int, symmetric: bool):
        """source -> target, and with ``symmetric`` target -> source, at receptor port 0 (as :meth:`add_one`)."""
        self._single.append((source, target, weight, delay, syn_id, 0))
        if symmetric:
            self._single.append((target, source, weight, delay, syn_id, 0))
        self._n += 1 + symmetric
        self.version += 1

    def _gather_single(self):
        """The connections added one by one, as a chunk."""
        if self._single:
            columns = list(zip(*self._single))
            self._single = []
            self._append([np.array(c, dtype) for c, dtype in zip(columns, self.DTYPES)])

    def _append(self, chunk):
        if self._arrays is not None:
            self._chunks = [list(self._arrays)]
            self._arrays = None
        self._chunks.append(chunk)

    def arrays(self):
        """(source, target, weight, delay, syn_id, rport) as contiguous arrays."""
        self._gather_single()
        if self._arrays is None:
            if not self._chunks:
                self._arrays = tuple(np.zeros(0, dtype) for dtype in self.DTYPES)
            else:
                self._arrays = tuple(np.concatenate([c[k] for c in self._chunks])
                                     for k in range(len(self.COLUMNS)))
            self._chunks = []
        return self._arrays

    def set_weights(self, index, weights):
        self.arrays()[2][index] = weights
        self.version += 1

    def set_delays(self, index, steps):
        """New delays (in steps) of the connections ``index``."""
        self.arrays()[3][index] = steps
        self.version += 1
