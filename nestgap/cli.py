"""The ``nestgap`` command line: ``check``, ``generate``, ``figure`` and ``build-nest-module``.

Each subcommand lives with the stage it drives; this module only wires them
together, turns nestgap's own errors into one line on stderr and an exit code,
and never shows a traceback for a problem in the user's input.
"""

import argparse
import importlib
import sys

from .exceptions import ToolchainError

#: subcommand -> (module that implements it, one-line help). Each module
#: provides ``configure_parser(parser)`` and ``run(args) -> int``.
SUBCOMMANDS = {
    "check": ("nestgap.checks.command", "run the sympy checks on a model file"),
    "generate": ("nestgap.codegen.command", "generate the Python simulation code of a model file"),
    "figure": ("nestgap.figures.command", "draw a figure (test-case-2 of Hahne et al. 2015)"),
    "build-nest-module": ("nestgap.nest_module.command",
                          "build a model file into a NEST extension module"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="nestgap", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(module_name=module_name)
        importlib.import_module(module_name).configure_parser(sub)
    args = parser.parse_args(argv)
    try:
        return importlib.import_module(args.module_name).run(args)
    except ToolchainError as error:
        print(f"nestgap {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
