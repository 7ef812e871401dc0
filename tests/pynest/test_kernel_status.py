"""Kernel attributes side by side with NEST 3.10: defaults, constraints, errors, delay extrema.

Every test runs the same calls on NEST (fixture ``nest``) and on nestgap
(fixture ``ng``) and compares values, types, exception classes and messages.
Where NEST raises a KernelException with an empty message (the explanation is
only logged), nestgap's message must contain the logged text.

Kept differences (asserted as such): a SetKernelStatus call with several entries is all or nothing in
nestgap, while NEST keeps the entries it processed before the failing one.
"""

import numpy as np
import pytest
from support import assert_same, assert_same_error, outcome

HH = "hh_psc_alpha_gap"

#: the attributes whose defaults, constraints and side rules are compared
ATTRIBUTES = ("resolution", "tics_per_ms", "ms_per_tic", "tics_per_step", "min_delay", "max_delay",
              "biological_time", "total_num_virtual_procs", "local_num_threads", "rng_seed", "print_time",
              "use_wfr", "wfr_comm_interval", "wfr_tol", "wfr_max_iterations", "wfr_interpolation_order",
              "network_size", "num_connections", "num_processes")



def status(sim):
    return {key: sim.GetKernelStatus(key) for key in ATTRIBUTES}


# ==================================================================================================
# defaults and the ways to read and write attributes

def test_defaults_after_reset_kernel(nest, ng):
    defaults = assert_same(nest, ng, status)
    assert defaults["resolution"] == 0.1 and defaults["wfr_comm_interval"] == 1.0
    assert defaults["rng_seed"] == 143202461 and defaults["wfr_max_iterations"] == 15


def test_reset_kernel_restores_defaults(nest, ng):
    def build(sim):
        sim.set(resolution=0.05, wfr_comm_interval=2.0, wfr_tol=0.5, rng_seed=7, print_time=True,
                wfr_max_iterations=3, wfr_interpolation_order=1, total_num_virtual_procs=2)
        n = sim.Create(HH, 2)
        sim.Connect(n, n, syn_spec={"delay": 3.0})
        sim.Simulate(1.0)
        sim.ResetKernel()
        return status(sim)
    assert assert_same(nest, ng, build) == assert_same(nest, ng, status)


def test_rng_type_and_types_are_nests(nest, ng):
    assert ng.rng_type == nest.rng_type == "mt19937_64"
    assert list(ng.rng_types) == list(nest.rng_types)


@pytest.mark.parametrize("read", [
    lambda sim: (sim.resolution, sim.min_delay, sim.max_delay, sim.biological_time, sim.use_wfr),
    lambda sim: sim.GetKernelStatus("wfr_tol"),
    lambda sim: sim.GetKernelStatus(["resolution", "min_delay", "wfr_max_iterations"]),
    lambda sim: sim.get("wfr_interpolation_order"),
    lambda sim: sim.get(["resolution", "tics_per_ms"]),
    lambda sim: sim.get("resolution", "print_time"),
    lambda sim: {k: v for k, v in sim.kernel_status.items() if k in ATTRIBUTES},
    lambda sim: {k: v for k, v in sim.get().items() if k in ATTRIBUTES},
    lambda sim: (type(sim.GetKernelStatus()).__name__, type(sim.node_models).__name__,
                 HH in sim.node_models, "spike_recorder" in sim.node_models,
                 "gap_junction" in sim.synapse_models, "static_synapse" in sim.synapse_models,
                 "one_to_one" in sim.connection_rules),
], ids=["module", "key", "keys-tuple", "get", "get-list", "get-args", "kernel_status", "get-all", "models"])
def test_reading_attributes(nest, ng, read):
    assert_same(nest, ng, read)


