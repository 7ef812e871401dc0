"""Nodes through PyNEST's API side by side with NEST 3.10.

Create, NodeCollection, get/set and attribute access, GetStatus/SetStatus,
GetDefaults/SetDefaults, CopyModel, Models, and the status dictionary of
hh_psc_alpha_gap (nestgap's is a superset: also I_syn_ex, I_syn_in,
DI_syn_ex, DI_syn_in and r, which it can also set; NEST's archiving entries
such as tau_minus or Ca are missing). Each test runs the same calls on NEST
(fixture ``nest``) and nestgap (fixture ``ng``) and compares values, types,
exception classes and messages.

Kept differences (asserted as such): a refused SetStatus changes no node in
nestgap (NEST has changed the nodes before the refused one); nestgap's
messages for refused values name the parameter and its allowed range
instead of NEST's sentence; nestgap cannot freeze nodes.
"""

import numpy as np
import pytest
from support import assert_same, assert_same_error, outcome, types_of

HH = "hh_psc_alpha_gap"

#: parameters and state that NEST's hh_psc_alpha_gap exposes, with units (docs/models.md, "State and initial values")
PARAMETERS = {"t_ref": "ms", "g_Na": "nS", "g_Kv1": "nS", "g_Kv3": "nS", "g_L": "nS", "C_m": "pF",
              "E_Na": "mV", "E_K": "mV", "E_L": "mV", "tau_syn_ex": "ms", "tau_syn_in": "ms", "I_e": "pA"}
STATE = ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p")
INFO = ("element_type", "frozen", "global_id", "local", "model", "node_uses_wfr", "t_spike", "thread", "vp")
EXTRA = ("I_syn_ex", "I_syn_in", "DI_syn_ex", "DI_syn_in", "r")  # nestgap's superset



def ids(nodes):
    return nodes.tolist()


# ==================================================================================================
# Create

@pytest.mark.parametrize("build", [
    lambda sim: (ids(sim.Create(HH, 3)), ids(sim.Create("spike_recorder")), ids(sim.Create(HH)),
                 ids(sim.Create("poisson_generator", 2)), sim.network_size),
    lambda sim: ids(sim.Create(HH, 2.0)) + ids(sim.Create(HH, np.int64(2))),
    lambda sim: sim.Create(HH, 3, {"I_e": 100.0, "V_m": -60}).get(["I_e", "V_m", "C_m"]),
    lambda sim: sim.Create(HH, 3, {"I_e": [1.0, 2.0, 3.0], "C_m": np.array([30.0, 40.0, 50.0])}).get(
        list(PARAMETERS) + list(STATE)),
    lambda sim: sim.Create(HH, 3, {"I_e": (5.0, 6.0, 7.0, 8.0)}).I_e,  # extra values are ignored
    lambda sim: sim.Create(HH, 2, [{"I_e": 1.0}, {"I_e": 2.0, "C_m": 3.0}]).get(["I_e", "C_m"]),
    lambda sim: sim.Create(HH, 1, [{"I_e": 5.0}]).I_e,
    lambda sim: sim.Create(HH, 1, {"I_e": [5.0]}).I_e,
    lambda sim: sim.Create("spike_generator", 2, {"spike_times": [1.0, 2.0]}).spike_times[1].tolist(),
], ids=["ids", "float-n", "scalars", "arrays", "long-array", "list-of-dicts", "one-dict-list", "one-value-list",
        "vector-entry"])
def test_create(nest, ng, build):
    assert_same(nest, ng, build)


def test_create_with_random_parameter(nest, ng):
    def build(sim):
        v = np.array(sim.Create(HH, 1000, {"V_m": sim.random.uniform(-80.0, -40.0)}).V_m)
        return bool(np.all((v >= -80) & (v < -40))), len(set(v.tolist())) == 1000, bool(abs(v.mean() + 60) < 2)
    assert assert_same(nest, ng, build) == (True, True, True)


