"""Which NEST tests are in scope for nestgap, and why an in-scope test fails on nestgap.

A test is *in scope* if it passes on NEST, needs no MPI, and uses only models,
synapses, connection rules and features nestgap has: what it used is recorded
on NEST (usage.py); where that finds nothing missing, a nestgap error that names a missing model or
synapse (UnknownModelName, UnknownSynapseType, UnknownComponent) or says that
nestgap does not support something puts it out of scope. Tests that draw from
NEST's random streams (random connection rules, ``nest.random``, models whose
C++ code draws random numbers) stay in scope and are listed as such.

The cause of an in-scope failure is one of CATEGORIES, with a key (the missing
name, the expected and the raised exception class, the assertion, ...) and
one example: the deepest traceback line in NEST's test file.
"""

import ast
import re
from functools import lru_cache
from pathlib import Path

MPI_FOLDERS = ("mpi_direct", "mpi_indirect")
MPI_MARKERS = ("skipif_missing_mpi", "skipif_missing_mpi4py", "skipif_incompatible_mpi")
#: NEST's connection rules that draw random numbers (NEST's nestkernel/conn_builder.h).
RANDOM_RULES = ("fixed_indegree", "fixed_outdegree", "fixed_total_number", "pairwise_bernoulli",
                "symmetric_pairwise_bernoulli", "pairwise_poisson", "tripartite_bernoulli_with_pool")
OUT_OF_SCOPE_ERRORS = ("UnknownModelName", "UnknownSynapseType", "UnknownComponent")
#: nestgap's wording when it refuses a feature NEST has (nestgap/simulation, nestgap/pynest).
UNSUPPORTED = re.compile(r"not supported by nestgap|nestgap (does not|cannot|can't)")

CATEGORIES = ("missing function or attribute", "wrong value / assertion", "wrong exception class",
              "exception where NEST raises none", "crash / timeout", "skipped on nestgap",
              "not collected on nestgap")

_MISSING = (
    (r"(?:module|type object) '(?:nestgap|nest)' has no attribute '(\w+)'", "nest.{0}"),
    (r"'(\w+)' object has no attribute '(\w+)'", "{0}.{1}"),
    (r"type object '(\w+)' has no attribute '(\w+)'", "{0}.{1}"),
    (r"No module named '([\w.]+)'", "module {0}"),
    (r"cannot import name '(\w+)' from '(?:nestgap|nest)\b", "nest.{0}"),
    (r"cannot import name '(\w+)' from '([\w.]+)'", "{1}.{0}"),
    (r"(\w+)\(\) got an unexpected keyword argument '(\w+)'", "{0}({1}=...)"),
)


def folder_of(rel: str) -> str:
    return rel.split("/", 1)[0] if "/" in rel else "(top)"


def outcome_on(record: dict | None, nodeid: str) -> dict | None:
    """A test's outcome in a file record; a file-level event (collection error, skip, crash) stands in."""
    if record is None:
        return None
    if nodeid in record["tests"]:
        return record["tests"][nodeid]
    if record["collect_errors"]:
        return {"outcome": "error", "exc": record["collect_errors"][0]["exc"], "collection": True}
    if record["collect_skips"]:
        return {"outcome": "skipped", "skip": record["collect_skips"][0]["reason"], "collection": True}
    if record["timed_out"]:
        return {"outcome": "timeout", "not_reached": True}
    if "end" not in record:
        return {"outcome": "crash", "not_reached": True}
    return {"outcome": "not collected"}


def scope(test: dict, nest_outcome: dict, nestgap_outcome: dict | None, inventory: dict) -> list[str]:
    """Why a test that passes on NEST is out of scope for nestgap (empty: in scope)."""
    reasons = []
    if test["folder"] in MPI_FOLDERS or set(nest_outcome.get("markers", ())) & set(MPI_MARKERS):
        reasons.append("MPI")
    have = {"node": inventory["nodes"], "synapse": inventory["synapses"], "rule": inventory["rules"]}
    for kind, name in nest_outcome.get("usage", ()):
        if kind in have and name not in have[kind]:
            reasons.append(f"{kind} {name}")
        elif kind == "feature":
            reasons.append(f"feature {name}")
    reason = out_of_scope_error((nestgap_outcome or {}).get("exc"))
    if not reasons and reason:
        reasons.append(reason)
    return reasons


def out_of_scope_error(exc: dict | None) -> str | None:
    """The reason an exception raised on nestgap puts a test out of scope (a missing model, synapse or
    feature), or None."""
    if exc and (exc["type"] in OUT_OF_SCOPE_ERRORS or UNSUPPORTED.search(exc["message"])):
        return f"nestgap: {exc['type']}: {_first_line(exc['message']).split('. ')[0][:160]}"
    return None


