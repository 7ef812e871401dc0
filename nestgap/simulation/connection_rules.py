"""Connection rules of ``nest.Connect`` as pure numpy functions.

Nothing here knows about the kernel: node ids come in as int64 arrays, random
numbers from a ``numpy.random.Generator``, and the result is a
:class:`ConnectionPlan` (sources, targets and, per connection, the index into
a user-supplied parameter array).

Semantics, error classes and message texts are those of NEST 3.10. Every
message below was obtained by running nest-simulator 3.10.0 (PyPI wheel)
against the same request, e.g.
``python -c "import nest; a = nest.Create('iaf_psc_alpha', 3);
nest.Connect(a, a, {'rule': 'fixed_indegree', 'indegree': 4, 'allow_multapses': False})"``
-> ``BadProperty: Indegree cannot be larger than population size.``.
Where NEST's message says nothing useful (``map::at``) or does not list the
valid choices, nestgap keeps NEST's text as the start of the message and adds
an explanation after it.

The checks run in NEST's order (observed with combined invalid requests):

1. PyNEST (Python level): conn_spec type, ``'rule'`` present, shapes of array
   valued synapse parameters (ValueError/TypeError), keys that only spatial
   connections accept (TypeError).
2. Kernel: empty populations (IllegalConnection), unknown rule, the boolean
   flags, make_symmetric with random synapse parameters, the rule's own
   parameters (including population-dependent checks), unknown conn_spec keys
   (UnaccessedDictionaryEntry), make_symmetric support, the requires_symmetric
   patterns of synapse models such as gap_junction.

Requests for which NEST 3.10 never returns (it redraws forever, e.g. an
indegree equal to the population size with autapses and multapses forbidden)
raise BadProperty here instead.

Connections are listed in the order NEST 3.10 creates them with one virtual
process; this order decides which element of an array-valued synapse
parameter belongs to which connection.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from nestgap.exceptions import (BadProperty, DimensionMismatch, IllegalConnection,
                                NotImplemented, TypeMismatch, UnaccessedDictionaryEntry)
from nestgap.random import is_parameter

__all__ = ["RULES", "ConnectionPlan", "normalize_conn_spec", "plan_connections",
           "synapse_values", "check_parameter_array"]

#: The rules NEST 3.10 knows (``nest.connection_rules``), in its order.
RULES = ("all_to_all", "fixed_indegree", "fixed_outdegree", "fixed_total_number",
         "one_to_one", "pairwise_bernoulli", "pairwise_poisson", "symmetric_pairwise_bernoulli")

_FLAGS = (("allow_autapses", True), ("allow_multapses", True), ("make_symmetric", False))

#: The rule-specific conn_spec entry and its C++ type in NEST.
_RULE_PARAM = {
    "fixed_indegree": ("indegree", "long"),
    "fixed_outdegree": ("outdegree", "long"),
    "fixed_total_number": ("N", "long"),
    "pairwise_bernoulli": ("p", "double"),
    "symmetric_pairwise_bernoulli": ("p", "double"),
    "pairwise_poisson": ("pairwise_avg_num_conns", "double"),
}

_GAP_PATTERN_MESSAGE = (
    'Connections with this synapse model can only be created as one-to-one connections with '
    '"make_symmetric" set to true or as all-to-all connections with equal source and target '
    'populations and default or scalar parameters.')

_ONE_D_MESSAGE = ("'{}' has the wrong type. One-dimensional parameter arrays can only be used in "
                  "conjunction with rule 'one_to_one' or 'fixed_total_number'.")
# (sic: NEST's text lacks the opening quote before fixed_outdegree)
_TWO_D_MESSAGE = ("'{}' has the wrong type. Two-dimensional parameter arrays can only be used in "
                  "conjunction with rules 'all_to_all', 'fixed_indegree' or fixed_outdegree'.")


@dataclass
class ConnectionPlan:
    """The connections one ``Connect`` call creates, in NEST's creation order.

    ``value_index[i]`` is the flat (C-order) index of connection ``i``'s value
    in a parameter array of shape ``expected_shape``; ``expected_shape`` is
    None for rules that do not accept parameter arrays.
    """

    rule: str
    sources: np.ndarray
    targets: np.ndarray
    value_index: np.ndarray
    expected_shape: tuple | None
    make_symmetric: bool
    conn_spec: dict = field(repr=False)
    n_pre: int = 0
    n_post: int = 0

    @property
    def n_expected_values(self):
        """Number of elements a parameter array must have (None: arrays not allowed)."""
        return None if self.expected_shape is None else int(np.prod(self.expected_shape))

    def __len__(self):
        return len(self.sources)


# --------------------------------------------------------------------------- type checks

def _cpp_type(value):
    """The C++ type name NEST reports for a Python value in a cast error."""
    if is_parameter(value):
        return "std::shared_ptr<nest::Parameter>"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "long"
    if isinstance(value, numbers.Real):
        return "double"
    if isinstance(value, str):
        return "std::string"
    if isinstance(value, (list, tuple, np.ndarray)):
        kind = np.asarray(value).dtype.kind
        element = "long" if kind in "iu" else "double"
        return f"std::vector<{element}, std::allocator<{element}> >"
    return None


def _cast_error(key, value, target):
    source = _cpp_type(value)
    if source is None:  # what PyNEST's dictionary conversion raises for e.g. None
        return AttributeError(f"when converting Python Dictionary: value of key ({key}) "
                              f"is not a known type, got {type(value)!r}")
    # NEST writes a final period only for casts to double
    end = "." if target == "double" else ""
    return TypeMismatch(f"Expected datatype: Failed to cast '{key}' from {source} to type {target}{end}")


def _as_bool(key, value):
    # NEST 3.10 rejects numpy.bool_ (AttributeError); nestgap accepts it as a bool
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise _cast_error(key, value, "bool")


def _as_long(key, value):
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    raise _cast_error(key, value, "long")


def _as_double(key, value):
    if isinstance(value, (numbers.Real, np.bool_)):
        return float(value)
    raise _cast_error(key, value, "double")


def _is_array(value):
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0)


# --------------------------------------------------------------------------- validation

def _as_spec_dict(conn_spec):
    """PyNEST's conversion of conn_spec (None, a rule name or a dict) to a dict."""
    if conn_spec is None:
        return {"rule": "all_to_all"}
    if isinstance(conn_spec, str):
        return {"rule": conn_spec}
    if isinstance(conn_spec, dict):
        return dict(conn_spec)
    raise TypeError("conn_spec must be a string or dict")