@pytest.mark.parametrize("build, texts", [
    (lambda sim: sim.Create(HH, 0), ()),
    (lambda sim: sim.Create(HH, -1), ()),
    (lambda sim: sim.Create(HH, 2.5), ("n must have an integer value",)),
    (lambda sim: sim.Create("foo_model", 2), ("foo_model is not a known model name.", "hh_psc_alpha_gap")),
    (lambda sim: sim.Create(HH, 3, {"I_e": [1.0, 2.0]}), ("list index out of range",)),
    (lambda sim: sim.Create(HH, 3, [{"I_e": 1.0}, {"I_e": 2.0}]), ("one dictionary per node",)),
    (lambda sim: sim.Create(HH, 2, {"foo": 1.0}), ("foo", "C_m, DI_syn_ex")),
    (lambda sim: sim.Create(HH, 2, {"C_m": -1.0}), ("node ID 1", "C_m", "> 0")),
], ids=["zero", "negative", "fraction", "unknown-model", "short-array", "short-list", "unknown-entry", "bad-value"])
def test_create_errors(nest, ng, build, texts):
    assert_same_error(nest, ng, build, *texts, nest_message=False)


def test_refused_create_parameters_keep_the_nodes(nest, ng):
    """The nodes exist (at their defaults in nestgap; NEST has set the nodes before the refused one)."""
    def build(sim):
        sim.Create(HH, 3)
        with pytest.raises(sim.NESTErrors.BadProperty, match="node ID 5"):
            sim.Create(HH, 3, {"C_m": [1.0, -1.0, 2.0]})
        return sim.network_size, ids(sim.Create(HH)), sim.NodeCollection([5, 6]).C_m
    assert assert_same(nest, ng, build) == (6, [7], (40.0, 40.0))


# ==================================================================================================
# NodeCollection

def ten(sim):
    return sim.Create(HH, 10)


@pytest.mark.parametrize("build", [
    lambda sim: (len(ten(sim)), [ids(x) for x in ten(sim)][:3], [type(x).__name__ for x in ten(sim)][:1]),
    lambda sim: [ids(ten(sim)[i]) for i in (0, 3, 9, -1, -10, np.int64(2))],
    lambda sim: ids(ten(sim)[[0, 3, 9]]) + ids(ten(sim)[np.array([1, 2])]) + ids(ten(sim)[(4, 5)]),
    lambda sim: ids(ten(sim)[[True, False] * 5]) + ids(ten(sim)[np.arange(10) > 6]),
    lambda sim: ids(ten(sim)[[]]),
    lambda sim: [ids(ten(sim)[1:3] + ten(sim)[7:9]), ids(ten(sim)[::3][-1]), ids(ten(sim)[[1, 4, 7, 8]][1:3])],
    lambda sim: [[(k, k in n) for k in (1, 10, 11, 0, -1, np.int64(3), 3.0)] for n in [ten(sim)]],
    lambda sim: (ten(sim).tolist(), [type(i).__name__ for i in ten(sim).tolist()]),
    lambda sim: np.asarray(ten(sim)[2:5]).tolist(),
    lambda sim: (bool(ten(sim)), bool(sim.NodeCollection([])), len(sim.NodeCollection())),
    lambda sim: (ten(sim).index(3), ten(sim)[1:].index(3), ten(sim).global_id, ten(sim)[0].global_id),
    lambda sim: [ten(sim) == ten(sim), ten(sim)[1:3] == ten(sim)[1:3], ten(sim) == ten(sim)[:3]],
    lambda sim: [ids(sim.Create(HH, 3) + sim.Create("spike_recorder") + sim.Create(HH, 2))],
    lambda sim: ids(sum([sim.Create(HH), sim.Create(HH)], sim.NodeCollection())),
], ids=["len-iter", "index", "list-index", "bool-index", "empty-index", "composites", "in", "tolist", "array",
        "bool", "index-global_id", "eq", "join", "sum"])
def test_node_collection(nest, ng, build):
    assert_same(nest, ng, build)


