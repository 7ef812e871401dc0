"""Single-pair ``Connect`` calls on nestgap and on NEST: microseconds per call.

The calls of the ``pairs`` scenario (benchmarks/scenarios.py), timed loop by loop
after the neurons exist: 25 000 static_synapse connections between two neurons
(``Connect(neurons[i], neurons[j], syn_spec=...)``), and 15 000 gap-junction pairs
with ``make_symmetric``. Each simulator runs in a fresh subprocess with the same
number of threads (virtual processes); with ``--repeat N`` the medians of N runs.

    python benchmarks/connect_calls.py --threads 2 --repeat 3
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def worker(simulator, threads):
    """One run in this process: prints the microseconds per static and per gap call as JSON."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import scenarios
    from nestgap.scenarios import gallery

    inputs = scenarios.inputs("pairs", 101.0)
    nest = __import__("nestgap" if simulator == "nestgap" else "nest")
    neurons, _ = scenarios.populations(nest, threads, inputs)
    t0 = time.perf_counter()
    static_calls = scenarios.inhibition_pair_by_pair(nest, neurons, inputs)
    static = (time.perf_counter() - t0) / static_calls
    gap_pairs = gallery.gap_pairs(list(range(len(neurons))), len(neurons))  # the script's draws
    t0 = time.perf_counter()
    scenarios.gap_junctions_pair_by_pair(nest, neurons, gap_pairs, 0.54)
    gap_calls = len(gap_pairs)
    gap = (time.perf_counter() - t0) / gap_calls
    print(json.dumps({"static_us": static * 1e6, "gap_us": gap * 1e6,
                      "static_calls": static_calls, "gap_calls": gap_calls}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--worker", choices=("nestgap", "nest"))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.threads)
        return
    runs = {"nestgap": [], "nest": []}
    for _ in range(args.repeat):
        for simulator in runs:
            result = subprocess.run([sys.executable, __file__, "--worker", simulator, "--threads", str(args.threads)],
                                    capture_output=True, text=True, cwd=ROOT, check=True)
            runs[simulator].append(json.loads(result.stdout.strip().splitlines()[-1]))
    median = {sim: {key: float(np.median([r[key] for r in rs])) for key in ("static_us", "gap_us")}
              for sim, rs in runs.items()}
    calls = runs["nestgap"][0]
    print(f"Single-pair Connect, {args.threads} threads, median of {args.repeat} runs "
          f"({calls['static_calls']} static calls, {calls['gap_calls']} gap pairs with make_symmetric):")
    print("| call | NEST (us) | nestgap (us) | nestgap/NEST |")
    print("|---|---|---|---|")
    for key, label in (("static_us", "static_synapse, one pair"), ("gap_us", "gap_junction pair, make_symmetric")):
        print(f"| {label} | {median['nest'][key]:.1f} | {median['nestgap'][key]:.1f} | "
              f"**{median['nestgap'][key] / median['nest'][key]:.2f}** |")


if __name__ == "__main__":
    main()