def _check_not_spatial(spec):
    """PyNEST sends these conn_specs to the spatial ConnectLayers path; nestgap's
    nodes, like NodeCollections created without positions, have no spatial
    information, so PyNEST's error results."""
    rule = str(spec["rule"])
    if ("mask" in spec or "use_on_source" in spec
            or ("p" in spec and "pairwise_bernoulli" not in rule)
            or ("pairwise_avg_num_conns" in spec and "pairwise_poisson" not in rule)):
        raise TypeError("Presynaptic NodeCollection must have spatial information")


def check_parameter_array(name, value, conn_spec, n_pre, n_post):
    """PyNEST's shape check of an array-valued synapse parameter (no-op for non-arrays).

    ``conn_spec`` is the conn_spec dict as given (or normalised). The messages
    are PyNEST 3.10's, followed by the shape that was given.
    """
    if not _is_array(value):
        return
    arr = np.asarray(value)
    rule = conn_spec["rule"]
    got = f" (got an array of shape {arr.shape})"
    if arr.ndim == 1:
        if rule == "one_to_one":
            if arr.shape[0] != n_pre:
                raise ValueError(f"'{name}' has to be an array of dimension {n_pre}, "
                                 f"a scalar or a dictionary.{got}")
        elif rule == "fixed_total_number":
            if "N" in conn_spec and arr.shape[0] != conn_spec["N"]:
                raise ValueError(f"'{name}' has to be an array of dimension {conn_spec['N']}, "
                                 f"a scalar or a dictionary{got}")
        else:
            raise TypeError(_ONE_D_MESSAGE.format(name) + got)
    elif arr.ndim == 2:
        if rule == "all_to_all":
            expected, what = (n_post, n_pre), "n_target x n_sources"
        elif rule == "fixed_indegree":
            expected, what = (n_post, conn_spec["indegree"]), "n_target x indegree"
        elif rule == "fixed_outdegree":
            expected, what = (n_pre, conn_spec["outdegree"]), "n_sources x outdegree"
        else:
            raise TypeError(_TWO_D_MESSAGE.format(name) + got)
        if arr.shape[0] != expected[0] or arr.shape[1] != expected[1]:
            raise ValueError(f"'{name}' has to be an array of dimension {expected[0]}x{expected[1]} "
                             f"({what}), a scalar or a dictionary.{got}")
    else:  # PyNEST passes these on and numpy fails converting them to a double
        raise TypeError(f"only 0-dimensional arrays can be converted to Python scalars{got}")


