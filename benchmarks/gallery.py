"""nestgap against NEST on the gallery network: set-up and simulation time, memory, identical spikes.

Each run happens in a fresh subprocess (so that peak RSS belongs to one simulator
and one run), nestgap and NEST one after the other with the same number of
threads (virtual processes). The network is the gallery's, built one of the ways
of benchmarks/scenarios.py (default ``arrays``: every random draw made by numpy;
``seed``: NEST's script with NEST's random streams; ``pairs``: single-pair
Connect calls; ``rules``: population rules); both simulators do the same work,
and their spikes must be identical.

The script's numpy draws (the same code on both sides) come first, outside the clocks;
then the same calls on both sides: import, build, ``Simulate(0.05)`` (the first step:
NEST and nestgap prepare the connection infrastructure, nestgap also its kernels) --
together the *set-up* -- then one ``Simulate`` per window up to each end time
(``--windows 101,501``: the first ~100 ms, where random initial V_m synchronise
the network, then the rest), each timed alone.

    python benchmarks/gallery.py                       # gap weights 0, 0.3, 0.54, 0.7; 501 ms; 2 threads
    python benchmarks/gallery.py --table regimes       # the four weights, windows 0-101 and 101-501 ms
    python benchmarks/gallery.py --table ways          # the four ways of building, 0.54 nS, 101 ms
    python benchmarks/gallery.py --table threads       # 1 and 2 threads on both sides, 0.54 nS, 101 ms
    python benchmarks/gallery.py --scenario pairs --weights 0.54 --windows 101 --threads 1,2
    python benchmarks/gallery.py --scaling             # 500, 2000, 8000 neurons, 100 ms, cost per neuron-step
    python benchmarks/gallery.py --repeat 3            # medians of 3 runs per simulator (a noisy machine)
    python benchmarks/gallery.py --where               # nestgap only: update (with gap-junction sums), the rest, per window

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
FIRST = 0.05  # ms: the first Simulate, part of the set-up

#: the tables RESULTS.md reports, each one command: (scenarios, weights, threads, windows)
TABLES = {
    "regimes": (("arrays",), (0.0, 0.3, 0.54, 0.7), (2,), (101.0, 501.0)),
    "ways": (("seed", "arrays", "pairs", "rules"), (0.54,), (2,), (101.0,)),
    "threads": (("arrays",), (0.0, 0.54), (1, 2), (101.0,)),
}


def worker(simulator, scenario, weight, windows, threads, n_neuron, out):
    """One run in this process; writes spikes to ``out`` and prints a JSON record."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import scenarios
    from nestgap.scenarios import gallery

    # the script's numpy draws, the same code on both sides: before the set-up clock
    t0 = time.perf_counter()
    if n_neuron == 500:
        inputs = scenarios.inputs(scenario, windows[-1])
    else:  # --scaling: the deterministic network at other sizes
        inputs = gallery.deterministic_inputs(n_neuron=n_neuron, simtime=windows[-1])
    t_inputs = time.perf_counter() - t0

    t0 = time.perf_counter()
    if simulator == "nest":
        import nest
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        import nestgap as nest
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    if n_neuron == 500:
        sr = scenarios.BUILDERS[scenario](nest, weight, threads, inputs)
    else:
        sr = gallery.build(nest, inputs=inputs, gap_weight=weight, threads=threads).spike_recorder
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(FIRST)
    t_first = time.perf_counter() - t0
    spent, cpu, start = [], [], FIRST
    for end in windows:
        t0, c0 = time.perf_counter(), time.process_time()
        nest.Simulate(end - start)
        spent.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        start = end
    events = sr.events
    order = np.lexsort((events["senders"], events["times"]))
    np.save(out, np.vstack([np.asarray(events["times"])[order], np.asarray(events["senders"])[order]]))
    record = {"simulator": simulator, "scenario": scenario, "weight": weight, "threads": threads,
              "n_neuron": n_neuron, "windows": list(windows), "inputs_s": t_inputs, "import_s": t_import, "build_s": t_build,
              "first_s": t_first, "setup_s": t_import + t_build + t_first, "simulate_s": spent, "simulate_cpu_s": cpu,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
              "spikes": int(len(order))}
    if simulator == "nestgap":
        iterations = nest.GetKernelStatus("wfr_iterations")
        record["mean_wfr_iterations"] = float(np.mean(iterations)) if iterations else 0.0
    print(json.dumps(record))


