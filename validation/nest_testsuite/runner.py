"""Each test file of NEST's suite in its own pytest subprocess, on NEST or on nestgap, with a timeout.

On nestgap the subprocess finds the shim (``shim/nest``) first on ``PYTHONPATH``,
so ``import nest`` is nestgap; on NEST it finds the installed PyNEST. Both get
this repository on the path (the plugin, and nestgap's own copy of this
checkout) and matplotlib's Agg backend, and run in an empty scratch folder.
A file that exceeds the timeout is killed with its process group; its running
test is recorded as ``timeout``, a test running when the process died as
``crash``.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIM = Path(__file__).resolve().parent / "shim"
PLUGIN = "validation.nest_testsuite.plugin"


def environment(simulator: str) -> dict:
    """The subprocess environment: shim (nestgap only) and this repository first on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    paths = ([str(SHIM)] if simulator == "nestgap" else []) + [str(REPO)]
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [os.environ.get("PYTHONPATH")] if p])
    env["MPLBACKEND"] = "Agg"
    return env


def probe(simulator: str, code: str) -> dict:
    """Run ``code`` (which prints one JSON object last) with ``nest`` as the simulator sees it."""
    result = subprocess.run([sys.executable, "-c", code], env=environment(simulator), capture_output=True,
                            text=True, check=True, cwd=tempfile.gettempdir())
    return json.loads(result.stdout.strip().splitlines()[-1])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_file(path: Path, root: Path, simulator: str, out_dir: Path, timeout: float, capabilities: dict) -> dict:
    """Run one test file; its record: per-test outcomes, collection errors, timing, return code."""
    rel = str(path.relative_to(root))
    stem = rel.replace("/", "__")
    out_dir.mkdir(parents=True, exist_ok=True)
    report, log = out_dir / f"{stem}.jsonl", out_dir / f"{stem}.log"
    report.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", str(path), "-p", PLUGIN, "--ngs-report", str(report),
               "--ngs-simulator", simulator, "--ngs-capabilities", json.dumps(capabilities),
               "-p", "no:cacheprovider", "--rootdir", str(root), "--confcutdir", str(root), "-q", "--no-header"]
    started = time.perf_counter()
    timed_out = False
    with tempfile.TemporaryDirectory(prefix="nest_testsuite_") as scratch, open(log, "w") as log_file:
        process = subprocess.Popen(command, cwd=scratch, env=environment(simulator), stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            returncode = process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            returncode = process.wait()
            timed_out = True
    record = parse(report, rel)
    record.update(file=rel, sha256=sha256(path), simulator=simulator, returncode=returncode,
                  timed_out=timed_out, timeout=timeout, duration=round(time.perf_counter() - started, 2))
    for test in record["tests"].values():
        if test["outcome"] == "running":
            test["outcome"] = "timeout" if timed_out else "crash"
    if timed_out or "end" not in record or returncode not in (0, 1, 5):
        record["log_tail"] = log.read_text(errors="replace")[-3000:]
    return record


def parse(report: Path, rel: str) -> dict:
    """The JSON lines of one file's run (see plugin.py) as a record."""
    record = {"tests": {}, "collect_errors": [], "collect_skips": []}
    lines = report.read_text().splitlines() if report.exists() else []
    for line in lines:
        entry = json.loads(line)
        kind = entry.pop("kind")
        if kind == "start":
            record["tests"][entry["nodeid"]] = {"outcome": "running"}
        elif kind == "test":
            record["tests"][entry.pop("nodeid")] = entry
        elif kind == "collect_error":
            record["collect_errors"].append(entry)
        elif kind == "collect_skip":
            record["collect_skips"].append(entry)
        elif kind == "session":
            record["session"] = entry
        elif kind == "end":
            record["end"] = entry
    return record


def run_files(paths, root: Path, simulator: str, out_dir: Path, timeout: float, jobs: int,
              capabilities: dict, done=None) -> dict:
    """Run many files, ``jobs`` at a time; ``done(record)`` is called as each finishes. {rel: record}."""
    records = {}

    def one(path):
        record = run_file(path, root, simulator, out_dir, timeout, capabilities)
        records[record["file"]] = record
        if done is not None:
            done(record)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(one, p) for p in paths]:
            future.result()
    return records
