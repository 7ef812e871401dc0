"""The gallery network on an MPI build of NEST: 1 rank = 2 ranks = nestgap, NEST's model and the module's.

    python -m validation.mpi_gallery                     # 0.54 nS, 101 ms, 2 virtual processes
    python -m validation.mpi_gallery --simtime 501 --no-seed-script

1. NEST 3.10 with MPI and OpenMP, built from its source distribution once
   (validation.mpi_nest; about an hour on 2 busy cores, then cached);
2. the module of ``models/hh_psc_alpha_gap.nestml`` built against it with
   ``nestgap build-nest-module --nest-config``;
3. the deterministic gallery network (every random draw made with numpy,
   nestgap.scenarios.gallery) with ``total_num_virtual_procs`` = 2 laid out as
   1 rank x 2 threads and as 2 ranks x 1 thread (``mpirun -np N``), with NEST's
   ``hh_psc_alpha_gap`` and with the module's ``hh_psc_alpha_gap_nestml``;
   besides, NEST's PyPI wheel (one process, 2 threads) and nestgap (2 VPs);
4. NEST's gallery script itself (its own random streams, validation.seed_script)
   the same way, which nestgap reproduces for a given number of virtual processes.

Every rank saves its own spikes and the final V_m of its own neurons
(validation.mpi_rank); they are gathered, sorted by (time, sender) and by node
id, and compared bit for bit with nestgap's. One line per run, then a last line
saying whether everything is identical; exit status 0 only if so.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from validation import mpi_nest
from validation.mpi_rank import SEED_SCRIPT_DUMP
from validation.seed_script import script_text

ROOT = Path(__file__).resolve().parents[1]
MODEL_FILE = ROOT / "models" / "hh_psc_alpha_gap.nestml"
BUILTIN = "hh_psc_alpha_gap"


@dataclass
class Result:
    """A run's spikes sorted by (time, sender), final V_m by node id (mV), and times (s)."""

    times: np.ndarray
    senders: np.ndarray
    ids: np.ndarray
    v_m: np.ndarray
    wall_seconds: float
    simulate_seconds: float
    layout: str


def gather(out: Path, wall_seconds: float) -> Result:
    """Merge the ranks' files ``<out>.rank<r>.npz``."""
    parts = [np.load(p) for p in sorted(out.parent.glob(f"{out.name}.rank*.npz"))]
    if not parts:
        raise RuntimeError(f"no rank wrote {out}.rank*.npz")
    ranks, vps = int(parts[0]["num_processes"]), int(parts[0]["total_num_virtual_procs"])
    if len(parts) != ranks:
        raise RuntimeError(f"{out}: {len(parts)} rank files for {ranks} processes")
    times = np.concatenate([p["times"] for p in parts])
    senders = np.concatenate([p["senders"] for p in parts])
    ids = np.concatenate([p["ids"] for p in parts])
    v_m = np.concatenate([p["v_m"] for p in parts])
    spike_order, id_order = np.lexsort((senders, times)), np.argsort(ids, kind="stable")
    layout = f"{ranks} rank{'s' if ranks > 1 else ''} x {vps // ranks} thread{'s' if vps // ranks > 1 else ''}"
    return Result(times[spike_order], senders[spike_order], ids[id_order], v_m[id_order], wall_seconds,
                  max(float(p["simulate_seconds"]) for p in parts), layout)


def mpirun(ranks: int) -> list:
    """``mpirun -np N`` as run here: no binding (1 rank x 2 threads must get both cores, OpenMPI
    binds a rank to one core when np <= 2), more ranks than cores allowed, and as root if we are."""
    command = [shutil.which("mpirun"), "-np", str(ranks), "--bind-to", "none", "--oversubscribe"]
    return command + (["--allow-run-as-root"] if os.geteuid() == 0 else [])


def launch(argv: list, out: Path, env: dict, ranks) -> Result:
    """Run ``argv`` (python ...) on ``ranks`` MPI processes (None: one process without mpirun)."""
    command = (mpirun(ranks) if ranks else []) + argv
    for old in out.parent.glob(f"{out.name}.rank*.npz"):
        old.unlink()
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed (exit {result.returncode}):\n"
                           f"{result.stderr[-3000:]}\n{result.stdout[-2000:]}")
    return gather(out, wall)


