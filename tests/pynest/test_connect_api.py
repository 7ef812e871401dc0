"""Connect, GetConnections and SynapseCollection side by side with NEST 3.10.

The connection rules themselves are tested in test_connection_rules.py; here
the API path: rules with scalar, array and random weights and delays,
GetConnections with its filters and NEST's order (by synapse model id, then
source), get/set of weights and delays, delays on the step grid, gap-junction
creation patterns and errors, and "connect arrays".

Kept differences (asserted as such): a refused Connect creates no connection
in nestgap (NEST keeps those made before the refused one); random rules draw
from nestgap's own generator, so only their structure is compared; among the
connections of one source, nestgap keeps the creation order, NEST's sort may
permute them (compared as sets where that matters).
"""

import time

import numpy as np
import pytest
from support import assert_same, assert_same_error, outcome

HH = "hh_psc_alpha_gap"
GAP = "gap_junction"
SYMMETRIC = {"rule": "one_to_one", "make_symmetric": True}
PATTERN = ('Connections with this synapse model can only be created as one-to-one connections with '
           '"make_symmetric" set to true or as all-to-all connections with equal source and target populations '
           'and default or scalar parameters.')



def table(sim, **selection):
    """The selected connections as (source, target, weight, delay, synapse model) rows, in NEST's order."""
    c = sim.GetConnections(**selection)
    columns = c.get(["source", "target", "weight", "delay", "synapse_model"])
    if len(c) == 1:
        return [tuple(columns.values())]
    return list(zip(*columns.values()))


def two(sim, n=3):
    return sim.Create(HH, n), sim.Create(HH, n)


# ==================================================================================================
# deterministic rules: every connection, in NEST's order

@pytest.mark.parametrize("connect", [
    lambda sim, a, b: sim.Connect(a, b),
    lambda sim, a, b: sim.Connect(a, b, "all_to_all", {"weight": -2.5, "delay": 2.0}),
    lambda sim, a, b: sim.Connect(a, b, "all_to_all", {"weight": np.arange(9.0).reshape(3, 3),
                                                       "delay": np.linspace(0.5, 3.0, 9).reshape(3, 3)}),
    lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"weight": [1.0, 2.0, 3.0], "delay": np.array([0.5, 1.5, 2.5])}),
    lambda sim, a, b: sim.Connect(a, b, {"rule": "one_to_one"}, "static_synapse"),
    lambda sim, a, b: sim.Connect(a, a, {"rule": "all_to_all", "allow_autapses": False}, {"weight": 4.0}),
    lambda sim, a, b: sim.Connect(a, b, {"rule": "pairwise_bernoulli", "p": 1.0}),
    lambda sim, a, b: sim.Connect(a, b, {"rule": "one_to_one", "make_symmetric": True},
                                  {"weight": [1.0, 2.0, 3.0], "delay": [1.5, 2.5, 3.5]}),
    lambda sim, a, b: (sim.Connect(a[2], b[0], syn_spec={"weight": 1.0}), sim.Connect(a[0], b[2]),
                       sim.Connect(a[0], b[1], syn_spec={"weight": 3.0}), sim.Connect(a[2], b[0])),
], ids=["default", "scalars", "all_to_all-arrays", "one_to_one-arrays", "model-name", "no-autapses",
        "bernoulli-1", "symmetric", "creation-order"])
def test_rules(nest, ng, connect):
    def build(sim):
        a, b = two(sim)
        connect(sim, a, b)
        return table(sim), sim.GetKernelStatus(["num_connections", "min_delay", "max_delay"])
    assert_same(nest, ng, build)


def test_pair_by_pair(nest, ng):
    """Single pairs (nestgap's cached path) mixed with population calls: NEST's connections, in its order."""
    def build(sim):
        a, b = two(sim)
        sim.Connect(a[0], b[1], syn_spec={"weight": 2.0, "delay": 1.5})
        sim.Connect(a, b, "one_to_one", {"weight": -1.0})
        sim.Connect(a[1], b[0], "one_to_one", {"delay": 0.25, "synapse_model": "static_synapse"})
        sim.Connect(b[2], a[0], {"rule": "one_to_one", "make_symmetric": True}, {"weight": 3, "delay": 2})
        sim.Connect(a[2], a[1], None, "static_synapse")
        sim.Connect(a[0], a[2], SYMMETRIC, {"synapse_model": GAP, "weight": 0.5})
        sim.Connect(b[0], b[1], "all_to_all", {"weight": 4.0})
        sim.Connect(a[1], b[2], SYMMETRIC, {"synapse_model": GAP})
        return table(sim), sim.GetKernelStatus(["num_connections", "min_delay", "max_delay"])
    assert_same(nest, ng, build)


