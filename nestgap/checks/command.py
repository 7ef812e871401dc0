"""``nestgap check MODEL.nestml``: load the model and print the sympy checks; exit 0 only if all pass."""

from ..exceptions import ToolchainError


def configure_parser(parser):
    parser.add_argument("model", help="path of a .nestml model file")


def run(args) -> int:
    from ..frontend.loader import load_model
    from .model_checks import CheckResult, run_checks

    try:
        spec = load_model(args.model)
    except ToolchainError as error:
        results = [CheckResult("(c) units are consistent / model file accepted by NESTML", False,
                               str(error).splitlines())]
    else:
        print(f"nestgap check: {spec.name} ({args.model}, sha256 {spec.sha256[:12]})")
        results = run_checks(spec)
    for result in results:
        print(f"{'PASS' if result.passed else 'FAIL'}  {result.name}")
        for line in result.lines:
            print(f"      {line}")
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} of {len(results)} checks passed")
    return 1 if failed else 0
