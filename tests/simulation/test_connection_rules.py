"""Connection rules (nestgap.simulation.connection_rules) against NEST 3.10.

NEST runs in this process. Random draws differ between NEST and nestgap, so
random rules are compared on structure (numbers of connections, degrees,
autapses, multapses, symmetry); deterministic rules and error classes and
messages are compared exactly.
"""

import collections
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nest

import nestgap.random as ngr
from nestgap.exceptions import BadProperty, UnaccessedDictionaryEntry
from nestgap.rng import RandomStreams
from nestgap.simulation.connection_rules import (ConnectionPlan, normalize_conn_spec,
                                                 plan_connections, synapse_values)

nest.verbosity = nest.VerbosityLevel.ERROR


# --------------------------------------------------------------------------- helpers

class R(str):
    """Placeholder for a random parameter, made with NEST's or nestgap's random module."""


class Run:
    """Result of one Connect call: connections or the exception raised."""

    def __init__(self, error=None, sources=(), targets=(), weights=None, pre=(), post=()):
        self.error = error
        self.sources = np.asarray(sources, dtype=np.int64)
        self.targets = np.asarray(targets, dtype=np.int64)
        self.weights = None if weights is None else np.asarray(weights, dtype=float)
        self.pre, self.post = np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)

    @property
    def n(self):
        return len(self.sources)

    def pairs(self):
        return collections.Counter(zip(self.sources.tolist(), self.targets.tolist()))

    def triples(self):
        return sorted(zip(self.sources.tolist(), self.targets.tolist(), self.weights.tolist()))

    def has_autapse(self):
        return bool(np.any(self.sources == self.targets))

    def max_multiplicity(self):
        return max(self.pairs().values(), default=0)

    def indegrees(self):
        return np.array([np.sum(self.targets == t) for t in self.post])

    def outdegrees(self):
        return np.array([np.sum(self.sources == s) for s in self.pre])


def _populations(n_pre, n_post, same, overlap, model):
    """Create nodes in NEST; return (pre, post) NodeCollections.

    overlap=k: one block of n_pre + n_post - k nodes, pre = the first n_pre,
    post = the last n_post (k shared nodes).
    """
    if same:
        a = nest.Create(model, n_pre)
        return a, a
    if overlap:
        nodes = nest.Create(model, n_pre + n_post - overlap)
        return nodes[:n_pre], nodes[n_pre - overlap:]
    return nest.Create(model, n_pre), nest.Create(model, n_post)


def run_nest(n_pre, n_post, conn_spec, syn_spec=None, *, same=False, overlap=0, model="iaf_psc_alpha"):
    nest.ResetKernel()
    a, b = _populations(n_pre, n_post, same, overlap, model)
    pre, post = a.tolist(), b.tolist()
    try:
        nest.Connect(a, b, conn_spec, syn_spec)
    except Exception as error:  # noqa: BLE001 -- the error is the result
        return Run(error=error, pre=pre, post=post)
    c = nest.GetConnections()
    weights = c.get("weight") if len(c) else []
    if len(c) == 1:
        weights = [weights]
    return Run(sources=list(c.sources()), targets=list(c.targets()), weights=weights, pre=pre, post=post)


def _ids(n_pre, n_post, same, overlap):
    """The node ids NEST assigns in _populations (after ResetKernel)."""
    if same:
        ids = np.arange(1, n_pre + 1)
        return ids, ids
    if overlap:
        return np.arange(1, n_pre + 1), np.arange(n_pre - overlap + 1, n_pre + n_post - overlap + 1)
    return np.arange(1, n_pre + 1), np.arange(n_pre + 1, n_pre + n_post + 1)


def run_ours(n_pre, n_post, conn_spec, syn_spec=None, *, same=False, overlap=0, seed=12345):
    pre, post = _ids(n_pre, n_post, same, overlap)
    streams = RandomStreams(rng_seed=seed + 1)
    syn = {} if syn_spec is None else ({"synapse_model": syn_spec} if isinstance(syn_spec, str) else dict(syn_spec))
    model = syn.pop("synapse_model", "static_synapse")
    try:
        plan = plan_connections(pre, post, conn_spec, streams, same_collection=same,
                                requires_symmetric=(model == "gap_junction"), syn_values=syn)
        weights = synapse_values(syn.get("weight", 1.0), plan, "weight")
        for name, value in syn.items():
            if name != "weight":
                synapse_values(value, plan, name)
    except Exception as error:  # noqa: BLE001
        return Run(error=error, pre=pre, post=post)
    assert isinstance(plan, ConnectionPlan)
    assert plan.sources.dtype == np.int64 and plan.targets.dtype == np.int64
    assert len(plan.value_index) == len(plan.sources) == len(plan.targets)
    return Run(sources=plan.sources, targets=plan.targets, weights=weights, pre=pre, post=post)