@pytest.mark.parametrize("connect", [
    lambda sim, a, b: sim.Connect(a[0], b[0], syn_spec={"delay": 0.0}),
    lambda sim, a, b: sim.Connect(a[0], b[0], syn_spec={"weight": "x"}),
    lambda sim, a, b: sim.Connect(a[0], b[0], "one_to_one", {"synapse_model": GAP}),
    lambda sim, a, b: sim.Connect(a[0], b[0], SYMMETRIC, {"synapse_model": GAP, "delay": 1.0}),
    lambda sim, a, b: sim.Connect(a[0], b[0], SYMMETRIC, {"synapse_model": "foo"}),
    lambda sim, a, b: sim.Connect(a[0], b[0], {"rule": "one_to_one", "foo": True}),
    lambda sim, a, b: sim.Connect(a[0], sim.Create("spike_generator"), SYMMETRIC, {"synapse_model": GAP}),
    lambda sim, a, b: sim.Connect(a[0], sim.Create("dc_generator")),
], ids=["zero-delay", "string-weight", "gap-not-symmetric", "gap-delay", "unknown-model", "unknown-entry",
        "gap-to-device", "to-stimulator"])
def test_pair_errors(nest, ng, connect):
    """A refused single pair raises NEST's error and creates nothing (the first pair is kept)."""
    def build(sim):
        a, b = two(sim, 2)
        sim.Connect(a[1], b[1], syn_spec={"weight": 1.0, "delay": 1.0})
        try:
            connect(sim, a, b)
        finally:
            assert sim.num_connections == 1
    assert_same_error(nest, ng, build, nest_message=True)


@pytest.mark.parametrize("conn_spec, degree", [
    ({"rule": "fixed_indegree", "indegree": 5}, lambda s, t: np.bincount(t)[51:].tolist()),
    ({"rule": "fixed_outdegree", "outdegree": 4}, lambda s, t: np.bincount(s)[1:51].tolist()),
    ({"rule": "fixed_total_number", "N": 123}, lambda s, t: len(s)),
    ({"rule": "fixed_indegree", "indegree": 5, "allow_autapses": False, "allow_multapses": False}, None),
    ({"rule": "pairwise_bernoulli", "p": 0.1}, lambda s, t: 150 < len(s) < 350),
])
def test_random_rules(nest, ng, conn_spec, degree):
    """Random weights/delays and random rules: same structure and ranges (NEST's draws differ)."""
    def build(sim):
        a, b = two(sim, 50)
        sim.Connect(a, b if degree else a, conn_spec,
                    {"weight": sim.random.uniform(1.0, 2.0), "delay": sim.random.uniform(0.5, 1.5)})
        c = sim.GetConnections()
        s, t = np.array(c.source), np.array(c.target)
        w, d = np.array(c.weight), np.array(c.delay)
        steps = np.round(d / sim.resolution)
        on_grid = bool(np.all(np.abs(d - steps * sim.resolution) == 0))
        shape = degree(s, t) if degree else (bool(np.all(s != t)), len(set(zip(s, t))) == len(s))
        return (shape, bool(np.all(np.diff(s) >= 0)), bool(w.min() >= 1.0 and w.max() < 2.0),
                bool(d.min() >= 0.5 and d.max() <= 1.5), on_grid, len(np.unique(steps)) == 11)
    assert_same(nest, ng, build)


