"""NEST's connectors: where each connection between neurons sits, per thread and synapse model.

NEST keeps the connections between neurons per (thread of the target, synapse
model) in a connector, appends new ones and, whenever it rebuilds its
connection infrastructure, sorts every connector by source id with an
unstable sort (docs/nest_vp_structure.md, section 2). A connection's position
in its connector (its lcid, NEST's ``port``) orders the deliveries of spikes
and gap-junction coefficients to a target, so the sums depend on the number of
virtual processes; :mod:`.vp_order` re-implements the sort.

Connections from and to devices are not in connectors (lcid -1).
"""

import numpy as np

from .vp_order import connector_sort


class Connectors:
    def __init__(self, n_vp: int):
        self.n_vp = n_vp
        self.stored = {}                       # (thread, syn_id) -> connection indices, in stored order
        self.lcid = np.zeros(0, np.int64)      # by connection index: position in its connector, -1 if none
        self.version = 0                       # incremented by every rebuild
        self._seen = 0                         # connections of the table already placed

    def rebuild(self, connections, is_neuron):
        """NEST's update of its connection infrastructure: connections created since the last
        rebuild join their connectors in creation order, then every connector is sorted by
        source. ``connections``: the ConnectionTable; ``is_neuron``: by node id."""
        source, target, _, _, syn_id, _ = connections.arrays()
        new = np.arange(self._seen, len(source))
        new = new[is_neuron[source[new]] & is_neuron[target[new]]]
        self._seen = len(source)
        if len(new):
            keys = (target[new] % self.n_vp) * (int(syn_id.max()) + 1) + syn_id[new]
            order = np.argsort(keys, kind="stable")
            groups, starts = np.unique(keys[order], return_index=True)
            for key, part in zip(groups, np.split(new[order], starts[1:])):
                thread, syn = divmod(int(key), int(syn_id.max()) + 1)
                old = self.stored.get((thread, syn), np.zeros(0, np.int64))
                self.stored[(thread, syn)] = np.concatenate([old, part])
        lcid = np.full(len(source), -1, np.int64)
        for key, entries in self.stored.items():
            entries = entries[connector_sort(source[entries])]
            self.stored[key] = entries
            lcid[entries] = np.arange(len(entries))
        self.lcid = lcid
        self.version += 1