def both(*args, **kw):
    model = kw.pop("model", "iaf_psc_alpha")
    return run_nest(*args, model=model, **kw), run_ours(*args, **kw)


def assert_same_error(theirs, ours):
    assert theirs.error is not None, "NEST did not raise"
    assert ours.error is not None, f"nestgap did not raise; NEST raised {theirs.error!r}"
    assert type(ours.error).__name__ == type(theirs.error).__name__, (theirs.error, ours.error)
    # nestgap keeps NEST's text and may add an explanation after it
    assert str(ours.error).startswith(str(theirs.error)), (str(theirs.error), str(ours.error))


def assert_ok(*runs):
    for r in runs:
        assert r.error is None, repr(r.error)


# --------------------------------------------------------------------------- normalize_conn_spec

def test_normalize_defaults():
    assert normalize_conn_spec(None) == {"rule": "all_to_all", "allow_autapses": True,
                                         "allow_multapses": True, "make_symmetric": False}
    assert normalize_conn_spec("one_to_one")["rule"] == "one_to_one"
    d = normalize_conn_spec({"rule": "fixed_indegree", "indegree": 3, "allow_autapses": False})
    assert d == {"rule": "fixed_indegree", "indegree": 3, "allow_autapses": False,
                 "allow_multapses": True, "make_symmetric": False}


def test_normalize_errors_name_and_list_valid_choices():
    with pytest.raises(BadProperty) as e:
        normalize_conn_spec({"rule": "foo"})
    assert "foo" in str(e.value) and "fixed_indegree" in str(e.value)
    with pytest.raises(UnaccessedDictionaryEntry) as e:
        normalize_conn_spec({"rule": "all_to_all", "bar": 1})
    assert "bar" in str(e.value) and "allow_autapses" in str(e.value)


# --------------------------------------------------------------------------- deterministic rules: exact

@pytest.mark.parametrize("autapses", [True, False])
@pytest.mark.parametrize("layout", [dict(same=True), dict(overlap=4), dict()])
def test_all_to_all_exact(autapses, layout):
    n_pre, n_post = (12, 12) if layout.get("same") else (12, 9)
    w = np.arange(n_post * n_pre, dtype=float).reshape(n_post, n_pre) + 1.0
    spec = {"rule": "all_to_all", "allow_autapses": autapses}
    theirs, ours = both(n_pre, n_post, spec, {"weight": w}, **layout)
    assert_ok(theirs, ours)
    assert ours.triples() == theirs.triples()  # includes which array value each connection got
    assert ours.has_autapse() == theirs.has_autapse()


@pytest.mark.parametrize("autapses", [True, False])
@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("layout", [dict(same=True), dict(overlap=5), dict()])
def test_one_to_one_exact(autapses, symmetric, layout):
    n = 10
    w = np.arange(n, dtype=float) * 1.5 + 1.0
    spec = {"rule": "one_to_one", "allow_autapses": autapses, "make_symmetric": symmetric}
    theirs, ours = both(n, n, spec, {"weight": w}, **layout)
    assert_ok(theirs, ours)
    assert ours.triples() == theirs.triples()


def test_one_to_one_make_symmetric_order():
    pre, post = np.arange(1, 6), np.arange(6, 11)
    plan = plan_connections(pre, post, {"rule": "one_to_one", "make_symmetric": True},
                            RandomStreams(rng_seed=1), same_collection=False, requires_symmetric=False)
    assert plan.sources.tolist() == pre.tolist() + post.tolist()
    assert plan.targets.tolist() == post.tolist() + pre.tolist()
    w = synapse_values([1.0, 2.0, 3.0, 4.0, 5.0], plan, "weight")
    assert w.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0] * 2


# --------------------------------------------------------------------------- random rules: structure

FLAGS = [(a, m) for a in (True, False) for m in (True, False)]


@pytest.mark.parametrize("autapses,multapses", FLAGS)
def test_fixed_indegree_structure(autapses, multapses):
    n, k = 30, 12 if not multapses else 25
    spec = {"rule": "fixed_indegree", "indegree": k, "allow_autapses": autapses, "allow_multapses": multapses}
    w = np.arange(n * k, dtype=float).reshape(n, k)
    theirs, ours = both(n, n, spec, {"weight": w}, same=True)
    assert_ok(theirs, ours)
    for r in (theirs, ours):
        assert r.n == n * k
        assert np.all(r.indegrees() == k)
        # each target received exactly its row of the weight array
        for i, t in enumerate(r.post):
            assert sorted(r.weights[r.targets == t]) == sorted(w[i])
    assert ours.has_autapse() == theirs.has_autapse() == autapses
    assert (ours.max_multiplicity() > 1) == (theirs.max_multiplicity() > 1) == multapses


