"""nestgap.rng.draws against NEST 3.10: who draws what, in which order, at 1, 2, 3 and 8
virtual processes. Every comparison also checks where the streams stand afterwards: a
random I_e for every node (vp-specific streams) and GetValue() (rank-synced stream) must
come out as NEST's."""

import numpy as np
import pytest

import nestgap.random as ngr
from nestgap.exceptions import NotImplemented as NGNotImplemented
from nestgap.rng import RandomStreams, draws, new_cache

VPS = (1, 2, 3, 8)
N = 30
H = 0.1


def connection_set(sources, targets, weights, delays):
    """Connections as a sorted list of (source, target, weight, delay in steps): NEST's
    GetConnections order (threads in turn, sources sorted) is not the creation order."""
    steps = np.round(np.asarray(delays, float) / H).astype(int)
    return sorted(zip(np.asarray(sources).tolist(), np.asarray(targets).tolist(),
                      np.asarray(weights, float).tolist(), steps.tolist()))


def ours_as_set(result):
    rows = []
    for vp, c in result.items():
        assert np.all((c.target % len(result) == vp) | (c.source % len(result) == vp))
        n = c.source.size
        rows += connection_set(c.source, c.target, c.values.get("weight", np.ones(n)),
                               c.values.get("delay", np.full(n, 1.0)))
    return sorted(rows)


def compare_rule(nest, n_vp, connect, ours, seed=12345, rng_type="mt19937_64", same=False, n=N):
    """NEST: Create two populations (or one), ``connect(nest, a, b)``; nestgap: ``ours(streams,
    a, b)``; compare the connections, then I_e = uniform() for all nodes and GetValue()."""
    nest.ResetKernel()
    nest.total_num_virtual_procs = n_vp
    nest.rng_seed = seed
    nest.rng_type = rng_type
    a = nest.Create("iaf_psc_alpha", n)
    b = a if same else nest.Create("iaf_psc_alpha", n)
    connect(nest, a, b)
    c = nest.GetConnections()
    theirs = connection_set(c.source, c.target, c.weight, c.delay)
    nodes = a if same else a + b
    nodes.I_e = nest.random.uniform(0.0, 1.0)
    theirs_after = list(nodes.I_e)
    theirs_value = nest.random.uniform().GetValue()

    streams = RandomStreams(rng_type, seed, n_vp)
    result = ours(streams, np.array(a.tolist()), np.array(b.tolist()))
    ids = np.array(nodes.tolist())
    after = draws.node_values(ids, [("I_e", ngr.uniform(0.0, 1.0))], streams)["I_e"][np.arange(ids.size), ids % n_vp]
    assert ours_as_set(result) == theirs
    assert after.tolist() == theirs_after
    assert draws.get_value(ngr.uniform(), streams) == theirs_value
    return len(theirs)


def syn(r):
    """Random weight and delay: NEST draws the delay first."""
    return {"weight": r.normal(10.0, 2.0), "delay": r.uniform(1.0, 3.0)}


RULES = {
    "all_to_all": (lambda nest, a, b: nest.Connect(a, b, "all_to_all", syn(nest.random)),
                   lambda s, a, b: draws.all_to_all(s, a, b, syn(ngr))),
    "one_to_one": (lambda nest, a, b: nest.Connect(a, b, "one_to_one", syn(nest.random)),
                   lambda s, a, b: draws.one_to_one(s, a, b, syn(ngr))),
    "fixed_indegree": (lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": 5},
                                                       syn(nest.random)),
                       lambda s, a, b: draws.fixed_indegree(s, a, b, 5, syn(ngr))),
    "fixed_outdegree": (lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_outdegree", "outdegree": 5},
                                                        syn(nest.random)),
                        lambda s, a, b: draws.fixed_outdegree(s, a, b, 5, syn(ngr))),
    "fixed_total_number": (lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_total_number", "N": 200},
                                                           syn(nest.random)),
                           lambda s, a, b: draws.fixed_total_number(s, a, b, 200, syn(ngr))),
    "pairwise_bernoulli": (lambda nest, a, b: nest.Connect(a, b, {"rule": "pairwise_bernoulli", "p": 0.3},
                                                           syn(nest.random)),
                           lambda s, a, b: draws.pairwise_bernoulli(s, a, b, 0.3, syn(ngr))),
    "pairwise_poisson": (lambda nest, a, b: nest.Connect(a, b, {"rule": "pairwise_poisson",
                                                                "pairwise_avg_num_conns": 0.4}, syn(nest.random)),
                         lambda s, a, b: draws.pairwise_poisson(s, a, b, 0.4, syn(ngr))),
}