def _validate(conn_spec, n_pre=None, n_post=None, syn_values=None):
    """All of NEST's conn_spec checks in NEST's order; returns the normalised dict.

    Population-dependent checks are skipped when ``n_pre``/``n_post`` are None.
    """
    spec = _as_spec_dict(conn_spec)
    rule = spec["rule"]  # KeyError('rule') when missing, as in PyNEST
    if syn_values and n_pre is not None:
        for name, value in syn_values.items():
            check_parameter_array(name, value, spec, n_pre, n_post)
    _check_not_spatial(spec)

    # ---- kernel
    for n, side in ((n_pre, "Presynaptic"), (n_post, "Postsynaptic")):
        if n == 0:
            raise IllegalConnection("Creation of connection is not possible because:\n"
                                    f"{side} nodes cannot be an empty NodeCollection")
    if not isinstance(rule, str):
        raise _cast_error("rule", rule, "std::string")
    if rule not in RULES:
        raise BadProperty(f"Unknown connectivity rule: {rule} (valid rules: {', '.join(RULES)})")
    out = {"rule": rule}
    for key, default in _FLAGS:
        out[key] = _as_bool(key, spec[key]) if key in spec else default
    if out["make_symmetric"] and syn_values and any(is_parameter(v) for v in syn_values.values()):
        raise NotImplemented("Symmetric connections require parameters that can be reset.")
    _check_rule_parameters(rule, spec, out, n_pre, n_post)

    known = {"rule"} | {key for key, _ in _FLAGS}
    if rule in _RULE_PARAM:
        known.add(_RULE_PARAM[rule][0])
    unknown = sorted(set(spec) - known)
    if unknown:
        raise UnaccessedDictionaryEntry(
            "Unaccessed elements in conn_spec, in function Connect: " + "".join(" " + k for k in unknown)
            + f" (valid entries for rule '{rule}': {', '.join(sorted(known))})")
    return out