@pytest.mark.parametrize("autapses,multapses", FLAGS)
def test_fixed_outdegree_structure(autapses, multapses):
    n, k = 30, 12 if not multapses else 25
    spec = {"rule": "fixed_outdegree", "outdegree": k, "allow_autapses": autapses, "allow_multapses": multapses}
    w = np.arange(n * k, dtype=float).reshape(n, k)
    theirs, ours = both(n, n, spec, {"weight": w}, same=True)
    assert_ok(theirs, ours)
    for r in (theirs, ours):
        assert r.n == n * k
        assert np.all(r.outdegrees() == k)
        for i, s in enumerate(r.pre):
            assert sorted(r.weights[r.sources == s]) == sorted(w[i])
    assert ours.has_autapse() == theirs.has_autapse() == autapses
    assert (ours.max_multiplicity() > 1) == (theirs.max_multiplicity() > 1) == multapses


def test_fixed_indegree_disjoint_full_pool_without_multapses():
    # every target gets every source exactly once
    spec = {"rule": "fixed_indegree", "indegree": 15, "allow_multapses": False, "allow_autapses": False}
    theirs, ours = both(15, 20, spec)
    assert_ok(theirs, ours)
    assert ours.pairs() == theirs.pairs()


def test_fixed_indegree_overlap():
    spec = {"rule": "fixed_indegree", "indegree": 19, "allow_multapses": False, "allow_autapses": False}
    theirs, ours = both(20, 20, spec, overlap=10)
    assert_ok(theirs, ours)
    for r in (theirs, ours):
        assert not r.has_autapse() and r.max_multiplicity() == 1 and np.all(r.indegrees() == 19)


@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_total_number_structure(autapses):
    n, total = 10, 300
    spec = {"rule": "fixed_total_number", "N": total, "allow_autapses": autapses}
    w = np.arange(total, dtype=float)
    theirs, ours = both(n, n, spec, {"weight": w}, same=True)
    assert_ok(theirs, ours)
    for r in (theirs, ours):
        assert r.n == total
        assert sorted(r.weights) == sorted(w)  # every array value used once
        assert r.max_multiplicity() > 1
    assert ours.has_autapse() == theirs.has_autapse() == autapses


@pytest.mark.parametrize("autapses", [True, False])
def test_pairwise_bernoulli_structure(autapses):
    n, p = 50, 0.3
    spec = {"rule": "pairwise_bernoulli", "p": p, "allow_autapses": autapses}
    theirs, ours = both(n, n, spec, same=True)
    assert_ok(theirs, ours)
    m = n * n if autapses else n * (n - 1)
    for r in (theirs, ours):
        assert abs(r.n - m * p) < 6 * np.sqrt(m * p * (1 - p))
        assert r.max_multiplicity() == 1
    assert ours.has_autapse() == theirs.has_autapse() == autapses


@pytest.mark.parametrize("p", [0.0, 1.0])
@pytest.mark.parametrize("autapses", [True, False])
def test_pairwise_bernoulli_extremes_exact(p, autapses):
    spec = {"rule": "pairwise_bernoulli", "p": p, "allow_autapses": autapses}
    theirs, ours = both(12, 12, spec, overlap=6)
    assert_ok(theirs, ours)
    assert ours.pairs() == theirs.pairs()


def test_pairwise_bernoulli_random_p():
    spec = {"rule": "pairwise_bernoulli", "p": nest.random.uniform(0.0, 0.5)}
    theirs = run_nest(40, 40, spec)
    pre, post = _ids(40, 40, False, 0)
    plan = plan_connections(pre, post, {"rule": "pairwise_bernoulli", "p": ngr.uniform(0.0, 0.5)},
                            RandomStreams(rng_seed=3), same_collection=False, requires_symmetric=False)
    m = 1600  # P(connect) = E[p] = 0.25
    for n in (theirs.n, len(plan)):
        assert abs(n - 0.25 * m) < 6 * np.sqrt(m * 0.25 * 0.75)


@pytest.mark.parametrize("autapses", [True, False])
def test_pairwise_poisson_structure(autapses):
    n, lam = 30, 0.8
    spec = {"rule": "pairwise_poisson", "pairwise_avg_num_conns": lam, "allow_autapses": autapses}
    theirs, ours = both(n, n, spec, same=True)
    assert_ok(theirs, ours)
    m = n * n if autapses else n * (n - 1)
    for r in (theirs, ours):
        assert abs(r.n - m * lam) < 6 * np.sqrt(m * lam)
        assert r.max_multiplicity() > 1
    assert ours.has_autapse() == theirs.has_autapse() == autapses