SLICES = [slice(2, 5), slice(None, None, 3), slice(1, None, 2), slice(-3, None), slice(None, -2, 4),
          slice(None, None), slice(1, None, 20), slice(0, 10, 1), slice(9, 10), slice(-10, None),
          slice(None, -9), slice(-3, -1), slice(2, 0), slice(None, 0), slice(5, 2), slice(5, 5), slice(3, -7),
          slice(20, 30), slice(8, 30), slice(-30, 2), slice(10, None), slice(None, -10), slice(None, None, -1),
          slice(None, None, 0)]


@pytest.mark.parametrize("key", SLICES, ids=str)
def test_slicing(nest, ng, key):
    """NEST's slicing: bounds outside raise IndexError, start >= stop BadParameter; stop 0 is the end."""
    assert_same(nest, ng, lambda sim: ids(ten(sim)[key]))


@pytest.mark.parametrize("build", [
    lambda sim: ten(sim)[10],
    lambda sim: ten(sim)[-11],
    lambda sim: ten(sim)[[3, 1]],
    lambda sim: ten(sim)[[3, 3]],
    lambda sim: ten(sim)[[1, 20]],
    lambda sim: ten(sim)[[3, 1, 20]],  # every position inside first, then ascending
    lambda sim: ten(sim)[np.array([2, 1, 10])],
    lambda sim: ten(sim)[[True, False]],
    lambda sim: ten(sim)[1.0],
    lambda sim: ten(sim)["a"],
    lambda sim: ten(sim)[::2][1:3],
    lambda sim: ten(sim)[::2] + ten(sim)[1:3],
    lambda sim: (lambda n: n[:3] + n[2])(ten(sim)),
    lambda sim: ten(sim)[:3] + [4],
    lambda sim: [1] + ten(sim),
    lambda sim: "a" in ten(sim),
    lambda sim: ten(sim)[1] in ten(sim),
    lambda sim: ten(sim) == [1, 2],
    lambda sim: hash(ten(sim)),
    lambda sim: ten(sim).index(20),
    lambda sim: (ten(sim), sim.NodeCollection([3, 1]))[1],
    lambda sim: (ten(sim), sim.NodeCollection([1, 1, 3]))[1],
    lambda sim: (ten(sim), sim.NodeCollection([1, 19]))[1],
    lambda sim: (ten(sim), sim.NodeCollection([0, 1]))[1],
    lambda sim: sim.NodeCollection(ten(sim)),
], ids=["index", "negative-index", "unsorted", "duplicate", "list-outside", "unsorted-outside", "array-unsorted-outside", "short-mask", "float", "str",
        "slice-stepped", "join-stepped", "join-overlap", "add-list", "radd-list", "in-str", "in-nc", "eq-list",
        "hash", "index-missing", "NC-unsorted", "NC-duplicate", "NC-unknown", "NC-zero", "NC-of-NC"])
def test_node_collection_errors(nest, ng, build):
    assert_same_error(nest, ng, build)


@pytest.mark.parametrize("build", [
    lambda sim: str(sim.Create(HH, 3)),
    lambda sim: repr(sim.Create(HH, 3)[0]),
    lambda sim: str(sim.NodeCollection([])),
    lambda sim: str(ten(sim)[::2]),
    lambda sim: str(ten(sim)[[1, 5]]),
    lambda sim: str(ten(sim)[1:3] + ten(sim)[7:9]),
    lambda sim: str(sim.Create(HH, 2) + sim.Create("spike_recorder")),
], ids=["primitive", "single", "empty", "step", "list", "composite", "mixed"])
def test_node_collection_text(nest, ng, build):
    assert_same(nest, ng, build)


# ==================================================================================================
# get/set, attribute access, GetStatus/SetStatus

def three(sim):
    return sim.Create(HH, 3)


