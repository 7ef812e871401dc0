"""nestgap.rng against NEST 3.10, draw by draw: seeding, the six engines, the distributions,
NEST's parameters and their caches, the rank-synced stream and the compilation modes."""

import numpy as np
import pytest

import nestgap.random as ngr
from nestgap.exceptions import BadProperty, TypeMismatch
from nestgap.rng import RNG_TYPES, RandomStreams, Stream, check_rng_seed, check_rng_type, compiled, draws
from nestgap.rng import kernels, new_cache, seeding
from nestgap.rng.programs import ProgramSet

SEEDS = (143202461, 12345)
VPS = (1, 2, 3, 8)


def nest_kernel(nest, n_vp=1, seed=143202461, rng_type="mt19937_64"):
    nest.ResetKernel()
    nest.total_num_virtual_procs = n_vp
    nest.rng_seed = seed
    nest.rng_type = rng_type


def test_engines_listed_as_nest(nest):
    assert RNG_TYPES == tuple(nest.rng_types)
    assert (nest.rng_type, nest.rng_seed) == ("mt19937_64", 143202461)
    streams = RandomStreams()
    assert (streams.rng_type, streams.rng_seed, streams.n_vp) == ("mt19937_64", 143202461, 1)


def test_mt19937_64_standard_check_value():
    """C++ [rand.predef]: the 10000th output of a default-seeded mt19937_64 (seed 5489, the
    standard's integer seeding, not NEST's) is 9981545732273789042."""
    state = np.zeros(kernels.STATE_SIZE, np.uint64)
    x = [5489]
    for i in range(1, 312):
        x.append((6364136223846793005 * (x[-1] ^ (x[-1] >> 62)) + i) & (2**64 - 1))
    state[2:314], state[1] = x, 312
    out = np.zeros(10000, np.uint64)
    compiled.functions().raw_fill(state, out)
    assert int(out[-1]) == 9981545732273789042