@pytest.mark.parametrize("layout", [dict(same=True), dict(overlap=10), dict()])
def test_symmetric_pairwise_bernoulli_structure(layout):
    n, p = 30, 0.2
    spec = {"rule": "symmetric_pairwise_bernoulli", "p": p, "make_symmetric": True, "allow_autapses": False}
    theirs, ours = both(n, n, spec, **layout)
    assert_ok(theirs, ours)
    # per target k ~ Binomial(n, p) (k = n redrawn); every draw gives two connections
    expected, sd = 2 * n * n * p, 2 * np.sqrt(n * n * p * (1 - p))
    for r in (theirs, ours):
        pairs = r.pairs()
        assert all(pairs[(s, t)] == pairs[(t, s)] for s, t in pairs)  # symmetric adjacency
        assert not r.has_autapse()
        assert r.max_multiplicity() <= (2 if layout.get("same") or layout.get("overlap") else 1)
        assert abs(r.n - expected) < 6 * sd
    if layout.get("same"):  # with one population a pair drawn from both ends is a double pair
        assert ours.max_multiplicity() == theirs.max_multiplicity() == 2


def test_symmetric_pairwise_bernoulli_order():
    pre = np.arange(1, 21)
    plan = plan_connections(pre, pre, {"rule": "symmetric_pairwise_bernoulli", "p": 0.3,
                                       "make_symmetric": True, "allow_autapses": False},
                            RandomStreams(rng_seed=5), same_collection=True, requires_symmetric=False)
    assert np.array_equal(plan.sources[0::2], plan.targets[1::2])
    assert np.array_equal(plan.targets[0::2], plan.sources[1::2])
    assert plan.expected_shape is None


# --------------------------------------------------------------------------- properties (nestgap only)

@settings(max_examples=60, deadline=None)
@given(n_pre=st.integers(1, 25), n_post=st.integers(1, 25), overlap=st.integers(0, 25),
       k=st.integers(0, 30), autapses=st.booleans(), multapses=st.booleans(),
       indegree=st.booleans(), seed=st.integers(0, 2**32 - 2))
def test_fixed_degree_properties(n_pre, n_post, overlap, k, autapses, multapses, indegree, seed):
    overlap = min(overlap, n_pre, n_post)
    pre, post = _ids(n_pre, n_post, False, overlap)
    rule, key = ("fixed_indegree", "indegree") if indegree else ("fixed_outdegree", "outdegree")
    spec = {"rule": rule, key: k, "allow_autapses": autapses, "allow_multapses": multapses}
    pool, rows = (pre, post) if indegree else (post, pre)
    feasible = multapses or k <= len(pool)
    if not autapses and overlap and k > 0:
        feasible = feasible and (k <= len(pool) - 1 if not multapses else len(pool) > 1)
    try:
        plan = plan_connections(pre, post, spec, RandomStreams(rng_seed=seed + 1), same_collection=False,
                                requires_symmetric=False)
    except Exception as e:  # noqa: BLE001
        assert not feasible and type(e).__name__ == "BadProperty", e
        return
    assert feasible
    assert len(plan) == len(rows) * k
    assert np.array_equal(plan.value_index, np.arange(len(plan)))
    own = plan.targets if indegree else plan.sources
    other = plan.sources if indegree else plan.targets
    assert np.array_equal(own, np.repeat(rows, k))  # per row, in row order
    assert np.all(np.isin(other, pool))
    if not autapses:
        assert not np.any(plan.sources == plan.targets)
    if not multapses:
        keys = own * 10**6 + other
        assert len(np.unique(keys)) == len(keys)


def test_distinct_draws_are_uniform():
    # 2000 targets draw 4 of 10 sources without multapses/autapses (target 1 is in the pool)
    pre = np.arange(1, 11)
    post = np.full(1, 1)
    counts = np.zeros(11)
    rng = RandomStreams(rng_seed=7)
    for _ in range(2000):
        plan = plan_connections(pre, post, {"rule": "fixed_indegree", "indegree": 4, "allow_autapses": False,
                                            "allow_multapses": False}, rng,
                                same_collection=False, requires_symmetric=False)
        counts[plan.sources] += 1
    assert counts[1] == 0
    expected = 2000 * 4 / 9
    assert np.all(np.abs(counts[2:] - expected) < 6 * np.sqrt(expected))


def test_determinism():
    pre = np.arange(1, 101)
    spec = {"rule": "fixed_indegree", "indegree": 10, "allow_multapses": False}
    a = plan_connections(pre, pre, spec, RandomStreams(rng_seed=42), same_collection=True, requires_symmetric=False)
    b = plan_connections(pre, pre, spec, RandomStreams(rng_seed=42), same_collection=True, requires_symmetric=False)
    assert np.array_equal(a.sources, b.sources) and np.array_equal(a.targets, b.targets)


