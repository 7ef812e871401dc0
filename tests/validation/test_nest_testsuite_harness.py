"""The harness for NEST's own test suite (validation/nest_testsuite) on a tiny synthetic suite.

Nothing is downloaded: a conftest.py shaped like NEST's (a ``have_threads``
fixture reading ``nest.build_info``) and one test file run on NEST and on
nestgap through the shim, as the harness runs NEST's files.
"""

import textwrap

import pytest

from validation.nest_testsuite import classify, report, runner

CONFTEST = '''
import nest
import pytest

@pytest.fixture(scope="session")
def have_threads():
    return nest.build_info["have_threads"]

@pytest.fixture(autouse=True)
def skipif_missing_threads(request, have_threads):
    if not have_threads and request.node.get_closest_marker("skipif_missing_threads"):
        pytest.skip("no threads")
'''

TESTS = '''
import nest
import pytest

def test_in_scope():
    nest.ResetKernel()
    n = nest.Create("hh_psc_alpha_gap")
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(5.0)

def test_missing_model():
    nest.Create("{missing}")

def test_value():
    assert nest.__name__ == "nest"

def test_exception_class():
    with pytest.raises(nest.NESTErrors.BadProperty):
        if nest.__name__ == "nestgap":
            raise KeyError("synthetic")
        nest.Create("hh_psc_alpha_gap", params={{"C_m": -1.0}})

def test_missing_name():
    assert nest.{attribute} is not None

@pytest.mark.skipif_missing_threads
def test_threads():
    nest.ResetKernel()
    nest.local_num_threads = 2
'''


def _run(code: str, simulator: str) -> dict:
    return runner.probe(simulator, textwrap.dedent(code))


def test_shim_forwards_to_nestgap():
    seen = _run("""
        import json, nest, nestgap
        nest.resolution = 0.2
        import nest.random
        try:
            import nest.lib
            missing = None
        except ModuleNotFoundError as error:
            missing = str(error)
        print(json.dumps({"same": nest is nestgap, "resolution": nestgap.GetKernelStatus("resolution"),
                          "random": nest.random is nestgap.random, "missing": missing}))
    """, "nestgap")
    assert seen == {"same": True, "resolution": 0.2, "random": True, "missing": "No module named 'nest.lib'"}


