"""python -m validation.nest_testsuite: NEST 3.10's test suite on NEST (baseline) and on nestgap.

Every test file runs in its own pytest subprocess (runner.py) with a timeout,
first on the installed NEST, then on nestgap through the shim (``import nest``
is nestgap). The NEST baseline is kept in the cache per file (by content hash)
and reused unless ``--fresh-baseline``. Tests of the MPI folders are out of
scope: on NEST they are only collected (counted), on nestgap not run.

``--lean-baseline`` runs nestgap first and NEST only on the files where that is
needed: a file whose every test (or collection) stopped on nestgap at a missing
model, synapse or feature is out of scope whatever NEST does, so it is not run on
NEST (its tests are counted as "not run on NEST"; NEST records in the cache are
still used). On 2 cores this saves most of the baseline's hours. Results:
``<cache>/nest_testsuite/results.json`` (every test), and for a run of the
whole suite a summary in ``validation/results/nest_testsuite_summary.json``
and ``validation/results/nest_testsuite.md``.
"""

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from . import classify, report, runner, sources
from .store import Store

RESULTS = Path(__file__).resolve().parents[1] / "results"

def _progress(record) -> str:
    counts = {}
    for test in record["tests"].values():
        counts[test["outcome"]] = counts.get(test["outcome"], 0) + 1
    if record["collect_errors"]:
        counts["collection error"] = len(record["collect_errors"])
    outcomes = " ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return (f"  {record['simulator']:7s} {record['file']}: {outcomes} ({record['duration']:.0f} s"
            f"{', TIMEOUT' if record['timed_out'] else ''})")


def main(argv=None):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed harness kills its subprocesses
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", action="append", help="only this folder of testsuite/pytests (repeatable)")
    parser.add_argument("--match", help="only test files whose path contains this text")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--nest-only", action="store_true", help="run the NEST baseline only")
    which.add_argument("--nestgap-only", action="store_true", help="run nestgap only (NEST from the cache)")
    which.add_argument("--table", action="store_true",
                       help="run nothing: classify the stored runs again, write the results, print the tables")
    parser.add_argument("--fresh-baseline", action="store_true", help="rerun NEST even where the cache has it")
    parser.add_argument("--lean-baseline", action="store_true",
                        help="run nestgap first, then NEST only on files with a test that nestgap did not stop at "
                             "a missing model, synapse or feature")
    parser.add_argument("--jobs", type=int, default=1, help="test files run at once (default 1)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per test file (default 300)")
    args = parser.parse_args(argv)

    work = sources.work_dir()
    root = sources.testsuite_dir()
    files = sorted(p for p in root.rglob("test_*.py")
                   if (not args.folder or classify.folder_of(str(p.relative_to(root))) in args.folder)
                   and (not args.match or args.match in str(p.relative_to(root))))
    print(f"{len(files)} test files under {root}")

    baseline = Store(work / f"baseline_nest-{sources.NEST_VERSION}.json")
    if "capabilities" not in baseline.data:
        baseline.data.update(runner.nest_capabilities())
    nestgap = Store(work / "nestgap_runs.json")

    def run_nest(candidates):
        stale = [p for p in candidates if args.fresh_baseline
                 or baseline.data["files"].get(str(p.relative_to(root)), {}).get("sha256") != runner.sha256(p)]
        print(f"NEST: {len(stale)} files to run, {len(candidates) - len(stale)} from the cache")
        mpi = [p for p in stale if classify.folder_of(str(p.relative_to(root))) in classify.MPI_FOLDERS]
        runner.run_files(stale, root, "nest", work / "runs" / "nest", args.timeout, args.jobs,
                         baseline.data["capabilities"], done=lambda r: baseline.add(r["file"], r, _progress(r)),
                         collect_only=mpi)

    if not (args.nestgap_only or args.table or args.lean_baseline):
        run_nest(files)
    if not (args.nest_only or args.table):
        nestgap.data.update(commit=runner.git_commit(), inventory=runner.nestgap_inventory())
        to_run = [p for p in files if classify.folder_of(str(p.relative_to(root))) not in classify.MPI_FOLDERS]
        print(f"nestgap ({nestgap.data['commit']}): {len(to_run)} files (MPI folders not run)")
        runner.run_files(to_run, root, "nestgap", work / "runs" / "nestgap", args.timeout, args.jobs,
                         baseline.data["capabilities"], done=lambda r: nestgap.add(r["file"], r, _progress(r)))
    if args.lean_baseline:
        needed = [p for p in files if classify.folder_of(str(p.relative_to(root))) in classify.MPI_FOLDERS
                  or classify.needs_nest(nestgap.data["files"].get(str(p.relative_to(root))))]
        print(f"NEST, lean: {len(needed)} of {len(files)} files need NEST's run")
        run_nest(needed)

    rels = [str(p.relative_to(root)) for p in files]
    nest_records = {r: baseline.data["files"][r] for r in rels if r in baseline.data["files"]}
    nestgap_records = {} if args.nest_only else {r: nestgap.data["files"][r] for r in rels if r in nestgap.data["files"]}
    not_on_nest = [r for r in nestgap_records if r not in nest_records and not classify.needs_nest(nestgap_records[r])]
    inventory = nestgap.data.get("inventory") or runner.nestgap_inventory()
    tests = report.verdicts(nest_records, nestgap_records, inventory, sources.stochastic_models(), root,
                            not_on_nest)
    results = {"nest_version": sources.NEST_VERSION, "nestgap_commit": nestgap.data.get("commit"),
               "date": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(sys.argv),
               "selection": {"folders": args.folder, "match": args.match, "files": len(files)},
               "timeout_s": args.timeout, "inventory": inventory, "capabilities": baseline.data["capabilities"],
               "notes": _notes(nestgap_records) + ([f"nestgap was run on {len(nestgap_records)} of "
                                                     f"{len(set(nest_records) | set(nestgap_records))} files "
                                                     "(MPI folders are never run)"] if nestgap_records else [])
               + ([f"{len(not_on_nest)} files were not run on NEST (--lean-baseline): each of their tests stopped on "
                   "nestgap at a missing model, synapse or feature, so they are out of scope whatever NEST does; "
                   "'pass on NEST' counts only the files run on NEST"] if not_on_nest else []),
               "folders": report.folder_table(tests, nest_records, nestgap_records, not_on_nest),
               "failure_groups": report.failure_groups(tests),
               "out_of_scope_reasons": report.out_of_scope_reasons(tests),
               "not_run_on_nest_reasons": report.not_run_on_nest_reasons(tests),
               "random_streams_in_scope": [(t["nodeid"], t["random_streams"]) for t in tests
                                           if t.get("in_scope") and t["random_streams"]],
               "tests": tests}
    (work / "results.json").write_text(json.dumps(results, indent=1))
    print_tables(results)
    if not args.folder and not args.match and nestgap_records:
        RESULTS.mkdir(exist_ok=True)
        summary = {k: v for k, v in results.items() if k != "tests"}
        (RESULTS / "nest_testsuite_summary.json").write_text(json.dumps(summary, indent=1))
        (RESULTS / "nest_testsuite.md").write_text(markdown(results))
    print(f"\nresults: {work / 'results.json'}")


