"""Who draws what from NEST 3.10's streams, in which order (docs/nest_randomness.md §4-§6).

Pure functions: node ids, the number of virtual processes (VPs), the streams
(:class:`~nestgap.rng.streams.RandomStreams`, advanced in place) and the
specifications in; arrays out, per VP where NEST draws per VP, so that a kernel can
run one VP's draws on its own. Single process, as NEST's wheel: thread = VP.

Conventions:

- Node ids are int64 arrays in NodeCollection order (ascending in NEST). A node's
  VP is ``node_id % n_vp`` (:func:`node_vp`); ``*_device`` flags (bool arrays, default
  all False) mark devices, which have an instance on every thread.
- Random values are numbers or ``nestgap.random`` parameters (anything with
  ``emit(builder)``); NEST draws a number's value never.
- Synapse parameters are ``syn`` dicts {name: value} of one synapse specification;
  NEST draws them per attempted connection in :func:`synapse_draw_order`. Arrays of
  values are not random and are not passed here.
- Rule functions return {vp: Connections}; ``vps`` restricts the per-VP part to some VPs
  (each VP's draws are independent of the others'). Rules with a rank-synced phase
  (fixed_outdegree, fixed_total_number) draw it once per call: call them once.
- NEST itself is nondeterministic for normal/lognormal values drawn with another thread's
  cache (synapse parameters of connections to devices, a fixed_indegree in-degree under
  loop_over_targets, with more than one VP); nestgap gives VP 0 first, then VP 1, ...
"""

from dataclasses import dataclass

import numpy as np

from nestgap.exceptions import NotImplemented  # noqa: A004 -- NEST's name

from .compiled import functions
from .programs import ProgramSet
from .streams import new_cache


def node_vp(node_ids, n_vp):
    """The virtual process (= thread, on one process) of each node: node_id % n_vp."""
    return np.asarray(node_ids, np.int64) % int(n_vp)


def _flags(flags, n):
    return np.zeros(n, np.bool_) if flags is None else np.asarray(flags, np.bool_).reshape(n)


def evaluate(programs, stream, threads, n_threads):
    """``out[r, k]``: program k of ``programs`` (a ProgramSet) for rows r in order, the row's
    normal caches those of ``threads[r]``; all drawn from one ``stream``."""
    threads = np.ascontiguousarray(threads, np.int64)
    out = np.zeros((threads.size, len(programs)))
    caches = programs.gather(n_threads)
    functions().evaluate_rows(stream.state, caches, threads, programs.code, programs.starts, out)
    programs.scatter(caches)
    programs.check(out)
    return out


def get_value(parameter, streams):
    """NEST's Parameter.GetValue(): one value on the rank-synced stream, with the caches of
    thread 0 (no node; the master thread), so it shares a normal parameter's pair with the
    node draws of thread 0."""
    return float(evaluate(ProgramSet([parameter]), streams.rank_synced, np.zeros(1, np.int64), streams.n_vp)[0, 0])


def node_values(node_ids, entries, streams, is_device=None):
    """NodeCollection.set / Create(params) with random entries: NEST's set_nc_status walks the
    nodes in order; every instance of a node (one; a device: one per thread, thread 0 first)
    draws each random entry in ``entries`` ([(key, value), ...] in the order the model's
    set_status reads its keys, see docs) from the vp-specific stream of the node's VP, with
    the caches of that VP.

    Returns {key: float64[n_nodes, n_vp]}: column t is the value of the instance on thread
    t (a neuron: only its VP's column; NaN elsewhere).
    """
    node_ids = np.asarray(node_ids, np.int64)
    devices = _flags(is_device, node_ids.size)
    n_vp = streams.n_vp
    keys = [key for key, _ in entries]
    programs = ProgramSet([value for _, value in entries])
    values = np.full((len(keys), node_ids.size, n_vp), np.nan)
    vps = node_vp(node_ids, n_vp)
    for vp in range(n_vp):
        mine = np.flatnonzero(vps == vp)
        if mine.size == 0:
            continue
        instances = np.where(devices[mine], n_vp, 1)
        rows = np.repeat(mine, instances)
        rank = np.arange(rows.size) - np.repeat(np.cumsum(instances) - instances, instances)
        threads = np.where(np.repeat(devices[mine], instances), rank, vp)  # a device's thread 0 first
        drawn = evaluate(programs, streams.vp_specific[vp], np.full(rows.size, vp, np.int64), n_vp)
        for k in range(len(keys)):
            values[k, rows, threads] = drawn[:, k]
    return {key: values[k] for k, key in enumerate(keys)}