@pytest.mark.parametrize("build", [
    lambda sim: (three(sim).get("V_m"), three(sim)[0].get("V_m"), three(sim).V_m, three(sim)[1].C_m),
    lambda sim: (three(sim).get(["V_m", "C_m"]), three(sim)[0].get(["V_m", "C_m"])),
    lambda sim: (three(sim).get("V_m", output="json"), three(sim)[0].get(["V_m", "C_m"], output="json")),
    lambda sim: {k: v for k, v in three(sim)[1].get().items() if k in PARAMETERS or k in STATE or k in INFO},
    lambda sim: {k: v for k, v in three(sim).get().items() if k in PARAMETERS or k in STATE or k in INFO},
    lambda sim: (sim.GetStatus(three(sim), "V_m"), sim.GetStatus(three(sim)[0], "V_m"),
                 sim.GetStatus(three(sim), ["V_m", "C_m"]), sim.GetStatus(three(sim)[0], ["V_m", "C_m"]),
                 sim.GetStatus(sim.NodeCollection([])), sim.GetStatus(three(sim), "V_m", output="json")),
    lambda sim: [{k: d[k] for k in ("global_id", "V_m", "model")} for d in sim.GetStatus(three(sim))],
    lambda sim: (lambda n: (n.get("model"), n.get("global_id"), n.get("V_m"), n.get("start")))(
        sim.Create(HH, 2) + sim.Create("spike_recorder")),
], ids=["one-key", "key-list", "json", "single-all", "many-all", "GetStatus", "GetStatus-dicts", "mixed"])
def test_get(nest, ng, build):
    assert_same(nest, ng, build)


def test_set(nest, ng):
    def build(sim):
        n = three(sim)
        seen = []
        for change in (lambda: n.set(I_e=5.0, C_m=[1.0, 2.0, 3.0]),
                       lambda: n.set({"V_m": np.array([1.0, 2.0, 3.0])}),
                       lambda: n.set([{"t_ref": 1.0}, {"t_ref": 2.0}, {"t_ref": 3.0}]),
                       lambda: n.set([{"t_ref": 4.0}]),
                       lambda: n.set(g_L=[7.0, 8.0, 9.0, 10.0]),
                       lambda: sim.SetStatus(n, {"E_L": -65.0}),
                       lambda: sim.SetStatus(n, "E_K", -80.0),
                       lambda: sim.SetStatus(n, [{"E_Na": 50.0}, {"E_Na": 51.0}, {"E_Na": 52.0}]),
                       lambda: setattr(n, "g_Na", 100.0),
                       lambda: setattr(n, "g_Kv1", [1.0, 2.0, 3.0]),
                       lambda: setattr(n, "g_Kv3", (4.0, 5.0, 6.0)),
                       lambda: setattr(n[1], "I_e", [9.0]),
                       lambda: setattr(n, "V_m", 5),
                       lambda: n.set(frozen=False),
                       lambda: sim.NodeCollection([]).set(V_m=1.0)):
            change()
            seen.append(n.get(list(PARAMETERS) + list(STATE)))
        return seen
    assert_same(nest, ng, build)


def test_set_random_parameters(nest, ng):
    def build(sim):
        n = sim.Create(HH, 500)
        n.V_m = sim.random.uniform(-80.0, -40.0)
        n.set(I_e=sim.random.normal(100.0, 10.0))
        v, i = np.array(n.V_m), np.array(n.I_e)
        return (bool(np.all((v >= -80) & (v < -40))), len(set(v.tolist())) == 500,
                bool(abs(i.mean() - 100) < 2), bool(abs(i.std() - 10) < 2))
    assert assert_same(nest, ng, build) == (True, True, True, True)


def test_setting_v_m_keeps_gating_variables(nest, ng):
    def build(sim):
        n = sim.Create(HH, 2)
        before = n.get(["Act_m", "Inact_h", "Act_n", "Inact_p"])
        n.V_m = [-20.0, 10.0]
        return before, n.get(["Act_m", "Inact_h", "Act_n", "Inact_p", "V_m"])
    before, after = assert_same(nest, ng, build)
    assert {k: after[k] for k in before} == before
    assert before["Act_m"] == (0.019198766985083732, 0.019198766985083732)


