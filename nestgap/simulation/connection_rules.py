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
from nestgap.rng import draws

from ..exceptions import cast_error as _cast_error

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
    drawn: dict = field(default_factory=dict, repr=False)   # random synapse parameters, per connection

    @property
    def n_expected_values(self):
        """Number of elements a parameter array must have (None: arrays not allowed)."""
        return None if self.expected_shape is None else int(np.prod(self.expected_shape))

    def __len__(self):
        return len(self.sources)


# --------------------------------------------------------------------------- type checks

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


def pynest_checks(conn_spec, syn_values, n_pre, n_post):
    """The checks PyNEST makes before it calls the kernel, in its order: conn_spec's type, the
    shapes of array-valued synapse parameters, the spatial rules (KeyError without a rule)."""
    spec = _as_spec_dict(conn_spec)
    for name, value in (syn_values or {}).items():
        check_parameter_array(name, value, spec, n_pre, n_post)
    _check_not_spatial(spec)


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
    if is_parameter(value) and random_ok:  # drawn by the rule (nestgap.rng.draws)
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


def _occurrence(keys):
    """For each entry, how many entries with the same key come before it."""
    order = np.argsort(keys, kind="stable")
    first = np.searchsorted(keys[order], keys[order])
    rank = np.empty(len(keys), np.int64)
    rank[order] = np.arange(len(keys)) - first
    return rank


# --------------------------------------------------------------------------- planning

