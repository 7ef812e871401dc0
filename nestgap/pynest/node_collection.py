"""PyNEST's NodeCollection: an ordered set of node ids with status access."""

import json
import numbers

import numpy as np

from ..exceptions import BadParameter, BadProperty, UnknownNode
from .state import kernel as _kernel


#: the integer types of a node id on NodeCollection's fast path (others take the general one)
_INTEGERS = frozenset((int, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8))


class NodeCollection:
    """Node ids (1-based, ascending, unique) with PyNEST 3.10's indexing and status access.

    ``NodeCollection([3, 5])`` builds one from existing ids. ``nc.V_m`` and
    ``nc.get('V_m')`` return a tuple (a single value for a single node);
    ``nc.V_m = x`` sets a scalar for all, a sequence element-wise or a random
    parameter drawn per node. Slicing follows NEST, not Python: bounds outside
    the collection raise IndexError, an empty slice raises BadParameter, and
    a collection sliced with a step cannot be sliced or joined again.
    """

    def __init__(self, node_ids=None):
        if type(node_ids) is list and len(node_ids) == 1 and type(node_ids[0]) in _INTEGERS \
                and 0 < node_ids[0] <= _kernel().network.size:
            # the commonest: one existing id (a Python or numpy integer)
            object.__setattr__(self, "_ids", np.array(node_ids, np.int64))
            object.__setattr__(self, "_step", 1)
            return
        if isinstance(node_ids, NodeCollection):
            raise TypeError("an integer is required")
        given = [] if node_ids is None else node_ids
        # PyNEST converts them one by one to unsigned numbers (an integer array: all at once)
        whole = isinstance(given, np.ndarray) and given.dtype.kind in "iu"
        for node_id in (given[given < 0][:1] if whole else np.ravel(np.asarray(given, dtype=object))):
            if not isinstance(node_id, numbers.Real):
                raise TypeError(f"an integer is required (got {node_id!r})")
            if node_id < 0:
                raise OverflowError(f"can't convert negative value to size_t (node id {node_id})")
        ids = np.asarray(given, dtype=np.int64).ravel()
        # NEST's order of checks: ascending, the first id a node, unique, the last id a node
        steps = np.diff(ids)
        size = _kernel().network_size
        if (steps < 0).any():
            raise BadProperty("Indices must be sorted in ascending order")
        if len(ids) and not 1 <= ids[0] <= size:
            raise UnknownNode(f"Node with id {int(ids[0])} does not exist. The network has {size} nodes.")
        if (steps == 0).any():
            raise BadProperty("All node IDs in a NodeCollection have to be unique")
        if len(ids) and ids[-1] > size:
            raise UnknownNode(f"Node with id {int(ids[-1])} does not exist. The network has {size} nodes.")
        object.__setattr__(self, "_ids", ids)
        object.__setattr__(self, "_step", 1)

    @classmethod
    def _from_ids(cls, ids, step=1):
        """A collection of known-valid ids; ``step`` > 1 marks NEST's "sliced composite"."""
        nc = cls.__new__(cls)
        object.__setattr__(nc, "_ids", np.asarray(ids, np.int64))
        object.__setattr__(nc, "_step", step)
        return nc

    # -- container protocol ---------------------------------------------------------
    def __len__(self):
        return len(self._ids)

    def __iter__(self):
        for node_id in self._ids:
            yield NodeCollection._from_ids([node_id])

    def __array__(self, dtype=None, copy=None):
        return np.array(self._ids, dtype=dtype)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self._slice(key)
        if isinstance(key, (int, np.integer)):
            if not -len(self) <= key < len(self):
                raise IndexError("index value outside of the NodeCollection")
            key = int(key) % len(self)
            return NodeCollection._from_ids(self._ids[key:key + 1])
        if isinstance(key, (list, tuple, np.ndarray)):
            return self._take(key)
        raise IndexError("only integers, slices, lists, tuples, and numpy arrays are valid indices")

    def _slice(self, key):
        """NEST's slicing: positions must lie inside; stop 0 means the end; start < stop."""
        if self._step > 1:
            raise BadProperty("Cannot slice a sliced composite NodeCollection.")
        n = len(self)
        start, stop, step = key.start, key.stop, 1 if key.step is None else key.step
        if start is not None and not -n <= start < n:
            raise IndexError("slice start value outside of the NodeCollection")
        if stop is not None and not -n < stop <= n:
            raise IndexError("slice stop value outside of the NodeCollection")
        if step < 1:
            raise IndexError("slicing step for NodeCollection must be strictly positive")
        first = 0 if start is None else start % n
        end = n if stop is None or stop == 0 else stop % n or n
        if first >= end:
            raise BadParameter("start < stop required.")
        return NodeCollection._from_ids(self._ids[first:end:step], step if end - first > 1 else 1)

    def _take(self, key):
        """Indexing with a list/array of positions (ascending, unique) or of booleans (a mask)."""
        key = np.asarray(key)
        if not len(key):
            return NodeCollection._from_ids([])
        if key.ndim != 1:
            raise TypeError("NumPy indices must one-dimensional")
        if key.dtype == bool:
            if len(key) != len(self):
                raise IndexError("Bool index array must be the same length as NodeCollection")
            return NodeCollection._from_ids(self._ids[key])
        if not np.issubdtype(key.dtype, np.integer):
            raise TypeError("Indices must be integers or bools")
        if np.any(key < 0):  # PyNEST converts the positions to unsigned numbers
            raise OverflowError(f"Python integer {int(key[key < 0][0])} out of bounds for uint64 (position)")
        if len(np.unique(key)) != len(key):
            raise ValueError("All node IDs in a NodeCollection have to be unique")
        # NEST then checks that every position is inside the collection, then that they ascend
        outside = key >= len(self)
        if outside.any():
            raise IndexError(f"pos {int(key[np.argmax(outside)])} points outside of the NodeCollection")
        if (np.diff(key) < 0).any():
            raise BadProperty("Indices must be sorted in ascending order")
        return NodeCollection._from_ids(self._ids[key])

    def __contains__(self, node_id):
        if not isinstance(node_id, numbers.Real) or isinstance(node_id, bool):
            raise TypeError("an integer is required")
        return bool(np.any(self._ids == node_id))

    def __add__(self, other):
        if not isinstance(other, NodeCollection):
            raise TypeError(f"Cannot add object of type '{type(other).__name__}' to 'NodeCollection'")
        if self._step > 1 or other._step > 1:
            raise BadProperty("Cannot add NodeCollection to a sliced composite.")
        if np.intersect1d(self._ids, other._ids).size:
            raise BadProperty("Cannot join overlapping NodeCollections.")
        return NodeCollection._from_ids(np.sort(np.concatenate([self._ids, other._ids])))

    def __radd__(self, other):
        if other == 0:  # sum([...]) starts with 0
            return self
        raise TypeError(f"Cannot add object of type '{type(other).__name__}' to 'NodeCollection'")

    def __eq__(self, other):
        if not isinstance(other, NodeCollection):
            raise NotImplementedError(f"Cannot compare NodeCollection to {type(other).__name__}")
        return np.array_equal(self._ids, other._ids)

    def __ne__(self, other):
        return not self == other

    __hash__ = None  # mutable status, as in PyNEST: not hashable

    def __bool__(self):
        return len(self) > 0

    def __repr__(self):
        if not len(self):
            return "NodeCollection(<empty>)"
        models = _kernel().model_names_of(self._ids)
        if self._step > 1:
            parts = [_part(models[0], len(self), self._ids[0], self._ids[-1], self._step)]
        else:
            breaks = np.flatnonzero((np.diff(self._ids) != 1) | (models[1:] != models[:-1])) + 1
            parts = [_part(models[a], b - a, self._ids[a], self._ids[b - 1])
                     for a, b in zip(np.r_[0, breaks], np.r_[breaks, len(self)])]
        if len(parts) == 1 and self._step == 1:
            return f"NodeCollection(metadata=None, {parts[0]})"
        return "NodeCollection(metadata=None,\n               " + ";\n               ".join(parts) + ")"

    __str__ = __repr__

    def tolist(self):
        return [int(i) for i in self._ids]

    def index(self, node_id):
        hits = np.nonzero(self._ids == node_id)[0]
        if not len(hits):
            raise ValueError(f"{node_id} is not in NodeCollection")
        return int(hits[0])

    @property
    def global_id(self):
        return self._one(self.tolist())

    # -- status -------------------------------------------------------------------------
    def get(self, *keys, output=""):
        """Status entries: all (a dict), one key (a value or tuple), or a list of keys (a dict).
        Two arguments address a dictionary entry: ``get("events", "times")`` (or a list of its
        keys). ``output``: "json" or "pandas" (a DataFrame indexed by node id).

        For several nodes, a node without an entry that other nodes have gives None.
        """
        if not len(self):
            raise ValueError("Cannot get parameter of empty NodeCollection")
        kernel = _kernel()
        if not keys:
            statuses = kernel.node_status(self._ids)
            if len(self) == 1:
                result = statuses[0]
            else:
                names = sorted(set().union(*statuses))
                result = {k: tuple(s.get(k) for s in statuses) for k in names}
        elif len(keys) == 1 and isinstance(keys[0], (list, tuple)):
            result = {k: self.get(k) for k in keys[0]}
        elif len(keys) > 1:
            result = self._get_inside(keys[0], keys[-1])
        else:
            result = self._one(kernel.node_values(self._ids, keys[0]))
        if output == "pandas":
            return self._data_frame(keys, result)
        return to_json(result) if output == "json" else result

    def _get_inside(self, outer, inner):
        """Entries ``inner`` (a name or a list of names) of the dictionary entry ``outer`` of every node:
        one node's value(s), or per name a list with one value per node (None where a node lacks it)."""
        if not isinstance(outer, str):
            raise TypeError("First argument must be a string, specifying path into hierarchical dictionary")
        dicts = self.get(outer)
        dicts = dicts if isinstance(dicts, tuple) else (dicts,)
        if len(dicts) == 1:
            merged = dicts[0]
        else:
            merged = {k: [d.get(k) for d in dicts] for k in sorted(set().union(*dicts))}
        return merged[inner] if isinstance(inner, str) else {k: merged[k] for k in inner}

    def _data_frame(self, keys, result):
        """PyNEST's output="pandas": one row per node, indexed by node id."""
        import pandas

        if len(keys) == 1 and isinstance(keys[0], str):
            result = {keys[0]: result}
        elif len(keys) > 1 and isinstance(keys[-1], str):
            result = {keys[-1]: result}
        index = self.tolist()
        if len(self) == 1:
            result = {k: [v] for k, v in result.items()}
        return pandas.DataFrame(result, index=index)

    def set(self, params=None, **kwargs):
        """Set status entries: a dict (scalars, per-node sequences, random parameters), a list
        with one dict per node, or keyword arguments."""
        if not len(self):  # as PyNEST: nothing to set, whatever is given
            return
        if kwargs and params is not None:
            raise TypeError("must either provide params or kwargs, but not both.")
        params = kwargs or params
        if params is None:
            raise TypeError("set() needs a dict, a list of dicts or keyword arguments")
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


def _part(model, size, first, last, step=1):
    text = f"model={model}, size={size}, first={first}"
    if size > 1:
        text += f", last={last}"
    return text + (f", step={step}" if step > 1 else "")


def to_json(value) -> str:
    """PyNEST's output="json": numpy arrays and tuples as lists."""
    def convert(v):
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, NodeCollection):
            return v.tolist()
        raise TypeError(f"{type(v).__name__} is not JSON serializable")
    return json.dumps(value, default=convert)

