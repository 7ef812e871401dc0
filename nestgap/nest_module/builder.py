"""Model file -> NESTML's NEST code -> corrected C++ -> cmake -> an installed NEST extension module.

The result is cached: the cache key covers the model file's content, nestgap's
version and this package's own code (the corrections), NESTML's version, the
NEST installation (its ``nest-config``) and the module name. A second call with
an unchanged model finds the manifest written next to the library and does no
work. Builds in one cache run one at a time (file lock), so that concurrent
callers (test workers, several shells) build a module once.
"""

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..cache import cache_root
from ..frontend.errors import ModelError
from ..frontend.options import header_doc, parse_options
from . import nest_config as nest_config_mod
from .errors import BuildError, MissingPrerequisite, NestModuleError, PatchError, debian_package_hint
from .patches import CORRECTIONS, correct_neuron_source

#: appended to the model name, so that the module's model does not clash with a
#: built-in of the same name (``hh_psc_alpha_gap`` -> ``hh_psc_alpha_gap_nestml``)
MODEL_SUFFIX = "_nestml"
NESTML_PIP_REMEDY = "pip install nestml==9.0.0"

#: headers the generated code includes beyond NEST's own -> Debian package
REQUIRED_HEADERS = {
    "gsl/gsl_odeiv.h": "libgsl-dev",
    "boost/sort/spreadsort/spreadsort.hpp": "libboost-dev",
    "ltdl.h": "libltdl-dev",
}


@dataclass
class BuiltModule:
    """An installed module, as described by its manifest ``<module_name>.nestgap.json``."""

    module_name: str
    install_dir: str
    models: list
    key: str
    model_file: str
    model_sha256: str
    nestgap_version: str
    nestml_version: str
    nest: str
    build_dir: str
    build_seconds: float
    corrections: list = field(default_factory=list)
    #: True when this call found the module already built
    cached: bool = False

    @property
    def library(self) -> Path:
        return Path(self.install_dir) / f"{self.module_name}.so"

    @staticmethod
    def manifest_path(install_dir: Path, module_name: str) -> Path:
        return Path(install_dir) / f"{module_name}.nestgap.json"

    @classmethod
    def read(cls, manifest: Path) -> "BuiltModule":
        data = json.loads(Path(manifest).read_text())
        data.pop("cached", None)
        return cls(**data)

    def write(self) -> None:
        data = asdict(self)
        data.pop("cached")
        self.manifest_path(self.install_dir, self.module_name).write_text(json.dumps(data, indent=1) + "\n")


def nestgap_version() -> str:
    from .. import __version__

    return __version__


def default_module_name(model_path: Path) -> str:
    stem = re.sub(r"\W", "_", Path(model_path).stem)
    return stem if stem.endswith("module") else f"{stem}_module"


def check_module_name(name: str) -> None:
    # NESTML's rules: a C identifier ending in "module"
    if not re.fullmatch(r"[A-Za-z_]\w*", name) or not name.endswith("module"):
        raise NestModuleError(f"invalid module name {name!r}: it must be a C identifier ending in 'module'")


def check_prerequisites(nest) -> None:
    """Name the first missing tool/header/package and how to install it."""
    if importlib.util.find_spec("pynestml") is None:
        raise MissingPrerequisite("NESTML (Python package pynestml)", NESTML_PIP_REMEDY)
    for tool, package in (("cmake", "cmake"), ("make", "make")):
        if shutil.which(tool) is None:
            raise MissingPrerequisite(tool, debian_package_hint(package))
    nest_config_mod.find_compiler()
    include_dirs = [Path(d) for d in nest.include_dirs] + [Path("/usr/include"), Path("/usr/local/include")]
    for header, package in REQUIRED_HEADERS.items():
        if not any((d / header).is_file() for d in include_dirs):
            raise MissingPrerequisite(f"C++ header <{header}>", debian_package_hint(package))


def _code_digest() -> str:
    """Hash of this package's sources: a change of the corrections invalidates cached modules."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(model_bytes: bytes, module_name: str, nest) -> str:
    digest = hashlib.sha256()
    for part in (hashlib.sha256(model_bytes).hexdigest(), nestgap_version(), _code_digest(),
                 importlib.metadata.version("nestml"), nest.identity, module_name, MODEL_SUFFIX):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_logged(command, cwd: Path, log_path: Path, stage: str) -> None:
    with open(log_path, "a") as log:
        log.write(f"\n$ {' '.join(map(str, command))}\n")
        log.flush()
        result = subprocess.run([str(c) for c in command], cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text().splitlines()[-25:])
        raise BuildError(f"{stage} failed (exit {result.returncode}); full log: {log_path}\n{tail}")


def model_options(model_path: Path):
    """The code-generation options of a model file's header (docs/models.md)."""
    return parse_options(model_path, header_doc(Path(model_path).read_text()))