@pytest.mark.parametrize("n_vp", VPS)
@pytest.mark.parametrize("rule", RULES)
def test_rules_with_random_weights_and_delays(nest, rule, n_vp):
    connect, ours = RULES[rule]
    assert compare_rule(nest, n_vp, connect, ours) > 0


VARIANTS = {
    "indegree: random, over all targets": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": nest.random.uniform_int(6) + 1.0},
                                        {"weight": nest.random.normal(10.0, 2.0)}),
        lambda s, a, b: draws.fixed_indegree(s, a, b, ngr.uniform_int(6) + 1.0, {"weight": ngr.normal(10.0, 2.0)}),
        False),
    "indegree: random, local targets (all nodes, a range)": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": nest.random.uniform(2.0, 8.0)}),
        lambda s, a, b: draws.fixed_indegree(s, a, b, ngr.uniform(2.0, 8.0), {}, draw_for_all_targets=False),
        True),
    "indegree: no autapses, no multapses": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": 25, "allow_autapses": False,
                                               "allow_multapses": False}, {"weight": nest.random.uniform(1.0, 2.0)}),
        lambda s, a, b: draws.fixed_indegree(s, a, b, 25, {"weight": ngr.uniform(1.0, 2.0)}, allow_autapses=False,
                                             allow_multapses=False),
        True),
    "outdegree: normal, no autapses, no multapses": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_outdegree", "outdegree": nest.random.normal(5.0, 2.0),
                                               "allow_autapses": False, "allow_multapses": False},
                                        {"weight": nest.random.normal(10.0, 2.0)}),
        lambda s, a, b: draws.fixed_outdegree(s, a, b, ngr.normal(5.0, 2.0), {"weight": ngr.normal(10.0, 2.0)},
                                              allow_autapses=False, allow_multapses=False),
        True),
    "bernoulli: random p, no autapses": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "pairwise_bernoulli", "p": nest.random.uniform(0.0, 0.5),
                                               "allow_autapses": False}, {"weight": nest.random.lognormal(0.0, 1.0)}),
        lambda s, a, b: draws.pairwise_bernoulli(s, a, b, ngr.uniform(0.0, 0.5), {"weight": ngr.lognormal(0.0, 1.0)},
                                                 allow_autapses=False),
        True),
    "poisson: large random means (Devroye's method)": (
        lambda nest, a, b: nest.Connect(a[:10], b[:10], {"rule": "pairwise_poisson",
                                                         "pairwise_avg_num_conns": nest.random.uniform(10.0, 20.0)}),
        lambda s, a, b: draws.pairwise_poisson(s, a[:10], b[:10], ngr.uniform(10.0, 20.0), {}),
        False),
    "total number: no autapses, binomial split": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "fixed_total_number", "N": 500, "allow_autapses": False},
                                        {"weight": nest.random.exponential(2.0)}),
        lambda s, a, b: draws.fixed_total_number(s, a, b, 500, {"weight": ngr.exponential(2.0)},
                                                 allow_autapses=False),
        True),
    "symmetric pairwise bernoulli (vp-synced streams)": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "symmetric_pairwise_bernoulli", "p": 0.2,
                                               "allow_autapses": False, "make_symmetric": True}, {"weight": 2.0}),
        lambda s, a, b: draws.symmetric_pairwise_bernoulli(s, a, b, 0.2, {"weight": 2.0}),
        True),
    "one_to_one, make_symmetric": (
        lambda nest, a, b: nest.Connect(a, b, {"rule": "one_to_one", "make_symmetric": True}, {"weight": 3.0}),
        lambda s, a, b: draws.one_to_one(s, a, b, {"weight": 3.0}, make_symmetric=True),
        False),
}