def test_nest_run_sees_real_nest():
    seen = _run("import json, nest; print(json.dumps({'name': nest.__name__}))", "nest")
    assert seen == {"name": "nest"}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Both runs of the synthetic suite and their verdicts."""
    import nest

    inventory = runner.nestgap_inventory()
    missing_model = sorted(set(nest.node_models) - set(inventory["nodes"]))[0]
    # a public module attribute of NEST's that nestgap lacks, found rather than assumed
    public = sorted(n for n in dir(nest) if not n.startswith("_"))
    lacking = _run(f"import json, nestgap; print(json.dumps([n for n in {public!r} if not hasattr(nestgap, n)]))",
                   "nestgap")
    attribute = lacking[0]
    root = tmp_path_factory.mktemp("suite") / "pytests"
    (root / "synth").mkdir(parents=True)
    (root / "conftest.py").write_text(CONFTEST)
    path = root / "synth" / "test_synthetic.py"
    path.write_text(TESTS.format(missing=missing_model, attribute=attribute))
    capabilities = runner.nest_capabilities()["capabilities"]
    records = {sim: {"synth/test_synthetic.py": runner.run_file(path, root, sim, root.parent / sim, 300,
                                                                  capabilities)}
               for sim in ("nest", "nestgap")}
    tests = report.verdicts(records["nest"], records["nestgap"], inventory, [], root)
    return {t["nodeid"].rsplit("::", 1)[1]: t for t in tests}, records, missing_model, attribute


def test_every_synthetic_test_passes_on_nest(synthetic):
    tests, records, _, _ = synthetic
    assert {name: t["nest"] for name, t in tests.items()} == dict.fromkeys(tests, "passed")
    assert len(tests) == 6


def test_scope_from_what_nest_saw(synthetic):
    tests, _, missing_model, _ = synthetic
    assert tests["test_missing_model"]["out_of_scope"] == [f"node {missing_model}"]
    assert tests["test_in_scope"]["in_scope"] and tests["test_in_scope"]["nestgap"] == "passed"


def test_conftest_capabilities_answered_on_nestgap(synthetic):
    tests, records, _, _ = synthetic
    assert tests["test_threads"]["nestgap"] == "passed"  # the autouse fixture needs have_threads
    answered = records["nestgap"]["synth/test_synthetic.py"]["end"]["answered_capabilities"]
    import nestgap

    assert answered == ([] if hasattr(nestgap, "build_info") else ["have_threads"])


def test_causes_of_in_scope_failures(synthetic):
    tests, _, _, attribute = synthetic
    assert tests["test_value"]["cause"][:2] == ["wrong value / assertion", "assert statement: assert 'nestgap' == 'nest'"]
    assert tests["test_exception_class"]["cause"][:2] == ["wrong exception class", "expected BadProperty, got KeyError"]
    category, key, example = tests["test_missing_name"]["cause"]
    assert (category, key) == ("missing function or attribute", f"nest.{attribute}")
    line = TESTS.splitlines().index("    assert nest.{attribute} is not None") + 1
    assert example.startswith(f"synth/test_synthetic.py:{line}: assert nest.{attribute} is not None  ->  "
                              "AttributeError")


def test_folder_table_counts(synthetic):
    tests, records, _, _ = synthetic
    rows = report.folder_table(list(tests.values()), records["nest"], records["nestgap"])
    assert rows[0] == {"folder": "synth", "files": 1, "tests": 6, "pass on NEST": 6, "in scope": 5,
                       "in scope, pass on nestgap": 2, "pass on nestgap (all)": 2, "not run on NEST": 0,
                       "nest timeouts": 0, "nestgap timeouts": 0}
    groups = report.failure_groups(list(tests.values()))
    assert sorted(g["category"] for g in groups) == ["missing function or attribute", "wrong exception class",
                                                      "wrong value / assertion"]


@pytest.mark.parametrize("outcome, expected", [
    ({"outcome": "timeout"}, ("crash / timeout", "timeout")),
    ({"outcome": "not collected"}, ("not collected on nestgap",
                                    "test id not collected on nestgap (parametrized differently)")),
    ({"outcome": "failed", "exc": {"type": "Failed", "message": "DID NOT RAISE <class 'NESTErrors.BadDelay'>"}},
     ("wrong exception class", "expected BadDelay, nothing raised")),
    ({"outcome": "error", "exc": {"type": "ModuleNotFoundError", "message": "No module named 'nest.lib'"}},
     ("missing function or attribute", "module nest.lib")),
    ({"outcome": "failed", "exc": {"type": "TypeError", "message": "Create() got an unexpected keyword argument 'x'"}},
     ("missing function or attribute", "Create(x=...)")),
    ({"outcome": "failed", "exc": {"type": "BadProperty", "message": "Unknown key 17 in 3 nodes"}},
     ("exception where NEST raises none", "BadProperty: Unknown key # in # nodes")),
])
def test_cause_categories(tmp_path, outcome, expected):
    assert classify.cause(outcome, tmp_path)[:2] == expected


def test_out_of_scope_by_nestgap_error():
    test, nothing = {"folder": "neurons"}, {"nodes": [], "synapses": [], "rules": []}
    nestgap_outcome = {"outcome": "failed", "exc": {"type": "KernelException",
                                                    "message": "Spatial networks (positions) are not supported by nestgap."}}
    assert classify.scope(test, {"usage": []}, nestgap_outcome, nothing) == [
        "nestgap: KernelException: Spatial networks (positions) are not supported by nestgap."]
    assert classify.scope({"folder": "mpi_direct"}, {"usage": []}, None, nothing) == ["MPI"]


def _record(**tests):
    return {"tests": tests, "collect_errors": [], "collect_skips": [], "timed_out": False, "end": {}}


MISSING = {"outcome": "failed", "exc": {"type": "UnknownModelName", "message": "iaf_psc_alpha is not a known model"}}


def test_lean_baseline_runs_nest_only_where_needed():
    """--lean-baseline: a file whose every test stopped at a missing model needs no NEST run; a
    passing, failing or skipped test, a timeout or a crash does."""
    assert not classify.needs_nest(_record(a=MISSING, b=MISSING))
    assert classify.needs_nest(_record(a=MISSING, b={"outcome": "passed"}))
    assert classify.needs_nest(_record(a={"outcome": "failed", "exc": {"type": "KeyError", "message": "x"}}))
    assert classify.needs_nest({**_record(a=MISSING), "timed_out": True})
    assert classify.needs_nest(None) and classify.needs_nest(_record())
    collected = {**_record(), "collect_errors": [{"nodeid": "f.py", "exc": MISSING["exc"]}]}
    assert not classify.needs_nest(collected)


def test_files_not_run_on_nest_are_counted_out_of_scope(tmp_path):
    nestgap = {"other/test_a.py": _record(**{"other/test_a.py::t1": MISSING, "other/test_a.py::t2": MISSING})}
    tests = report.verdicts({}, nestgap, {"nodes": [], "synapses": [], "rules": []}, [], tmp_path,
                            not_on_nest=["other/test_a.py"])
    assert [t["nest"] for t in tests] == ["not run", "not run"]
    assert not any(t.get("in_scope") for t in tests)
    row = report.folder_table(tests, {}, nestgap, ["other/test_a.py"])[0]
    assert (row["files"], row["tests"], row["pass on NEST"], row["not run on NEST"]) == (1, 2, 0, 2)
    assert report.not_run_on_nest_reasons(tests) == [
        ("nestgap: UnknownModelName: iaf_psc_alpha is not a known model", 2)]
