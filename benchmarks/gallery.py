"""nestgap against NEST on the gallery network: wall time, set-up time, peak memory, identical spikes.

Each run happens in a fresh subprocess (so that peak RSS belongs to one simulator
and one run) with the same thread count on both sides. The network is the
deterministic gallery (nestgap/scenarios/gallery.py: every random draw made by numpy),
so both simulators do the same work and their spikes must be identical.

    python benchmarks/gallery.py                       # gap weights 0, 0.3, 0.54, 0.7; 501 ms; 2 threads
    python benchmarks/gallery.py --weights 0.3 --simtime 100
    python benchmarks/gallery.py --scaling             # 500, 2000, 8000 neurons, 100 ms, cost per neuron-step
    python benchmarks/gallery.py --repeat 3            # medians of 3 runs per simulator (a noisy VM)
    python benchmarks/gallery.py --where               # nestgap only: update, gap delivery, the rest

Prints a markdown table; ``--append-results`` adds it to benchmarks/RESULTS.md.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def worker(simulator, weight, simtime, threads, n_neuron, out):
    """One run in this process; writes spikes to ``out`` and prints a JSON record."""
    t0 = time.perf_counter()
    if simulator == "nest":
        import nest
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        import nestgap as nest
    t_import = time.perf_counter() - t0
    from nestgap.scenarios import gallery

    inputs = gallery.deterministic_inputs(n_neuron=n_neuron, simtime=simtime)
    t0 = time.perf_counter()
    sr = gallery.build(nest, inputs=inputs, gap_weight=weight, threads=threads).spike_recorder
    if simulator == "nestgap":
        nest.Simulate(0.05)  # first call loads (or compiles) the generated code: report it separately
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(simtime - (0.05 if simulator == "nestgap" else 0.0))
    t_sim = time.perf_counter() - t0
    events = sr.events
    order = np.lexsort((events["senders"], events["times"]))
    np.save(out, np.vstack([np.asarray(events["times"])[order], np.asarray(events["senders"])[order]]))
    record = {"simulator": simulator, "weight": weight, "threads": threads, "n_neuron": n_neuron,
              "simtime": simtime, "import_s": t_import, "build_s": t_build, "simulate_s": t_sim,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
              "spikes": int(len(order))}
    if simulator == "nestgap":
        iterations = nest.GetKernelStatus("wfr_iterations")
        record["mean_wfr_iterations"] = float(np.mean(iterations)) if iterations else 0.0
    print(json.dumps(record))


def run(simulator, weight, simtime, threads, n_neuron, folder):
    out = Path(folder) / f"{simulator}_{weight}_{n_neuron}.npy"
    # Python's default bytecode caching, whatever this shell says: NEST's and numpy's modules
    # were byte-compiled when pip installed them, nestgap's (an editable install) are on first import
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run([sys.executable, __file__, "--worker", simulator, str(weight), str(simtime),
                             str(threads), str(n_neuron), str(out)], capture_output=True, text=True, cwd=ROOT,
                            env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{simulator} run failed:\n{result.stderr[-3000:]}")
    record = json.loads(result.stdout.strip().splitlines()[-1])
    record["spike_file"] = str(out)
    return record


def run_pairs(weight, simtime, threads, n_neuron, folder, repeat):
    """``repeat`` runs of nestgap and NEST, one after the other; per simulator the median of
    every number, and whether every pair had identical spikes."""
    pairs = []
    for _ in range(repeat):
        ours = run("nestgap", weight, simtime, threads, n_neuron, folder)
        theirs = run("nest", weight, simtime, threads, n_neuron, folder)
        pairs.append((ours, theirs, np.array_equal(np.load(ours["spike_file"]), np.load(theirs["spike_file"]))))
    medians = []
    for side in (0, 1):
        records = [pair[side] for pair in pairs]
        median = {}
        for key, value in records[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = type(value)(np.median([r[key] for r in records]))
            median[key] = value
        medians.append(median)
    return medians[0], medians[1], all(pair[2] for pair in pairs)


def compare(weights, simtime, threads, repeat, n_neuron=500):
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for weight in weights:
            ours, theirs, identical = run_pairs(weight, simtime, threads, n_neuron, folder, repeat)
            rows.append((weight, ours, theirs, identical))
            print(_row(weight, ours, theirs, identical), flush=True)
    return rows


def _setup(record):
    """Set-up time: importing the simulator and building the network (nestgap: with loading its kernel)."""
    return record["import_s"] + record["build_s"]


def _row(weight, ours, theirs, identical):
    return (f"| {weight:g} | {theirs['simulate_s']:.1f} | {ours['simulate_s']:.1f} | "
            f"**{ours['simulate_s'] / theirs['simulate_s']:.2f}** | {_setup(theirs):.2f} | {_setup(ours):.2f} | "
            f"{_setup(ours) / _setup(theirs):.2f} | "
            f"{theirs['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | "
            f"{ours['peak_rss_mb'] / theirs['peak_rss_mb']:.2f} | {ours['spikes']} | "
            f"{'yes' if identical else 'NO'} | {ours.get('mean_wfr_iterations', 0):.2f} |")


HEADER = ("| gap (nS) | NEST simulate (s) | nestgap simulate (s) | nestgap/NEST time | NEST set-up (s) | "
          "nestgap set-up (s) | set-up ratio | NEST peak RSS (MB) | nestgap peak RSS (MB) | RSS ratio | spikes | "
          "identical | WFR iterations/slice |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def scaling(threads, repeat, simtime=100.0, sizes=(500, 2000, 8000), weight=0.3):
    """Cost per neuron-step (wall time x threads / (neurons x steps), in thread-us) as the network grows."""
    lines = ["| neurons | NEST (us per neuron-step) | nestgap (us per neuron-step) | nestgap/NEST time | "
             "NEST peak RSS (MB) | nestgap peak RSS (MB) | identical spikes |", "|---|---|---|---|---|---|---|"]
    steps = simtime / 0.05
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            ours, theirs, identical = run_pairs(weight, simtime, threads, n, folder, repeat)
            cost = [r["simulate_s"] * threads / (n * steps) * 1e6 for r in (theirs, ours)]
            lines.append(f"| {n} | {cost[0]:.2f} | {cost[1]:.2f} | {cost[1] / cost[0]:.2f} | "
                         f"{theirs['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | {'yes' if identical else 'NO'} |")
            print(lines[-1], flush=True)
    return lines


def where_the_time_goes(weight=0.3, simtime=100.0, threads=2, n_neuron=500):
    """nestgap's Simulate split into the update of the neurons, gap-junction delivery and the rest
    (timers around the engine's steps, in this process)."""
    import nestgap as nest
    from nestgap.simulation.engine import Engine
    from nestgap.scenarios import gallery

    gallery.build(nest, inputs=gallery.deterministic_inputs(n_neuron=n_neuron, simtime=simtime), gap_weight=weight,
                  threads=threads)
    nest.Simulate(0.05)
    spent = {"_update": 0.0, "_deliver_gap": 0.0}
    for name in spent:
        def timed(*args, _step=getattr(Engine, name), _name=name, **kwargs):
            t0 = time.perf_counter()
            result = _step(*args, **kwargs)
            spent[_name] += time.perf_counter() - t0
            return result
        setattr(Engine, name, timed)
    t0 = time.perf_counter()
    nest.Simulate(simtime - 0.05)
    total = time.perf_counter() - t0
    rest = total - sum(spent.values())
    return [f"| part | s | share |", "|---|---|---|",
            f"| update of every neuron (`update_task`, threads) | {spent['_update']:.2f} | "
            f"{spent['_update'] / total:.0%} |",
            f"| gap-junction delivery (threads) | {spent['_deliver_gap']:.2f} | {spent['_deliver_gap'] / total:.0%} |",
            f"| slice loop, devices, spike routing, recorders (Python) | {rest:.2f} | {rest / total:.0%} |",
            f"| all | {total:.2f} | |"]


def describe_machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    return (f"{cpu}, {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} "
            f"GiB, Python {platform.python_version()}, {platform.platform()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=6, metavar=("SIM", "WEIGHT", "T", "THREADS", "N", "OUT"))
    parser.add_argument("--weights", default="0,0.3,0.54,0.7")
    parser.add_argument("--simtime", type=float, default=501.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--where", action="store_true", help="nestgap only: where Simulate spends its time")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per simulator and setting; the medians are reported (noisy machines)")
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()
    if args.worker:
        simulator, weight, simtime, threads, n, out = args.worker
        worker(simulator, float(weight), float(simtime), int(threads), int(n), out)
        return
    stamp = time.strftime("%Y-%m-%d %H:%M")
    runs = f", median of {args.repeat} runs each" if args.repeat > 1 else ""
    if args.where:
        title = f"### Where the time goes, {stamp}: gap 0.3 nS, 100 ms, {args.threads} threads (nestgap)"
        print(title)
        lines = where_the_time_goes(threads=args.threads)
        print("\n".join(lines))
    elif args.scaling:
        title = f"### Scaling, {stamp}: gap 0.3 nS, 100 ms, {args.threads} threads on both sides{runs}"
        print(title)
        lines = scaling(args.threads, args.repeat)
    else:
        weights = [float(w) for w in args.weights.split(",")]
        title = (f"### Gallery network, {stamp}: {args.simtime:g} ms, {args.threads} threads on both sides{runs}")
        print(title)
        print(HEADER)
        lines = [HEADER] + [_row(*r) for r in compare(weights, args.simtime, args.threads, args.repeat)]
    if args.append_results:
        with open(ROOT / "benchmarks" / "RESULTS.md", "a") as results:
            results.write(f"\n{title}\n\nMachine: {describe_machine()}\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
