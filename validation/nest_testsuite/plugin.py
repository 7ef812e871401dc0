"""pytest plugin of the harness: one JSON line per test (and per collection error) of one test file.

Loaded into each pytest subprocess with ``-p validation.nest_testsuite.plugin``.
Lines, appended and flushed as they happen (so a crash or a timeout keeps what
finished): ``session`` (simulator, where ``nest`` came from), ``start`` (a test
began), ``test`` (its outcome, the exception of the failing phase with the
deepest traceback line inside the test suite, markers, skip reason, and on NEST
what it used: usage.py), ``collect_error``, ``collect_skip``, ``end``.

The conftest.py of NEST's test suite asks ``nest.build_info`` which parts NEST
was built with (fixtures ``have_threads``, ``have_gsl``, ...). Where the
simulator under test has no ``build_info`` (nestgap, for now), this plugin gives
those fixtures the NEST baseline's values (``--ngs-capabilities``), so that both
runs select the same tests; tests that read ``nest.build_info`` themselves still
fail on nestgap, as they should.
"""

import json
import time
from pathlib import Path

import pytest

from .usage import UsageRecorder


def pytest_addoption(parser):
    group = parser.getgroup("nest_testsuite", "nestgap's harness for NEST's test suite")
    group.addoption("--ngs-report", required=True, help="JSON-lines file to append the outcomes to")
    group.addoption("--ngs-simulator", required=True, choices=["nest", "nestgap"])
    group.addoption("--ngs-capabilities", default="{}",
                    help="JSON {fixture name: value}: answers of the conftest's have_* fixtures "
                         "where nest.build_info is missing")


def pytest_configure(config):
    config.pluginmanager.register(Reporter(config), "ngs_reporter")


def describe(excinfo, root: Path) -> dict:
    """An exception as a dict: class, message, and the deepest traceback line in a file under ``root``."""
    value = excinfo.value
    where = None
    for entry in reversed(excinfo.traceback):
        path = Path(str(entry.path))
        if path.is_relative_to(root):
            where = {"file": str(path.relative_to(root)), "line": entry.lineno + 1,
                     "source": str(entry.statement).strip()[:300]}
            break
    last = excinfo.traceback[-1] if excinfo.traceback else None
    return {"type": type(value).__name__, "module": type(value).__module__, "message": str(value)[:2000],
            "where": where, "crash": f"{last.path}:{last.lineno + 1}" if last else None}