@pytest.mark.parametrize("build, texts", [
    (lambda sim: three(sim).get("foo"), ("foo",)),
    (lambda sim: three(sim)[0].get("foo"), ("foo", "V_m")),
    (lambda sim: three(sim).foo, ("foo",)),
    (lambda sim: sim.GetStatus(three(sim), "foo"), ("foo",)),
    (lambda sim: sim.GetStatus([1], "V_m"), ()),
    (lambda sim: sim.NodeCollection([]).get(), ()),
    (lambda sim: three(sim).set(I_e=[1.0, 2.0]), ("list index out of range",)),
    (lambda sim: setattr(three(sim), "I_e", [1.0, 2.0]), ("list index out of range",)),
    (lambda sim: three(sim).set([{"I_e": 1.0}, {"I_e": 2.0}]), ()),
    (lambda sim: three(sim).set(I_e=1.0, params={"C_m": 2.0}), ()),
    (lambda sim: three(sim).set(), ()),
    (lambda sim: three(sim)[0].set(V_m="x"), ("V_m",)),
    (lambda sim: setattr(three(sim), "foo", 1.0), ("foo", "C_m, DI_syn_ex")),
    (lambda sim: (sim.Create(HH, 2) + sim.Create("spike_recorder")).set(I_e=1.0), ("I_e",)),
], ids=["get", "get-single", "attribute", "GetStatus", "GetStatus-list", "empty-get", "short-values",
        "short-attribute", "short-dicts", "params-and-kwargs", "nothing", "string", "unknown", "mixed"])
def test_get_set_errors(nest, ng, build, texts):
    assert_same_error(nest, ng, build, *texts, nest_message=False)


@pytest.mark.parametrize("key, value", [
    ("global_id", 5), ("model", "x"), ("node_uses_wfr", False), ("t_spike", 1.0), ("element_type", "x"),
    ("local", False), ("thread", 0), ("vp", 0), ("recordables", []),
])
def test_read_only_entries(nest, ng, key, value):
    assert_same_error(nest, ng, lambda sim: three(sim).set({key: value}), key, nest_message=False)


# ==================================================================================================
# hh_psc_alpha_gap: its status dictionary and its checks

def test_status_dictionary_is_a_superset(nest, ng):
    """Everything NEST shows for the parameters and state, with equal values and types."""
    keys = list(PARAMETERS) + list(STATE) + list(INFO) + ["recordables"]
    for read in (lambda sim: sim.Create(HH).get(), lambda sim: sim.GetDefaults(HH)):
        expected, actual = outcome(nest, read)[1], outcome(ng, read)[1]
        assert set(keys) <= set(expected) & set(actual)
        shared = [k for k in keys if k != "recordables"]
        assert {k: actual[k] for k in shared} == {k: expected[k] for k in shared}
        assert types_of({k: actual[k] for k in shared}) == types_of({k: expected[k] for k in shared})
        assert set(expected["recordables"]) <= set(actual["recordables"])
        assert set(actual) - set(expected) == set(EXTRA)
        assert {k: actual[k] for k in EXTRA} == {"I_syn_ex": 0.0, "I_syn_in": 0.0, "DI_syn_ex": 0.0,
                                                  "DI_syn_in": 0.0, "r": 0}


def test_units_are_nests(ng):
    """NEST documents these units for its values (docs/models.md, "State and initial values"); nestgap's model states them."""
    from nestgap.pynest import state
    units = state.kernel().network.neuron_model(HH).units
    assert {k: units[k] for k in PARAMETERS} == PARAMETERS
    assert {k: units[k] for k in STATE} == {"V_m": "mV", "Act_m": "", "Inact_h": "", "Act_n": "", "Inact_p": ""}
    assert {k: units[k] for k in EXTRA} == {"I_syn_ex": "pA", "I_syn_in": "pA", "DI_syn_ex": "pA / ms",
                                            "DI_syn_in": "pA / ms", "r": ""}