@pytest.mark.parametrize("rng_type", RNG_TYPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_rank_synced_drand_of_every_engine(nest, rng_type, seed):
    """GetValue() of uniform(0, 1) is drand() of the rank-synced stream: 600 values (past the
    first regeneration of both Mersenne Twisters' state)."""
    nest_kernel(nest, seed=seed, rng_type=rng_type)
    p = nest.random.uniform()
    theirs = [p.GetValue() for _ in range(600)]
    streams = RandomStreams(rng_type, seed)
    assert streams.rank_synced.drand(600).tolist() == theirs


@pytest.mark.parametrize("rng_type", RNG_TYPES)
def test_uniform_int_down_and_upscaling(nest, rng_type):
    """ulrand(n) by GCC 10's uniform_int_distribution: downscaling, the engine's full range,
    and (32-bit engines) upscaling for n > 2^32."""
    nest_kernel(nest, seed=99, rng_type=rng_type)
    limits = (7, 500, 2**32, 2**32 + 1, 2**40 + 12345, 2**63 - 1)
    theirs = [[nest.random.uniform_int(n).GetValue() for _ in range(30)] for n in limits]
    streams = RandomStreams(rng_type, 99)
    ours = [[draws.get_value(ngr.uniform_int(n), streams) for _ in range(30)] for n in limits]
    assert ours == theirs


def node_draws(nest, n_vp, seed, entries, n_nodes=23, rng_type="mt19937_64"):
    """(NEST's values, ours) of random entries of iaf_psc_alpha nodes; entries are
    (key, factory of the parameter from a nest.random-like module) in the model's read order."""
    nest_kernel(nest, n_vp, seed, rng_type)
    nodes = nest.Create("iaf_psc_alpha", n_nodes)
    nodes.set({key: make(nest.random) for key, make in entries})
    theirs = {key: np.array(nodes.get(key)) for key, _ in entries}
    streams = RandomStreams(rng_type, seed, n_vp)
    ids = np.arange(1, n_nodes + 1)
    drawn = draws.node_values(ids, [(key, make(ngr)) for key, make in entries], streams)
    ours = {key: drawn[key][np.arange(n_nodes), ids % n_vp] for key, _ in entries}
    return theirs, ours, streams


# iaf_psc_alpha reads I_e, C_m and tau_m in this order, V_m last (iaf_psc_alpha.cpp:148-191)
ENTRIES = [("I_e", lambda r: r.exponential(3.0)), ("C_m", lambda r: r.lognormal(5.0, 0.1)),
           ("tau_m", lambda r: r.uniform_int(7) + 5.0), ("V_m", lambda r: r.normal(-60.0, 5.0))]


@pytest.mark.parametrize("n_vp", VPS)
@pytest.mark.parametrize("seed", SEEDS)
def test_node_parameters_per_vp(nest, n_vp, seed):
    theirs, ours, _ = node_draws(nest, n_vp, seed, ENTRIES)
    for key, _ in ENTRIES:
        assert ours[key].tolist() == theirs[key].tolist(), key


@pytest.mark.parametrize("rng_type", RNG_TYPES)
def test_node_parameters_of_every_engine(nest, rng_type):
    theirs, ours, _ = node_draws(nest, 3, 2024, ENTRIES, rng_type=rng_type)
    for key, _ in ENTRIES:
        assert ours[key].tolist() == theirs[key].tolist(), key


@pytest.mark.parametrize("n_vp", (1, 3))
def test_arithmetic_as_pynest_builds_it(nest, n_vp):
    """c - p is p * -1 + c, c / p is p ** -1 * c (different roundings than c / p), operands
    left first; observed on I_e (stored as given; V_m is stored relative to E_L)."""
    made = [lambda r: 3.0 - r.uniform(1.0, 2.0), lambda r: 3.0 / r.uniform(1.0, 2.0),
            lambda r: r.uniform() / r.normal(0.0, 2.0), lambda r: -r.uniform(0.0, 5.0) ** 1.7,
            lambda r: (r.uniform() + 2.0) * (r.exponential(0.5) - r.normal(1.0, 1.0)),
            lambda r: r.uniform() / 0.0]
    for make in made:
        theirs, ours, _ = node_draws(nest, n_vp, 7, [("I_e", make)])
        assert ours["I_e"].tolist() == theirs["I_e"].tolist()


def test_normal_keeps_its_second_value_per_thread(nest):
    """NEST's normal parameter has one distribution per thread; GetValue() uses thread 0's, so
    its leftover polar value goes to the next node of thread 0, and the same parameter object
    carries it from one set() to the next."""
    for n_vp in (1, 2):
        nest_kernel(nest, n_vp, 5)
        nodes = nest.Create("iaf_psc_alpha", 5)
        p = nest.random.normal(0.0, 1.0)
        theirs = [p.GetValue() for _ in range(3)]
        nodes.I_e = p
        nodes.C_m = p + 300.0
        streams = RandomStreams("mt19937_64", 5, n_vp)
        q = ngr.normal(0.0, 1.0)
        ours = [draws.get_value(q, streams) for _ in range(3)]
        ids = np.arange(1, 6)
        i_e = draws.node_values(ids, [("I_e", q)], streams)["I_e"][np.arange(5), ids % n_vp]
        c_m = draws.node_values(ids, [("C_m", q + 300.0)], streams)["C_m"][np.arange(5), ids % n_vp]
        assert ours == theirs
        assert i_e.tolist() == list(nodes.I_e)
        assert c_m.tolist() == list(nodes.C_m)


@pytest.mark.parametrize("n_vp", (1, 2, 3))
def test_simulate_draws_on_the_rank_synced_stream(nest, n_vp):
    """check_rng_synchrony: 5 drand() of the rank-synced stream (and 5 rounds over the
    vp-synced ones) before and, for a non-empty run, after each Run."""
    nest_kernel(nest, n_vp, 31)
    p = nest.random.uniform()
    theirs = []
    for t in (0.0, 1.0, 2.5):
        nest.Simulate(t)
        theirs.append(p.GetValue())
    streams = RandomStreams("mt19937_64", 31, n_vp)
    ours = []
    for t in (0.0, 1.0, 2.5):
        draws.run(streams, int(t / 0.1))
        ours.append(draws.get_value(ngr.uniform(), streams))
    assert ours == theirs


def test_vp_synced_streams_and_their_check():
    streams = RandomStreams("mt19937_64", 3, 3)
    assert len({tuple(s.drand(5)) for s in streams.vp_synced}) == 1
    streams.vp_synced[1].drand()
    with pytest.raises(Exception, match="Thread-synchronized random number generators are out of sync."):
        streams.check_rng_synchrony()


@pytest.mark.parametrize("key,value", [("rng_seed", 0), ("rng_seed", 2**32), ("rng_seed", -5), ("rng_seed", 1.5),
                                       ("rng_seed", "abc"), ("rng_seed", True), ("rng_type", "foo"),
                                       ("rng_type", 5)])
def test_setting_errors_as_nest(nest, key, value):
    with pytest.raises(nest.NESTErrors.KernelException) as theirs:
        setattr(nest, key, value)
    check = check_rng_seed if key == "rng_seed" else check_rng_type
    with pytest.raises((BadProperty, TypeMismatch)) as ours:
        check(value)
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert str(ours.value) == str(theirs.value)
    assert check_rng_seed(2**32 - 1) == 2**32 - 1


def test_seed_sequence_words():
    """seed_seq_fe128 mixes every input into every output word; inputs beyond the fourth too."""
    a = seeding.seed_seq_fe128([1, 2], 8)
    assert a != seeding.seed_seq_fe128([1, 3], 8) and a[:4] != a[4:]
    assert seeding.seed_seq_fe128([1, 2, 3, 4, 5], 4) != seeding.seed_seq_fe128([1, 2, 3, 4, 6], 4)
    assert all(0 <= w < 2**32 for w in a)


# --------------------------------------------------------------------------- compilation modes

def _all_kernels(f):
    """A fixed mix of draws of every exported kernel, from fresh states of every engine."""
    results = []
    for rng_type in RNG_TYPES:
        state = seeding.initial_state(rng_type, (8, 9, 10))
        raw = np.zeros(5, np.uint64)
        f.raw_fill(state, raw)
        values = np.zeros(20)
        f.canonical_fill(state, values)
        ints = np.zeros(20, np.int64)
        f.ulrand_fill(state, np.uint64(2**40 + 3), ints)
        cache = new_cache()
        normals = np.zeros(7)
        f.normal_fill(state, cache, 1.0, 2.0, normals)
        counts = np.zeros((3, 4), np.int64)
        f.poisson_fill(state, cache, f.poisson_param(0.7), counts)
        big = np.zeros((2, 3), np.int64)
        f.poisson_fill(state, cache, f.poisson_param(40.0), big)
        binomials = np.zeros(6, np.int64)
        f.binomial_fill(state, cache, 3, f.binomial_param(3, 0.4), binomials[:3])
        f.binomial_fill(state, cache, 200, f.binomial_param(200, 0.7), binomials[3:])
        programs = ProgramSet([ngr.normal(0.0, 1.0) * ngr.uniform() - 2.0 / ngr.lognormal(), ngr.exponential(2.0)])
        out = np.zeros((4, 2))
        caches = programs.gather(2)
        f.evaluate_rows(state, caches, np.array([0, 1, 1, 0]), programs.code, programs.starts, out)
        ids = np.arange(1, 9)
        vp, device = ids % 2, np.zeros(8, np.bool_)
        rows = f.fixed_indegree(state, caches, 0, programs.code, programs.starts[:2], programs.starts[1],
                                programs.starts[2], ids, vp, device, ids, vp, device, True, False, False)
        results.append([raw, values, ints, normals, counts, big, binomials, out, rows, state.copy()])
    return results


def test_compiled_and_plain_python_agree():
    """The exported kernels compiled (NESTGAP_JIT's mode, ahead of time by default) and as
    plain Python (NESTGAP_JIT=0) give identical bits and leave identical states."""
    compiled_results = _all_kernels(compiled.functions())
    python_results = _all_kernels(compiled.functions("python"))
    for theirs, ours in zip(compiled_results, python_results):
        for a, b in zip(theirs, ours):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def test_stream_methods():
    s = Stream("mt19937_64", (1, 2))
    twin = s.copy()
    assert s.drand() == twin.drand(1)[0]
    assert 0 <= s.ulrand(10) < 10
    assert s.poisson(new_cache(), 2.0, (3, 4)).shape == (3, 4)
    assert s.binomial(new_cache(), 10, 0.5, 4).max() <= 10
    assert s.normal(new_cache(), 0.0, 1.0, 3).shape == (3,)
    assert s.raw(2).dtype == np.uint64


def test_values_on_one_stream(nest):
    """Parameter.values_on(stream, n): n successive values on one stream, as n GetValue()."""
    nest_kernel(nest, 1, 17)
    p = nest.random.lognormal(0.5, 0.25) * nest.random.uniform_int(4)
    theirs = [p.GetValue() for _ in range(9)]
    streams = RandomStreams("mt19937_64", 17)
    assert (ngr.lognormal(0.5, 0.25) * ngr.uniform_int(4)).values_on(streams.rank_synced, 9).tolist() == theirs
