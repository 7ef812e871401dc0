"""Per-test verdicts of both runs, their per-folder table and the grouped list of in-scope failures."""

from collections import Counter, defaultdict
from pathlib import Path

from . import classify

PASSED = ("passed",)


def verdicts(nest_records: dict, nestgap_records: dict, inventory: dict, stochastic_models, testsuite: Path,
             not_on_nest=()):
    """One dict per test collected on NEST: outcomes, scope, random-stream use, cause of a nestgap failure.

    Files in ``not_on_nest`` (not run on NEST, every test out of scope on nestgap) give one dict per
    test collected on nestgap, with NEST's outcome "not run" and the out-of-scope reason nestgap gave.
    """
    tests = []
    for rel in sorted(not_on_nest):
        record = nestgap_records[rel]
        entries = record["tests"] or {error["nodeid"] or rel: {"outcome": "error", "exc": error["exc"]}
                                      for error in record["collect_errors"]}
        for nodeid, ng in entries.items():
            tests.append({"nodeid": nodeid, "file": rel, "folder": classify.folder_of(rel), "nest": "not run",
                          "nestgap": ng["outcome"], "not_run_on_nest": classify.out_of_scope_error(ng.get("exc"))})
    for rel in sorted(nest_records):
        nest_record, nestgap_record = nest_records[rel], nestgap_records.get(rel)
        for nodeid, nest_outcome in nest_record["tests"].items():
            test = {"nodeid": nodeid, "file": rel, "folder": classify.folder_of(rel),
                    "nest": nest_outcome["outcome"]}
            if nest_outcome.get("exc"):
                test["nest_exc"] = f"{nest_outcome['exc']['type']}: {nest_outcome['exc']['message'][:200]}"
            ng = classify.outcome_on(nestgap_record, nodeid)
            test["nestgap"] = None if ng is None else ng["outcome"]
            if test["nest"] in PASSED:
                test["out_of_scope"] = classify.scope(test, nest_outcome, ng, inventory)
                test["in_scope"] = not test["out_of_scope"]
                test["random_streams"] = classify.random_streams(nest_outcome, stochastic_models)
                if test["in_scope"] and ng is not None and ng["outcome"] not in PASSED:
                    test["cause"] = list(classify.cause(ng, testsuite))
            tests.append(test)
    return tests


def folder_table(tests, nest_records, nestgap_records, not_on_nest=()) -> list[dict]:
    """Rows per folder (and a total): files, tests, passing on NEST, in scope, passing on nestgap."""
    rows = defaultdict(Counter)
    for rel in [*nest_records, *not_on_nest]:
        row = rows[classify.folder_of(rel)]
        row["files"] += 1
        row["nest timeouts"] += bool(nest_records.get(rel, {}).get("timed_out"))
        row["nestgap timeouts"] += bool(nestgap_records.get(rel, {}).get("timed_out"))
    for test in tests:
        row = rows[test["folder"]]
        row["tests"] += 1
        row["not run on NEST"] += test["nest"] == "not run" and "not_run_on_nest" in test
        row["pass on NEST"] += test["nest"] in PASSED
        row["in scope"] += bool(test.get("in_scope"))
        row["in scope, pass on nestgap"] += bool(test.get("in_scope")) and test["nestgap"] in PASSED
        row["pass on nestgap (all)"] += test["nestgap"] in PASSED
    total = sum(rows.values(), Counter())
    return [{"folder": f, **rows[f]} for f in sorted(rows)] + [{"folder": "total", **total}]


COLUMNS = ("files", "tests", "pass on NEST", "in scope", "in scope, pass on nestgap", "pass on nestgap (all)",
           "not run on NEST", "nest timeouts", "nestgap timeouts")


def failure_groups(tests) -> list[dict]:
    """In-scope failures on nestgap by category, then key, most frequent first, with one example each."""
    groups = defaultdict(lambda: defaultdict(list))
    examples = {}
    for test in tests:
        if "cause" in test:
            category, key, example = test["cause"]
            groups[category][key].append(test["nodeid"])
            examples.setdefault((category, key), example or test["nodeid"])
    out = []
    for category, keys in sorted(groups.items(), key=lambda kv: -sum(len(v) for v in kv[1].values())):
        out.append({"category": category, "tests": sum(len(v) for v in keys.values()),
                    "keys": [{"key": key, "tests": len(ids), "example": examples[(category, key)], "nodeids": ids}
                             for key, ids in sorted(keys.items(), key=lambda kv: (-len(kv[1]), kv[0]))]})
    return out


def out_of_scope_reasons(tests) -> list[tuple[str, int]]:
    """How many NEST-passing tests each missing model, synapse, rule or feature keeps out of scope."""
    counts = Counter(reason for t in tests for reason in t.get("out_of_scope", ()))
    return counts.most_common()


def not_run_on_nest_reasons(tests) -> list[tuple[str, int]]:
    """Tests not run on NEST (--lean-baseline), by the missing model or feature nestgap stopped at."""
    return Counter(t["not_run_on_nest"] for t in tests if t.get("not_run_on_nest")).most_common()


def markdown_table(rows) -> str:
    lines = ["| folder | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for row in rows:
        lines.append(f"| {row['folder']} | " + " | ".join(str(row.get(c, 0)) for c in COLUMNS) + " |")
    return "\n".join(lines)


def markdown_groups(groups, keys_per_category=25) -> str:
    lines = []
    for group in groups:
        lines.append(f"\n### {group['category']}: {group['tests']} tests")
        for entry in group["keys"][:keys_per_category]:
            lines.append(f"- {entry['tests']:4d}  {entry['key']}\n        e.g. {entry['example']}")
        if len(group["keys"]) > keys_per_category:
            rest = group["keys"][keys_per_category:]
            lines.append(f"- ... {len(rest)} more keys, {sum(e['tests'] for e in rest)} tests")
    return "\n".join(lines)
