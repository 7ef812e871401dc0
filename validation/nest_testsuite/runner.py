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
import threading
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


_CAPABILITIES = """
import importlib.util, json, nest
info = nest.build_info
caps = {k: bool(v) for k, v in info.items() if k.startswith("have_")}
caps["have_mpi4py"] = importlib.util.find_spec("mpi4py") is not None and caps["have_mpi"]
print(json.dumps({"capabilities": caps, "version": info["version"]}))
"""
_INVENTORY = """
import json, nest
print(json.dumps({"nodes": sorted(nest.node_models), "synapses": sorted(nest.synapse_models),
                  "rules": sorted(nest.connection_rules)}))
"""


def nest_capabilities() -> dict:
    """NEST's build_info have_* flags, as the conftest's have_* fixtures compute them; its version."""
    return probe("nest", _CAPABILITIES)


def nestgap_inventory() -> dict:
    """The node models (neurons and devices), synapse models and connection rules nestgap has."""
    return probe("nestgap", _INVENTORY)


def git_commit() -> str:
    """This checkout's commit (short), to say which nestgap a result is of."""
    result = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True)
    return result.stdout.strip()


_LIVE = set()  # running subprocesses, each the leader of its own process group
_LOCK = threading.Lock()


def start(command, **kwargs) -> subprocess.Popen:
    """A subprocess in a process group of its own (so that a timeout ends all it started)."""
    with _LOCK:
        process = subprocess.Popen(command, start_new_session=True, **kwargs)
        _LIVE.add(process)
    return process


def wait(process, timeout: float) -> tuple[int, bool]:
    """(return code, timed out): wait up to ``timeout`` s, then kill the process group."""
    try:
        returncode, timed_out = process.wait(timeout), False
    except subprocess.TimeoutExpired:
        returncode, timed_out = kill_group(process), True
    with _LOCK:
        _LIVE.discard(process)
    return returncode, timed_out


def kill_group(process) -> int:
    """End a subprocess started by ``start`` and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # ended by itself meanwhile
        pass
    return process.wait()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_file(path: Path, root: Path, simulator: str, out_dir: Path, timeout: float, capabilities: dict,
             collect_only=False) -> dict:
    """Run one test file; its record: per-test outcomes, collection errors, timing, return code."""
    rel = str(path.relative_to(root))
    stem = rel.replace("/", "__")
    out_dir.mkdir(parents=True, exist_ok=True)
    report, log = out_dir / f"{stem}.jsonl", out_dir / f"{stem}.log"
    report.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", str(path), "-p", PLUGIN, "--ngs-report", str(report),
               "--ngs-simulator", simulator, "--ngs-capabilities", json.dumps(capabilities),
               "-p", "no:cacheprovider", "--rootdir", str(root), "--confcutdir", str(root), "-q", "--no-header"]
    if collect_only:
        command.append("--collect-only")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nest_testsuite_") as scratch, open(log, "w") as log_file:
        process = start(command, cwd=scratch, env=environment(simulator), stdout=log_file,
                        stderr=subprocess.STDOUT)
        returncode, timed_out = wait(process, timeout)
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


def parallel(function, items, jobs: int):
    """``function(item)`` for all items, ``jobs`` at a time. If the harness is interrupted (Ctrl-C,
    SIGTERM), the items not started are dropped and the running subprocesses killed."""
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        for future in [pool.submit(function, item) for item in items]:
            future.result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        with _LOCK:
            for process in list(_LIVE):
                kill_group(process)
        raise
    pool.shutdown()


def run_files(paths, root: Path, simulator: str, out_dir: Path, timeout: float, jobs: int,
              capabilities: dict, done, collect_only=()):
    """Run many files, ``jobs`` at a time; ``done(record)`` is called as each finishes.

    Files in ``collect_only`` are only collected (their tests recorded as ``not run``).
    """
    parallel(lambda path: done(run_file(path, root, simulator, out_dir, timeout, capabilities,
                                        collect_only=path in collect_only)), paths, jobs)