def needs_nest(nestgap_record: dict | None) -> bool:
    """Whether only NEST's run can tell the scope of some test of a file run on nestgap: False if
    every test (or the file's collection) stopped at a missing model, synapse or feature."""
    if nestgap_record is None or nestgap_record.get("timed_out") or "end" not in nestgap_record:
        return True
    if nestgap_record["collect_errors"]:
        return not all(out_of_scope_error(e["exc"]) for e in nestgap_record["collect_errors"])
    outcomes = nestgap_record["tests"].values()
    return not outcomes or not all(out_of_scope_error(t.get("exc")) for t in outcomes)


def random_streams(nest_outcome: dict, stochastic_models) -> list[str]:
    """What in a test draws from NEST's random streams (rules, nest.random, stochastic models)."""
    found = []
    for kind, name in nest_outcome.get("usage", ()):
        if (kind == "rule" and name in RANDOM_RULES) or kind == "random" \
                or (kind == "node" and name in stochastic_models):
            found.append(f"{kind} {name}")
    return found


def cause(outcome: dict, testsuite: Path) -> tuple[str, str, str]:
    """(category, key, example) of an in-scope test that does not pass on nestgap."""
    kind = outcome["outcome"]
    if kind in ("timeout", "crash"):
        suffix = " before the test started" if outcome.get("not_reached") else ""
        return "crash / timeout", f"{kind}{suffix}", ""
    if kind == "not collected":
        return "not collected on nestgap", "test id not collected on nestgap (parametrized differently)", ""
    if kind in ("skipped", "xfailed"):
        return "skipped on nestgap", _normalize(outcome.get("skip") or kind), ""
    exc = outcome.get("exc")
    if exc is None:
        return "crash / timeout", f"{kind} without an exception", ""
    example = _example(exc)
    message = _first_line(exc["message"])
    for pattern, key in _MISSING:
        match = re.search(pattern, message)
        if match and (exc["type"] in ("AttributeError", "ModuleNotFoundError", "ImportError", "TypeError")):
            return "missing function or attribute", key.format(*match.groups()), example
    if exc["type"] == "Failed" and message.startswith("DID NOT RAISE"):
        return "wrong exception class", f"expected {_class_name(message)}, nothing raised", example
    expected = _expected_exception(testsuite, exc.get("where"))
    if expected is not None and exc["type"] != "AssertionError":
        return "wrong exception class", f"expected {expected}, got {exc['type']}", example
    if exc["type"] == "AssertionError":
        return "wrong value / assertion", _assertion_key(exc), example
    return "exception where NEST raises none", f"{exc['type']}: {_normalize(message.split(';')[0])}", example


def _example(exc: dict) -> str:
    where = exc.get("where") or {}
    location = f"{where.get('file')}:{where.get('line')}: {where.get('source')}" if where else exc.get("crash")
    return f"{location}  ->  {exc['type']}: {_first_line(exc['message'])[:200]}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _normalize(text: str) -> str:
    """A message with its numbers replaced by #, so that messages of one kind group together."""
    return re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", _first_line(text))[:140]


def _class_name(text: str) -> str:
    match = re.search(r"<class '([\w.]+)'>", text) or re.search(r"DID NOT RAISE ([\w.]+)", text)
    return match.group(1).rsplit(".", 1)[-1] if match else text


def _assertion_key(exc: dict) -> str:
    """Assertions grouped by the kind of check: numpy's and pandas' helpers by name, else the assert."""
    source = (exc.get("where") or {}).get("source") or ""
    message = _first_line(exc["message"])
    helper = re.search(r"\b(assert_\w+|assertEqual|assertAlmostEqual|assertTrue|assertFalse|assert\w+)\b", source)
    if "Regex pattern did not match" in message:
        return "exception message differs (pytest.raises match)"
    if helper:
        return helper.group(1)
    return "assert statement" + (f": {_normalize(message)[:80]}" if message else "")


def _expected_exception(testsuite: Path, where: dict | None) -> str | None:
    """The exception a ``pytest.raises`` / ``assertRaises`` around the failing line expects, if any."""
    if not where:
        return None
    for first, last, expected in _raises_blocks(str(testsuite / where["file"])):
        if first <= where["line"] <= last:
            return expected
    return None


@lru_cache(maxsize=None)
def _raises_blocks(path: str) -> tuple:
    """(first line, last line, expected class names) of every raises-context or raises-call in a file."""
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError):
        return ()
    blocks = []
    for node in ast.walk(tree):
        if isinstance(node, ast.With):
            for item in node.items:
                expected = _raises_call(item.context_expr)
                if expected:
                    blocks.append((node.lineno, node.end_lineno, expected))
        elif isinstance(node, ast.Call) and _raises_call(node) and len(node.args) > 1:
            blocks.append((node.lineno, node.end_lineno, _raises_call(node)))
    return tuple(blocks)


def _raises_call(node) -> str | None:
    if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)) and node.args):
        return None
    name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
    if name not in ("raises", "assertRaises", "assertRaisesRegex"):
        return None
    target = node.args[0]
    names = target.elts if isinstance(target, ast.Tuple) else [target]
    return " or ".join(ast.unparse(n).rsplit(".", 1)[-1] for n in names)