def environments(mpi) -> dict:
    """Per NEST: the environment of its processes. The MPI build's PyNEST goes first on PYTHONPATH
    (not the PyPI wheel this Python has); OpenMP threads wait without spinning (shared cores)."""
    plain = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "MPLBACKEND": "Agg"}
    plain["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), plain.get("PYTHONPATH")) if p)
    with_mpi = {**mpi.environment(), "OMP_WAIT_POLICY": "PASSIVE", "MPLBACKEND": "Agg"}
    with_mpi["PYTHONPATH"] = os.pathsep.join([with_mpi["PYTHONPATH"], str(ROOT)])
    return {"mpi": with_mpi, "plain": plain}


def build_module(mpi, install_dir: Path) -> Path:
    """``nestgap build-nest-module MODEL --nest-config <MPI NEST> --install-dir DIR``; the library."""
    command = [sys.executable, "-m", "nestgap", "build-nest-module", str(MODEL_FILE), "--nest-config",
               mpi.nest_config, "--install-dir", str(install_dir)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    state = next(line for line in result.stdout.splitlines() if line.startswith(f"{MODEL_FILE.stem}_module:"))
    print(f"{state} ({' '.join(['nestgap'] + command[3:])})", flush=True)
    return install_dir / f"{MODEL_FILE.stem}_module.so"


def seed_script(simulator: str, gap_weight: float, simtime: float, vps: int, module, out: Path) -> str:
    """NEST's gallery script with ``threads`` (its total_num_virtual_procs) set to ``vps``, the
    module's model if ``module``, and each rank's part saved (validation.mpi_rank)."""
    text = script_text(simulator, gap_weight, simtime)
    replacements = [("threads = 8\n", f"threads = {vps}\n"),
                    ("nest.Simulate(simtime)\n", "import time as _time\n_start = _time.perf_counter()\n"
                     "nest.Simulate(simtime)\n_simulate_seconds = _time.perf_counter() - _start\n")]
    if module:
        replacements += [("nest.ResetKernel()\n", "nest.ResetKernel()\nfrom nestgap.nest_module import install\n"
                          f"model = install({str(module)!r})\n"),
                         (f'nest.Create("{BUILTIN}", n_neuron)', "nest.Create(model, n_neuron)")]
    for old, new in replacements:
        if text.count(old) != 1:
            raise RuntimeError(f"NEST's gallery script no longer has the line {old.strip()!r} exactly once")
        text = text.replace(old, new)
    return text + SEED_SCRIPT_DUMP.format(out=str(out))


def compare(result: Result, reference: Result) -> str:
    """'identical' or what differs."""
    if (np.array_equal(result.times, reference.times) and np.array_equal(result.senders, reference.senders)
            and np.array_equal(result.ids, reference.ids) and np.array_equal(result.v_m, reference.v_m)):
        return "identical"
    n = min(len(result.times), len(reference.times))
    same = (result.times[:n] == reference.times[:n]) & (result.senders[:n] == reference.senders[:n])
    first = int(np.argmin(same)) if not same.all() else n
    at = f"{reference.times[first]:.2f} ms" if first < len(reference.times) else "the end"
    parts = [f"DIFFERENT: spikes {len(result.times)} vs {len(reference.times)}, first difference at {at}"]
    if np.array_equal(result.ids, reference.ids):
        parts.append(f"max |dV_m| {np.max(np.abs(result.v_m - reference.v_m)):.3g} mV")
    return ", ".join(parts)


def run_command(kind: str, simulator: str, args, module, out: Path) -> list:
    """The command line of one run (without mpirun): the deterministic network (a job file for
    validation.mpi_rank) or NEST's gallery script (written beside ``out``)."""
    if kind == "deterministic":
        job = out.with_suffix(".json")
        job.write_text(json.dumps({"simulator": simulator, "n_neuron": 500, "simtime": args.simtime,
                                   "gap_weight": args.gap_weight, "vps": args.vps,
                                   "module": str(module) if module else None, "out": str(out)}))
        return [sys.executable, "-m", "validation.mpi_rank", str(job)]
    script = out.with_suffix(".py")
    script.write_text(seed_script(simulator, args.gap_weight, args.simtime, args.vps, module, out))
    return [sys.executable, str(script)]


def compare_all(results: list, reference: Result) -> str:
    """'identical' if every repetition is, else the first difference."""
    return next((v for v in (compare(r, reference) for r in results) if v != "identical"), "identical")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap-weight", type=float, default=0.54, help="gap weight (nS) [0.54]")
    parser.add_argument("--simtime", type=float, default=101.0, help="simulated time (ms) [101]")
    parser.add_argument("--vps", type=int, default=2, help="total_num_virtual_procs, in every layout [2]")
    parser.add_argument("--ranks", default="1,2", help="MPI process counts, each dividing --vps [1,2]")
    parser.add_argument("--no-seed-script", action="store_true", help="only the deterministic network")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each configuration, round-robin; times are the fastest [1]")
    args = parser.parse_args(argv)
    ranks = [int(r) for r in args.ranks.split(",")]
    if any(r < 1 or args.vps % r for r in ranks):
        parser.error(f"--ranks {args.ranks}: every count must divide --vps {args.vps}")

    mpi = mpi_nest.ensure(log=lambda message: print(message, flush=True))
    print(f"MPI NEST {mpi.version}: {'cached' if mpi.cached else 'built'} ({mpi.prefix}; first build took "
          f"{mpi.build_seconds / 60:.0f} min with make -j{mpi.jobs})", flush=True)
    env = environments(mpi)
    library = build_module(mpi, Path(mpi.prefix).parent / "modules" / MODEL_FILE.stem)

    kinds = ["deterministic"] + ([] if args.no_seed_script else ["seed script"])
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="nestgap-mpi-") as folder:
        for kind in kinds:
            label = ("deterministic network (numpy's draws)" if kind == "deterministic"
                     else "NEST's gallery script (NEST's random streams)")
            print(f"{label}, {args.gap_weight} nS, {args.simtime} ms, {args.vps} virtual processes "
                  f"(load average {os.getloadavg()[0]:.1f}):", flush=True)
            runs = [("nestgap", None, None, "plain"), ("NEST wheel, built-in", BUILTIN, None, "plain")]
            runs += [(f"MPI NEST, {'built-in' if m == BUILTIN else 'module'}", m, r, "mpi")
                     for m in (BUILTIN, "module") for r in ranks]
            commands = []
            for name, model, nranks, environment in runs:
                tag = f"{kind.replace(' ', '_')}-{name.replace(' ', '_').replace(',', '')}-{nranks}"
                argv = run_command(kind, "nestgap" if name == "nestgap" else "nest", args,
                                   library if model == "module" else None, Path(folder) / tag)
                commands.append((argv, Path(folder) / tag, env[environment], nranks))
            # repetitions round-robin, so that other jobs' load spreads over all configurations
            results = [[] for _ in runs]
            for _ in range(args.repeat):
                for repeats, command in zip(results, commands):
                    repeats.append(launch(*command))
            reference = results[0][0]  # nestgap's first run
            for (name, _, _, _), repeats in zip(runs, results):
                verdict = compare_all([r for r in repeats if r is not reference], reference)
                verdicts.append((f"{label}, {name} ({repeats[0].layout})", verdict))
                if repeats[0] is reference and verdict == "identical":
                    verdict = "reference"
                layout = f"{args.vps} virtual procs" if name == "nestgap" else repeats[0].layout
                times = (f"wall {min(r.wall_seconds for r in repeats):6.1f} s  Simulate "
                         f"{min(r.simulate_seconds for r in repeats):6.1f} s")
                print(f"  {name:<20} {layout:<18} {len(repeats[0].times):>6} spikes  {times}"
                      f"{f' (fastest of {args.repeat})' if args.repeat > 1 else ''}  "
                      f"{verdict if verdict == 'reference' else verdict + ' to nestgap'}", flush=True)
    failed = [f"{what}: {verdict}" for what, verdict in verdicts if verdict != "identical"]
    if failed:
        print("NOT identical: " + "; ".join(failed))
        return 1
    print(f"all identical: spikes and final V_m bit for bit across {' and '.join(map(str, ranks))} rank(s), "
          "between NEST's model and the module's, and to nestgap's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