# --------------------------------------------------------------------------- errors, compared with NEST

ERROR_CASES = [
    # (n_pre, n_post, conn_spec, syn_spec, layout)
    (3, 3, {"rule": "foo"}, None, {}),
    (3, 3, "foo", None, {}),
    (3, 3, {"rule": 5}, None, {}),
    (3, 3, {"indegree": 2}, None, {}),
    (3, 3, {"rule": "all_to_all", "foo": 1}, None, {}),
    (3, 3, {"rule": "all_to_all", "zeta": 1, "alpha": 2, "outdegree": 3}, None, {}),
    (3, 3, {"rule": "bar", "foo": 1}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": 2, "N": 2}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": 2, "p": 0.5}, None, {}),
    (3, 3, {"rule": "one_to_one", "mask": {}}, None, {}),
    (3, 3, {"rule": "all_to_all", "allow_autapses": 0}, None, {}),
    (3, 3, {"rule": "all_to_all", "allow_multapses": "y", "make_symmetric": "z"}, None, {}),
    (3, 3, {"rule": "all_to_all", "make_symmetric": 1.0}, None, {}),
    (3, 3, {"rule": "all_to_all", "allow_autapses": None}, None, {}),
    (3, 4, {"rule": "one_to_one"}, None, {}),
    (3, 4, {"rule": "one_to_one", "foo": 1}, None, {}),
    (3, 3, {"rule": "fixed_indegree"}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": -1}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": -1, "foo": 1}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": 2.0}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": True}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": "2"}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": [2]}, None, {}),
    (3, 5, {"rule": "fixed_indegree", "indegree": 4, "allow_multapses": False}, None, {}),
    (3, 3, {"rule": "fixed_outdegree"}, None, {}),
    (3, 3, {"rule": "fixed_outdegree", "outdegree": -1}, None, {}),
    (5, 3, {"rule": "fixed_outdegree", "outdegree": 4, "allow_multapses": False}, None, {}),
    (3, 3, {"rule": "fixed_total_number"}, None, {}),
    (3, 3, {"rule": "fixed_total_number", "N": -1}, None, {}),
    (3, 3, {"rule": "fixed_total_number", "N": -1, "allow_multapses": False}, None, {}),
    (3, 3, {"rule": "fixed_total_number", "N": 2, "allow_multapses": False}, None, {}),
    (3, 3, {"rule": "fixed_total_number", "N": 2.0}, None, {}),
    (3, 3, {"rule": "pairwise_bernoulli"}, None, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": 1.5}, None, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": -0.5}, None, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": "0.5"}, None, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": [0.5]}, None, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": None}, None, {}),
    (3, 3, {"rule": "pairwise_poisson"}, None, {}),
    (3, 3, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": -1.0}, None, {}),
    (3, 3, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 1.0, "allow_multapses": False}, None, {}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli"}, None, {}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5}, None, {}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "allow_autapses": False}, None, {}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "allow_multapses": False}, None, {}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 1.0, "make_symmetric": True,
            "allow_autapses": False}, None, {"same": True}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 1.5}, None, {}),
    # make_symmetric with rules that do not support it
    (3, 3, {"rule": "all_to_all", "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": 2, "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "fixed_outdegree", "outdegree": 2, "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "fixed_total_number", "N": 2, "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": 0.5, "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 0.5, "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "all_to_all", "outdegree": 2, "make_symmetric": True}, None, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": 5, "allow_multapses": False, "make_symmetric": True}, None, {}),
    # array-valued synapse parameters (PyNEST's checks)
    (3, 3, "all_to_all", {"weight": np.ones((2, 3))}, {}),
    (2, 3, "all_to_all", {"weight": np.ones(6)}, {}),
    (2, 2, "one_to_one", {"weight": [1.0, 2.0, 3.0]}, {}),
    (2, 2, "one_to_one", {"weight": np.ones((2, 2))}, {}),
    (2, 2, "one_to_one", {"weight": np.ones((2, 2, 1))}, {}),
    (5, 3, {"rule": "fixed_indegree", "indegree": 2}, {"weight": np.ones((2, 3))}, {}),
    (3, 5, {"rule": "fixed_outdegree", "outdegree": 2}, {"weight": np.ones(6)}, {}),
    (3, 5, {"rule": "fixed_outdegree", "outdegree": 2}, {"delay": np.ones((3, 3))}, {}),
    (3, 5, {"rule": "fixed_total_number", "N": 4}, {"weight": [1.0, 2.0, 3.0]}, {}),
    (3, 5, {"rule": "fixed_total_number", "N": 4}, {"weight": np.ones((2, 2))}, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": 0.5}, {"weight": [1.0, 2.0, 3.0]}, {}),
    (3, 3, {"rule": "pairwise_bernoulli", "p": 0.5}, {"weight": np.ones((3, 3))}, {}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True,
            "allow_autapses": False}, {"weight": [1.0, 2.0, 3.0]}, {}),
    (3, 3, {"rule": "foo"}, {"weight": [1.0, 2.0, 3.0]}, {}),
    # random parameters with make_symmetric (NEST needs resettable parameters)
    (3, 3, {"rule": "one_to_one", "make_symmetric": True}, {"weight": R("uniform")}, {}),
    (3, 3, {"rule": "one_to_one", "make_symmetric": True}, {"weight": R("composed")}, {}),
    (3, 3, {"rule": "one_to_one", "make_symmetric": True}, {"delay": R("uniform12")}, {}),
    (3, 4, {"rule": "one_to_one", "make_symmetric": True}, {"weight": R("uniform")}, {}),
    (3, 3, {"rule": "one_to_one", "make_symmetric": True, "foo": 1}, {"weight": R("uniform")}, {}),
    (3, 3, {"rule": "all_to_all", "make_symmetric": True}, {"weight": R("uniform")}, {}),
    (3, 3, {"rule": "fixed_indegree", "indegree": 5, "allow_multapses": False, "make_symmetric": True},
     {"weight": R("uniform")}, {}),
    (10, 10, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True,
              "allow_autapses": False}, {"weight": R("uniform")}, {"same": True}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": 1.5, "make_symmetric": True,
            "allow_autapses": False}, {"weight": R("uniform")}, {}),
    (3, 3, {"rule": "one_to_one", "make_symmetric": True}, {"weight": R("uniform"), "delay": [1.0, 2.0, 3.0, 4.0]}, {}),
    # random rule parameters NEST does not accept
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": R("uniform05"), "make_symmetric": True,
            "allow_autapses": False}, None, {}),
    (3, 3, {"rule": "fixed_total_number", "N": R("uniform_int3")}, None, {}),
]