@pytest.mark.parametrize("connect, texts", [
    (lambda sim, a, b: sim.Connect(a, b[:2], "one_to_one"), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"weight": [1.0, 2.0]}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "all_to_all", {"weight": [1.0, 2.0, 3.0]}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"foo": 1.0}), ("foo",)),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"weight": "x"}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"weight": True}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"synapse_model": "foo"}), ()),
    (lambda sim, a, b: sim.Connect(a, b, {"rule": "all_to_all", "make_symmetric": True}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"receptor_type": 1}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"receptor_type": -1}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"receptor_type": 1.0}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"receptor_type": True}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"receptor_type": "x"}), ()),
    (lambda sim, a, b: sim.Connect(a, b, "one_to_one", {"receptor_type": None}), ()),
    (lambda sim, a, b: sim.Connect(a, [4, 5, 6], "one_to_one", return_synapsecollection=True), ()),
    (lambda sim, a, b: sim.Connect(a, [6, 4, 5]), ()),
    (lambda sim, a, b: sim.Connect(a, [4, 4, 5]), ()),
], ids=["sizes", "array-length", "array-rule", "unknown-entry", "string-weight", "bool-weight", "unknown-model",
        "symmetric-rule", "receptor", "negative-receptor", "float-receptor", "bool-receptor", "string-receptor",
        "none-receptor", "arrays-collection", "unsorted-ids", "repeated-ids"])
def test_connect_errors(nest, ng, connect, texts):
    assert_same_error(nest, ng, lambda sim: connect(sim, *two(sim)), *texts, nest_message=not texts)


@pytest.mark.parametrize("source, target", [
    ("multimeter", "spike_recorder"), ("voltmeter", "spike_recorder"), ("spike_recorder", HH),
    (HH, "dc_generator"), (HH, "multimeter")])
def test_device_connection_errors(nest, ng, source, target):
    """Devices connected the wrong way round: NEST's class and message."""
    assert_same_error(nest, ng, lambda sim: sim.Connect(sim.Create(source), sim.Create(target)))


def test_connect_returns(nest, ng):
    def build(sim):
        a, b = two(sim)
        none = sim.Connect(a, b, "one_to_one")
        sc = sim.Connect(a[:2], b[:2], "all_to_all", {"weight": 2.0}, return_synapsecollection=True)
        return none, type(sc).__name__, table(sim, source=a[:2], target=b[:2]) == list(zip(*sc.get(
            ["source", "target", "weight", "delay", "synapse_model"]).values())), len(sc)
    assert assert_same(nest, ng, build) == (None, "SynapseCollection", True, 6)


# ==================================================================================================
# GetConnections and SynapseCollection

def connected(sim):
    a, b = two(sim)
    sim.Connect(a, b, "one_to_one", {"weight": 2.0})
    sim.Connect(a, b, "all_to_all", {"weight": 3.0, "delay": 2.0})
    sim.Connect(a[0], b[0], SYMMETRIC, {"synapse_model": GAP, "weight": 0.5})
    return a, b


@pytest.mark.parametrize("read", [
    lambda sim, a, b: table(sim),
    lambda sim, a, b: table(sim, source=a[0]),
    lambda sim, a, b: table(sim, target=b[1]),
    lambda sim, a, b: table(sim, source=a[:2], target=b[2]),
    lambda sim, a, b: table(sim, synapse_model="static_synapse"),
    lambda sim, a, b: table(sim, synapse_model=GAP),
    lambda sim, a, b: table(sim, source=b, synapse_model=GAP),
    lambda sim, a, b: sim.GetConnections(source=a[1]).get(),
    lambda sim, a, b: sim.GetConnections(source=a[1])[0].get(),
    lambda sim, a, b: sim.GetConnections(synapse_model=GAP).get(),
    lambda sim, a, b: (lambda c: (len(c), list(c.sources()), list(c.targets()), len(c[1:3]), c[-1].target,
                                  [x.weight for x in c][:3]))(sim.GetConnections()),
    lambda sim, a, b: sim.GetConnections().get("weight", output="json"),
    lambda sim, a, b: (sim.GetStatus(sim.GetConnections(), "weight"), sim.GetStatus(sim.GetConnections()[0], "weight"),
                       sim.GetStatus(sim.GetConnections(), ["weight", "delay"])[:2],
                       sim.GetStatus(sim.GetConnections()[0])),
    lambda sim, a, b: (str(sim.GetConnections()), str(sim.GetConnections(target=sim.Create("spike_recorder")))),
    lambda sim, a, b: (lambda c: (len(c), c.get("weight"), c.get(), c.get(["weight"])))(
        sim.GetConnections(source=sim.Create(HH))),
    lambda sim, a, b: (sim.GetConnections() == sim.GetConnections(),
                       sim.GetConnections()[0] == sim.GetConnections()[1]),
], ids=["all", "source", "target", "source-target", "static", "gap", "gap-source", "get", "get-one", "get-gap",
        "collection", "json", "GetStatus", "str", "empty", "eq"])