def _check_rule_parameters(rule, spec, out, n_pre, n_post):
    """Read the rule's own parameter into ``out`` and apply NEST's checks."""
    sizes = n_pre is not None
    if rule == "one_to_one":
        if sizes and n_pre != n_post:
            raise DimensionMismatch("Source and Target population must be of the same size.")
        return
    if rule == "all_to_all":
        return
    key, ctype = _RULE_PARAM[rule]
    if key not in spec:
        raise IndexError(f"map::at (conn_spec entry '{key}' is required by rule '{rule}')")
    value = spec[key]
    random_ok = rule in ("fixed_indegree", "fixed_outdegree", "pairwise_bernoulli", "pairwise_poisson")
    if is_parameter(value) and random_ok:
        if rule != "pairwise_bernoulli":
            raise NotImplemented(f"nestgap does not support a random parameter as '{key}' "
                                 f"(NEST 3.10 does); use a number")
        out[key] = value
        return
    value = _as_long(key, value) if ctype == "long" else _as_double(key, value)
    out[key] = value
    multapses = out["allow_multapses"]
    if rule in ("fixed_indegree", "fixed_outdegree"):
        word, pool = ("Indegree", n_pre) if rule == "fixed_indegree" else ("Outdegree", n_post)
        if value < 0:
            raise BadProperty(f"{word} cannot be less than zero.")
        if sizes and not multapses and value > pool:
            raise BadProperty(f"{word} cannot be larger than population size.")
    elif rule == "fixed_total_number":
        if value < 0:
            raise BadProperty("Total number of connections cannot be negative.")
        if not multapses:
            raise NotImplemented("Connect doesn't support the suppression of multapses in the "
                                 "FixedTotalNumber connector.")
    elif rule == "pairwise_bernoulli":
        if value < 0 or value > 1:  # NaN passes (and then connects every pair), as in NEST
            raise BadProperty("Connection probability 0 <= p <= 1 required.")
    elif rule == "symmetric_pairwise_bernoulli":
        if value < 0 or value >= 1:
            raise BadProperty("Connection probability 0 <= p < 1 required.")
        if not multapses:
            raise BadProperty("Multapses must be enabled.")
        if out["allow_autapses"]:
            raise BadProperty("Autapses must be disabled.")
        if not out["make_symmetric"]:
            raise BadProperty("Symmetric connections must be enabled.")
    elif rule == "pairwise_poisson":
        if value < 0:
            raise BadProperty("Connection parameter 0 ≤ pairwise_avg_num_conns required.")
        if not multapses:
            raise BadProperty("Multapses must be allowed for this connection rule.")


def normalize_conn_spec(conn_spec):
    """conn_spec (None, a rule name or a dict) -> a checked dict with all flags set.

    None means all_to_all; defaults are allow_autapses True, allow_multapses
    True, make_symmetric False. Raises NEST's errors for an unknown rule
    (BadProperty), flags or rule parameters of the wrong type (TypeMismatch),
    invalid rule parameters and unknown entries (UnaccessedDictionaryEntry).
    Checks that need the population sizes are left to :func:`plan_connections`.
    """
    return _validate(conn_spec)


# --------------------------------------------------------------------------- drawing

def _positions(ids, query):
    """Position of each id of ``query`` in ``ids`` (ids unique), -1 where absent."""
    if len(ids) == 0 or len(query) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    pos = np.minimum(np.searchsorted(sorted_ids, query), len(ids) - 1)
    return np.where(sorted_ids[pos] == query, order[pos], -1).astype(np.int64)


def _distinct(rng, rows, counts, highs):
    """For entry e of row rows[e], an index in [0, highs[row]); indices within a row distinct.

    Result distribution as NEST's draw-and-redraw-duplicates loop: every ordered
    tuple of distinct indices is equally likely.
    """
    idx = np.empty(len(rows), dtype=np.int64)
    dense_row = counts * 2 > highs
    dense = dense_row[rows]

    # sparse rows: draw, then redraw every repeated index (the first one stays)
    sp = np.flatnonzero(~dense)
    if sp.size:
        r, h = rows[sp], highs[rows[sp]]
        vals = rng.integers(0, h)
        width = int(highs.max()) + 1
        sel = np.arange(sp.size)
        while sel.size:
            keys = r[sel] * width + vals[sel]
            _, first = np.unique(keys, return_index=True)
            dup = np.ones(sel.size, dtype=bool)
            dup[first] = False
            if not dup.any():
                break
            vals[sel[dup]] = rng.integers(0, h[sel[dup]])
            again = np.zeros(len(counts), dtype=bool)
            again[r[sel[dup]]] = True
            sel = sel[again[r[sel]]]
        idx[sp] = vals

    # dense rows (more than half of the pool): order the pool by random keys
    drows = np.flatnonzero(dense_row & (counts > 0))
    if drows.size:
        w = int(highs[drows].max())
        keys = rng.random((drows.size, w))
        keys[np.arange(w)[None, :] >= highs[drows][:, None]] = 2.0
        order = np.argsort(keys, axis=1)
        take = np.arange(w)[None, :] < counts[drows][:, None]
        idx[dense] = order[take]  # row-major, rows ascending: the order of ``rows``
    return idx


