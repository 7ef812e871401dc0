"""NEST 3.10 with MPI and OpenMP, built once from its source distribution into nestgap's cache.

The PyPI wheel of NEST has no MPI. This builds the sdist that
validation.nest_testsuite.sources fetches (``pip download``, the same file)
with ``-Dwith-mpi=ON -Dwith-openmp=ON``, linked against Debian's OpenMPI and
GSL, into ``<cache root>/mpi-nest/<version>/install``, and records the build in
``mpi-nest.json`` there; later calls find it and do no work. Its PyNEST is
built for the Python that runs this, and is used by putting its
``site-packages`` first on ``PYTHONPATH`` (so that it, not the wheel, is
``import nest``).

Prerequisites (Debian): openmpi-bin libopenmpi-dev, and those of the README
(cmake make g++ libgsl-dev libboost-dev libltdl-dev); Cython >= 3 in this
Python (PyNEST is cythonized).
"""

import fcntl
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from nestgap.cache import cache_root
from validation.nest_testsuite.sources import NEST_VERSION, SDIST_TOP, sdist

#: the configuration, as documented in docs/nest_module.md ("Running on several machines")
CMAKE_OPTIONS = ("-Dwith-mpi=ON", "-Dwith-openmp=ON", "-Dwith-gsl=ON", "-Dwith-boost=ON", "-Dwith-ltdl=ON",
                 "-Dwith-python=ON")

#: tool -> Debian package that provides it
_TOOLS = {"mpirun": "openmpi-bin", "mpicxx": "libopenmpi-dev", "cmake": "cmake", "make": "make", "g++": "g++"}


@dataclass
class MpiNest:
    """An installed MPI build of NEST (the manifest ``mpi-nest.json`` in its prefix)."""

    version: str
    prefix: str
    site_packages: str
    nest_config: str
    build_seconds: float
    jobs: int
    cmake_options: list
    #: True when this call found the build already done
    cached: bool = False

    @staticmethod
    def manifest_path(prefix: Path) -> Path:
        return Path(prefix) / "mpi-nest.json"

    def environment(self) -> dict:
        """``os.environ`` with this NEST's PyNEST first on PYTHONPATH (its kernel is linked into
        PyNEST's extension, so nothing else is needed)."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (self.site_packages, env.get("PYTHONPATH")) if p)
        return env


def root() -> Path:
    return cache_root() / "mpi-nest" / NEST_VERSION


def check_prerequisites() -> None:
    """Name the first missing tool and its Debian package."""
    for tool, package in _TOOLS.items():
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found: install the Debian package {package} "
                               f"(apt-get install -y {package})")
    if importlib.util.find_spec("Cython") is None:
        raise RuntimeError(f"Cython not found in {sys.executable}: pip install 'cython>=3' (PyNEST is cythonized)")
    for header, package in (("gsl/gsl_odeiv.h", "libgsl-dev"), ("boost/version.hpp", "libboost-dev"),
                            ("ltdl.h", "libltdl-dev")):
        if not (Path("/usr/include") / header).is_file():
            raise RuntimeError(f"C++ header <{header}> not found: install the Debian package {package}")


def _installed(prefix: Path):
    try:
        found = MpiNest(**json.loads(MpiNest.manifest_path(prefix).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if not (Path(found.site_packages) / "nest" / "__init__.py").is_file():
        return None
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if Path(found.site_packages).parent.name != python:
        raise RuntimeError(f"the MPI build of NEST in {prefix} has PyNEST for {Path(found.site_packages).parent.name}, "
                           f"not for this {python}: remove {prefix.parent} to build it again")
    found.cached = True
    return found


def _run(command, cwd: Path, log_path: Path, env: dict, stage: str) -> None:
    with open(log_path, "a") as log:
        log.write(f"\n$ {' '.join(map(str, command))}\n")
        log.flush()
        result = subprocess.run([str(c) for c in command], cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env)
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text().splitlines()[-30:])
        raise RuntimeError(f"MPI NEST: {stage} failed (exit {result.returncode}); full log: {log_path}\n{tail}")


def ensure(jobs: int = 2, log: Callable[[str], None] = lambda message: None) -> MpiNest:
    """The MPI build of NEST, built now if the cache has none (``nice -n 10 make -j<jobs>``)."""
    base = root()
    prefix = base / "install"
    found = _installed(prefix)
    if found is not None:
        return found
    base.mkdir(parents=True, exist_ok=True)
    with open(base / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second caller waits, then finds the build
        found = _installed(prefix)
        if found is not None:
            return found
        check_prerequisites()
        archive = sdist()
        source, build = base / SDIST_TOP, base / "build"
        shutil.rmtree(source, ignore_errors=True)
        shutil.rmtree(build, ignore_errors=True)
        shutil.rmtree(prefix, ignore_errors=True)
        build.mkdir()
        log_path = base / "build.log"
        log_path.write_text("")
        log(f"building NEST {NEST_VERSION} with MPI from {archive} into {prefix} (log: {log_path})")
        start = time.monotonic()
        with tarfile.open(archive) as tar:
            tar.extractall(base, filter="data")
        # cmake finds Cython beside this Python; the build itself runs niced (shared machines)
        env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
        _run(["cmake", "-S", source, "-B", build, f"-DCMAKE_INSTALL_PREFIX={prefix}",
              f"-DPython_EXECUTABLE={sys.executable}", *CMAKE_OPTIONS], build, log_path, env, "cmake")
        _run(["nice", "-n", "10", "make", f"-j{jobs}"], build, log_path, env, "compilation")
        _run(["make", "install"], build, log_path, env, "installation")
        seconds = round(time.monotonic() - start, 1)
        python = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site = next((p for p in (prefix / "lib" / python / "site-packages", prefix / "lib64" / python / "site-packages")
                     if (p / "nest").is_dir()), None)
        if site is None:
            raise RuntimeError(f"MPI NEST: installed, but no PyNEST under {prefix}/lib*/{python}/site-packages; "
                               f"see {log_path}")
        built = MpiNest(version=NEST_VERSION, prefix=str(prefix), site_packages=str(site),
                        nest_config=str(prefix / "bin" / "nest-config"),
                        build_seconds=seconds, jobs=jobs, cmake_options=list(CMAKE_OPTIONS))
        shutil.rmtree(source, ignore_errors=True)
        shutil.rmtree(build, ignore_errors=True)
        MpiNest.manifest_path(prefix).write_text(json.dumps(asdict(built), indent=1) + "\n")
        log(f"NEST {NEST_VERSION} with MPI: built in {seconds:.0f} s")
        return built