def test_get_connections(nest, ng, read):
    def build(sim):
        a, b = connected(sim)
        return read(sim, a, b)
    assert_same(nest, ng, build)


def test_long_synapse_collection_text(nest, ng):
    """From 35 connections on, the first and last 15 rows (rows of one source compared as a set)."""
    def build(sim):
        a, b = connected(sim)
        sim.Connect(sim.Create(HH, 40), b[0], syn_spec={"weight": 1234.5678, "delay": 12.5})
        sim.Connect(a[0], b[1], syn_spec={"weight": -0.001})
        c = sim.GetConnections()
        short = str(c).split("\n")
        c.print_full = True
        full = str(c).split("\n")
        return short[:2], sorted(short[2:17]), short[17:], len(full), sorted(full[2:])
    assert len(assert_same(nest, ng, build)[2]) == 16


def test_get_connections_errors(nest, ng):
    assert_same_error(nest, ng, lambda sim: (connected(sim), sim.GetConnections(source=[1]))[1])
    assert_same_error(nest, ng, lambda sim: sim.GetConnections(synapse_model="foo"))


def test_set_weights_and_delays(nest, ng):
    def build(sim):
        connected(sim)
        c = sim.GetConnections(synapse_model="static_synapse")
        seen = []
        for change in (lambda: c.set(weight=5.0), lambda: c.set(weight=list(np.arange(12.0))),
                       lambda: c.set({"weight": np.arange(13.0)}),  # values beyond the last are ignored
                       lambda: setattr(c, "weight", 9.0), lambda: setattr(c[2:4], "weight", [1.0, 2.0]),
                       lambda: sim.SetStatus(c, {"weight": 4.0}), lambda: sim.SetStatus(c, "weight", 6.0),
                       lambda: c.set([{"weight": float(i)} for i in range(12)]),
                       lambda: c.set(delay=2.5), lambda: c[0].set(delay=0.25), lambda: c.set(weight=-1.0, delay=3.0),
                       lambda: sim.GetConnections(synapse_model=GAP).set(weight=[1.0, 2.0])):
            change()
            seen.append((table(sim), sim.GetKernelStatus(["min_delay", "max_delay"])))
        return seen
    assert_same(nest, ng, build)


@pytest.mark.parametrize("change", [
    lambda sim, c: c.set(weight=[1.0, 2.0]),
    lambda sim, c: c.set(foo=1.0),
    lambda sim, c: c.set(receptor=1),
    lambda sim, c: c.set([{"weight": 1.0}]),
    lambda sim, c: c.set(weight=1.0, params={"delay": 2.0}),
    lambda sim, c: c.set(delay=0.01),
    lambda sim, c: c.set(delay=-1.0),
    lambda sim, c: sim.GetConnections(synapse_model=GAP).set(delay=2.0),
    lambda sim, c: (sim.Simulate(1.0), c.set(delay=0.5)),
], ids=["short", "unknown", "read-only", "dict-list", "both", "delay-below-resolution", "negative-delay",
        "gap-delay", "after-simulate"])
def test_set_errors(nest, ng, change):
    changed = {}

    def build(sim):
        connected(sim)
        c = sim.GetConnections(synapse_model="static_synapse")
        before = table(sim)
        try:
            change(sim, c)
        finally:
            changed[sim.__name__] = table(sim) != before
    assert_same_error(nest, ng, build, nest_message=False)
    assert not changed["nestgap"] and not changed["nest"]


# ==================================================================================================
# delays on the step grid

@pytest.mark.parametrize("resolution, delay", [(0.1, 0.25), (0.1, 0.15), (0.1, 0.35), (0.1, 0.05), (0.1, 0.1),
                                               (0.1, 0.14999), (0.1, 1.0), (0.1, 2.5), (0.05, 0.125),
                                               (0.05, 1.025), (0.2, 0.5), (0.1, 1e-9), (0.1, 0.0), (0.1, -1.0),
                                               (0.1, 0.049)])
def test_delay_rounding(nest, ng, resolution, delay):
    """Delays are rounded to the nearest step (reported as steps * resolution); < 1 step is BadDelay."""
    def build(sim):
        sim.resolution = resolution
        a, b = two(sim, 1)
        sim.Connect(a, b, syn_spec={"delay": delay})
        return table(sim), sim.GetKernelStatus(["min_delay", "max_delay"])
    assert_same(nest, ng, build)