@pytest.mark.parametrize("write", [
    lambda sim: setattr(sim, "resolution", 0.05),
    lambda sim: sim.set(resolution=0.05, wfr_comm_interval=0.5, wfr_tol=1e-6),
    lambda sim: sim.SetKernelStatus({"wfr_max_iterations": 3, "wfr_interpolation_order": 0}),
    lambda sim: sim.SetKernelStatus({"use_wfr": False, "resolution": 0.2}),
    lambda sim: sim.SetKernelStatus({"tics_per_ms": 10000, "resolution": 0.0125}),
    lambda sim: sim.set(rng_seed=12345, print_time=True),
    lambda sim: sim.set(total_num_virtual_procs=2),
    lambda sim: sim.set(local_num_threads=2),
    lambda sim: sim.set(resolution=1),  # ints are accepted for doubles
    lambda sim: sim.set(resolution=np.float64(0.5), wfr_comm_interval=np.int64(2)),
    lambda sim: sim.set(wfr_max_iterations=np.int32(4), rng_seed=np.int64(3)),
    lambda sim: sim.set(resolution=0.7),   # 700 tics: reported as 0.7000000000000001
    lambda sim: sim.set(min_delay=0.25, max_delay=2.25),  # min rounded down, max up
    lambda sim: sim.set(biological_time=0.0),
], ids=["module", "set", "SetKernelStatus", "no-wfr", "tics", "seed", "vps", "threads", "int", "numpy-float",
        "numpy-int", "0.7", "delay-extrema", "time-zero"])
def test_writing_attributes(nest, ng, write):
    assert_same(nest, ng, lambda sim: (write(sim), status(sim)))


# ==================================================================================================
# constraints (docs/pynest_semantics.md 1.2-1.3, docs/waveform_relaxation.md 9): exception class, message, and nothing changed

def _nodes(sim):
    sim.Create(HH)


def _connection(sim):
    n = sim.Create(HH, 2)
    sim.Connect(n, n)


def _simulated(sim):
    sim.Simulate(1.0)


def _defaults(sim):
    sim.SetDefaults(HH, {"C_m": 50.0})


def _copy(sim):
    sim.CopyModel("static_synapse", "my_static")


def _no_wfr(sim):
    sim.use_wfr = False


def _nothing(sim):
    pass