def plan_connections(pre_ids, post_ids, conn_spec, streams, *, same_collection, requires_symmetric,
                     syn_values=None, is_device=None, network_size=None):
    """Connections for ``nest.Connect(pre, post, conn_spec, ...)`` as a :class:`ConnectionPlan`.

    ``pre_ids``/``post_ids``: int64 arrays of (unique) node ids; ``streams``: NEST's random
    streams (nestgap.rng.RandomStreams; the rule draws as NEST does for their VP count,
    docs/nest_randomness.md); ``same_collection``: pre and post are the identical
    NodeCollection object; ``requires_symmetric``: the synapse model requires symmetric
    connections (gap_junction). ``syn_values`` (optional): the synapse parameters as the user
    gave them (name -> number, list/array or random Parameter; leave out 'synapse_model'); they
    are needed for NEST's checks that depend on them (array shapes, make_symmetric with random
    values, gap-junction patterns with non-scalar values) and random ones are drawn with the
    connections (``plan.drawn``). ``is_device``: by node id, is the node a device (devices have
    an instance on every thread). ``network_size``: the number of nodes (NEST's fixed_indegree
    draws a random in-degree for every target on every thread unless the targets are all nodes).
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

    random_syn = {k: v for k, v in syn_values.items() if is_parameter(v)}
    devices = (np.zeros(len(pre), bool), np.zeros(len(post), bool)) if is_device is None else \
        (is_device[pre], is_device[post])
    context = {"network_size": len(np.union1d(pre, post)) if network_size is None else network_size,
               "arrays": any(_is_array(v) for v in syn_values.values())}
    sources, targets, value_index, shape, drawn = _BUILDERS[rule](pre, post, spec, streams, random_syn, devices,
                                                                   context)
    return ConnectionPlan(rule=rule, sources=sources.astype(np.int64, copy=False),
                          targets=targets.astype(np.int64, copy=False),
                          value_index=value_index.astype(np.int64, copy=False),
                          expected_shape=shape, make_symmetric=symmetric, conn_spec=spec,
                          n_pre=len(pre), n_post=len(post), drawn=drawn)


def _joined(per_vp):
    """The connections of all VPs, VP by VP (each in its creation order): sources, targets,
    drawn values, pair indices (or None)."""
    parts = [per_vp[vp] for vp in sorted(per_vp)]
    sources = np.concatenate([c.source for c in parts])
    targets = np.concatenate([c.target for c in parts])
    drawn = {name: np.concatenate([c.values[name] for c in parts]) for name in (parts[0].values if parts else {})}
    pair = None if not parts or parts[0].pair is None else np.concatenate([c.pair for c in parts])
    return sources, targets, drawn, pair


def _one_to_one(pre, post, spec, streams, syn, devices, context):
    # a skipped autapse does not consume an array value (measured with NEST 3.10); the reverse
    # connections of make_symmetric take the same values in the same order
    sources, targets, drawn, pair = _joined(draws.one_to_one(
        streams, pre, post, syn, *devices, allow_autapses=spec["allow_autapses"],
        make_symmetric=spec["make_symmetric"]))
    kept = np.arange(len(pre)) if spec["allow_autapses"] else np.flatnonzero(pre != post)
    value_index = np.searchsorted(kept, pair)
    return sources, targets, value_index, (len(pre),), drawn


def _all_to_all(pre, post, spec, streams, syn, devices, context):
    # NEST loops over targets, then sources; a skipped autapse does consume its array value
    sources, targets, drawn, _ = _joined(draws.all_to_all(streams, pre, post, syn, *devices,
                                                            allow_autapses=spec["allow_autapses"]))
    value_index = _positions(post, targets) * len(pre) + _positions(pre, sources)
    return sources, targets, value_index, (len(post), len(pre)), drawn


def _hang_guard(word, degree, pool, excl, multapses):
    """NEST 3.10 redraws forever if a node has too few partners other than itself."""
    if is_parameter(degree) or degree == 0 or not excl:
        return
    if (not multapses and degree > pool - 1) or pool - 1 == 0:
        raise BadProperty(
            f"{word} {degree} cannot be satisfied: autapses are forbidden and a node in both populations "
            f"has only {pool - 1} other {'distinct ' if not multapses else ''}partner(s) "
            f"(NEST 3.10 does not return for this request)")


def _fixed_indegree(pre, post, spec, streams, syn, devices, context):
    k = spec["indegree"]
    _hang_guard("Indegree", k, len(pre), not spec["allow_autapses"] and np.isin(post, pre).any(),
                spec["allow_multapses"])
    everywhere = draws.loop_over_targets(len(post), context["network_size"],
                                         len(post) == 0 or post[-1] - post[0] + 1 == len(post), context["arrays"])
    sources, targets, drawn, _ = _joined(draws.fixed_indegree(
        streams, pre, post, k, syn, *devices, allow_autapses=spec["allow_autapses"],
        allow_multapses=spec["allow_multapses"], draw_for_all_targets=everywhere))
    shape = None if is_parameter(k) else (len(post), k)
    value_index = _positions(post, targets) * (0 if shape is None else k) + _occurrence(targets)
    return sources, targets, value_index, shape, drawn


def _fixed_outdegree(pre, post, spec, streams, syn, devices, context):
    k = spec["outdegree"]
    _hang_guard("Outdegree", k, len(post), not spec["allow_autapses"] and np.isin(pre, post).any(),
                spec["allow_multapses"])
    sources, targets, drawn, pair = _joined(draws.fixed_outdegree(
        streams, pre, post, k, syn, *devices, allow_autapses=spec["allow_autapses"],
        allow_multapses=spec["allow_multapses"]))
    shape = None if is_parameter(k) else (len(pre), k)
    return sources, targets, pair, shape, drawn


def _fixed_total_number(pre, post, spec, streams, syn, devices, context):
    n = spec["N"]
    if not spec["allow_autapses"] and n > 0 and len(pre) == 1 and len(post) == 1 and pre[0] == post[0]:
        raise BadProperty("Total number of connections cannot be satisfied: the only possible "
                          "connection is an autapse and autapses are forbidden "
                          "(NEST 3.10 does not return for this request)")
    sources, targets, drawn, _ = _joined(draws.fixed_total_number(streams, pre, post, n, syn, *devices,
                                                                    allow_autapses=spec["allow_autapses"]))
    return sources, targets, np.arange(len(sources)), (n,), drawn


def _pairwise_bernoulli(pre, post, spec, streams, syn, devices, context):
    sources, targets, drawn, _ = _joined(draws.pairwise_bernoulli(streams, pre, post, spec["p"], syn, *devices,
                                                                    allow_autapses=spec["allow_autapses"]))
    return sources, targets, np.arange(len(sources)), None, drawn


def _pairwise_poisson(pre, post, spec, streams, syn, devices, context):
    sources, targets, drawn, _ = _joined(draws.pairwise_poisson(
        streams, pre, post, spec["pairwise_avg_num_conns"], syn, *devices, allow_autapses=spec["allow_autapses"]))
    return sources, targets, np.arange(len(sources)), None, drawn


def _symmetric_pairwise_bernoulli(pre, post, spec, streams, syn, devices, context):
    p = spec["p"]
    if math.isnan(p):
        raise BadProperty("Connection probability 0 <= p < 1 required (got NaN; NEST 3.10 does not "
                          "return for this request).")
    sources, targets, drawn, _ = _joined(draws.symmetric_pairwise_bernoulli(streams, pre, post, p, syn))
    return sources, targets, np.arange(len(sources)), None, drawn


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

def synapse_values(value, plan, name):
    """One float64 value per connection of ``plan`` for synapse parameter ``name``.

    A number broadcasts; a list/array must have the rule's shape (PyNEST's
    ValueError/TypeError otherwise) and is indexed with ``plan.value_index``;
    a ``nestgap.random.Parameter`` was drawn by the rule, per connection, as NEST
    draws it (refused with make_symmetric, as NEST requires resettable values).
    """
    n = len(plan)
    if is_parameter(value):
        if plan.make_symmetric:
            raise NotImplemented("Symmetric connections require parameters that can be reset.")
        return plan.drawn[name]
    if _is_array(value):
        check_parameter_array(name, value, plan.conn_spec, plan.n_pre, plan.n_post)
        flat = np.asarray(value, dtype=np.float64).reshape(-1)
        return flat[plan.value_index]
    if isinstance(value, (numbers.Real, np.bool_)) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return np.full(n, float(value))
    raise TypeError(f"synapse parameter '{name}' must be a number, an array or a random "
                    f"parameter, not {type(value).__name__}")