def test_default_delay_on_the_grid(nest, ng):
    def build(sim):
        sim.SetDefaults("static_synapse", {"delay": 0.25})
        a, b = two(sim, 1)
        sim.Connect(a, b)
        with pytest.raises(sim.NESTErrors.BadDelay, match="Delay value 0 is invalid"):
            sim.SetDefaults("static_synapse", {"delay": 0.01})
        return table(sim), sim.GetDefaults("static_synapse", "delay"), sim.min_delay
    assert assert_same(nest, ng, build) == ([(1, 2, 1.0, 0.30000000000000004, "static_synapse")],
                                           0.30000000000000004, 0.3)


def test_refused_delays_create_nothing(nest, ng):
    """nestgap refuses the whole Connect; NEST keeps the connection made before the refused one."""
    def build(sim):
        a, b = two(sim, 2)
        with pytest.raises(sim.NESTErrors.BadDelay, match="Delay value 0 is invalid: Delay must be greater"):
            sim.Connect(a, b, "one_to_one", syn_spec={"delay": [1.0, 0.0]})
        return sim.num_connections
    assert outcome(nest, build) == ("ok", 1)
    assert outcome(ng, build) == ("ok", 0)


# ==================================================================================================
# gap junctions

@pytest.mark.parametrize("connect", [
    lambda sim, a: sim.Connect(a[:2], a[1:], SYMMETRIC, {"synapse_model": GAP, "weight": [1.0, 2.0]}),
    lambda sim, a: sim.Connect(a, a, "all_to_all", {"synapse_model": GAP, "weight": 2.0}),
    lambda sim, a: sim.Connect(a, a, {"rule": "all_to_all", "allow_autapses": False}, {"synapse_model": GAP}),
    lambda sim, a: sim.Connect(a, a, "all_to_all", GAP),
    lambda sim, a: sim.Connect(a[0], a[0], SYMMETRIC, {"synapse_model": GAP, "weight": 3.0}),
    lambda sim, a: [sim.Connect(a[0], a[1], SYMMETRIC, {"synapse_model": GAP, "weight": 0.5}) for _ in range(3)],
    lambda sim, a: (sim.Connect(a[0], a[0], SYMMETRIC, {"synapse_model": GAP}),
                    sim.Connect(a[0], a[0], SYMMETRIC, {"synapse_model": GAP})),
    lambda sim, a: sim.Connect(np.array([1, 1, 2]), np.array([2, 3, 3]), "one_to_one", {"synapse_model": GAP}),
], ids=["symmetric-array", "all_to_all", "all_to_all-no-autapses", "model-name", "autapse", "duplicates",
        "autapse-duplicates", "connect-arrays"])
def test_gap_junction_patterns(nest, ng, connect):
    def build(sim):
        a = sim.Create(HH, 3)
        connect(sim, a)
        return table(sim), sim.GetKernelStatus(["num_connections", "min_delay", "max_delay"])
    assert_same(nest, ng, build)


@pytest.mark.parametrize("connect, texts", [
    (lambda sim, a: sim.Connect(a, sim.NodeCollection(a.tolist()), "all_to_all", GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a[:2], a[1:], "all_to_all", GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, "all_to_all", {"synapse_model": GAP, "weight": [1.0, 2.0, 3.0]}), ()),
    (lambda sim, a: sim.Connect(a, a, "all_to_all", {"synapse_model": GAP, "weight": np.ones((3, 3))}), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, "all_to_all", {"synapse_model": GAP, "weight": sim.random.uniform(1.0, 2.0)}),
     (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, "one_to_one", GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, {"rule": "one_to_one", "make_symmetric": False}, GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, {"rule": "fixed_indegree", "indegree": 1}, GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, {"rule": "fixed_outdegree", "outdegree": 1}, GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, {"rule": "fixed_total_number", "N": 2}, GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, {"rule": "pairwise_bernoulli", "p": 0.5}, GAP), (PATTERN,)),
    (lambda sim, a: sim.Connect(a, a, {"rule": "all_to_all", "make_symmetric": True}, GAP),
     ("This connection rule does not support symmetric connections.",)),
    (lambda sim, a: sim.Connect(a, a, {"rule": "fixed_indegree", "indegree": 1, "make_symmetric": True}, GAP),
     ("This connection rule does not support symmetric connections.",)),
    (lambda sim, a: sim.Connect(a[0], a[1], SYMMETRIC, {"synapse_model": GAP, "weight": sim.random.uniform(1.0, 2.0)}),
     ("Symmetric connections require parameters that can be reset.",)),
    (lambda sim, a: sim.Connect(a[0], a[1], SYMMETRIC, {"synapse_model": GAP, "delay": 1.0}),
     ("gap_junction connection has no delay",)),
    (lambda sim, a: sim.Connect(np.array([1, 1]), np.array([2, 3]), "one_to_one",
                                {"synapse_model": GAP, "delay": np.array([1.0, 1.0])}),
     ("gap_junction connection has no delay",)),
    (lambda sim, a: sim.Connect(a[0], a[1], SYMMETRIC, {"synapse_model": GAP, "receptor_type": 1}), ()),
], ids=["equal-copy", "different-populations", "1d-array", "2d-array", "random", "one_to_one", "symmetric-false",
        "indegree", "outdegree", "total-number", "bernoulli", "all_to_all-symmetric", "indegree-symmetric",
        "random-symmetric", "delay", "arrays-delay", "receptor"])
