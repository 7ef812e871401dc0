"""python -m validation.nest_examples: NEST 3.10's PyNEST examples, unchanged, on NEST and on nestgap.

Every example (chosen as NEST's run_examples.sh does: each script of the top
folder, every script of a subfolder, or only its run_example.py where it has
one; NEST's skip list left out) runs on NEST first, in a subprocess
(validation/nest_testsuite/run_example.py) that records which models, synapses
and rules it uses. An example is in scope if it runs on NEST and nestgap has
all of them; those run again on nestgap through the shim (``import nest`` is
nestgap). Both runs save every recorder's events at the end; the table
compares them bit for bit. Examples that draw from NEST's random streams
(which nestgap does not reproduce) are marked; for them only the numbers of
events are comparable. NEST's results are cached per example (by content
hash) unless ``--fresh-baseline``. Results: ``<cache>/nest_examples/results.json``
and, for a run of all examples, ``validation/results/nest_examples_summary.json``.
"""

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from validation.nest_testsuite import classify, runner, sources
from validation.nest_testsuite.store import Store

RESULTS = Path(__file__).resolve().parent / "results"
#: Examples NEST's own pynest/examples/run_examples.sh skips (MUSIC, CSA, data downloads, helper modules).
NEST_SKIPS = ("brette_et_al_2007_benchmark.py", "nest_script.py", "receiver_script.py",
              "eprop_supervised_classification_neuromorphic_mnist.py", "csa_example.py", "csa_spatial_example.py")


def examples(root: Path) -> list[str]:
    """Example scripts (relative to ``root``) in run_examples.sh's choice, without its skip list."""
    chosen = [p for p in root.glob("*.py")]
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        runner_script = folder / "run_example.py"
        chosen += [runner_script] if runner_script.exists() else sorted(folder.glob("*.py"))
    return sorted(str(p.relative_to(root)) for p in chosen if p.name not in NEST_SKIPS)


def run_example(root: Path, rel: str, simulator: str, out_dir: Path, timeout: float,
                stop_inventory: dict | None = None) -> dict:
    """Run one example in a scratch copy of its folder; its status, usage (NEST) and events file.

    With ``stop_inventory`` (NEST only), the run stops where the example uses what nestgap lacks.
    """
    out = out_dir / rel.replace("/", "__")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    script = root / rel
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nest_example_") as scratch:
        folder = Path(scratch) / "example"
        if script.parent == root:  # a top-level script: the folder's files, without the other examples' folders
            folder.mkdir()
            for path in root.glob("*"):
                if path.is_file():
                    shutil.copy(path, folder)
        else:
            shutil.copytree(script.parent, folder)
        command = [sys.executable, "-m", "validation.nest_testsuite.run_example", str(folder / script.name),
                   str(out), simulator] + ([json.dumps(stop_inventory)] if stop_inventory else [])
        with open(out / "output.log", "w") as log:
            process = runner.start(command, cwd=folder, env=runner.environment(simulator), stdout=log,
                                   stderr=subprocess.STDOUT)
            returncode, timed_out = runner.wait(process, timeout)
    status_file = out / "status.json"
    record = json.loads(status_file.read_text()) if status_file.exists() else {"script": "crash"}
    if timed_out:
        record["script"] = "timeout"
    record.update(example=rel, sha256=runner.sha256(script), returncode=returncode, timeout=timeout,
                  wall_s=round(time.perf_counter() - started, 1), events=str(out / "events.npz"))
    usage_file = out / "usage.jsonl"
    if usage_file.exists():
        record["usage"] = sorted({tuple(json.loads(line)) for line in usage_file.read_text().splitlines()})
    if record["script"] not in ("ok", "stopped"):
        record["log_tail"] = (out / "output.log").read_text(errors="replace")[-2000:]
    return record


def in_scope(nest_record: dict, inventory: dict) -> list[str]:
    """Why an example is out of scope (empty: in scope): it uses what nestgap lacks, or fails on NEST."""
    reasons = classify.scope({"folder": ""}, nest_record, None, inventory)
    if not reasons and nest_record["script"] != "ok":
        reasons = [f"NEST: {nest_record['script']}"]
    return reasons


def _stale(record: dict | None, sha: str, inventory: dict, timeout: float) -> bool:
    """A cached NEST run is stale if its example changed, it timed out with a shorter timeout than
    now given, or it stopped at what nestgap now has."""
    if record is None or record["sha256"] != sha or (record["script"] == "timeout" and record["timeout"] < timeout):
        return True
    return bool(record.get("stop_reason")) and not in_scope({**record, "usage": [record["stop_reason"]],
                                                             "script": "ok"}, inventory)


def compare_events(nest_file: str, nestgap_file: str) -> dict:
    """Recorders' events of both runs: identical, differing or missing, bit for bit; spike counts."""
    a, b = np.load(nest_file), np.load(nestgap_file)
    keys_a, keys_b = set(a.files), set(b.files)
    recorders = sorted({k.rsplit(":", 1)[0] for k in keys_a | keys_b})
    identical, differing, first = 0, 0, None
    for recorder in recorders:
        fields = sorted(k for k in keys_a | keys_b if k.rsplit(":", 1)[0] == recorder)
        same = all(k in keys_a and k in keys_b and a[k].shape == b[k].shape and np.array_equal(a[k], b[k])
                   for k in fields)
        identical += same
        differing += not same
        if not same and first is None:
            first = next(_difference(k, a, b) for k in fields if not (
                k in keys_a and k in keys_b and a[k].shape == b[k].shape and np.array_equal(a[k], b[k])))
    spikes = [sum(len(f[k]) for k in f.files if k.endswith("spike_recorder:times")) for f in (a, b)]
    return {"recorders": len(recorders), "identical": identical, "differing": differing,
            "spikes_nest": spikes[0], "spikes_nestgap": spikes[1], "first_difference": first}