def _nest_value(v):
    return {"uniform": lambda: nest.random.uniform(), "composed": lambda: nest.random.uniform() * 2.0 + 1.0,
            "uniform12": lambda: nest.random.uniform(1.0, 2.0), "uniform05": lambda: nest.random.uniform(0.0, 0.5),
            "uniform_int3": lambda: nest.random.uniform_int(3)}[v]() if isinstance(v, R) else v


def _our_value(v):
    return {"uniform": lambda: ngr.uniform(), "composed": lambda: ngr.uniform() * 2.0 + 1.0,
            "uniform12": lambda: ngr.uniform(1.0, 2.0), "uniform05": lambda: ngr.uniform(0.0, 0.5),
            "uniform_int3": lambda: ngr.uniform_int(3)}[v]() if isinstance(v, R) else v


def _with_values(spec, convert, keys):
    if not isinstance(spec, dict):
        return spec
    return {k: (convert(v) if k in keys else v) for k, v in spec.items()}


@pytest.mark.parametrize("case", ERROR_CASES, ids=[str(c[2])[:70] + str(c[3] or "")[:30] for c in ERROR_CASES])
def test_error_matches_nest(case):
    n_pre, n_post, conn_spec, syn_spec, layout = case
    conn_keys = ("p", "N")
    syn_keys = ("weight", "delay")
    theirs = run_nest(n_pre, n_post, _with_values(conn_spec, _nest_value, conn_keys),
                      _with_values(syn_spec, _nest_value, syn_keys), **layout)
    ours = run_ours(n_pre, n_post, _with_values(conn_spec, _our_value, conn_keys),
                    _with_values(syn_spec, _our_value, syn_keys), **layout)
    assert_same_error(theirs, ours)


def test_empty_populations():
    nest.ResetKernel()
    a, e = nest.Create("iaf_psc_alpha", 3), nest.NodeCollection([])
    for pre, post, ids in ((e, a, ([], [1, 2, 3])), (a, e, ([1, 2, 3], []))):
        with pytest.raises(Exception) as theirs:
            nest.Connect(pre, post, {"rule": "foo"})
        with pytest.raises(Exception) as ours:
            plan_connections(np.array(ids[0], dtype=np.int64), np.array(ids[1], dtype=np.int64),
                             {"rule": "foo"}, RandomStreams(rng_seed=1), same_collection=False,
                             requires_symmetric=False)
        assert type(ours.value).__name__ == type(theirs.value).__name__ == "IllegalConnection"
        assert str(ours.value) == str(theirs.value)