def test_gap_junction_errors(nest, ng, connect, texts):
    assert_same_error(nest, ng, lambda sim: connect(sim, sim.Create(HH, 3)), *texts)


DEVICES = ["spike_recorder", "poisson_generator", "dc_generator", "spike_generator", "voltmeter"]
SOURCE = "Creation of connection is not possible because:\nThe source node does not support gap junction output."
TARGET = ("Creation of connection is not possible because:\nThe target node or synapse model does not support "
          "gap junction input.")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("connect, text", [
    (lambda sim, n, d: sim.Connect(n, d, SYMMETRIC, GAP), SOURCE),   # NEST meets the reverse first
    (lambda sim, n, d: sim.Connect(d, n, SYMMETRIC, GAP), TARGET),
    (lambda sim, n, d: (lambda x: sim.Connect(x, x, "all_to_all", GAP))(n + d), SOURCE),
    (lambda sim, n, d: (lambda x: sim.Connect(x, x, {"rule": "all_to_all", "allow_autapses": False}, GAP))(n + d),
     SOURCE),
    (lambda sim, n, d: sim.Connect(np.array([1, 1]), np.array([2, 2]), "one_to_one", {"synapse_model": GAP}),
     TARGET),
    (lambda sim, n, d: sim.Connect(np.array([2, 2]), np.array([1, 1]), "one_to_one", {"synapse_model": GAP}),
     SOURCE),
], ids=["to-device", "from-device", "all_to_all", "all_to_all-no-autapses", "arrays-to", "arrays-from"])
def test_gap_junctions_need_gap_support(nest, ng, device, connect, text):
    """A device stands in for a neuron model without gap junctions (nestgap has only hh_psc_alpha_gap)."""
    def build(sim):
        n, d = sim.Create(HH), sim.Create(device)
        connect(sim, n, d)
    assert_same_error(nest, ng, build, text)