@pytest.mark.parametrize("key, value", [
    ("C_m", -1.0), ("C_m", 0.0), ("tau_syn_ex", 0.0), ("tau_syn_ex", -1.0), ("tau_syn_in", 0.0),
    ("g_Na", -1.0), ("g_Kv1", -1.0), ("g_Kv3", -1.0), ("g_L", -1e-9), ("t_ref", -1.0), ("Act_m", -0.1),
    ("Inact_h", -0.1), ("Act_n", -0.1), ("Inact_p", -1e-12),
])
def test_invalid_values(nest, ng, key, value):
    """BadProperty naming node id, parameter and allowed range; nothing half-changed.

    One of three nodes gets the bad value together with a valid change of I_e.
    nestgap changes no node; NEST has changed the first node already.
    """
    changed = {}

    def build(sim):
        n = three(sim)
        before = n.get()
        try:
            n.set({"I_e": 7.0, key: [1.0, value, 2.0] if key in PARAMETERS else [0.5, value, 0.5]})
        finally:
            after = n.get()
            changed[sim.__name__] = {(k, j) for k in before for j in range(3) if before[k][j] != after[k][j]}
    message = assert_same_error(nest, ng, build, "Setting status of a 'hh_psc_alpha_gap' with node ID 2: ",
                                key, nest_message=False)
    bound = "> 0" if key in ("C_m", "tau_syn_ex", "tau_syn_in") else ">= 0"
    assert f"{key} = {float(value)!r}" in message and bound in message
    assert changed["nestgap"] == set()
    assert changed["nest"] == {("I_e", 0), (key, 0)}


def test_valid_edge_values(nest, ng):
    def build(sim):
        n = three(sim)
        n.set(g_Na=0.0, t_ref=0.0, Act_m=2.0, E_L=1000.0, I_e=True)
        return n.get(["g_Na", "t_ref", "Act_m", "E_L", "I_e"])
    assert_same(nest, ng, build)


def test_frozen_nodes_are_not_supported(nest, ng):
    assert outcome(nest, lambda sim: three(sim).set(frozen=True))[0] == "ok"
    assert outcome(ng, lambda sim: three(sim).set(frozen=True))[:2] == ("raise", "NotImplemented")


# ==================================================================================================
# GetDefaults / SetDefaults / CopyModel / Models

SHARED_DEFAULTS = {
    "static_synapse": ("delay", "element_type", "has_delay", "num_connections", "receptor_type",
                       "requires_symmetric", "synapse_model", "synapse_modelid", "weight"),
    "gap_junction": ("delay", "element_type", "has_delay", "num_connections", "receptor_type",
                     "requires_symmetric", "synapse_model", "synapse_modelid", "weight"),
    "spike_recorder": ("element_type", "frozen", "label", "local", "model", "n_events", "node_uses_wfr",
                       "origin", "record_to", "start", "time_in_steps"),
    "poisson_generator": ("element_type", "frozen", "label", "local", "model", "node_uses_wfr", "origin",
                          "rate", "start"),
    "dc_generator": ("amplitude", "element_type", "frozen", "label", "local", "model", "origin", "start"),
    "spike_generator": ("allow_offgrid_times", "element_type", "model", "origin", "precise_times",
                        "shift_now_spikes", "start"),
    "multimeter": ("element_type", "interval", "label", "model", "offset", "origin", "record_from",
                   "record_to", "start", "time_in_steps"),
    "voltmeter": ("element_type", "interval", "model", "offset", "record_from", "start"),
}


@pytest.mark.parametrize("model", SHARED_DEFAULTS)
def test_get_defaults(nest, ng, model):
    keys = SHARED_DEFAULTS[model]
    assert_same(nest, ng, lambda sim: {k: sim.GetDefaults(model)[k] for k in keys})
    assert_same(nest, ng, lambda sim: (sim.GetDefaults(model, keys[0]), sim.GetDefaults(model, list(keys[:2]))))


