"""Test case 2 (the gallery network) on NEST and on nestgap: rate, chi and CV over seeds.

NEST's random streams (initial V_m, in-degree sources, Poisson trains) cannot be
reproduced outside NEST, so the seed script is compared statistically: for each
gap weight both simulators run it with several rng seeds. nestgap agrees with
NEST if the difference of the two means is within twice its standard error
(from both seed-to-seed spreads); the table also says whether nestgap's mean
lies within NEST's range over seeds. Results are stored in
validation/results/test_case_2_<simulator>.json (regenerate: ``python -m
validation.test_case_2_statistics [nest|nestgap|both] [--seeds N]``); the summary
table is printed by ``--table``.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from nestgap.figures.test_case_2 import WEIGHTS, run_network

RESULTS = Path(__file__).parent / "results"
SEEDS = (143202461, 1, 2, 3, 4, 5, 6, 7, 8, 9)  # NEST's default rng_seed, then nine more


def _simulator(name):
    if name == "nest":
        import nest
        nest.verbosity = nest.VerbosityLevel.ERROR
        return nest
    import nestgap
    return nestgap


def run(name, seeds, threads=2):
    path = RESULTS / f"test_case_2_{name}.json"
    records = json.loads(path.read_text()) if path.exists() else []
    done = {(r["gap_weight"], r["rng_seed"]) for r in records}
    simulator = _simulator(name)
    for weight in WEIGHTS:
        for seed in seeds:
            if (weight, seed) in done:
                continue
            started = time.perf_counter()
            r = run_network(simulator, weight, rng_seed=seed, threads=threads)
            records.append({"simulator": name, "gap_weight": weight, "rng_seed": seed, "rate": r["rate"],
                            "chi": r["chi"], "cv": r["cv"], "n_spikes": r["n_spikes"],
                            "wall_s": time.perf_counter() - started, "threads": threads})
            path.write_text(json.dumps(records, indent=1))
            print(f"{name} {weight:g} nS seed {seed}: rate {r['rate']:.2f} chi {r['chi']:.3f} cv {r['cv']:.2f} "
                  f"({records[-1]['wall_s']:.0f} s)", flush=True)


def table():
    """Markdown table: per weight and measure, mean +- sd (min-max) over seeds for both; verdicts."""
    data = {name: json.loads((RESULTS / f"test_case_2_{name}.json").read_text()) for name in ("nest", "nestgap")}
    lines = ["| gap (nS) | measure | NEST mean ± sd (min–max) | nestgap mean ± sd (min–max) | seeds | "
             "difference / its s.e. | agree (< 2 s.e.) | nestgap mean in NEST's range |",
             "|---|---|---|---|---|---|---|---|"]
    for weight in WEIGHTS:
        for measure, label in (("rate", "rate (spikes/s)"), ("chi", "Golomb chi"), ("cv", "pop. count CV")):
            v = {name: np.array([r[measure] for r in data[name] if r["gap_weight"] == weight])
                 for name in ("nest", "nestgap")}
            if min(len(x) for x in v.values()) < 2:  # a partial run: no spread to compare yet
                lines.append(f"| {weight:g} | {label} | – | – | {len(v['nest'])}/{len(v['nestgap'])} | – | – | – |")
                continue
            cells = [f"{x.mean():.3g} ± {x.std(ddof=1):.2g} ({x.min():.3g}–{x.max():.3g})" for x in v.values()]
            error = np.sqrt(v["nest"].var(ddof=1) / len(v["nest"]) + v["nestgap"].var(ddof=1) / len(v["nestgap"]))
            difference = abs(v["nestgap"].mean() - v["nest"].mean())
            z = difference / error if error > 0 else (0.0 if difference == 0 else np.inf)
            in_range = v["nest"].min() <= v["nestgap"].mean() <= v["nest"].max()
            lines.append(f"| {weight:g} | {label} | {cells[0]} | {cells[1]} | {len(v['nest'])}/{len(v['nestgap'])} | "
                         f"{z:.1f} | {'yes' if z < 2 else 'no'} | {'yes' if in_range else 'no'} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("simulator", nargs="?", default="both", choices=["nest", "nestgap", "both"])
    parser.add_argument("--seeds", type=int, default=len(SEEDS))
    parser.add_argument("--table", action="store_true", help="print the summary table only")
    args = parser.parse_args()
    if args.table:
        print(table())
        return
    for name in (("nest", "nestgap") if args.simulator == "both" else (args.simulator,)):
        run(name, SEEDS[:args.seeds])
    print(table())


if __name__ == "__main__":
    main()
