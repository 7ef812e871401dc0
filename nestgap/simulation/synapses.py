"""Synapse models and the connection table.

Connections are stored in flat numpy arrays (one entry per connection), never
as Python objects per connection, so that millions of them build in seconds.
``static_synapse`` carries spikes and currents with a weight and a delay;
``gap_junction`` couples membrane potentials and has no delay (NEST 3.10,
models/gap_junction.h: requires_symmetric, supports waveform relaxation).
"""

from dataclasses import dataclass, field

import numpy as np

from ..exceptions import BadProperty, UnaccessedDictionaryEntry


@dataclass
class SynapseModel:
    name: str
    syn_id: int
    kind: str                      # "static" or "gap"
    defaults: dict = field(default_factory=dict)

    @property
    def has_delay(self) -> bool:
        return self.kind == "static"

    @property
    def requires_symmetric(self) -> bool:
        return self.kind == "gap"

    def status(self) -> dict:
        return {**self.defaults, "synapse_model": self.name, "synapse_modelid": self.syn_id,
                "has_delay": self.has_delay, "requires_symmetric": self.requires_symmetric,
                "element_type": "synapse", "receptor_type": 0}

    def set_defaults(self, params: dict):
        new = dict(self.defaults)
        for key, value in params.items():
            if key == "delay" and not self.has_delay:
                raise BadProperty(f"{self.name} connection has no delay")
            if key not in self.defaults:
                raise UnaccessedDictionaryEntry(f"{self.name}: unknown entry '{key}'; "
                                                f"valid entries: {', '.join(sorted(self.defaults))}")
            new[key] = float(value)
        self.defaults = new


def builtin_synapse_models() -> dict:
    return {"static_synapse": SynapseModel("static_synapse", 0, "static", {"weight": 1.0, "delay": 1.0}),
            "gap_junction": SynapseModel("gap_junction", 1, "gap", {"weight": 1.0})}


class ConnectionTable:
    """All connections, appended in chunks and concatenated on demand.

    Columns: source and target node ids, weight, delay in steps (0 for gap
    junctions), synapse model id. Entries keep their creation order.
    """

    COLUMNS = ("source", "target", "weight", "delay", "syn_id")
    DTYPES = (np.int64, np.int64, np.float64, np.int64, np.int32)

    def __init__(self):
        self._chunks = []
        self._arrays = None
        self._n = 0
        self.version = 0           # incremented by every change, to rebuild derived structures

    def __len__(self):
        return self._n

    def add(self, source, target, weight, delay, syn_id):
        n = len(source)
        if n == 0:
            return
        chunk = [np.asarray(source, np.int64), np.asarray(target, np.int64), np.asarray(weight, np.float64),
                 np.asarray(delay, np.int64), np.full(n, syn_id, np.int32)]
        if self._arrays is not None:
            self._chunks = [list(self._arrays)]
            self._arrays = None
        self._chunks.append(chunk)
        self._n += n
        self.version += 1

    def arrays(self):
        """(source, target, weight, delay, syn_id) as contiguous arrays."""
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
