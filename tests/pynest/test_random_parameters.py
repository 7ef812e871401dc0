"""nestgap.random (nest.random): distributions, determinism, arithmetic, and NEST 3.10."""

import math

import numpy as np
import pytest

import nest

import nestgap
import nestgap.random as ngr
from nestgap.rng import RandomStreams
from nestgap.exceptions import BadProperty

nest.verbosity = nest.VerbosityLevel.ERROR

N = 200_000


def rng(seed=1):
    """A fresh stream: the vp-specific stream of VP 0 of NEST's default generator with ``seed``."""
    return RandomStreams(rng_seed=seed).vp_specific[0]


def assert_moments(x, mean, var, k=6.0):
    """Sample mean and variance within k standard errors (variance: normal approximation
    with the sample fourth central moment)."""
    n = len(x)
    assert abs(x.mean() - mean) < k * math.sqrt(var / n), (x.mean(), mean)
    m4 = np.mean((x - x.mean()) ** 4)
    assert abs(x.var() - var) < k * math.sqrt(max(m4 - var**2, 1e-300) / n), (x.var(), var)


# --------------------------------------------------------------------------- distributions

def test_uniform():
    x = ngr.uniform(-80.0, -40.0).values_on(rng(), N)
    assert x.dtype == np.float64 and x.shape == (N,)
    assert x.min() >= -80.0 and x.max() < -40.0
    assert_moments(x, -60.0, 40.0**2 / 12)
    d = ngr.uniform().values_on(rng(), N)  # defaults [0, 1)
    assert d.min() >= 0.0 and d.max() < 1.0
    assert_moments(d, 0.5, 1 / 12)