@pytest.mark.parametrize("build", [
    lambda sim: (sim.SetDefaults(HH, {"C_m": 50.0, "V_m": -60.0}), sim.Create(HH).get(["C_m", "V_m", "Act_m"]),
                 sim.GetDefaults(HH, "C_m")),
    lambda sim: (sim.SetDefaults(HH, "C_m", 50.0), sim.GetDefaults(HH, "C_m")),
    lambda sim: (sim.SetDefaults("static_synapse", {"weight": 2.5, "delay": 2.0}),
                 (lambda n: (sim.Connect(n, n), sim.GetConnections().get(["weight", "delay"])))(sim.Create(HH, 2)),
                 sim.GetDefaults("static_synapse", ["weight", "delay", "num_connections"])),
    lambda sim: (sim.SetDefaults("gap_junction", {"weight": 3.5}),
                 (lambda n: (sim.Connect(n, n, "all_to_all", "gap_junction"), sim.GetConnections().weight))(
                     sim.Create(HH, 2)), sim.GetDefaults("gap_junction", ["weight", "num_connections"])),
    lambda sim: (sim.SetDefaults("static_synapse", {"delay": 0.05}), sim.GetDefaults("static_synapse", "delay")),
    lambda sim: (sim.SetDefaults("poisson_generator", {"rate": 10.0}), sim.Create("poisson_generator").rate),
    lambda sim: (sim.SetDefaults("spike_recorder", {"start": 10.0}), sim.Create("spike_recorder").start),
], ids=["neuron", "neuron-key-value", "static", "gap", "static-delay-unchecked", "poisson", "recorder"])
def test_set_defaults(nest, ng, build):
    assert_same(nest, ng, build)


@pytest.mark.parametrize("build, texts", [
    (lambda sim: sim.GetDefaults("foo"), ()),
    (lambda sim: sim.GetDefaults(HH, "foo"), ()),
    (lambda sim: sim.SetDefaults("foo", {"a": 1}), ()),
    (lambda sim: sim.SetDefaults(HH, {"C_m": -50.0}), ("Setting status of model 'hh_psc_alpha_gap': ", "C_m")),
    (lambda sim: sim.SetDefaults(HH, {"foo": 1.0}), ("foo",)),
    (lambda sim: sim.SetDefaults(HH, {"model": "x"}), ("model",)),
    (lambda sim: sim.SetDefaults("static_synapse", {"foo": 1.0}), ("foo",)),
    (lambda sim: sim.SetDefaults("gap_junction", {"delay": 2.0}), ("gap_junction connection has no delay",)),
    (lambda sim: sim.SetDefaults("poisson_generator", {"rate": -10.0}), ("The rate cannot be negative.",)),
], ids=["model", "key", "set-model", "neuron-value", "neuron-entry", "neuron-read-only", "synapse-entry",
        "gap-delay", "poisson-rate"])
def test_defaults_errors(nest, ng, build, texts):
    assert_same_error(nest, ng, build, *texts, nest_message=not texts)


def test_set_defaults_is_all_or_nothing(nest, ng):
    def build(sim):
        with pytest.raises(sim.NESTErrors.BadProperty):
            sim.SetDefaults(HH, {"I_e": 5.0, "C_m": -50.0})
        return sim.GetDefaults(HH, ["I_e", "C_m"])
    assert assert_same(nest, ng, build) == [0.0, 40.0]


@pytest.mark.parametrize("build", [
    lambda sim: (sim.CopyModel(HH, "my_hh", {"C_m": 77.0}), sim.Create("my_hh", 2).get(["C_m", "model"]),
                 sim.GetDefaults("my_hh", "C_m"), sim.GetDefaults(HH, "C_m"), "my_hh" in sim.node_models,
                 "my_hh" in sim.Models("nodes")),
    lambda sim: (sim.CopyModel("static_synapse", "my_syn", {"weight": 7.0}),
                 (lambda n: sim.Connect(n, n, "one_to_one", "my_syn"))(sim.Create(HH, 2)),
                 sim.GetConnections(synapse_model="my_syn").get(["weight", "synapse_model", "synapse_id"]),
                 "my_syn" in sim.synapse_models, sim.GetDefaults("my_syn", ["weight", "synapse_modelid"])),
    lambda sim: (sim.CopyModel("gap_junction", "my_gap", {"weight": 5.0}), sim.CopyModel("my_gap", "my_gap2"),
                 (lambda n: sim.Connect(n, n, {"rule": "one_to_one", "make_symmetric": True}, "my_gap2"))(
                     sim.Create(HH, 2)),
                 sim.GetConnections().get(["weight", "synapse_model", "delay"]),
                 sim.GetDefaults("my_gap2", ["has_delay", "requires_symmetric", "weight", "synapse_modelid"])),
    lambda sim: (sim.CopyModel("spike_recorder", "my_sr", {"start": 5.0}), sim.Create("my_sr").get(["start", "model"])),
    lambda sim: (sim.SetDefaults(HH, {"I_e": 1.0}), sim.CopyModel(HH, "bar"), sim.GetDefaults("bar", "I_e")),
    lambda sim: (sim.CopyModel(HH, "x"), sim.ResetKernel(), "x" in sim.node_models),
], ids=["neuron", "static", "gap", "device", "inherits-defaults", "reset"])
def test_copy_model(nest, ng, build):
    assert_same(nest, ng, build)


