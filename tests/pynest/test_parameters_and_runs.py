"""PyNEST's CreateParameter, nest.math, nest.logic and comparisons of parameters, Prepare/Run/Cleanup,
build_info and model_id, side by side with NEST 3.10: values drawn bit for bit, errors by class."""

import pytest
from support import assert_same, assert_same_error, outcome

HH = "hh_psc_alpha_gap"


def draws(sim):
    """A sequence of GetValue() and node draws that goes through every kind of parameter."""
    u = sim.random.uniform(0.0, 1.0)
    c = sim.CreateParameter("constant", {"value": 0.25})
    values = [sim.CreateParameter(kind, spec).GetValue()
              for kind, spec in (("constant", {"value": 3}), ("uniform", {"min": -2.0}), ("normal", {"mean": 1.0}),
                                 ("lognormal", {}), ("exponential", {"beta": 2.0}), ("uniform_int", {"max": 7}))]
    values += [sim.math.exp(u).GetValue(), sim.math.sin(u * 3).GetValue(), sim.math.cos(u - c).GetValue(),
               sim.math.min(u, 0.5).GetValue(), sim.math.max(u, 0.5).GetValue(),
               sim.math.redraw(sim.random.normal(), 0.5, 0.6).GetValue(),
               (u < c).GetValue(), (u <= 0.5).GetValue(), (u == u).GetValue(), (u != c).GetValue(),
               (u >= c).GetValue(), (u > 0.5).GetValue(),
               # only the chosen branch is drawn
               sim.logic.conditional(u > 0.5, u, sim.random.normal(5.0, 1.0)).GetValue(), u.GetValue()]
    nodes = sim.Create(HH, 6, {"V_m": sim.logic.conditional(u < 0.5, -70.0,
                                                             sim.math.redraw(sim.random.normal(-60.0, 10.0),
                                                                             -65.0, -55.0))})
    return values + list(nodes.V_m)


def test_parameter_values_as_nest(nest, ng):
    assert_same(nest, ng, draws)


@pytest.mark.parametrize("bound", ["0.5", True, "a", None], ids=["numeric-string", "bool", "string", "none"])
def test_min_and_max_take_what_float_takes_as_pynest(nest, ng, bound):
    def build(sim):
        u = sim.random.uniform(0.0, 1.0)
        return sim.math.min(u, bound).GetValue(), sim.math.max(u, bound).GetValue()
    assert outcome(ng, build)[:2] == outcome(nest, build)[:2]


@pytest.mark.parametrize("args", [("uniform", {"min": "a"}), ("uniform", 3), ("uniform", {"min": [1.0]}),
                                  ("uniform", {"min": None}), ("uniform", {"foo": 1, "bar": 2})],
                         ids=["string", "not-a-dict", "list", "none", "unknown-keys"])
def test_create_parameter_errors_as_nest(nest, ng, args):
    assert_same_error(nest, ng, lambda sim: sim.CreateParameter(*args))


def test_redraw_gives_up_after_nest_s_number_of_draws(nest, ng):
    """NEST gives up after 1000 draws; the next value shows how many were drawn."""
    def build(sim):
        u = sim.random.uniform(0.0, 1.0)
        try:
            sim.math.redraw(u, 2.0, 3.0).GetValue()
        except sim.NESTError as error:
            return type(error).__name__, u.GetValue()
    assert assert_same(nest, ng, build)[0] == "KernelException"


@pytest.mark.parametrize("call", [
    lambda sim: sim.CreateParameter("no_such_type", {}),
    lambda sim: sim.CreateParameter("constant", {"value": 1.0, "extra": 2.0}),
    lambda sim: sim.CreateParameter("constant", {"value": "a"}),
    lambda sim: sim.CreateParameter("constant", []),
    lambda sim: sim.CreateParameter("uniform", {"min": 1.0, "max": 0.0}),
    lambda sim: sim.CreateParameter("normal", {"std": -1.0}),
    lambda sim: sim.math.redraw(sim.random.uniform(), 3.0, 2.0),
], ids=["unknown type", "unknown key", "string value", "not a dict", "min > max", "negative std", "redraw limits"])
def test_parameter_errors_as_nest(nest, ng, call):
    expected, actual = outcome(nest, call), outcome(ng, call)
    assert expected[0] == actual[0] == "raise"
    assert actual[1] == expected[1]
    assert actual[2]