def _difference(key, a, b) -> str:
    if key not in b.files:
        return f"{key}: missing on nestgap"
    if key not in a.files:
        return f"{key}: only on nestgap"
    if a[key].shape != b[key].shape:
        return f"{key}: {a[key].shape[0]} values on NEST, {b[key].shape[0]} on nestgap"
    where = np.flatnonzero(a[key] != b[key])
    return f"{key}: {len(where)} values differ, first at {where[0]}: {a[key][where[0]]!r} vs {b[key][where[0]]!r}"


def main(argv=None):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed harness kills its subprocesses
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--match", help="only examples whose path contains this text")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per example run (default 900)")
    parser.add_argument("--fresh-baseline", action="store_true", help="rerun NEST even where the cache has it")
    parser.add_argument("--nest-only", action="store_true", help="run the NEST baseline only")
    parser.add_argument("--full-nest", action="store_true",
                        help="run every example on NEST to its end (default: stop at the first model, synapse, "
                             "rule or feature nestgap lacks)")
    args = parser.parse_args(argv)

    root = sources.examples_dir()
    work = sources.work_dir().parent / "nest_examples"
    work.mkdir(exist_ok=True)
    names = [e for e in examples(root) if not args.match or args.match in e]
    print(f"{len(names)} examples under {root}")
    baseline = Store(work / f"baseline_nest-{sources.NEST_VERSION}.json")
    inventory = runner.nestgap_inventory()
    stale = [e for e in names if args.fresh_baseline
             or _stale(baseline.data["files"].get(e), runner.sha256(root / e), inventory, args.timeout)]
    print(f"NEST: {len(stale)} examples to run, {len(names) - len(stale)} from the cache")
    _run_all(root, stale, "nest", work / "runs" / "nest", args, baseline,
             stop_inventory=None if args.full_nest else inventory)
    if args.nest_only:
        return
    scope = {e: in_scope(baseline.data["files"][e], inventory) for e in names}
    chosen = [e for e in names if not scope[e]]
    print(f"nestgap: {len(chosen)} examples in scope: {', '.join(chosen)}")
    nestgap = Store(work / "nestgap_runs.json", commit=runner.git_commit(), inventory=inventory)
    _run_all(root, chosen, "nestgap", work / "runs" / "nestgap", args, nestgap)

    rows = []
    stochastic = sources.stochastic_models()
    for e in names:
        nest_record = baseline.data["files"][e]
        row = {"example": e, "nest": nest_record["script"], "nest_s": nest_record.get("script_s"),
               "out_of_scope": scope[e],
               "random_streams": classify.random_streams(nest_record, stochastic)}
        if not scope[e]:
            ng = nestgap.data["files"][e]
            row.update(nestgap=ng["script"], nestgap_s=ng.get("script_s"), nestgap_error=ng.get("error"),
                       capture=ng.get("capture_error"))
            if ng["script"] == "ok" and ng.get("capture") == "ok" and nest_record.get("capture") == "ok":
                row.update(compare_events(nest_record["events"], ng["events"]))
        rows.append(row)
    results = {"nest_version": sources.NEST_VERSION, "nestgap_commit": nestgap.data["commit"],
               "date": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(sys.argv), "inventory": inventory,
               "examples": rows}
    (work / "results.json").write_text(json.dumps(results, indent=1))
    print(table(rows))
    if not args.match:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "nest_examples_summary.json").write_text(json.dumps(results, indent=1))
    print(f"\nresults: {work / 'results.json'}")


def _run_all(root, names, simulator, out_dir, args, store, stop_inventory=None):
    def one(name):
        record = run_example(root, name, simulator, out_dir, args.timeout, stop_inventory)
        error = f": {record['error'][:100]}" if record.get("error") else ""
        store.add(name, record, f"  {simulator:7s} {name}: {record['script']}{error} ({record['wall_s']:.0f} s)")

    runner.parallel(one, names, args.jobs)


def table(rows) -> str:
    """In-scope examples in full; the others counted by their first reason."""
    lines = ["| example | NEST (s) | nestgap (s) | recorders identical / all | spikes NEST / nestgap | "
             "NEST random streams | first difference or error |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["out_of_scope"]:
            continue
        detail = r.get("first_difference") or r.get("nestgap_error") or r.get("capture") or ""
        compared = f"{r['identical']} / {r['recorders']}" if "recorders" in r else "-"
        spikes = f"{r['spikes_nest']} / {r['spikes_nestgap']}" if "recorders" in r else "-"
        lines.append(f"| {r['example']} | {r['nest']} ({r['nest_s']}) | {r['nestgap']} ({r['nestgap_s']}) | "
                     f"{compared} | {spikes} | {', '.join(r['random_streams']) or 'no'} | {detail[:160]} |")
    out = [r for r in rows if r["out_of_scope"]]
    counts = {}
    for r in out:
        counts[r["out_of_scope"][0]] = counts.get(r["out_of_scope"][0], 0) + 1
    lines.append(f"\nOut of scope: {len(out)} of {len(rows)} examples; first reason:")
    lines += [f"  {n:3d}  {reason}" for reason, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