def _draw_rows(rng, counts, pool, excl, distinct):
    """``counts[r]`` indices into range(pool) for every row r, skipping position
    ``excl[r]`` (-1: none); with ``distinct`` no index repeats within a row.

    Returns (row, index) arrays, rows ascending, draws of a row in draw order.
    """
    counts = np.asarray(counts, dtype=np.int64)
    highs = pool - (excl >= 0).astype(np.int64)
    rows = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    if rows.size == 0:
        return rows, rows.copy()
    idx = _distinct(rng, rows, counts, highs) if distinct else rng.integers(0, highs[rows])
    e = excl[rows]
    idx += (e >= 0) & (idx >= e)
    return rows, idx


def _bernoulli_flat(rng, m, p):
    """Sorted indices i in range(m), each included independently with probability p."""
    if m == 0 or p <= 0:
        return np.empty(0, dtype=np.int64)
    if p >= 1 or math.isnan(p):  # NEST connects when not (u >= p): NaN connects all
        return np.arange(m, dtype=np.int64)
    parts, last = [], -1
    while True:  # gaps between successes are geometric
        mean = (m - 1 - last) * p
        batch = int(mean + 6.0 * math.sqrt(mean) + 32)
        cand = last + np.cumsum(rng.geometric(p, batch))
        inside = cand[cand < m]
        parts.append(inside)
        if inside.size < batch:
            return np.concatenate(parts)
        last = int(cand[-1])


# --------------------------------------------------------------------------- planning

def plan_connections(pre_ids, post_ids, conn_spec, rng, *, same_collection, requires_symmetric,
                     syn_values=None):
    """Connections for ``nest.Connect(pre, post, conn_spec, ...)`` as a :class:`ConnectionPlan`.

    ``pre_ids``/``post_ids``: int64 arrays of (unique) node ids; ``rng``: a
    numpy Generator; ``same_collection``: pre and post are the identical
    NodeCollection object; ``requires_symmetric``: the synapse model requires
    symmetric connections (gap_junction). ``syn_values`` (optional): the
    synapse parameters as the user gave them (name -> number, list/array or
    random Parameter; leave out 'synapse_model'); they are needed for NEST's
    checks that depend on them (array shapes, make_symmetric with random
    values, gap-junction patterns with non-scalar values) — None means
    defaults/scalars only.
    """
    pre = np.asarray(pre_ids, dtype=np.int64).reshape(-1)
    post = np.asarray(post_ids, dtype=np.int64).reshape(-1)
    syn_values = {k: v for k, v in (syn_values or {}).items() if not isinstance(v, str)}
    spec = _validate(conn_spec, len(pre), len(post), syn_values)
    rule = spec["rule"]

    symmetric = spec["make_symmetric"]
    if symmetric and rule not in ("one_to_one", "symmetric_pairwise_bernoulli"):
        raise NotImplemented("This connection rule does not support symmetric connections.")
    if requires_symmetric:
        scalars = not any(is_parameter(v) or _is_array(v) for v in syn_values.values())
        ok = ((rule == "one_to_one" and symmetric)
              or (rule == "all_to_all" and same_collection and scalars)
              or rule == "symmetric_pairwise_bernoulli")
        if not ok:
            raise BadProperty(_GAP_PATTERN_MESSAGE)

    build = _BUILDERS[rule]
    sources, targets, value_index, shape = build(pre, post, spec, rng)
    return ConnectionPlan(rule=rule, sources=sources.astype(np.int64, copy=False),
                          targets=targets.astype(np.int64, copy=False),
                          value_index=value_index.astype(np.int64, copy=False),
                          expected_shape=shape, make_symmetric=symmetric, conn_spec=spec,
                          n_pre=len(pre), n_post=len(post))


