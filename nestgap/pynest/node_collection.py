"""PyNEST's NodeCollection: an ordered set of node ids with status access."""

import numpy as np

from ..exceptions import BadProperty, UnknownNode


class NodeCollection:
    """Node ids (1-based, ascending, unique) with PyNEST's indexing and status access.

    ``NodeCollection([3, 5])`` builds one from existing ids. ``nc.V_m`` and
    ``nc.get('V_m')`` return a tuple (a single value for a single node);
    ``nc.V_m = x`` sets a scalar for all, a sequence element-wise or a random
    parameter drawn per node.
    """

    def __init__(self, node_ids=None):
        ids = np.asarray([] if node_ids is None else node_ids, dtype=np.int64).ravel()
        if len(ids):
            if np.any(np.diff(ids) < 0):
                raise BadProperty("Indices must be sorted in ascending order")
            if np.any(np.diff(ids) == 0):
                raise BadProperty("All node IDs in a NodeCollection have to be unique")
            size = _kernel().network.size
            if ids[0] < 1 or ids[-1] > size:
                bad = ids[0] if ids[0] < 1 else ids[-1]
                raise UnknownNode(f"Node with id {bad} does not exist (the network has {size} nodes).")
        object.__setattr__(self, "_ids", ids)

    @classmethod
    def _from_ids(cls, ids):
        nc = cls.__new__(cls)
        object.__setattr__(nc, "_ids", np.asarray(ids, np.int64))
        return nc

    # -- container protocol ---------------------------------------------------------
    def __len__(self):
        return len(self._ids)

    def __iter__(self):
        for node_id in self._ids:
            yield NodeCollection._from_ids([node_id])

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            if not -len(self) <= key < len(self):
                raise IndexError("index value outside of the NodeCollection")
            return NodeCollection._from_ids([self._ids[key]])
        if isinstance(key, slice):
            if key.step is not None and key.step <= 0:
                raise IndexError("slicing step for NodeCollection must be strictly positive")
            return NodeCollection._from_ids(self._ids[key])
        if isinstance(key, (list, tuple, np.ndarray)):
            key = np.asarray(key)
            if key.dtype == bool:
                return NodeCollection._from_ids(self._ids[key])
            if np.any(np.diff(key) <= 0):
                raise IndexError("Indices must be unique and sorted in ascending order")
            return NodeCollection._from_ids(self._ids[key])
        raise IndexError(f"NodeCollection cannot be indexed with {type(key).__name__}")

    def __contains__(self, node):
        ids = node._ids if isinstance(node, NodeCollection) else [node]
        return bool(np.all(np.isin(ids, self._ids)))

    def __add__(self, other):
        if not isinstance(other, NodeCollection):
            return NotImplemented
        if np.intersect1d(self._ids, other._ids).size:
            raise BadProperty("Can only join NodeCollections that do not overlap.")
        return NodeCollection._from_ids(np.sort(np.concatenate([self._ids, other._ids])))

    def __eq__(self, other):
        return isinstance(other, NodeCollection) and np.array_equal(self._ids, other._ids)

    def __hash__(self):
        return hash(tuple(self._ids))

    def __repr__(self):
        if not len(self):
            return "NodeCollection(<empty>)"
        return f"NodeCollection(metadata=None, model={self._models()}, size={len(self)}, " \
               f"first={self._ids[0]}, last={self._ids[-1]})"

    def _models(self):
        names = sorted({s["model"] for s in _kernel().node_status(self._ids[:1], ["model"])})
        return ",".join(names)

    def tolist(self):
        return [int(i) for i in self._ids]

    def index(self, node_id):
        hits = np.nonzero(self._ids == node_id)[0]
        if not len(hits):
            raise ValueError(f"{node_id} is not in the NodeCollection")
        return int(hits[0])

    @property
    def global_id(self):
        return self._one(self.tolist())

    # -- status -------------------------------------------------------------------------
    def get(self, *keys, output=""):
        kernel = _kernel()
        if not keys:
            statuses = kernel.node_status(self._ids)
            if len(self) == 1:
                return statuses[0]
            common = set.intersection(*(set(s) for s in statuses)) if statuses else set()
            return {k: tuple(s[k] for s in statuses) for k in sorted(common)}
        if len(keys) == 1 and isinstance(keys[0], (list, tuple)):
            return {k: self.get(k) for k in keys[0]}
        if len(keys) > 1:
            return {k: self.get(k) for k in keys}
        key = keys[0]
        return self._one(kernel.node_values(self._ids, key))

    def set(self, params=None, **kwargs):
        if params is None:
            params = kwargs
        elif kwargs:
            raise TypeError("set() takes a dict or keyword arguments, not both")
        _kernel().set_node_status(self._ids, params)

    def _one(self, values):
        return values[0] if len(self) == 1 else tuple(values)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})


def _kernel():
    from . import state
    return state.kernel
