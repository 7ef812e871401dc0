"""Load a built module into the running NEST (``nest.Install``)."""

import os
from pathlib import Path
from typing import Optional, Union

from ..cache import cache_root
from .builder import BuiltModule, build_module
from .errors import NestModuleError


def _prepend_library_path(folder: Path) -> None:
    # NEST's module loader searches LD_LIBRARY_PATH when Install is called, so
    # setting it in this process before the call is enough.
    entries = [e for e in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if e]
    if str(folder) not in entries:
        os.environ["LD_LIBRARY_PATH"] = os.pathsep.join([str(folder)] + entries)


def _find(module: Union[str, os.PathLike], nest_config) -> tuple:
    """(folder, module name, manifest or None) for a model file, library, folder or module name."""
    path = Path(module).expanduser()
    if path.suffix == ".nestml":
        built = build_module(path, nest_config=nest_config)
        return Path(built.install_dir), built.module_name, built
    if path.suffix == ".so" and path.is_file():
        manifest = BuiltModule.manifest_path(path.parent, path.stem)
        return path.resolve().parent, path.stem, BuiltModule.read(manifest) if manifest.is_file() else None
    if path.is_dir():
        manifests = sorted(path.glob("*.nestgap.json"))
        if len(manifests) != 1:
            raise NestModuleError(f"{path}: expected one nestgap module manifest (*.nestgap.json), "
                                  f"found {len(manifests)}")
        built = BuiltModule.read(manifests[0])
        return path.resolve(), built.module_name, built
    if os.sep in str(module):
        raise NestModuleError(f"{module}: no such module file or folder")
    # a bare module name: the most recently built module of that name in nestgap's cache
    manifests = sorted((cache_root() / "nest_modules").glob(f"*/{module}.nestgap.json"),
                       key=lambda p: p.stat().st_mtime)
    if not manifests:
        raise NestModuleError(f"no module named {module!r} in {cache_root() / 'nest_modules'}; "
                              "build it with `nestgap build-nest-module MODEL.nestml`")
    built = BuiltModule.read(manifests[-1])
    return Path(built.install_dir), built.module_name, built


def install(module: Union[str, os.PathLike], *, nest_config: Optional[os.PathLike] = None):
    """Load a nestgap-built module into the running NEST; return the model name for ``nest.Create``.

    ``module`` is a model file (``.nestml``: built first, or taken from the
    cache), a module library (``.../NAME.so``), its install folder, or a module
    name built before into nestgap's cache. The install folder is put on
    ``LD_LIBRARY_PATH`` (in ``os.environ``) and ``nest.Install`` is called,
    unless the module's models already exist in this process (NEST 3.10 refuses
    to load a loaded module again: "Module ... is loaded already"). NEST 3.10's
    ``ResetKernel`` removes the module's models but lets ``Install`` load it
    again, so call ``install`` after every ``ResetKernel``; it is idempotent.
    NEST loads modules only while no nodes exist: call it before ``nest.Create``.

    Returns the model name if the module holds one model (the usual case, e.g.
    ``"hh_psc_alpha_gap_nestml"``), else the list of model names.
    """
    folder, module_name, built = _find(module, nest_config)
    import nest

    _prepend_library_path(folder)
    before = set(nest.node_models)
    expected = list(built.models) if built is not None else None
    if expected is None or not set(expected) <= before:
        try:
            nest.Install(module_name)
        except nest.NESTErrors.KernelException as error:
            if "Network elements have been created" in str(error):
                raise NestModuleError(f"cannot load {module_name}: NEST loads modules only before nodes are "
                                      "created; call install() right after nest.ResetKernel()") from error
            raise
    models = expected if expected is not None else sorted(set(nest.node_models) - before)
    if not models:
        raise NestModuleError(f"module {module_name} added no node model (was it loaded already?)")
    return models[0] if len(models) == 1 else models