CONSTRAINTS = [  # (before, request, NEST's text when its message is empty)
    (_nodes, {"resolution": 0.05}, ""),
    (_nodes, {"tics_per_ms": 10000, "resolution": 0.01}, ""),
    (_simulated, {"resolution": 0.05}, ""),
    (_defaults, {"resolution": 0.05}, ""),
    (_copy, {"resolution": 0.05}, ""),
    (lambda sim: (_simulated(sim), _nodes(sim)), {"resolution": 0.05}, ""),
    (_nothing, {"resolution": 0.0001}, ""),
    (_nothing, {"resolution": 0.0}, ""),
    (_nothing, {"resolution": -0.1}, ""),
    (_nothing, {"resolution": 0.12345}, ""),
    (_nothing, {"resolution": 0.0105}, ""),
    (_nothing, {"tics_per_ms": 10000}, ""),
    (_nothing, {"tics_per_ms": 10000, "resolution": 0.00001}, ""),
    (_nothing, {"tics_per_ms": 10000, "resolution": 0.00015}, ""),
    (_nothing, {"tics_per_ms": 0, "resolution": 0.1}, ""),
    (_nodes, {"use_wfr": False}, "Cannot enable/disable usage of waveform relaxation after nodes have been "
                                 "created. Please call ResetKernel first."),
    (_nodes, {"use_wfr": True}, "Cannot enable/disable usage of waveform relaxation after nodes have been "
                                "created."),
    (_no_wfr, {"wfr_comm_interval": 1.0}, "Cannot set waveform communication interval when usage of waveform "
                                          "relaxation is disabled. Set use_wfr to true first."),
    (_nothing, {"use_wfr": False, "wfr_comm_interval": 1.0}, "Set use_wfr to true first."),
    (_connection, {"wfr_comm_interval": 2.0}, "Cannot change waveform communication interval after "
                                              "connections have been created. Please call ResetKernel first."),
    (_nothing, {"wfr_comm_interval": 0.05}, "Communication interval of the waveform relaxation must be "
                                            "greater or equal to the resolution of the simulation."),
    (_nothing, {"resolution": 0.2, "wfr_comm_interval": 0.1}, "must be greater or equal to the resolution"),
    (_nothing, {"wfr_tol": -1e-9}, "Tolerance must be zero or positive"),
    (_nothing, {"wfr_max_iterations": 0}, "Maximal number of iterations  for the waveform relaxation must be "
                                          "positive. To disable waveform relaxation set use_wfr instead."),
    (_nothing, {"wfr_max_iterations": -3}, "must be positive"),
    (_nothing, {"wfr_interpolation_order": 2}, "Interpolation order must be 0, 1, or 3."),
    (_nothing, {"wfr_interpolation_order": 4}, "Interpolation order must be 0, 1, or 3."),
    (_nothing, {"wfr_interpolation_order": -1}, "Interpolation order must be 0, 1, or 3."),
    (_nothing, {"biological_time": 1.0}, ""),
    (_nothing, {"min_delay": 0.5}, ""),
    (_nothing, {"max_delay": 2.0}, ""),
    (_connection, {"min_delay": 0.5, "max_delay": 2.0}, ""),
    (_nothing, {"min_delay": 0.5, "max_delay": 0.2}, ""),
    (_nothing, {"min_delay": 0.05, "max_delay": 1.0}, ""),
    (_nothing, {"rng_seed": 0}, ""),
    (_nothing, {"rng_seed": -1}, ""),
    (_nothing, {"rng_seed": 2 ** 32}, ""),
    (_nodes, {"total_num_virtual_procs": 2}, ""),
    (_nodes, {"local_num_threads": 2}, ""),
    (_simulated, {"local_num_threads": 2}, ""),
    (_defaults, {"local_num_threads": 2}, ""),
    (_nothing, {"local_num_threads": 2, "total_num_virtual_procs": 4}, ""),
    (_nothing, {"wfr_max_iterations": 2.5}, ""),
    (_nothing, {"wfr_max_iterations": True}, ""),
    (_nothing, {"wfr_interpolation_order": 3.0}, ""),
    (_nothing, {"rng_seed": 12.0}, ""),
    (_nothing, {"tics_per_ms": 10000.0, "resolution": 0.01}, ""),
    (_nothing, {"use_wfr": 1}, ""),
    (_nothing, {"print_time": 1}, ""),
    (_nothing, {"use_wfr": "yes"}, ""),
    (_nothing, {"wfr_tol": "x"}, ""),
]


@pytest.mark.parametrize("before, request_, logged", CONSTRAINTS,
                         ids=[f"{b.__name__}-{'-'.join(r)}-{i}" for i, (b, r, _) in enumerate(CONSTRAINTS)])
def test_constraint(nest, ng, before, request_, logged):
    changed = {}

    def build(sim):
        before(sim)
        unchanged = status(sim)
        try:
            sim.SetKernelStatus(dict(request_))
        finally:
            changed[sim.__name__] = {k for k, v in status(sim).items() if v != unchanged[k]}
    message = assert_same_error(nest, ng, build, logged)
    assert message  # nestgap always explains
    assert changed["nestgap"] == set()  # a failed set changes nothing
    if len(request_) == 1:
        assert changed["nest"] == set()


def test_empty_kernel_messages_are_nests(nest, ng):
    """NEST leaves these messages empty; nestgap's tests above check the logged text instead."""
    def build(sim):
        sim.wfr_tol = -1.0
    assert outcome(nest, build) == ("raise", "KernelException", "")


def test_failed_multi_entry_set_is_all_or_nothing(nest, ng):
    """nestgap applies nothing; NEST keeps the entries it processed before the failing one."""
    def build(sim):
        before = status(sim)
        with pytest.raises(sim.NESTErrors.KernelException):
            sim.set(rng_seed=5, biological_time=0.0, wfr_tol=0.5, wfr_max_iterations=0)
        return {k: v for k, v in status(sim).items() if v != before[k]}
    assert outcome(nest, build) == ("ok", {"rng_seed": 5, "wfr_tol": 0.5})
    assert outcome(ng, build) == ("ok", {})