def _notes(nestgap_records) -> list[str]:
    """Harness facts a reader of the numbers must know."""
    notes = []
    if any(r.get("session", {}).get("nest_name") == "nestgap" for r in nestgap_records.values()):
        notes.append("on nestgap, `import nest` was nestgap itself (the shim)")
    answered = sorted({name for r in nestgap_records.values()
                       for name in r.get("end", {}).get("answered_capabilities", ())})
    if answered:
        notes.append("nestgap has no nest.build_info: the conftest's fixtures " + ", ".join(answered)
                     + " were given NEST's values (so both runs select the same tests)")
    return notes


def markdown(results) -> str:
    lines = [f"# NEST {results['nest_version']}'s test suite on nestgap ({results['nestgap_commit']}, "
             f"{results['date']})", "", f"`{results['command']}`; timeout {results['timeout_s']:g} s per file.", "",
             *[f"- {note}" for note in results["notes"]], "",
             report.markdown_table(results["folders"]), "", "## In-scope failures on nestgap, by cause",
             report.markdown_groups(results["failure_groups"]), "", "## Out of scope: the most frequent reasons", ""]
    lines += [f"- {n:5d}  {reason}" for reason, n in results["out_of_scope_reasons"][:40]]
    if results.get("not_run_on_nest_reasons"):
        lines += ["", "## Not run on NEST (--lean-baseline): where nestgap stopped", ""]
        lines += [f"- {n:5d}  {reason}" for reason, n in results["not_run_on_nest_reasons"][:40]]
    lines += ["", f"## In scope and drawing from NEST's random streams: "
                  f"{len(results['random_streams_in_scope'])} tests", ""]
    lines += [f"- {nodeid}: {', '.join(why)}" for nodeid, why in results["random_streams_in_scope"]]
    return "\n".join(lines) + "\n"


def print_tables(results):
    print()
    print("\n".join(results["notes"]))
    print(report.markdown_table(results["folders"]))
    print("\nIn-scope failures on nestgap, by cause:")
    print(report.markdown_groups(results["failure_groups"], keys_per_category=12))
    print("\nOut of scope, most frequent reasons:")
    for reason, n in results["out_of_scope_reasons"][:15]:
        print(f"  {n:5d}  {reason}")
    print(f"\nIn scope and drawing from NEST's random streams: {len(results['random_streams_in_scope'])} tests")


if __name__ == "__main__":
    main()