def test_missing_constant_value(nest, ng):
    assert outcome(nest, lambda sim: sim.CreateParameter("constant", {}))[1] == "IndexError"
    assert outcome(ng, lambda sim: sim.CreateParameter("constant", {}))[:2] == ("raise", "IndexError")


def test_prepare_run_cleanup_as_nest(nest, ng):
    def build(sim):
        n = sim.Create(HH, params={"I_e": 300.0})
        sr = sim.Create("spike_recorder")
        sim.Connect(n, sr)
        states = [sim.GetKernelStatus("prepared")]
        sim.Prepare()
        states.append(sim.GetKernelStatus("prepared"))
        for _ in range(20):
            sim.Run(2.5)
        n.I_e = 0.0  # allowed between runs
        sim.Run(10.0)
        sim.Cleanup()
        with sim.RunManager():
            sim.Run(5.0)
            states.append(sim.GetKernelStatus("prepared"))
        states.append(sim.GetKernelStatus("prepared"))
        return states, sim.biological_time, list(sr.events["times"]), n.V_m
    states = assert_same(nest, ng, build)[0]
    assert states == [False, True, True, False]


@pytest.mark.parametrize("call", [
    lambda sim: sim.Run(1.0),
    lambda sim: sim.Cleanup(),
    lambda sim: (sim.Prepare(), sim.Prepare()),
    lambda sim: (sim.Prepare(), sim.Simulate(1.0)),
    lambda sim: (sim.Prepare(), sim.Run(1.0), sim.Cleanup(), sim.Run(1.0)),
], ids=["run unprepared", "cleanup unprepared", "prepare twice", "simulate prepared", "run after cleanup"])
def test_run_order_errors_as_nest(nest, ng, call):
    message = assert_same_error(nest, ng, call, nest_message=False)
    assert "Prepare" in message


@pytest.mark.parametrize("change", [
    lambda sim, sr, mm: sr.set(start=1.0),
    lambda sim, sr, mm: sr.set(n_events=0),
    lambda sim, sr, mm: mm.set(interval=2.0),
    lambda sim, sr, mm: sim.SetDefaults("spike_recorder", {"start": 1.0}),
], ids=["recorder start", "recorder n_events", "multimeter interval", "recorder defaults"])
def test_recorders_are_fixed_between_prepare_and_cleanup_as_nest(nest, ng, change):
    def build(sim):
        sr, mm = sim.Create("spike_recorder"), sim.Create("multimeter")
        sim.Prepare()
        try:
            change(sim, sr, mm)
        finally:
            sim.Cleanup()
    assert_same_error(nest, ng, build)


def test_generators_may_change_between_prepare_and_cleanup_as_nest(nest, ng):
    def build(sim):
        pg = sim.Create("poisson_generator")
        sim.Prepare()
        pg.set(rate=3.0)
        sim.Cleanup()
        return pg.rate
    assert assert_same(nest, ng, build) == 3.0


def test_reset_kernel_ends_prepare(nest, ng):
    def build(sim):
        sim.Prepare()
        sim.ResetKernel()
        return sim.GetKernelStatus("prepared")
    assert assert_same(nest, ng, build) is False


def test_build_info_flags_the_conftest_reads(nest, ng):
    keys = ("have_threads", "have_gsl", "have_boost", "have_mpi", "have_hdf5", "have_music", "version")
    assert {k: ng.build_info[k] for k in keys} == {k: nest.build_info[k] for k in keys}


def test_model_id_orders_copies_after_originals(nest, ng):
    def build(sim):
        original = sim.Create(HH)
        sim.CopyModel(HH, "my_hh")
        copy = sim.Create("my_hh")
        return (copy.model_id > original.model_id, sim.GetDefaults("my_hh")["model_id"] == copy.model_id,
                isinstance(original.model_id, int))
    assert assert_same(nest, ng, build) == (True, True, True)


def test_nest_error_is_the_base_class(nest, ng):
    assert issubclass(ng.NESTErrors.BadProperty, ng.NESTError)
    assert ng.NESTError.__name__ == nest.NESTError.__name__