def _generate(model_path, source_dir: Path, module_name: str, nest, log_path: Path, codegen_options: dict) -> list:
    """NESTML's NEST target in a child process; ``model_path`` a file or a list of files."""
    request = source_dir.parent / "generate_request.json"
    result_path = source_dir.parent / "generate_result.json"
    paths = [str(p) for p in model_path] if isinstance(model_path, (list, tuple)) else str(model_path)
    request.write_text(json.dumps({"model_path": paths, "target_dir": str(source_dir),
                                   "module_name": module_name, "suffix": MODEL_SUFFIX,
                                   "nest_version": "v" + nest.version.lstrip("v"),
                                   "codegen_options": codegen_options}))
    # generate.py is self-contained (standard library and NESTML only): run by path,
    # the child does not import nestgap
    _run_logged([sys.executable, Path(__file__).with_name("generate.py"), request, result_path],
                cwd=source_dir.parent, log_path=log_path, stage="NESTML code generation")
    result = json.loads(result_path.read_text())
    if "problems" in result:
        raise ModelError(paths if isinstance(paths, str) else ", ".join(paths),
                         [tuple(p) for p in result["problems"]])
    return result["models"]


def _cached(manifest: Path, key: str) -> Optional[BuiltModule]:
    """The module described by ``manifest`` if it was built with this cache key and is still there."""
    try:
        built = BuiltModule.read(manifest)
    except (OSError, ValueError, TypeError):
        return None
    if built.key != key or not built.library.is_file():
        return None
    built.cached = True
    return built


def build_module(model_path, module_name: Optional[str] = None, install_dir=None, nest_config=None,
                 log: Callable[[str], None] = lambda message: None) -> BuiltModule:
    """Build (or find in the cache) the NEST extension module of a model file."""
    model_path = Path(model_path).expanduser().resolve()
    if not model_path.is_file():
        raise ModelError(model_path, [(None, None, "no such model file")])
    model_bytes = model_path.read_bytes()
    module_name = module_name or default_module_name(model_path)
    check_module_name(module_name)
    nest = nest_config_mod.resolve(nest_config)
    key = cache_key(model_bytes, module_name, nest)
    modules_root = cache_root() / "nest_modules"
    install_dir = Path(install_dir).expanduser().resolve() if install_dir else modules_root / f"{module_name}-{key}"
    manifest = BuiltModule.manifest_path(install_dir, module_name)

    cached = _cached(manifest, key)
    if cached is not None:
        return cached
    # one build at a time per cache (builds are rare); a build that finished
    # while this one waited is found by the second look
    with _locked(modules_root / "build.lock"):
        cached = _cached(manifest, key)
        if cached is not None:
            return cached
        check_prerequisites(nest)

        start = time.monotonic()
        build_dir = modules_root / "build" / f"{module_name}-{key}"
        shutil.rmtree(build_dir, ignore_errors=True)
        source_dir, cmake_dir = build_dir / "src", build_dir / "cmake"
        source_dir.mkdir(parents=True)
        cmake_dir.mkdir()
        log_path = build_dir / "build.log"
        log(f"building {module_name} from {model_path} against {nest.description}")
        log(f"  generating C++ with NESTML (log: {log_path})")
        options = model_options(model_path)
        models = _generate(model_path, source_dir, module_name, nest, log_path, options.nestml_codegen_options())

        tolerances = (options.gsl_abs_error_tol, options.gsl_rel_error_tol)
        for model in models:
            cpp = source_dir / f"{model}.cpp"
            try:
                cpp.write_text(correct_neuron_source(cpp.read_text(), model, tolerances,
                                                     gap_junctions=options.gap_junctions is not None))
            except PatchError as error:
                raise PatchError(f"{cpp}: {error}") from None
        log(f"  corrected the generated C++ ({', '.join(c.key for c in CORRECTIONS)})")

        config = nest.write_nest_config(build_dir / "nest-config")
        install_dir.mkdir(parents=True, exist_ok=True)
        log("  compiling with cmake")
        _run_logged(["cmake", "-S", source_dir, "-B", cmake_dir, f"-Dwith-nest={config}",
                     f"-DCMAKE_INSTALL_PREFIX={install_dir}"], cwd=build_dir, log_path=log_path, stage="cmake")
        _run_logged(["cmake", "--build", cmake_dir, "--parallel", str(os.cpu_count() or 1)],
                    cwd=build_dir, log_path=log_path, stage="compilation")
        _run_logged(["cmake", "--install", cmake_dir], cwd=build_dir, log_path=log_path, stage="installation")

        built = BuiltModule(module_name=module_name, install_dir=str(install_dir), models=models, key=key,
                            model_file=str(model_path), model_sha256=hashlib.sha256(model_bytes).hexdigest(),
                            nestgap_version=nestgap_version(), nestml_version=importlib.metadata.version("nestml"),
                            nest=nest.description, build_dir=str(build_dir),
                            build_seconds=round(time.monotonic() - start, 1),
                            corrections=[f"{c.key}: {c.title}" for c in CORRECTIONS])
        if not built.library.is_file():
            raise BuildError(f"the build finished but {built.library} is missing; see {log_path}")
        built.write()
        return built