@pytest.mark.parametrize("key, value", [("network_size", 3), ("ms_per_tic", 0.1), ("num_connections", 0)])
def test_read_only_entries(nest, ng, key, value):
    assert_same_error(nest, ng, lambda sim: sim.SetKernelStatus({key: value}), f"`{key}` is a readonly")


def test_unknown_entry(nest, ng):
    """Both list their valid parameters (NEST's list is longer)."""
    for sim in (nest, ng):
        with pytest.raises(ValueError, match="`foo` is not a valid kernel parameter, valid parameters are: "
                                             ".*'wfr_comm_interval'"):
            sim.SetKernelStatus({"foo": 1})


def test_module_attribute_errors(nest, ng):
    assert_same_error(nest, ng, lambda sim: setattr(sim, "network_size", 3),
                      "`network_size` is a read only kernel attribute.")
    for sim in (nest, ng):
        with pytest.raises(AttributeError, match="Cannot set attribute 'foo_bar' on module"):
            sim.foo_bar = 3
        with pytest.raises(AttributeError, match="has no attribute 'foo_bar'"):
            sim.foo_bar  # noqa: B018
    assert ng.network_size == 0  # the refused assignment did not shadow the kernel attribute
    for keys in ("foo", ["resolution", "foo"]):
        message = assert_same_error(nest, ng, lambda sim: sim.GetKernelStatus(keys))
        assert message.startswith("\"Unknown kernel attribute 'foo'")


# ==================================================================================================
# side rules of the waveform-relaxation settings; NEST's testsuite/pytests/other/test_wfr_settings.py

def test_use_wfr_only_before_nodes(nest, ng):
    """use_wfr can be changed before nodes exist only; nodes report node_uses_wfr == use_wfr."""
    for use_wfr in (True, False):
        def build(sim):
            sim.use_wfr = use_wfr
            n = sim.Create(HH)
            with pytest.raises(sim.NESTErrors.KernelException):
                sim.use_wfr = not use_wfr
            return sim.use_wfr, n.node_uses_wfr, sim.GetDefaults(HH, "node_uses_wfr")
        assert assert_same(nest, ng, build) == (use_wfr, use_wfr, True)  # the model default stays


def test_comm_interval_below_resolution_is_refused(nest, ng):
    def build(sim):
        sim.resolution = 0.1
        with pytest.raises(sim.NESTErrors.KernelException):
            sim.wfr_comm_interval = 0.05
        return sim.wfr_comm_interval
    assert assert_same(nest, ng, build) == 1.0


def test_comm_interval_without_wfr_is_refused(nest, ng):
    def build(sim):
        sim.use_wfr = False
        with pytest.raises(sim.NESTErrors.KernelException):
            sim.wfr_comm_interval = 0.5
        return sim.wfr_comm_interval
    assert assert_same(nest, ng, build) == 0.1


def test_disabled_wfr_comm_interval_follows_resolution(nest, ng):
    def build(sim):
        sim.wfr_comm_interval = 2.0
        sim.use_wfr = False
        seen = [sim.wfr_comm_interval]
        for h in (0.2, 0.05, 1.0):
            sim.resolution = h
            seen.append(sim.wfr_comm_interval)
        return seen
    assert assert_same(nest, ng, build) == [0.1, 0.2, 0.05, 1.0]


def test_enabled_wfr_comm_interval_kept_on_resolution_change(nest, ng):
    def build(sim):
        sim.wfr_comm_interval = 2.0
        seen = []
        for h in (0.2, 0.05, 0.5):
            sim.resolution = h
            seen.append(sim.wfr_comm_interval)
        sim.resolution = 4.0  # larger than the interval: raised to the resolution
        seen.append(sim.wfr_comm_interval)
        return seen
    assert assert_same(nest, ng, build) == [2.0, 2.0, 2.0, 4.0]