def synapse_draw_order(names):
    """The order in which NEST's single_connect_ draws a synapse specification's parameters:
    the other parameters by name (a std::map), then delay before weight (conn_builder.cpp)."""
    names = list(names)
    other = sorted(name for name in names if name not in ("weight", "delay"))
    return other + [name for name in ("delay", "weight") if name in names]


@dataclass
class Connections:
    """Connections one thread creates in one rule application, in creation order:
    ``source``, ``target`` (int64 arrays), the drawn synapse ``values`` {name: float64 array}
    and, for rules that connect listed pairs (one_to_one, fixed_outdegree), ``pair`` (int64:
    the index of each connection's pair in the rule's pair order; else None)."""

    source: np.ndarray
    target: np.ndarray
    values: dict
    pair: np.ndarray = None

    @classmethod
    def from_rows(cls, rows, names):
        return cls(rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64),
                   {name: rows[:, 2 + k].copy() for k, name in enumerate(names)})


def _synapse_programs(syn, extra=()):
    """The ProgramSet of a synapse specification in draw order, then ``extra`` programs."""
    names = synapse_draw_order(syn)
    return names, ProgramSet([syn[name] for name in names] + list(extra))


def _node_args(ids, n_vp, flags):
    ids = np.ascontiguousarray(ids, np.int64)
    return ids, node_vp(ids, n_vp), _flags(flags, ids.size)


def _per_vp(streams, programs, names, vps, run):
    """``run(vp, caches)`` -> rows (or (rows, pair indices)) for each VP in ``vps`` (default
    all), caches shared."""
    caches = programs.gather(streams.n_vp)
    result = {}
    for vp in (range(streams.n_vp) if vps is None else vps):
        rows = run(vp, caches)
        pair = None
        if isinstance(rows, tuple):
            rows, pair = rows
        programs.check(rows[:, 2:])
        result[vp] = Connections.from_rows(rows, names)
        result[vp].pair = pair
    programs.scatter(caches)
    return result


def loop_over_targets(n_targets, network_size, targets_is_range, has_array_parameters=False):
    """NEST's BipartiteConnBuilder::loop_over_targets_(): iterate over the target collection
    (True) rather than over the thread's local nodes; it decides whether a random in-degree is
    drawn for every target on every thread (fixed_indegree)."""
    return n_targets < network_size or not targets_is_range or has_array_parameters


def one_to_one(streams, sources, targets, syn, source_device=None, target_device=None,
               allow_autapses=True, make_symmetric=False, vps=None):
    """OneToOneBuilder: pairs in order, each drawn on the thread(s) of its target; with
    make_symmetric the reversed pairs follow on each thread (a second pass). Returns {vp:
    Connections}."""
    if make_symmetric and any(hasattr(value, "emit") for value in syn.values()):
        raise NotImplemented("Symmetric connections require parameters that can be reset.")
    names, programs = _synapse_programs(syn)
    passes = [(sources, targets, source_device, target_device)]
    if make_symmetric:
        passes.append((targets, sources, target_device, source_device))

    def run(vp, caches):
        chunks, pairs = [], []
        for s_ids, t_ids, s_dev, t_dev in passes:
            s_ids, s_vp, s_dev = _node_args(s_ids, streams.n_vp, s_dev)
            t_ids, t_vp, t_dev = _node_args(t_ids, streams.n_vp, t_dev)
            attempt = (t_dev | (t_vp == vp)) & (allow_autapses | (s_ids != t_ids))
            keep = np.where(t_dev, np.where(s_dev, t_vp, s_vp) == vp, True)[attempt]
            chunks.append(functions().connect_pairs(streams.vp_specific[vp].state, caches, programs.code,
                                                    programs.starts, s_ids[attempt], t_ids[attempt],
                                                    t_vp[attempt], np.ascontiguousarray(keep)))
            pairs.append(np.flatnonzero(attempt)[keep])
        return np.concatenate(chunks), np.concatenate(pairs)

    return _per_vp(streams, programs, names, vps, run)


def all_to_all(streams, sources, targets, syn, source_device=None, target_device=None,
               allow_autapses=True, vps=None):
    """AllToAllBuilder: per thread its targets in order, all sources for each. {vp: Connections}."""
    names, programs = _synapse_programs(syn)
    s = _node_args(sources, streams.n_vp, source_device)
    t = _node_args(targets, streams.n_vp, target_device)

    def run(vp, caches):
        return functions().all_to_all(streams.vp_specific[vp].state, caches, vp, programs.code, programs.starts,
                                      *s, *t, bool(allow_autapses))

    return _per_vp(streams, programs, names, vps, run)