@pytest.mark.parametrize("build, texts", [
    (lambda sim: sim.CopyModel(HH, "static_synapse"), ()),
    (lambda sim: sim.CopyModel(HH, HH), ()),
    (lambda sim: sim.CopyModel("foo", "bar"), ()),
    (lambda sim: sim.CopyModel("gap_junction", "my_gap", {"delay": 5.0}), ()),
    (lambda sim: sim.CopyModel(HH, "bar", {"C_m": -1.0}), ("Setting status of model 'bar': ", "C_m")),
    (lambda sim: (sim.SetDefaults(HH, {"C_m": 50.0}), sim.set(resolution=0.05)), ()),
    (lambda sim: (sim.CopyModel(HH, "x"), sim.set(resolution=0.05)), ()),
    (lambda sim: (sim.SetDefaults("static_synapse", {"weight": 5.0}), sim.set(resolution=0.05)), ()),
], ids=["synapse-name", "own-name", "unknown", "gap-delay", "bad-value", "then-resolution-1",
        "then-resolution-2", "then-resolution-3"])
def test_copy_model_errors(nest, ng, build, texts):
    assert_same_error(nest, ng, build, *texts, nest_message=not texts)


def test_refused_copy_parameters_keep_the_copy(nest, ng):
    def build(sim):
        with pytest.raises(sim.NESTErrors.BadProperty):
            sim.CopyModel(HH, "bar", {"C_m": -1.0})
        return "bar" in sim.node_models, sim.GetDefaults("bar", "C_m")
    assert assert_same(nest, ng, build) == (True, 40.0)


@pytest.mark.parametrize("build", [
    lambda sim: (type(sim.Models()).__name__, HH in sim.Models(), "spike_recorder" in sim.Models("nodes"),
                 "static_synapse" in sim.Models("synapses"), "static_synapse" in sim.Models("nodes"),
                 HH in sim.Models("synapses"), "gap_junction" in sim.Models()),
    lambda sim: sim.Models("nodes", "hh_psc_alpha_g"),
    lambda sim: sim.Models("foo"),
    lambda sim: [m in sim.node_models for m in ("spike_recorder", "poisson_generator", "dc_generator",
                                                 "spike_generator", "multimeter", "voltmeter", HH)],
], ids=["kinds", "selection", "bad-kind", "node_models"])
def test_models(nest, ng, build):
    assert_same(nest, ng, build)


def test_nestgaps_models_exist_in_nest(nest, ng):
    """nestgap's own node models (devices and the shipped model files) are NEST built-ins; the
    models of folders that other tests of this process added with ``Install`` are not."""
    from nestgap.model_registry import shipped_models_folder
    from nestgap.pynest.state import kernel as _process_kernel

    installed = {name for name, path in _process_kernel().models.files().items()
                 if path.parent != shipped_models_folder()}
    assert set(ng.node_models) - installed <= set(nest.node_models)
    assert set(ng.synapse_models) <= set(nest.synapse_models)
    assert set(ng.connection_rules) <= set(nest.connection_rules)