def run(simulator, scenario, weight, windows, threads, n_neuron, folder):
    out = Path(folder) / f"{simulator}_{scenario}_{weight}_{threads}_{n_neuron}.npy"
    # Python's default bytecode caching, whatever this shell says: NEST's and numpy's modules
    # were byte-compiled when pip installed them, nestgap's (an editable install) are on first import
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run([sys.executable, __file__, "--worker", simulator, scenario, str(weight),
                             ",".join(map(str, windows)), str(threads), str(n_neuron), str(out)],
                            capture_output=True, text=True, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{simulator} run failed:\n{result.stderr[-3000:]}")
    record = json.loads(result.stdout.strip().splitlines()[-1])
    record["spike_file"] = str(out)
    return record


def run_pairs(scenario, weight, windows, threads, n_neuron, folder, repeat):
    """``repeat`` runs of nestgap and NEST, one after the other; per simulator the median of
    every number, and whether every pair had identical spikes."""
    pairs = []
    for _ in range(repeat):
        ours = run("nestgap", scenario, weight, windows, threads, n_neuron, folder)
        theirs = run("nest", scenario, weight, windows, threads, n_neuron, folder)
        pairs.append((ours, theirs, np.array_equal(np.load(ours["spike_file"]), np.load(theirs["spike_file"]))))
    medians = []
    for side in (0, 1):
        records = [pair[side] for pair in pairs]
        median = {}
        for key, value in records[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = type(value)(np.median([r[key] for r in records]))
            elif key in ("simulate_s", "simulate_cpu_s"):
                value = [float(np.median([r[key][k] for r in records])) for k in range(len(value))]
            median[key] = value
        medians.append(median)
    return medians[0], medians[1], all(pair[2] for pair in pairs)


def _windows(windows):
    """Labels of the windows: '0-101', '101-501' (ms)."""
    starts = (0.0,) + tuple(windows[:-1])
    return [f"{a:g}-{b:g}" for a, b in zip(starts, windows)]


HEADER = ("| scenario | gap (nS) | threads | window (ms) | NEST simulate (s) | nestgap simulate (s) | nestgap/NEST | "
          "NEST set-up (s) | nestgap set-up (s) | set-up ratio | peak RSS NEST / nestgap (MB) | spikes | identical | "
          "WFR iterations/slice |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def rows(scenario, weight, threads, ours, theirs, identical, cpu=False):
    """One table row per window (set-up, memory and spikes on the first); ``cpu``: the simulation
    times are the processes' CPU times (a loaded machine, one thread), not wall-clock times."""
    lines = []
    key = "simulate_cpu_s" if cpu else "simulate_s"
    for k, label in enumerate(_windows(ours["windows"])):
        a, b = theirs[key][k], ours[key][k]
        setup = (f"{theirs['setup_s']:.2f} | {ours['setup_s']:.2f} | **{ours['setup_s'] / theirs['setup_s']:.2f}** | "
                 f"{theirs['peak_rss_mb']:.0f} / {ours['peak_rss_mb']:.0f} | {ours['spikes']} | "
                 f"{'yes' if identical else 'NO'} | {ours.get('mean_wfr_iterations', 0):.2f}") if k == 0 else \
            " | | | | | | "
        lines.append(f"| {scenario} | {weight:g} | {threads} | {label} | {a:.2f} | {b:.2f} | **{b / a:.2f}** | {setup} |")
    return lines


def compare(scenarios, weights, threads_list, windows, repeat, n_neuron=500, cpu=False):
    lines = [HEADER]
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for scenario in scenarios:
            for weight in weights:
                for threads in threads_list:
                    ours, theirs, identical = run_pairs(scenario, weight, windows, threads, n_neuron, folder, repeat)
                    for line in rows(scenario, weight, threads, ours, theirs, identical, cpu):
                        lines.append(line)
                        print(line, flush=True)
    return lines


def scaling(threads, repeat, simtime=100.0, sizes=(500, 2000, 8000), weight=0.3):
    """Cost per neuron-step (wall time x threads / (neurons x steps), in thread-us) as the network grows."""
    lines = ["| neurons | NEST (us per neuron-step) | nestgap (us per neuron-step) | nestgap/NEST time | "
             "NEST peak RSS (MB) | nestgap peak RSS (MB) | identical spikes |", "|---|---|---|---|---|---|---|"]
    steps = simtime / 0.05
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            ours, theirs, identical = run_pairs("arrays", weight, (simtime,), threads, n, folder, repeat)
            cost = [r["simulate_s"][0] * threads / (n * steps) * 1e6 for r in (theirs, ours)]
            lines.append(f"| {n} | {cost[0]:.2f} | {cost[1]:.2f} | {cost[1] / cost[0]:.2f} | "
                         f"{theirs['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | {'yes' if identical else 'NO'} |")
            print(lines[-1], flush=True)
    return lines


def where_the_time_goes(scenario, weights, windows, threads):
    """nestgap's Simulate split into the update of the neurons (with the sums of the gap-junction
    coefficients delivered to them) and the rest (timers around the engine's steps, in this
    process), per weight and window."""
    import nestgap as nest
    from nestgap.simulation.engine import Engine
    sys.path.insert(0, str(ROOT))
    from benchmarks import scenarios

    spent = {"_update": 0.0}
    for name in spent:
        def timed(*args, _step=getattr(Engine, name), _name=name, **kwargs):
            t0 = time.perf_counter()
            result = _step(*args, **kwargs)
            spent[_name] += time.perf_counter() - t0
            return result
        setattr(Engine, name, timed)
    lines = ["| gap (nS) | window (ms) | update of every neuron with its gap-junction sums (`update_task`, threads) "
             "(s) | slice loop, devices, spike routing, recorders (s) | all (s) | WFR iterations/slice |",
             "|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    for weight in weights:
        scenarios.BUILDERS[scenario](nest, weight, threads, scenarios.inputs(scenario, windows[-1]))
        nest.Simulate(FIRST)
        start = FIRST
        for label, end in zip(_windows(windows), windows):
            for name in spent:
                spent[name] = 0.0
            done = len(nest.wfr_iterations)
            t0 = time.perf_counter()
            nest.Simulate(end - start)
            total = time.perf_counter() - t0
            start = end
            rest = total - sum(spent.values())
            iterations = nest.wfr_iterations[done:]
            lines.append(f"| {weight:g} | {label} | {spent['_update']:.2f} ({spent['_update'] / total:.0%}) | "
                         f"{rest:.2f} ({rest / total:.0%}) | {total:.2f} | "
                         f"{np.mean(iterations) if iterations else 0:.2f} |")
            print(lines[-1], flush=True)
    return lines


def describe_machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    return (f"{cpu}, {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} "
            f"GiB, Python {platform.python_version()}, {platform.platform()}; load average before the run "
            f"{os.getloadavg()[0]:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=7, metavar=("SIM", "SCENARIO", "WEIGHT", "WINDOWS", "THREADS", "N", "OUT"))
    parser.add_argument("--table", choices=sorted(TABLES), help="one of the tables of RESULTS.md")
    parser.add_argument("--scenario", default="arrays", help="seed, arrays, pairs or rules (comma-separated)")
    parser.add_argument("--weights", default="0,0.3,0.54,0.7")
    parser.add_argument("--windows", default=None, help="end times (ms) of the timed windows, e.g. 101,501")
    parser.add_argument("--simtime", type=float, default=501.0, help="one window of this length")
    parser.add_argument("--threads", default="2", help="threads (virtual processes) on both sides, e.g. 1,2")
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--where", action="store_true", help="nestgap only: where Simulate spends its time")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per simulator and setting; the medians are reported (noisy machines)")
    parser.add_argument("--cpu", action="store_true",
                        help="report the simulations' CPU times instead of wall-clock times (loaded machine, 1 thread)")
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()
    if args.worker:
        simulator, scenario, weight, windows, threads, n, out = args.worker
        worker(simulator, scenario, float(weight), [float(w) for w in windows.split(",")], int(threads), int(n), out)
        return
    scenarios = args.scenario.split(",")
    weights = [float(w) for w in args.weights.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    windows = [float(w) for w in args.windows.split(",")] if args.windows else [args.simtime]
    if args.table:
        scenarios, weights, threads, windows = TABLES[args.table]
    stamp = time.strftime("%Y-%m-%d %H:%M")
    runs = f", median of {args.repeat} runs each" if args.repeat > 1 else ""
    machine = describe_machine()
    if args.where:
        title = (f"### Where the time goes, {stamp}: {scenarios[0]}, {threads[0]} threads, windows "
                 f"{', '.join(_windows(windows))} ms (nestgap)")
        print(title)
        lines = where_the_time_goes(scenarios[0], weights, windows, threads[0])
    elif args.scaling:
        title = f"### Scaling, {stamp}: gap 0.3 nS, 100 ms, {threads[0]} threads on both sides{runs}"
        print(title)
        lines = scaling(threads[0], args.repeat)
    else:
        name = f" (`--table {args.table}`)" if args.table else ""
        clock = ", simulation as CPU time" if args.cpu else ""
        title = f"### Gallery network{name}, {stamp}: both sides with the same threads{runs}{clock}"
        print(title)
        lines = compare(scenarios, weights, threads, windows, args.repeat, cpu=args.cpu)
    if args.append_results:
        with open(ROOT / "benchmarks" / "RESULTS.md", "a") as results:
            results.write(f"\n{title}\n\nMachine: {machine}\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