def test_processing_order_within_one_call(nest, ng):
    """resolution before use_wfr before wfr_comm_interval, whatever the order in the dict."""
    for request in ({"wfr_comm_interval": 0.07, "resolution": 0.05}, {"use_wfr": False, "resolution": 0.5},
                    {"wfr_comm_interval": 0.3, "resolution": 0.2}):
        assert_same(nest, ng, lambda sim: (sim.SetKernelStatus(request), status(sim)))


# ==================================================================================================
# min_delay / max_delay from connections, gap junctions, wfr_comm_interval; frozen by Simulate

KERNELS = [{}, {"wfr_comm_interval": 2.0}, {"wfr_comm_interval": 0.5}, {"wfr_comm_interval": 0.25},
           {"use_wfr": False}, {"resolution": 0.05}, {"resolution": 0.05, "wfr_comm_interval": 0.3},
           {"resolution": 0.2, "use_wfr": False}]
DELAYS = [[], [1.0], [0.5], [3.0], [0.2, 4.0], [0.25]]


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()) or "default")
def test_delay_extrema(nest, ng, kernel):
    def build(sim):
        seen = []
        for delays in DELAYS:
            for gap in (False, True):
                sim.ResetKernel()
                sim.set(**kernel)
                a = sim.Create(HH, 2)
                for d in delays:
                    sim.Connect(a[0], a[1], syn_spec={"delay": d})
                if gap:
                    sim.Connect(a[0], a[1], {"rule": "one_to_one", "make_symmetric": True}, "gap_junction")
                seen.append(sim.GetKernelStatus(["min_delay", "max_delay"]))
        return seen
    assert_same(nest, ng, build)


def test_delay_extrema_frozen_by_simulate(nest, ng):
    def build(sim):
        a = sim.Create(HH, 2)
        sim.Connect(a[0], a[1], syn_spec={"delay": 0.5})
        sim.Connect(a[0], a[1], syn_spec={"delay": 2.0})
        sim.Simulate(1.0)
        sim.Connect(a[0], a[1], syn_spec={"delay": 1.5})  # inside [min_delay, max_delay]: fine
        sim.Connect(a[0], a[1], {"rule": "one_to_one", "make_symmetric": True}, "gap_junction")  # 1.0: fine
        errors = []
        for delay in (0.3, 2.5):
            with pytest.raises(sim.NESTErrors.BadDelay) as info:
                sim.Connect(a[0], a[1], syn_spec={"delay": delay})
            errors.append(str(info.value))
        sim.Simulate(1.0)
        return sim.GetKernelStatus(["min_delay", "max_delay", "biological_time", "num_connections"]), errors
    extrema, errors = assert_same(nest, ng, build)
    assert extrema == (0.5, 2.0, 2.0, 5)
    assert errors[0] == ("Delay value 0.3 is invalid: Minimum and maximum delay cannot be changed after "
                         "Simulate has been called.")


def test_delays_after_simulate(nest, ng):
    def build(sim):
        a = sim.Create(HH, 2)
        sim.Connect(a[0], a[1], syn_spec={"delay": 0.5})
        sim.Simulate(1.0)
        sim.Connect(a[0], a[1], syn_spec={"delay": 0.5})
        return sim.GetKernelStatus(["min_delay", "max_delay", "biological_time", "num_connections"])
    assert assert_same(nest, ng, build) == (0.5, 0.5, 1.0, 2)
    for delay in (0.3, 2.5):
        def build(sim):
            a = sim.Create(HH, 2)
            sim.Connect(a[0], a[1], syn_spec={"delay": 0.5})
            sim.Simulate(1.0)
            sim.Connect(a[0], a[1], syn_spec={"delay": delay})
        assert_same_error(nest, ng, build)
    for comm in (1.0, 2.0):  # a first gap junction after Simulate registers its comm interval
        def build(sim):
            sim.wfr_comm_interval = comm
            a = sim.Create(HH, 2)
            sim.Connect(a[0], a[1], syn_spec={"delay": 0.5})
            sim.Simulate(1.0)
            sim.Connect(a[0], a[1], {"rule": "one_to_one", "make_symmetric": True}, "gap_junction")
        assert_same_error(nest, ng, build)