def _one_to_one(pre, post, spec, rng):
    keep = np.arange(len(pre)) if spec["allow_autapses"] else np.flatnonzero(pre != post)
    # a skipped autapse does not consume an array value (measured with NEST 3.10)
    sources, targets, vi = pre[keep], post[keep], np.arange(keep.size)
    if spec["make_symmetric"]:  # reverse connections afterwards, same values in the same order
        sources, targets = np.concatenate([sources, post[keep]]), np.concatenate([targets, pre[keep]])
        vi = np.concatenate([vi, vi])
    return sources, targets, vi, (len(pre),)


def _all_to_all(pre, post, spec, rng):
    # NEST loops over targets, then sources; a skipped autapse does consume its array value
    sources, targets = np.tile(pre, len(post)), np.repeat(post, len(pre))
    vi = np.arange(sources.size)
    if not spec["allow_autapses"]:
        keep = sources != targets
        sources, targets, vi = sources[keep], targets[keep], vi[keep]
    return sources, targets, vi, (len(post), len(pre))


def _hang_guard(word, degree, pool, excl, multapses):
    """NEST 3.10 redraws forever if a node has too few partners other than itself."""
    if degree == 0 or not (excl >= 0).any():
        return
    if (not multapses and degree > pool - 1) or pool - 1 == 0:
        raise BadProperty(
            f"{word} {degree} cannot be satisfied: autapses are forbidden and a node in both populations "
            f"has only {pool - 1} other {'distinct ' if not multapses else ''}partner(s) "
            f"(NEST 3.10 does not return for this request)")


def _fixed_degree(fixed, drawn, spec, rng, word):
    """``spec[word]`` partners from ``drawn`` for every node of ``fixed``, row by row;
    returns (fixed ids, drawn ids, value index, shape of a value array)."""
    k = spec[word.lower()]
    excl = np.full(len(fixed), -1, np.int64) if spec["allow_autapses"] else _positions(drawn, fixed)
    _hang_guard(word, k, len(drawn), excl, spec["allow_multapses"])
    rows, idx = _draw_rows(rng, np.full(len(fixed), k), len(drawn), excl, not spec["allow_multapses"])
    return fixed[rows], drawn[idx], np.arange(rows.size), (len(fixed), k)


def _fixed_indegree(pre, post, spec, rng):
    targets, sources, vi, shape = _fixed_degree(post, pre, spec, rng, "Indegree")
    return sources, targets, vi, shape


def _fixed_outdegree(pre, post, spec, rng):
    return _fixed_degree(pre, post, spec, rng, "Outdegree")


def _fixed_total_number(pre, post, spec, rng):
    n = spec["N"]
    s = rng.integers(0, len(pre), n)
    t = rng.integers(0, len(post), n)
    if not spec["allow_autapses"] and n > 0:
        if len(pre) == 1 and len(post) == 1 and pre[0] == post[0]:
            raise BadProperty("Total number of connections cannot be satisfied: the only possible "
                              "connection is an autapse and autapses are forbidden "
                              "(NEST 3.10 does not return for this request)")
        bad = np.flatnonzero(pre[s] == post[t])
        while bad.size:  # NEST redraws both ends of a rejected pair
            s[bad] = rng.integers(0, len(pre), bad.size)
            t[bad] = rng.integers(0, len(post), bad.size)
            bad = bad[pre[s[bad]] == post[t[bad]]]
    return pre[s], post[t], np.arange(n), (n,)