def test_gap_junction_weights_via_get_connections(nest, ng):
    def build(sim):
        a = sim.Create(HH, 2)
        for _ in range(3):
            sim.Connect(a[0], a[1], SYMMETRIC, {"synapse_model": GAP, "weight": 0.5})
        c = sim.GetConnections(synapse_model=GAP)
        c.set(weight=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        first = table(sim)
        sim.GetConnections(source=a[0], synapse_model=GAP).weight = 9.0
        return first, table(sim), c.get(["delay", "receptor", "synapse_model"])
    assert_same(nest, ng, build)


def test_gap_junctions_then_simulate(nest, ng):
    """Gap weights set through GetConnections act in the simulation (voltages agree bit for bit)."""
    def build(sim):
        sim.set(resolution=0.1, wfr_comm_interval=1.0)
        a = sim.Create(HH, 2, {"I_e": [400.0, 0.0]})
        sim.Connect(a[0], a[1], SYMMETRIC, {"synapse_model": GAP, "weight": 0.0})
        sim.GetConnections(synapse_model=GAP).set(weight=[15.0, 15.0])
        sim.Simulate(5.0)
        return a.V_m, sim.GetKernelStatus(["min_delay", "biological_time"])
    assert_same(nest, ng, build)


# ==================================================================================================
# connect arrays

@pytest.mark.parametrize("connect", [
    lambda sim: sim.Connect(np.array([3, 1, 3, 2, 1]), np.array([1, 2, 6, 4, 5]), "one_to_one",
                            {"weight": np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
                             "delay": np.array([1.0, 1.5, 2.0, 2.5, 3.0])}),
    lambda sim: sim.Connect([3, 1, 3, 2, 1], [1, 2, 6, 4, 5], "one_to_one", {"weight": [1.0, 2.0, 3.0, 4.0, 5.0]}),
    lambda sim: sim.Connect(np.array([3, 3, 3]), np.array([1, 1, 1]), "one_to_one",
                            {"synapse_model": "static_synapse"}),
    lambda sim: sim.Connect(np.array([3, 1, 3]), sim.NodeCollection([1, 2, 3]), "one_to_one"),
    lambda sim: sim.Connect(np.array([3, 1, 2]), np.array([1, 2, 6]), "one_to_one", {"weight": [4.0, 5.0, 6.0]}),
    lambda sim: sim.Connect(np.array([1, 2, 3]), np.array([4, 5, 6]), "all_to_all"),
    lambda sim: sim.Connect(np.array([2, 3, 1, 1]), np.array([6, 6, 4, 4]), "one_to_one",
                            {"weight": np.array([0.5, 0.25, 0.125, 2.0]), "delay": np.array([0.25, 0.05, 1.0, 0.2])}),
], ids=["arrays", "lists", "repeated-pair", "with-collection", "unique", "unique-all_to_all", "delays-on-grid"])
def test_connect_arrays(nest, ng, connect):
    def build(sim):
        sim.Create(HH, 6)
        connect(sim)
        return table(sim), sim.GetKernelStatus(["num_connections", "min_delay", "max_delay"])
    assert_same(nest, ng, build)


@pytest.mark.parametrize("connect", [
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2]), "one_to_one"),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 9]), "one_to_one"),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "all_to_all"),
    lambda sim: sim.Connect(np.array([3, 1, 2]), np.array([1, 2, 6]), "all_to_all"),
    lambda sim: sim.Connect(np.array([3.0, 1.0, 3.0]), np.array([1, 2, 6]), "one_to_one"),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "one_to_one", {"weight": 2.0}),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "one_to_one",
                            {"weight": sim.random.uniform(1.0, 2.0)}),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "one_to_one", {"weight": np.array([1.0, 2.0])}),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "one_to_one", {"synapse_model": "foo"}),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "one_to_one", {"foo": np.ones(3)}),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "one_to_one",
                            {"delay": np.array([1.0, 0.0, 1.0])}),
    lambda sim: sim.Connect(np.array([3, 1, 3]), np.array([1, 2, 6]), "one_to_one", return_synapsecollection=True),
], ids=["lengths", "unknown-node", "rule", "unsorted-unique", "float-ids", "scalar-weight", "random-weight",
        "weight-length", "unknown-model", "unknown-parameter", "delay", "return-collection"])
def test_connect_arrays_errors(nest, ng, connect):
    def build(sim):
        sim.Create(HH, 6)
        connect(sim)
    assert_same_error(nest, ng, build)


# ==================================================================================================
# size

def test_a_million_connections_take_seconds_at_most(ng):
    """Timings are printed (run with -s), not asserted."""
    n = ng.Create(HH, 1000)
    for label, connect in (
            ("all_to_all", lambda: ng.Connect(n, n)),
            ("fixed_indegree, random weights and delays",
             lambda: ng.Connect(n, n, {"rule": "fixed_indegree", "indegree": 1000},
                                {"weight": ng.random.uniform(0.0, 1.0), "delay": ng.random.uniform(0.5, 2.0)})),
            ("connect arrays", lambda: ng.Connect(np.repeat(n.tolist(), 1000), np.tile(n.tolist(), 1000), "one_to_one",
                                                  {"weight": np.ones(10 ** 6), "delay": np.ones(10 ** 6)})),
            ("gap junctions, all_to_all", lambda: ng.Connect(n, n, "all_to_all", {"synapse_model": GAP})),
            ("GetConnections().get('weight')", lambda: ng.GetConnections(synapse_model=GAP).get("weight"))):
        start = time.perf_counter()
        connect()
        print(f"{label}: {time.perf_counter() - start:.2f} s")
    assert ng.num_connections == 4 * 10 ** 6
    assert ng.GetKernelStatus(["min_delay", "max_delay"]) == (0.5, 2.0)