def fixed_indegree(streams, sources, targets, indegree, syn, source_device=None, target_device=None,
                   allow_autapses=True, allow_multapses=True, draw_for_all_targets=True, vps=None):
    """FixedInDegreeBuilder: per thread, its targets in order; for each, the in-degree (if
    random: drawn for every target when ``draw_for_all_targets``, see loop_over_targets), then
    that many sources by rejection, each followed by its synapse draws. {vp: Connections}."""
    names, programs = _synapse_programs(syn, [indegree])
    s = _node_args(sources, streams.n_vp, source_device)
    t = _node_args(targets, streams.n_vp, target_device)
    degree = programs.starts[-2], programs.starts[-1]
    syn_starts = programs.starts[:-1].copy()

    def run(vp, caches):
        return functions().fixed_indegree(streams.vp_specific[vp].state, caches, vp, programs.code, syn_starts,
                                          *degree, *s, *t, bool(draw_for_all_targets), bool(allow_autapses),
                                          bool(allow_multapses))

    return _per_vp(streams, programs, names, vps, run)


def fixed_outdegree(streams, sources, targets, outdegree, syn, source_device=None, target_device=None,
                    allow_autapses=True, allow_multapses=True, vps=None):
    """FixedOutDegreeBuilder: all targets drawn first on the rank-synced stream (per source in
    order: its out-degree, then its targets); then each thread, source by source, draws the
    synapse parameters of the connections to its targets in drawing order. {vp: Connections}."""
    names, programs = _synapse_programs(syn, [outdegree])
    s_ids, s_vp, s_dev = _node_args(sources, streams.n_vp, source_device)
    t_ids, t_vp, t_dev = _node_args(targets, streams.n_vp, target_device)
    caches = programs.gather(streams.n_vp)
    pairs = functions().fixed_outdegree_targets(streams.rank_synced.state, caches, programs.code,
                                                programs.starts[-2], programs.starts[-1], s_ids, s_vp, t_ids,
                                                bool(allow_autapses), bool(allow_multapses))
    programs.scatter(caches)
    pair_sources, pair_targets = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    device_of = dict(zip(t_ids.tolist(), t_dev.tolist()))
    source_device_of = dict(zip(s_ids.tolist(), s_dev.tolist()))
    pair_t_dev = np.array([device_of[x] for x in pair_targets.tolist()], np.bool_)
    pair_s_dev = np.array([source_device_of[x] for x in pair_sources.tolist()], np.bool_)
    pair_t_vp, pair_s_vp = node_vp(pair_targets, streams.n_vp), node_vp(pair_sources, streams.n_vp)
    syn_starts = programs.starts[:-1].copy()

    def run(vp, caches):
        attempt = pair_t_dev | (pair_t_vp == vp)
        keep = np.where(pair_t_dev, np.where(pair_s_dev, pair_t_vp, pair_s_vp) == vp, True)[attempt]
        rows = functions().connect_pairs(streams.vp_specific[vp].state, caches, programs.code, syn_starts,
                                         pair_sources[attempt], pair_targets[attempt], pair_t_vp[attempt],
                                         np.ascontiguousarray(keep))
        return rows, np.flatnonzero(attempt)[keep]

    return _per_vp(streams, programs, names, vps, run)


def fixed_total_number_split(streams, targets, n_connections):
    """How FixedTotalNumberBuilder splits N connections over the VPs, on the rank-synced stream:
    VP by VP, binomial(N - made so far, targets on the VP / targets not yet covered) (one
    binomial distribution for the whole call; VPs without targets draw nothing; stops once N
    are assigned). Returns int64[n_vp]."""
    per_vp = np.bincount(node_vp(targets, streams.n_vp), minlength=streams.n_vp)
    f = functions()
    cache = new_cache()
    counts = np.zeros(streams.n_vp, np.int64)
    covered, assigned = 0.0, 0
    out = np.zeros(1, np.int64)
    for vp in range(streams.n_vp):
        if assigned == n_connections:
            break
        if per_vp[vp] > 0:
            p = float(per_vp[vp]) / (len(targets) - covered)
            f.binomial_fill(streams.rank_synced.state, cache, n_connections - assigned,
                            f.binomial_param(n_connections - assigned, p), out)
            counts[vp] = out[0]
        covered += float(per_vp[vp])
        assigned += int(counts[vp])
    return counts