def _pairwise_bernoulli(pre, post, spec, rng):
    p = spec["p"]
    n_pre, n_post = len(pre), len(post)
    if is_parameter(p):  # p drawn for every pair; targets in chunks to bound memory
        parts, step = [], max(1, (1 << 20) // n_pre)
        for start in range(0, n_post, step):
            rows = min(step, n_post - start)
            u = rng.random(rows * n_pre)
            hit = np.flatnonzero(~(u >= p.draw(rng, rows * n_pre)))
            parts.append(hit + start * n_pre)
        flat = np.concatenate(parts)
    else:
        flat = _bernoulli_flat(rng, n_pre * n_post, p)
    sources, targets = pre[flat % n_pre], post[flat // n_pre]  # targets outer, as NEST
    if not spec["allow_autapses"]:
        keep = sources != targets
        sources, targets, flat = sources[keep], targets[keep], flat[keep]
    return sources, targets, np.arange(sources.size), None


def _pairwise_poisson(pre, post, spec, rng):
    lam = spec["pairwise_avg_num_conns"]
    m = len(pre) * len(post)
    # independent Poisson counts per pair = a Poisson total spread uniformly over the pairs
    total = 0 if math.isnan(lam) else rng.poisson(lam * m)
    flat = np.sort(rng.integers(0, m, total))
    sources, targets = pre[flat % len(pre)], post[flat // len(pre)]
    if not spec["allow_autapses"]:
        keep = sources != targets
        sources, targets = sources[keep], targets[keep]
    return sources, targets, np.arange(sources.size), None


def _symmetric_pairwise_bernoulli(pre, post, spec, rng):
    p, n_pre = spec["p"], len(pre)
    if math.isnan(p):
        raise BadProperty("Connection probability 0 <= p < 1 required (got NaN; NEST 3.10 does not "
                          "return for this request).")
    # per target: k ~ Binomial(n_pre, p), redrawn while k == n_pre; then k distinct
    # sources other than the target, each connected in both directions
    k = rng.binomial(n_pre, p, len(post))
    full = np.flatnonzero(k >= n_pre)
    while full.size:
        k[full] = rng.binomial(n_pre, p, full.size)
        full = full[k[full] >= n_pre]
    rows, idx = _draw_rows(rng, k, n_pre, _positions(pre, post), True)
    s, t = pre[idx], post[rows]
    sources = np.stack([s, t], axis=1).reshape(-1)  # s -> t, then t -> s
    targets = np.stack([t, s], axis=1).reshape(-1)
    return sources, targets, np.arange(sources.size), None


_BUILDERS = {
    "all_to_all": _all_to_all,
    "one_to_one": _one_to_one,
    "fixed_indegree": _fixed_indegree,
    "fixed_outdegree": _fixed_outdegree,
    "fixed_total_number": _fixed_total_number,
    "pairwise_bernoulli": _pairwise_bernoulli,
    "pairwise_poisson": _pairwise_poisson,
    "symmetric_pairwise_bernoulli": _symmetric_pairwise_bernoulli,
}


# --------------------------------------------------------------------------- values

def synapse_values(value, plan, name, rng):
    """One float64 value per connection of ``plan`` for synapse parameter ``name``.

    A number broadcasts; a list/array must have the rule's shape (PyNEST's
    ValueError/TypeError otherwise) and is indexed with ``plan.value_index``;
    a ``nestgap.random.Parameter`` is drawn once per connection, in creation
    order (refused with make_symmetric, as NEST requires resettable values).
    """
    n = len(plan)
    if is_parameter(value):
        if plan.make_symmetric:
            raise NotImplemented("Symmetric connections require parameters that can be reset.")
        return value.draw(rng, n)
    if _is_array(value):
        check_parameter_array(name, value, plan.conn_spec, plan.n_pre, plan.n_post)
        flat = np.asarray(value, dtype=np.float64).reshape(-1)
        return flat[plan.value_index]
    if isinstance(value, (numbers.Real, np.bool_)) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return np.full(n, float(value))
    raise TypeError(f"synapse parameter '{name}' must be a number, an array or a random "
                    f"parameter, not {type(value).__name__}")