@pytest.mark.parametrize("n_vp", VPS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_rule_variants(nest, variant, n_vp):
    connect, ours, same = VARIANTS[variant]
    assert compare_rule(nest, n_vp, connect, ours, seed=777, same=same) > 0


@pytest.mark.parametrize("rng_type", ["mt19937", "Philox_32", "Philox_64", "Threefry_32", "Threefry_64"])
def test_rules_on_other_engines(nest, rng_type):
    for rule in ("fixed_indegree", "fixed_outdegree", "fixed_total_number", "pairwise_bernoulli"):
        connect, ours = RULES[rule]
        compare_rule(nest, 3, connect, ours, seed=4242, rng_type=rng_type)


def test_fixed_total_number_split(nest):
    """The binomial split of N over the VPs (rank-synced stream): per-VP counts as NEST's."""
    for n_vp in (2, 3, 8):
        nest.ResetKernel()
        nest.total_num_virtual_procs = n_vp
        a = nest.Create("iaf_psc_alpha", 40)
        nest.Connect(a, a, {"rule": "fixed_total_number", "N": 5000})
        theirs = np.bincount(np.array(nest.GetConnections().target) % n_vp, minlength=n_vp)
        counts = draws.fixed_total_number_split(RandomStreams(n_vp=n_vp), np.array(a.tolist()), 5000)
        assert counts.tolist() == theirs.tolist()


def test_make_symmetric_refuses_random_parameters_as_nest(nest):
    a = nest.Create("iaf_psc_alpha", 3)
    with pytest.raises(nest.NESTErrors.NotImplemented) as theirs:
        nest.Connect(a, a, {"rule": "one_to_one", "make_symmetric": True}, {"weight": nest.random.uniform()})
    with pytest.raises(NGNotImplemented) as ours:
        draws.one_to_one(RandomStreams(), np.arange(1, 4), np.arange(1, 4), {"weight": ngr.uniform()},
                         make_symmetric=True)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n_vp", (2, 3, 8))
def test_connections_to_a_device(nest, n_vp):
    """Every thread walks all sources for a device target and draws each weight; only the
    source's thread keeps the connection."""
    nest.ResetKernel()
    nest.total_num_virtual_procs = n_vp
    n = nest.Create("iaf_psc_alpha", 13)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr, syn_spec={"weight": nest.random.uniform(1.0, 2.0)})
    c = nest.GetConnections(target=sr)
    theirs = connection_set(c.source, c.target, c.weight, c.delay)
    n.I_e = nest.random.uniform(0.0, 1.0)
    streams = RandomStreams(n_vp=n_vp)
    ours = draws.all_to_all(streams, np.array(n.tolist()), np.array(sr.tolist()),
                            {"weight": ngr.uniform(1.0, 2.0)}, target_device=[True])
    ids = np.array(n.tolist())
    after = draws.node_values(ids, [("I_e", ngr.uniform(0.0, 1.0))], streams)["I_e"][np.arange(13), ids % n_vp]
    assert sorted(sum((connection_set(r.source, r.target, r.values["weight"], np.ones(r.source.size))
                       for r in ours.values()), [])) == theirs
    assert after.tolist() == list(n.I_e)


# --------------------------------------------------------------------------- poisson_generator