def fixed_total_number(streams, sources, targets, n_connections, syn, source_device=None, target_device=None,
                       allow_autapses=True, vps=None):
    """FixedTotalNumberBuilder: the split (fixed_total_number_split), then per VP its share:
    source index, then target index among the VP's targets (ulrand each), redrawn on a
    forbidden autapse, then the synapse draws. {vp: Connections}."""
    names, programs = _synapse_programs(syn)
    counts = fixed_total_number_split(streams, targets, int(n_connections))
    s = _node_args(sources, streams.n_vp, source_device)
    t_ids, t_vp, t_dev = _node_args(targets, streams.n_vp, target_device)

    def run(vp, caches):
        mine = t_vp == vp
        return functions().fixed_total_number(streams.vp_specific[vp].state, caches, vp, programs.code,
                                              programs.starts, int(counts[vp]), *s,
                                              np.ascontiguousarray(t_ids[mine]), np.ascontiguousarray(t_dev[mine]),
                                              bool(allow_autapses))

    return _per_vp(streams, programs, names, vps, run)


def pairwise_bernoulli(streams, sources, targets, p, syn, source_device=None, target_device=None,
                       allow_autapses=True, vps=None):
    """BernoulliBuilder: per thread, its targets in order, all sources for each: drand(), then
    p; connected if drand() < p, then the synapse draws. {vp: Connections}."""
    names, programs = _synapse_programs(syn, [p])
    s = _node_args(sources, streams.n_vp, source_device)
    t = _node_args(targets, streams.n_vp, target_device)
    syn_starts = programs.starts[:-1].copy()

    def run(vp, caches):
        return functions().pairwise_bernoulli(streams.vp_specific[vp].state, caches, vp, programs.code, syn_starts,
                                              programs.starts[-2], programs.starts[-1], *s, *t, bool(allow_autapses))

    return _per_vp(streams, programs, names, vps, run)


def pairwise_poisson(streams, sources, targets, pairwise_avg_num_conns, syn, source_device=None,
                     target_device=None, allow_autapses=True, vps=None):
    """PoissonBuilder: per thread, its targets in order, all sources for each: the mean, then
    poisson(mean) connections (a fresh distribution per target), each with its synapse draws.
    {vp: Connections}."""
    names, programs = _synapse_programs(syn, [pairwise_avg_num_conns])
    s = _node_args(sources, streams.n_vp, source_device)
    t = _node_args(targets, streams.n_vp, target_device)
    syn_starts = programs.starts[:-1].copy()

    def run(vp, caches):
        return functions().pairwise_poisson(streams.vp_specific[vp].state, caches, vp, programs.code, syn_starts,
                                            programs.starts[-2], programs.starts[-1], *s, *t, bool(allow_autapses))

    return _per_vp(streams, programs, names, vps, run)


def symmetric_pairwise_bernoulli(streams, sources, targets, p, syn, vps=None):
    """SymmetricBernoulliBuilder (neurons only): every thread walks all targets on its
    vp-synced stream (in-degree binomial(n_sources, p) below n_sources, distinct sources) and
    creates source -> target where the target is local, target -> source where the source is,
    drawing the synapse parameters from the same stream. {vp: Connections}."""
    names, programs = _synapse_programs(syn)
    s_ids, s_vp, _ = _node_args(sources, streams.n_vp, None)
    t_ids, t_vp, _ = _node_args(targets, streams.n_vp, None)

    def run(vp, caches):
        return functions().symmetric_pairwise_bernoulli(streams.vp_synced[vp].state, caches, vp, programs.code,
                                                        programs.starts, float(p), s_ids, s_vp, t_ids, t_vp)

    return _per_vp(streams, programs, names, vps, run)


def poisson_generator_mean(resolution_ms, rate):
    """poisson_generator's mean count per step (pre_run_hook): resolution [ms] * rate [1/s] * 1e-3."""
    return float(resolution_ms) * float(rate) * 1e-3


def poisson_generator_counts(stream, cache, mean, n_steps, n_connections):
    """One poisson_generator replica (its thread's vp-specific ``stream``, its distribution's
    ``cache``, kept across Simulate calls): counts[step, connection] for ``n_steps`` active steps
    and the replica's connections in creation order, drawn step-major as NEST's update/event_hook.
    Nothing is drawn if mean <= 0 (rate <= 0)."""
    counts = np.zeros((int(n_steps), int(n_connections)), np.int64)
    if mean > 0.0 and counts.size:
        f = functions()
        f.poisson_fill(stream.state, cache, f.poisson_param(float(mean)), counts)
    return counts


def run(streams, n_steps):
    """What NEST's Run (each Simulate) draws besides the nodes: check_rng_synchrony before the
    update loop and, if the run has steps, after it."""
    streams.check_rng_synchrony()
    if n_steps > 0:
        streams.check_rng_synchrony()
