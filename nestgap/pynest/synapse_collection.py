"""PyNEST's SynapseCollection: a set of connections with get/set of their parameters."""

import numpy as np

from ..exceptions import BadProperty
from .node_collection import _kernel


class SynapseCollection:
    """Connections selected by GetConnections (indices into the connection table)."""

    def __init__(self, indices):
        self._indices = np.asarray(indices, np.int64)

    def __len__(self):
        return len(self._indices)

    def __iter__(self):
        for i in self._indices:
            yield SynapseCollection([i])

    def __getitem__(self, key):
        return SynapseCollection(np.atleast_1d(self._indices[key]))

    def __repr__(self):
        return f"SynapseCollection of {len(self)} connections"

    def _columns(self):
        kernel = _kernel()
        source, target, weight, delay, syn_id = kernel.network.connections.arrays()
        names = {m.syn_id: m.name for m in kernel.network.synapse_models.values()}
        gap = {m.syn_id for m in kernel.network.synapse_models.values() if m.kind == "gap"}
        i = self._indices
        delays_ms = kernel.settings.grid.ms(delay[i])
        delays_ms = np.where(np.isin(syn_id[i], list(gap)), 1.0, delays_ms)  # NEST reports 1.0
        return {"source": [int(v) for v in source[i]], "target": [int(v) for v in target[i]],
                "weight": [float(v) for v in weight[i]], "delay": [float(v) for v in delays_ms],
                "synapse_model": [names[int(v)] for v in syn_id[i]], "receptor": [0] * len(i),
                "port": [int(v) for v in i], "target_thread": [0] * len(i),
                "synapse_id": [int(v) for v in syn_id[i]]}

    def get(self, keys=None, output=""):
        columns = self._columns()
        if keys is None:
            return {k: (v[0] if len(self) == 1 else v) for k, v in columns.items()}
        if isinstance(keys, (list, tuple)):
            return {k: self.get(k) for k in keys}
        if keys not in columns:
            raise KeyError(f"Connections have no parameter '{keys}'; available: {', '.join(columns)}")
        values = columns[keys]
        return values[0] if len(self) == 1 else values

    def set(self, params=None, **kwargs):
        from ..random import is_parameter

        params = dict(params or {}, **kwargs)
        kernel = _kernel()
        for key, value in params.items():
            if key != "weight":
                raise BadProperty(f"Setting '{key}' of existing connections is not supported by nestgap "
                                  "(only 'weight').")
            if is_parameter(value):
                value = value.draw(kernel.rng, len(self))
            values = np.broadcast_to(np.asarray(value, np.float64), (len(self),))
            kernel.network.connections.set_weights(self._indices, values)

    def sources(self):
        return iter(self.get("source") if len(self) != 1 else [self.get("source")])

    def targets(self):
        return iter(self.get("target") if len(self) != 1 else [self.get("target")])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)