def poisson_spikes(nest, n_vp, seed, rate, n_parrots=10, t_sim=20.0, n_sims=1, rng_type="mt19937_64",
                   rate_parameter=False):
    """NEST: poisson_generator -> parrots (delay 1 ms) -> spike_recorder; counts {(parrot, step of
    the draw): multiplicity} for draws whose spike is recorded."""
    nest.ResetKernel()
    nest.resolution = H
    nest.total_num_virtual_procs = n_vp
    nest.rng_seed = seed
    nest.rng_type = rng_type
    pg = nest.Create("poisson_generator")
    pg.rate = nest.random.uniform(rate, 2 * rate) if rate_parameter else rate
    parrots = nest.Create("parrot_neuron", n_parrots)
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, parrots, syn_spec={"delay": 1.0})
    nest.Connect(parrots, sr)
    for _ in range(n_sims):
        nest.Simulate(t_sim)
    counts = {}
    for sender, t in zip(sr.events["senders"], sr.events["times"]):
        key = (int(sender), int(round(t / H)) - 1 - 10)
        counts[key] = counts.get(key, 0) + 1
    return pg.global_id, np.array(parrots.tolist()), counts, nest.random.uniform().GetValue()


@pytest.mark.parametrize("n_vp", VPS)
@pytest.mark.parametrize("rate,n_sims,rng_type", [(500.0, 1, "mt19937_64"), (20000.0, 1, "mt19937_64"),
                                                  (150000.0, 2, "mt19937_64"), (500.0, 2, "Threefry_32")])
def test_poisson_generator_counts(nest, n_vp, rate, n_sims, rng_type):
    """One replica per thread, its own distribution (kept across Simulate calls), drawing per
    step for each of its connections in creation order; mean 0.05, 2 and 15 per step."""
    t_sim, seed = 20.0, 11
    pg, parrots, theirs, theirs_value = poisson_spikes(nest, n_vp, seed, rate, t_sim=t_sim, n_sims=n_sims,
                                                       rng_type=rng_type)
    streams = RandomStreams(rng_type, seed, n_vp)
    caches = [new_cache() for _ in range(n_vp)]
    n_steps = int(round(t_sim / H))
    ours = {}
    for sim in range(n_sims):
        draws.run(streams, 0)  # the check before the update loop
        steps = np.arange(sim * n_steps + (sim == 0), (sim + 1) * n_steps)  # step 0 is never active
        for vp in range(n_vp):
            mine = parrots[parrots % n_vp == vp]
            counts = draws.poisson_generator_counts(streams.vp_specific[vp], caches[vp],
                                                    draws.poisson_generator_mean(H, rate), steps.size, mine.size)
            for (i, k) in zip(*np.nonzero(counts)):
                ours[(int(mine[k]), int(steps[i]))] = int(counts[i, k])
        streams.check_rng_synchrony()  # the check after it
    recorded = n_sims * n_steps - 10  # a draw at step s is recorded at step s + 1 + 10 <= the end
    assert {key: v for key, v in ours.items() if key[1] < recorded} == theirs
    assert draws.get_value(ngr.uniform(), streams) == theirs_value


@pytest.mark.parametrize("n_vp", (1, 2, 3))
def test_poisson_generator_replicas_draw_their_own_rate(nest, n_vp):
    """A random rate of a device is drawn once per thread replica (thread 0 first), from the
    stream of the device's VP; each replica then draws with its own mean."""
    rate, seed = 5000.0, 3
    pg, parrots, theirs, _ = poisson_spikes(nest, n_vp, seed, rate, rate_parameter=True)
    streams = RandomStreams("mt19937_64", seed, n_vp)
    rates = draws.node_values([pg], [("rate", ngr.uniform(rate, 2 * rate))], streams, is_device=[True])["rate"][0]
    assert rates[0] == nest.NodeCollection([pg]).rate  # GetStatus shows thread 0's replica
    draws.run(streams, 0)
    ours = {}
    steps = np.arange(1, 200)
    for vp in range(n_vp):
        mine = parrots[parrots % n_vp == vp]
        counts = draws.poisson_generator_counts(streams.vp_specific[vp], new_cache(),
                                                draws.poisson_generator_mean(H, rates[vp]), steps.size, mine.size)
        for (i, k) in zip(*np.nonzero(counts)):
            ours[(int(mine[k]), int(steps[i]))] = int(counts[i, k])
    assert {key: v for key, v in ours.items() if key[1] < 200 - 10} == theirs
