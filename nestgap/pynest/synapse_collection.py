"""PyNEST's SynapseCollection: a set of connections with get/set of their parameters."""

import numpy as np

from .node_collection import to_json
from .state import kernel as _kernel

_KEYS = ("delay", "port", "receptor", "sizeof", "source", "synapse_id", "synapse_model", "target",
         "target_thread", "weight")


class SynapseCollection:
    """Connections selected by GetConnections (indices into the connection table, in NEST's order).

    ``get('weight')`` gives a list (a single value for one connection);
    ``set(weight=...)`` and ``sc.weight = ...`` take a number, a sequence
    with one value per connection or a random parameter; 'delay' (ms) can be
    set too, for models that have a delay.
    """

    def __init__(self, indices):
        object.__setattr__(self, "_indices", np.asarray(indices, np.int64))
        object.__setattr__(self, "print_full", False)  # str() shows every connection

    def __len__(self):
        return len(self._indices)

    def __iter__(self):
        for i in self._indices:
            yield SynapseCollection([i])

    def __getitem__(self, key):
        return SynapseCollection(np.atleast_1d(self._indices[key]))

    def __eq__(self, other):
        return isinstance(other, SynapseCollection) and np.array_equal(self._indices, other._indices)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __str__(self):
        """NEST's table of source, target, synapse model, weight and delay; from 35 connections on
        only the first and last 15 rows, unless ``print_full`` is set."""
        if not len(self):
            return "The synapse collection does not contain any connections."
        c = {k: v if len(self) > 1 else [v]
             for k, v in self.get(["source", "target", "synapse_model", "weight", "delay"]).items()}
        width = max(15, *(len(m) for m in c["synapse_model"]))
        rows = [f"{s:>7} {t:>8} {m:>{width}} {w:>#8.4g} {d:>#7.4g}"
                for s, t, m, w, d in zip(c["source"], c["target"], c["synapse_model"], c["weight"], c["delay"])]
        if len(rows) >= 35 and not self.print_full:
            dots = "\u22ee "
            rows = rows[:15] + [f"{dots:>7} {dots:>8} {dots:>{width}} {dots:>8} {dots:>7}"] + rows[-15:]
        header = f"{'source':^8} {'target':^8} {'synapse model':^{width}} {'weight':^8} {'delay':^7}"
        rule = " ".join("-" * n for n in (8, 8, width, 8, 7))
        return "\n".join([header, rule, *rows])

    __repr__ = __str__

    def _column(self, key):
        if key not in _KEYS:
            raise KeyError(f"'{key}' is not a connection parameter; available: {', '.join(_KEYS)}")
        return _kernel().connection_column(self._indices, key)

    def get(self, keys=None, output=""):
        """All parameters (a dict), one (a list, or a value for one connection) or several (a dict)."""
        if keys is None:
            result = {k: self.get(k) for k in _KEYS} if len(self) else {}
        elif not len(self):
            result = ()
        elif isinstance(keys, (list, tuple)):
            result = {k: self.get(k) for k in keys}
        else:
            values = self._column(keys)
            result = values[0] if len(self) == 1 else values
        return to_json(result) if output == "json" else result

    def set(self, params=None, **kwargs):
        """Set 'weight' and/or 'delay': a dict, a list with one dict per connection, or keywords."""
        if kwargs and params is not None:
            raise TypeError("must either provide params or kwargs, but not both.")
        params = kwargs or params
        if isinstance(params, (list, tuple)):
            if len(params) != len(self):
                raise TypeError(f"Status dict must be a dict, or a list of dicts of length {len(self)}")
            keys = set().union(*params)
            params = {k: [d[k] for d in params] for k in keys}
        if not isinstance(params, dict):
            raise TypeError(f"Status dict must be a dict, or a list of dicts of length {len(self)}")
        _kernel().set_connection_status(self._indices, params)

    def sources(self):
        return iter(self._column("source"))

    def targets(self):
        return iter(self._column("target"))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name, value):
        if name.startswith("_") or name == "print_full":
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})