class Reporter:
    """Writes the JSON lines; on NEST also records each test's usage (models, rules, ...)."""

    def __init__(self, config):
        self.root = Path(config.rootpath)
        self.simulator = config.getoption("ngs_simulator")
        self.capabilities = json.loads(config.getoption("ngs_capabilities"))
        self.out = open(config.getoption("ngs_report"), "a", encoding="utf-8")
        self.phases = {}  # nodeid -> {when: {"outcome", "exc", "skip", "wasxfail"}}
        self.recorder = None
        self.file_usage = set()  # collection time (module-level code)
        self.fixture_usage = {}  # wider-than-function fixtures, by name
        self.answered = set()  # have_* fixtures answered from the baseline

    def write(self, **record):
        self.out.write(json.dumps(record, default=str) + "\n")
        self.out.flush()

    # -- session ---------------------------------------------------------------------
    def pytest_sessionstart(self, session):
        import nest

        if self.simulator == "nest":
            self.recorder = UsageRecorder(nest)
            self.recorder.install()
            session.config.pluginmanager.register(FixtureUsage(self), "ngs_fixture_usage")
        self.write(kind="session", simulator=self.simulator, nest_module=getattr(nest, "__file__", None),
                   nest_name=nest.__name__, started=time.time())

    def pytest_sessionfinish(self, session, exitstatus):
        self.write(kind="end", exitstatus=int(exitstatus), collected=session.testscollected,
                   answered_capabilities=sorted(self.answered))
        self.out.close()

    # -- collection --------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector):
        if self.recorder is None or not isinstance(collector, pytest.Module):
            return (yield)
        self.recorder.sink = self.file_usage
        try:
            return (yield)
        finally:
            self.recorder.sink = set()

    def pytest_collection_finish(self, session):
        if session.config.option.collectonly:  # MPI tests on NEST: counted, not run
            for item in session.items:
                self.write(kind="test", nodeid=item.nodeid, outcome="not run",
                           markers=sorted({m.name for m in item.iter_markers()}))

    def pytest_exception_interact(self, node, call, report):
        if isinstance(node, pytest.Collector):
            self.write(kind="collect_error", nodeid=node.nodeid, exc=describe(call.excinfo, self.root))

    def pytest_collectreport(self, report):
        if report.skipped and isinstance(report.longrepr, tuple):
            self.write(kind="collect_skip", nodeid=report.nodeid, reason=str(report.longrepr[2]))

    # -- fixtures ----------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_setup(self, fixturedef, request):
        """The conftest's have_* fixtures, answered from the NEST baseline where nest.build_info is missing."""
        if fixturedef.argname not in self.capabilities or fixturedef.baseid != "":
            return None
        import nest

        if hasattr(nest, "build_info"):
            return None
        value = self.capabilities[fixturedef.argname]
        self.answered.add(fixturedef.argname)
        fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
        return value

    # -- tests ---------------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.write(kind="start", nodeid=item.nodeid, t=time.time())
        self.phases[item.nodeid] = {}
        if self.recorder is not None:
            self.recorder.sink = set()
        started = time.perf_counter()
        try:
            return (yield)
        finally:
            self.finish(item, time.perf_counter() - started)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        phase = {"outcome": report.outcome, "wasxfail": getattr(report, "wasxfail", None)}
        if report.failed and call.excinfo is not None:
            phase["exc"] = describe(call.excinfo, self.root)
        if report.skipped and isinstance(report.longrepr, tuple):
            phase["skip"] = str(report.longrepr[2])
        self.phases[item.nodeid][call.when] = phase
        return report

    def finish(self, item, duration):
        phases = self.phases.pop(item.nodeid)
        outcome, exc, skip = _outcome(phases)
        record = {"kind": "test", "nodeid": item.nodeid, "outcome": outcome, "duration": round(duration, 4),
                  "markers": sorted({m.name for m in item.iter_markers()})}
        if exc:
            record["exc"] = exc
        if skip:
            record["skip"] = skip
        if self.recorder is not None:
            used = set(self.recorder.sink) | self.file_usage
            for name in getattr(item, "fixturenames", ()):
                used |= self.fixture_usage.get(name, set())
            record["usage"] = sorted(used)
        self.write(**record)


class FixtureUsage:
    """On NEST: what a module-, class- or session-scoped fixture uses belongs to every test using it."""

    def __init__(self, reporter):
        self.reporter = reporter

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        recorder = self.reporter.recorder
        if fixturedef.scope == "function":
            return (yield)
        outer = recorder.sink
        recorder.sink = self.reporter.fixture_usage.setdefault(fixturedef.argname, set())
        try:
            return (yield)
        finally:
            recorder.sink = outer


def _outcome(phases):
    """(outcome, exception, skip reason) of a test from its setup/call/teardown phases, as pytest counts."""
    setup, call, teardown = (phases.get(when) for when in ("setup", "call", "teardown"))
    if setup is None:
        return "error", None, None
    if setup["outcome"] == "failed":
        return "error", setup.get("exc"), None
    if setup["outcome"] == "skipped":
        return ("xfailed" if setup["wasxfail"] else "skipped"), None, setup.get("skip")
    if call is None:
        return "error", None, None
    if call["outcome"] == "skipped":
        return ("xfailed" if call["wasxfail"] else "skipped"), None, call.get("skip")
    if call["outcome"] == "failed":
        return "failed", call.get("exc"), None
    if teardown is not None and teardown["outcome"] == "failed":
        return "error", teardown.get("exc"), None
    return ("xpassed" if call["wasxfail"] else "passed"), None, None