# Requests NEST 3.10 never returns from (it redraws forever; measured with a
# timeout in a subprocess). nestgap raises BadProperty instead.
HANGING = [
    (3, 3, {"rule": "fixed_indegree", "indegree": 3, "allow_multapses": False, "allow_autapses": False}),
    (1, 1, {"rule": "fixed_indegree", "indegree": 2, "allow_autapses": False}),
    (3, 3, {"rule": "fixed_outdegree", "outdegree": 3, "allow_multapses": False, "allow_autapses": False}),
    (1, 1, {"rule": "fixed_outdegree", "outdegree": 1, "allow_autapses": False}),
    (1, 1, {"rule": "fixed_total_number", "N": 2, "allow_autapses": False}),
    (3, 3, {"rule": "symmetric_pairwise_bernoulli", "p": float("nan"), "make_symmetric": True,
            "allow_autapses": False}),
]


@pytest.mark.parametrize("n_pre,n_post,spec", HANGING)
def test_requests_nest_never_returns_from(n_pre, n_post, spec):
    ours = run_ours(n_pre, n_post, spec, same=True)
    assert type(ours.error).__name__ == "BadProperty"
    assert "does not return" in str(ours.error)


def test_nan_probability_connects_all_pairs_as_nest():
    theirs, ours = both(4, 4, {"rule": "pairwise_bernoulli", "p": float("nan")})
    assert_ok(theirs, ours)
    assert ours.pairs() == theirs.pairs() and ours.n == 16


def test_random_values_without_make_symmetric():
    pre, post = np.arange(1, 101), np.arange(101, 201)
    plan = plan_connections(pre, post, "one_to_one", RandomStreams(rng_seed=1), same_collection=False,
                            requires_symmetric=False, syn_values={"weight": ngr.uniform(2.0, 3.0)})
    w = synapse_values(ngr.uniform(2.0, 3.0), plan, "weight")
    assert w.shape == (100,) and w.dtype == np.float64
    assert np.all((w >= 2.0) & (w < 3.0)) and len(np.unique(w)) == 100
    assert np.array_equal(w, synapse_values(ngr.uniform(2.0, 3.0), plan, "weight"))
    assert np.array_equal(synapse_values(2.5, plan, "weight"), np.full(100, 2.5))


def test_synapse_values_checks_shape_directly():
    pre = np.arange(1, 4)
    plan = plan_connections(pre, pre + 3, "all_to_all", RandomStreams(rng_seed=1), same_collection=False,
                            requires_symmetric=False)
    assert plan.expected_shape == (3, 3) and plan.n_expected_values == 9
    with pytest.raises(ValueError, match=r"'weight' has to be an array of dimension 3x3.*\(2, 3\)"):
        synapse_values(np.ones((2, 3)), plan, "weight")
    sym = plan_connections(pre, pre + 3, {"rule": "one_to_one", "make_symmetric": True},
                           RandomStreams(rng_seed=1), same_collection=False, requires_symmetric=False)
    with pytest.raises(Exception, match="Symmetric connections require parameters that can be reset."):
        synapse_values(ngr.uniform(), sym, "weight")


# --------------------------------------------------------------------------- gap-junction patterns

