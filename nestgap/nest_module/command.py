"""``nestgap build-nest-module MODEL.nestml [--module-name NAME] [--install-dir DIR] [--nest-config PATH]``."""

import argparse
import time


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="the model file (.nestml)")
    # dest "name": the CLI keeps the subcommand's implementing module in args.module_name
    parser.add_argument("--module-name", dest="name", metavar="NAME",
                        help="name of the NEST module, ending in 'module' (default: <model file stem>_module)")
    parser.add_argument("--install-dir", metavar="DIR",
                        help="where to install the module library (default: in nestgap's cache, "
                             "$NESTGAP_CACHE_DIR/nest_modules/<name>-<hash>)")
    parser.add_argument("--nest-config", metavar="PATH",
                        help="nest-config of the NEST to build against, e.g. an MPI build "
                             "(default: the PyPI nest-simulator wheel of this Python)")


def run(args: argparse.Namespace) -> int:
    from .builder import build_module

    start = time.monotonic()
    built = build_module(args.model, module_name=args.name, install_dir=args.install_dir,
                         nest_config=args.nest_config, log=lambda message: print(message, flush=True))
    seconds = time.monotonic() - start
    state = "up to date (cached)" if built.cached else f"built in {seconds:.0f} s"
    models = ", ".join(built.models)
    print(f"{built.module_name}: {state}\n"
          f"  library : {built.library}\n"
          f"  models  : {models}\n"
          f"Load it in Python with nestgap:\n"
          f"    import nest\n"
          f"    from nestgap.nest_module import install\n"
          f"    model = install({str(built.library)!r})   # -> {built.models[0]!r}\n"
          f"    neurons = nest.Create(model, 2)\n"
          f"or with NEST alone:\n"
          f"    export LD_LIBRARY_PATH={built.install_dir}:$LD_LIBRARY_PATH\n"
          f"    python -c 'import nest; nest.Install(\"{built.module_name}\"); nest.Create(\"{built.models[0]}\")'")
    return 0
