"""Cost per draw of nestgap.rng's bulk functions (CPU time, best of ``--repeat`` runs).

    python benchmarks/rng.py              # the mode NESTGAP_JIT asks for (ahead of time by default)
    python benchmarks/rng.py --repeat 5

Prints one line per function: nanoseconds per value (per connection, per node).
"""

import argparse
import time

import numpy as np

import nestgap.random as ngr
from nestgap.rng import RNG_TYPES, RandomStreams, compiled, draws, new_cache, seeding


def cost(function, n, repeat):
    """Best CPU time per item over ``repeat`` calls of ``function`` (after one warm-up call)."""
    function()
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best / n * 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    f = compiled.functions()
    print(f"mode: {f.mode}")
    values = np.zeros(10**6)
    for rng_type in RNG_TYPES:
        state = seeding.initial_state(rng_type, (1, 2))
        print(f"drand {rng_type}: {cost(lambda: f.canonical_fill(state, values), values.size, repeat):.1f} ns")
    state = seeding.initial_state("mt19937_64", (1, 2))
    ints = np.zeros(10**6, np.int64)
    print(f"ulrand(500): {cost(lambda: f.ulrand_fill(state, np.uint64(500), ints), ints.size, repeat):.1f} ns")
    counts, cache = np.zeros((1000, 1000), np.int64), new_cache()
    for mean, rows in ((0.025, 1000), (25.0, 100)):
        par = f.poisson_param(mean)
        c = counts[:rows]
        per_count = cost(lambda: f.poisson_fill(state, cache, par, c), c.size, repeat)
        print(f"poisson counts, mean {mean}: {per_count:.1f} ns")
    streams = RandomStreams()
    ids = np.arange(1, 501)
    for label, syn in (("constant", {}), ("normal", {"weight": ngr.normal(1.0, 0.1)})):
        print(f"fixed_indegree 500 x 50, {label} weights: "
              f"{cost(lambda: draws.fixed_indegree(streams, ids, ids, 50, syn), 25_000, repeat):.1f} ns per connection")
    nodes = np.arange(1, 100_001)
    entries = [("V_m", ngr.uniform(-80.0, -40.0))]
    print(f"node_values, uniform: {cost(lambda: draws.node_values(nodes, entries, streams), nodes.size, repeat):.1f} "
          "ns per node")


if __name__ == "__main__":
    main()