GAP = "gap_junction"
GAP_CASES = [
    # (n_pre, n_post, conn_spec, syn extras, layout)
    (4, 4, {"rule": "one_to_one", "make_symmetric": True}, {}, {}),
    (4, 4, {"rule": "one_to_one", "make_symmetric": True}, {"weight": [1.0, 2.0, 3.0, 4.0]}, {}),
    (4, 4, {"rule": "one_to_one", "make_symmetric": True}, {}, {"same": True}),
    (4, 4, {"rule": "one_to_one", "make_symmetric": True, "allow_autapses": False}, {}, {"same": True}),
    (4, 4, {"rule": "one_to_one", "make_symmetric": True}, {"weight": R("uniform")}, {}),
    (4, 4, {"rule": "one_to_one"}, {}, {}),
    (4, 4, {"rule": "one_to_one"}, {}, {"same": True}),
    (4, 5, {"rule": "one_to_one"}, {}, {}),
    (4, 5, {"rule": "one_to_one", "make_symmetric": True}, {}, {}),
    (4, 4, "all_to_all", {}, {"same": True}),
    (4, 4, "all_to_all", {"weight": 2.5}, {"same": True}),
    (4, 4, {"rule": "all_to_all", "allow_autapses": False}, {}, {"same": True}),
    (4, 4, "all_to_all", {}, {}),
    (4, 4, "all_to_all", {}, {"overlap": 4}),  # equal ids, different NodeCollection objects
    (2, 2, "all_to_all", {"weight": [[1.0, 2.0], [3.0, 4.0]]}, {"same": True}),
    (4, 4, "all_to_all", {"weight": R("uniform")}, {"same": True}),
    (4, 4, {"rule": "all_to_all", "make_symmetric": True}, {}, {"same": True}),
    (4, 4, {"rule": "all_to_all", "foo": 1}, {}, {}),
    (4, 4, {"rule": "fixed_indegree", "indegree": 2}, {}, {}),
    (4, 4, {"rule": "fixed_indegree", "indegree": 2, "make_symmetric": True}, {}, {}),
    (4, 4, {"rule": "fixed_indegree", "indegree": 5, "allow_multapses": False}, {}, {}),
    (4, 4, {"rule": "fixed_outdegree", "outdegree": 2}, {}, {}),
    (4, 4, {"rule": "fixed_total_number", "N": 2}, {}, {}),
    (4, 4, {"rule": "fixed_total_number", "N": 2, "allow_multapses": False}, {}, {}),
    (4, 4, {"rule": "pairwise_bernoulli", "p": 0.5}, {}, {}),
    (4, 4, {"rule": "pairwise_bernoulli", "p": 2.0}, {}, {}),
    (4, 4, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 0.5}, {}, {}),
    (6, 6, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True,
            "allow_autapses": False}, {}, {}),
    (6, 6, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True,
            "allow_autapses": False}, {}, {"same": True}),
    (4, 4, {"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True}, {}, {}),
]


@pytest.mark.parametrize("case", GAP_CASES, ids=[f"{c[2]}{c[3]}{c[4]}"[:90] for c in GAP_CASES])
def test_gap_junction_patterns(case):
    n_pre, n_post, conn_spec, extras, layout = case
    theirs = run_nest(n_pre, n_post, conn_spec,
                      {"synapse_model": GAP, **_with_values(extras, _nest_value, ("weight",))},
                      model="hh_psc_alpha_gap", **layout)
    ours = run_ours(n_pre, n_post, conn_spec,
                    {"synapse_model": GAP, **_with_values(extras, _our_value, ("weight",))}, **layout)
    if theirs.error is not None:
        assert_same_error(theirs, ours)
        return
    assert_ok(ours)
    if conn_spec == "all_to_all" or conn_spec["rule"] in ("all_to_all", "one_to_one"):
        assert ours.triples() == theirs.triples()
    else:  # symmetric_pairwise_bernoulli: symmetric, no autapses
        for r in (theirs, ours):
            pairs = r.pairs()
            assert all(pairs[(s, t)] == pairs[(t, s)] for s, t in pairs) and not r.has_autapse()


# --------------------------------------------------------------------------- timing

def test_timing_one_million_connections(capsys):
    rng = RandomStreams(rng_seed=1)
    ids = np.arange(1, 10_001, dtype=np.int64)
    cases = [
        ("fixed_indegree 10^4 x 100", ids, ids, {"rule": "fixed_indegree", "indegree": 100}),
        ("fixed_indegree 10^4 x 100, no autapses/multapses", ids, ids,
         {"rule": "fixed_indegree", "indegree": 100, "allow_autapses": False, "allow_multapses": False}),
        ("fixed_outdegree 10^4 x 100, no multapses", ids, ids,
         {"rule": "fixed_outdegree", "outdegree": 100, "allow_multapses": False}),
        ("all_to_all 10^3 x 10^3", ids[:1000], ids[:1000], "all_to_all"),
        ("fixed_total_number 10^6", ids, ids, {"rule": "fixed_total_number", "N": 10**6}),
        ("pairwise_bernoulli 10^4 x 10^4, p=0.01", ids, ids, {"rule": "pairwise_bernoulli", "p": 0.01}),
        ("symmetric_pairwise_bernoulli p=0.005", ids, ids,
         {"rule": "symmetric_pairwise_bernoulli", "p": 0.005, "make_symmetric": True, "allow_autapses": False}),
        ("fixed_indegree 10^3 x 900, no multapses (dense)", ids[:1000], ids[:1000],
         {"rule": "fixed_indegree", "indegree": 900, "allow_multapses": False}),
    ]
    lines = []
    for name, pre, post, spec in cases:
        symmetric = isinstance(spec, dict) and spec.get("make_symmetric")
        weight = 2.0 if symmetric else ngr.normal(1.0, 0.1)  # random values are refused with make_symmetric
        t0 = time.perf_counter()
        plan = plan_connections(pre, post, spec, rng, same_collection=True, requires_symmetric=False,
                                syn_values={"weight": weight})
        synapse_values(weight, plan, "weight")
        t1 = time.perf_counter()
        lines.append(f"{name}: {len(plan):,} connections in {t1 - t0:.3f} s "
                     f"(with {'scalar' if symmetric else 'random'} weights drawn as NEST)")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