def test_uniform_int():
    x = ngr.uniform_int(5).values_on(rng(), N)
    assert x.dtype == np.float64
    assert set(np.unique(x)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    counts = np.bincount(x.astype(int))
    assert np.all(np.abs(counts - N / 5) < 6 * math.sqrt(N * 0.2 * 0.8))
    assert np.all(ngr.uniform_int(1).values_on(rng(), 10) == 0.0)


def test_normal():
    assert_moments(ngr.normal(3.0, 2.0).values_on(rng(), N), 3.0, 4.0)
    assert_moments(ngr.normal().values_on(rng(), N), 0.0, 1.0)


def test_lognormal():
    mu, s = 0.5, 0.4  # mean/std of the underlying normal, as NEST
    x = ngr.lognormal(mu, s).values_on(rng(), N)
    assert x.min() > 0
    assert_moments(x, math.exp(mu + s * s / 2), (math.exp(s * s) - 1) * math.exp(2 * mu + s * s))
    assert_moments(np.log(x), mu, s * s)


def test_exponential():
    x = ngr.exponential(2.5).values_on(rng(), N)
    assert x.min() >= 0
    assert_moments(x, 2.5, 2.5**2)
    assert np.all(ngr.exponential(0.0).values_on(rng(), 5) == 0.0)  # NEST accepts beta = 0


def test_draw_zero_and_getvalue():
    assert ngr.normal().values_on(rng(), 0).shape == (0,)
    v = ngr.uniform(2.0, 3.0).GetValue()
    assert isinstance(v, float) and 2.0 <= v < 3.0
    nestgap.ResetKernel()
    nestgap.rng_seed = 9  # GetValue draws from the kernel's generator
    a = ngr.normal().GetValue()
    nestgap.rng_seed = 9
    assert ngr.normal().GetValue() == a
    nestgap.ResetKernel()


def test_is_parameter():
    assert ngr.is_parameter(ngr.uniform())
    assert ngr.is_parameter(ngr.uniform() * 2)
    assert not ngr.is_parameter(1.0)
    assert not ngr.is_parameter([1.0, 2.0])
    assert not ngr.is_parameter(nest.random.uniform())  # NEST's own objects are not ours


# --------------------------------------------------------------------------- determinism

@pytest.mark.parametrize("make", [lambda: ngr.uniform(1, 2), lambda: ngr.uniform_int(7), lambda: ngr.normal(),
                                  lambda: ngr.lognormal(), lambda: ngr.exponential(),
                                  lambda: (ngr.uniform() + ngr.normal()) * 2 - 1 / ngr.uniform(1, 2)])
def test_deterministic_for_seeded_rng(make):
    p = make()
    a, b, c = p.values_on(rng(5), 1000), p.values_on(rng(5), 1000), p.values_on(rng(6), 1000)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.array_equal(make().values_on(rng(5), 1000), a)  # a fresh but equal parameter too


# --------------------------------------------------------------------------- arithmetic

def test_each_operand_drawn_once_per_element():
    """As NEST's value(): per element the left operand, then the right one."""
    u, v = ngr.uniform(), ngr.normal()
    r = rng(3)
    pairs = [(u.values_on(r, 1)[0], v.values_on(r, 1)[0]) for _ in range(100)]
    expected_u, expected_v = np.array(pairs).T
    assert np.array_equal((u + v).values_on(rng(3), 100), expected_u + expected_v)
    assert np.array_equal((u * v).values_on(rng(3), 100), expected_u * expected_v)
    assert np.array_equal((u - v).values_on(rng(3), 100), expected_u - expected_v)
    assert np.array_equal((u / v).values_on(rng(3), 100), expected_u / expected_v)


def test_arithmetic_with_numbers():
    u = ngr.uniform()  # mean 1/2, variance 1/12
    assert_moments((u * 4 + 1).values_on(rng(), N), 3.0, 16 / 12)
    assert_moments((4 * u - 1).values_on(rng(), N), 1.0, 16 / 12)
    assert_moments((1 + u).values_on(rng(), N), 1.5, 1 / 12)
    assert_moments((2 - u).values_on(rng(), N), 1.5, 1 / 12)
    assert_moments((u / 2).values_on(rng(), N), 0.25, 1 / 48)
    assert_moments((-u).values_on(rng(), N), -0.5, 1 / 12)
    assert (+u) is u
    assert_moments((u**2).values_on(rng(), N), 1 / 3, 1 / 5 - 1 / 9)
    w = (1.0 / ngr.uniform(1.0, 2.0)).values_on(rng(), N)  # E = ln 2, E[x^2] = 1/2
    assert_moments(w, math.log(2), 0.5 - math.log(2) ** 2)
    assert np.all(np.isinf((u / 0).values_on(rng(), 10)))  # as NEST: inf, no error


def test_same_parameter_twice_is_drawn_independently():
    u = ngr.uniform()
    s = (u + u).values_on(rng(), N)  # two independent draws: variance 2/12 (not 4/12)
    assert_moments(s, 1.0, 2 / 12)
    d = (u - u).values_on(rng(), N)
    assert_moments(d, 0.0, 2 / 12)


def test_arithmetic_of_parameters():
    x = (ngr.normal(1.0, 1.0) + ngr.normal(2.0, 2.0)).values_on(rng(), N)
    assert_moments(x, 3.0, 5.0)
    y = (ngr.normal(0.0, 1.0) * ngr.normal(0.0, 2.0)).values_on(rng(), N)
    assert_moments(y, 0.0, 4.0)


def test_operand_errors_as_pynest():
    u = ngr.uniform()
    with pytest.raises(NotImplementedError):
        u + "a"
    with pytest.raises(NotImplementedError):
        u * np.ones(3)
    with pytest.raises(NotImplementedError):
        np.ones(3) * u
    with pytest.raises(TypeError, match="float"):
        u ** ngr.uniform()
    with pytest.raises(TypeError):
        2 ** u


# --------------------------------------------------------------------------- errors, compared with NEST

@pytest.mark.parametrize("call", [
    "uniform(2.0, 1.0)", "uniform(1.0, 1.0)", "normal(0.0, -1.0)", "normal(0.0, 0.0)", "lognormal(0.0, -1.0)",
    "lognormal(0.0, 0.0)", "uniform_int(0)", "uniform_int(-1)", "uniform_int(2.5)", "uniform('a')",
])
def test_argument_errors_match_nest(call):
    with pytest.raises(Exception) as theirs:
        eval("nest.random." + call)
    with pytest.raises(Exception) as ours:
        eval("ngr." + call)
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert str(ours.value) == str(theirs.value)
    if type(theirs.value).__name__ == "BadProperty":
        assert isinstance(ours.value, BadProperty)


def test_exponential_beta_unchecked_as_nest():
    assert nest.random.exponential(-1.0).GetValue() <= 0
    assert ngr.exponential(-1.0).GetValue() <= 0


# --------------------------------------------------------------------------- moments against NEST

N_NEST = 20_000


def nest_draws(param):
    """N_NEST values of a NEST parameter, drawn by NEST into I_e of iaf_psc_alpha nodes."""
    nest.ResetKernel()
    nest.rng_seed = 4321
    nodes = nest.Create("iaf_psc_alpha", N_NEST, {"I_e": param})
    return np.asarray(nodes.get("I_e"), dtype=float)


def assert_same_distribution(theirs, ours, k=6.0):
    """Two-sample comparison of mean, variance and a few quantiles."""
    n1, n2 = len(theirs), len(ours)
    v = max(theirs.var(), ours.var())
    assert abs(theirs.mean() - ours.mean()) < k * math.sqrt(v / n1 + v / n2), (theirs.mean(), ours.mean())
    for x, y in ((theirs, ours), (ours, theirs)):
        m4 = np.mean((x - x.mean()) ** 4)
        se = math.sqrt(max(m4 - x.var() ** 2, 1e-300) / len(x))
        assert abs(x.var() - y.var()) < k * math.sqrt(2) * se, (theirs.var(), ours.var())
    for q in (0.1, 0.5, 0.9):  # fractions below NEST's quantiles (also for discrete values)
        t = np.quantile(theirs, q)
        f1, f2 = np.mean(theirs <= t), np.mean(ours <= t)
        f = (f1 + f2) / 2
        assert abs(f1 - f2) < k * math.sqrt(f * (1 - f) * (1 / n1 + 1 / n2)) + 1e-12, (q, f1, f2)


@pytest.mark.parametrize("name,args", [
    ("uniform", (-80.0, -40.0)), ("uniform", ()), ("normal", (-60.0, 5.0)), ("lognormal", (0.5, 0.4)),
    ("lognormal", ()), ("exponential", (3.0,)), ("uniform_int", (7,)),
])
def test_moments_match_nest(name, args):
    theirs = nest_draws(getattr(nest.random, name)(*args))
    ours = getattr(ngr, name)(*args).values_on(rng(11), N_NEST)
    assert_same_distribution(theirs, ours)
    if name == "uniform":
        lo, hi = args or (0.0, 1.0)
        for x in (theirs, ours):
            assert x.min() >= lo and x.max() < hi
    if name == "uniform_int":
        assert set(np.unique(theirs)) == set(np.unique(ours)) == set(map(float, range(args[0])))


def test_composed_moments_match_nest():
    theirs = nest_draws(nest.random.uniform(0.0, 2.0) * nest.random.normal(1.0, 0.5) - 3.0)
    ours = (ngr.uniform(0.0, 2.0) * ngr.normal(1.0, 0.5) - 3.0).values_on(rng(12), N_NEST)
    assert_same_distribution(theirs, ours)
    theirs = nest_draws(1.0 / nest.random.uniform(1.0, 2.0) + nest.random.exponential(1.0) ** 2)
    ours = (1.0 / ngr.uniform(1.0, 2.0) + ngr.exponential(1.0) ** 2).values_on(rng(13), N_NEST)
    assert_same_distribution(theirs, ours)


def _set_with_a_random_entry(sim):
    """set() with a random entry beside list-valued ones (NEST 3.10: a Parameter is no iterable)."""
    sim.ResetKernel()
    generators = sim.Create("poisson_generator", 2)
    generators.set({"rate": sim.random.uniform(1.0, 3.0), "label": "ab"})
    meters = sim.Create("multimeter", 2)
    meters.set({"record_from": ["V_m"], "interval": sim.random.uniform_int(1) + 1.0})
    return (generators.get("label"), generators.get("rate"), meters.get("record_from"), meters.get("interval"))


def test_a_random_entry_does_not_split_the_others_as_nest():
    theirs, ours = _set_with_a_random_entry(nest), _set_with_a_random_entry(nestgap)
    assert theirs[0] == ours[0] == ("ab", "ab")
    assert list(theirs[1]) == list(ours[1])  # drawn bit for bit, one value per generator
    assert [tuple(r) for r in theirs[2]] == [tuple(r) for r in ours[2]] == [("V_m",), ("V_m",)]
    assert list(theirs[3]) == list(ours[3]) == [1.0, 1.0]