@pytest.mark.parametrize("delays, gap, comm", [([1.0], False, 1.0), ([1.0], True, 1.0), ([1.0], True, 4.0),
                                               ([0.2], False, 1.0), ([3.5], False, 1.0), ([], False, 1.0)])
def test_user_set_delay_extrema(nest, ng, delays, gap, comm):
    def build(sim):
        sim.set(min_delay=0.5, max_delay=3.0, wfr_comm_interval=comm)
        a = sim.Create(HH, 2)
        for d in delays:
            sim.Connect(a[0], a[1], syn_spec={"delay": d})
        if gap:
            sim.Connect(a[0], a[1], {"rule": "one_to_one", "make_symmetric": True}, "gap_junction")
        sim.Simulate(2.0)
        return sim.GetKernelStatus(["min_delay", "max_delay", "biological_time"])
    assert_same(nest, ng, build)


def test_delay_extrema_only_grow(nest, ng):
    """Changing a connection's delay widens the extrema; the old delay still counts."""
    def build(sim):
        a = sim.Create(HH, 2)
        sim.Connect(a[0], a[1], syn_spec={"delay": 1.0})
        sim.GetConnections().set(delay=0.5)
        return sim.GetKernelStatus(["min_delay", "max_delay"]), sim.GetConnections().delay
    assert assert_same(nest, ng, build) == ((0.5, 1.0), 0.5)


def test_device_connections_count_for_min_delay(nest, ng):
    def build(sim):
        sr = sim.Create("spike_recorder")
        n = sim.Create(HH)
        mm = sim.Create("multimeter", params={"record_from": ["V_m"]})
        pg = sim.Create("poisson_generator")
        sim.Connect(n, sr, syn_spec={"delay": 0.3})
        sim.Connect(mm, n, syn_spec={"delay": 2.0})
        sim.Connect(pg, n, syn_spec={"delay": 0.7})
        return sim.GetKernelStatus(["min_delay", "max_delay"])
    assert assert_same(nest, ng, build) == (0.3, 2.0)


# ==================================================================================================
# biological_time

def test_biological_time_after_simulate(nest, ng):
    def build(sim):
        sim.Create(HH)
        seen = []
        for t in (1.0, 0.3, 0.0, 2.5):
            sim.Simulate(t)
            seen.append(sim.biological_time)
        return seen
    assert assert_same(nest, ng, build) == [1.0, 1.3, 1.3, 3.8000000000000003]  # 38 steps of 0.1 ms


def test_biological_time_reset_to_zero(nest, ng):
    """Setting biological_time to 0 restarts the clock; the network keeps its state."""
    def build(sim):
        n = sim.Create(HH, 1, {"I_e": 500.0})
        sr = sim.Create("spike_recorder")
        sim.Connect(n, sr)
        sim.Simulate(20.0)
        sim.biological_time = 0.0
        time_after_reset = sim.biological_time
        sim.Simulate(20.0)
        with pytest.raises(sim.NESTErrors.KernelException):
            sim.resolution = 0.05  # still simulated
        return time_after_reset, sim.biological_time, sr.events["times"].tolist(), n.V_m
    assert assert_same(nest, ng, build)[:2] == (0.0, 20.0)


def test_a_sequence_for_a_number_is_named_as_nest_names_it(nest, ng):
    """NEST names the C++ type it was given: std::vector<double, ...> for a list of floats."""
    assert_same_error(nest, ng, lambda sim: sim.SetKernelStatus({"resolution": [0.1]}))


def test_a_bool_is_a_number_for_a_synapse_default_as_nest(nest, ng):
    def build(sim):
        sim.SetDefaults("static_synapse", {"weight": True})
        return sim.GetDefaults("static_synapse")["weight"]
    assert assert_same(nest, ng, build) == 1.0
