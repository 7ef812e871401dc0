"""Generated kernels compiled ahead of time into Python extension modules.

The functions a simulation calls (a generated module's ``EXPORTS``, with their
signatures) are compiled by numba's ahead-of-time compiler, ``numba.pycc``, in a
separate process: the same numba front end and LLVM as :func:`.jit.jit`, numpy's
error model, no fast-math, the host CPU's instructions, and the GIL released
while they run. pycc compiles numba's small C runtime into the module, so the
extension imports without numba: a simulating process starts at ~40 MB (numpy
and nestgap) instead of numba's ~150 MB, and loads its kernel in milliseconds.

One extension per generated module and machine kind (:func:`.libm.machine_key`:
CPU, C library, numba), built once beside the generated module. Building needs a
C compiler and Python's headers; where it fails, kernels are compiled by numba
at run time instead (:mod:`.cache`).

    python -m nestgap.codegen.aot KERNEL.py EXTENSION.so   # what build() runs
"""

import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np


class BuildError(RuntimeError):
    """The extension module of a generated kernel could not be built."""


def extension_path(kernel_file) -> Path:
    """Where the extension module of ``kernel_file`` (a generated module) lives on this machine kind."""
    from .libm import machine_key

    kernel_file = Path(kernel_file)
    name = re.sub(r"\W", "_", f"nestgap_aot_{kernel_file.stem}_{machine_key()}")
    return kernel_file.with_name(name + sysconfig.get_config_var("EXT_SUFFIX"))


def build(kernel_file, target) -> None:
    """Compile the EXPORTS of ``kernel_file`` into the extension module ``target`` (in a subprocess)."""
    package_root = str(Path(__file__).resolve().parents[2])
    with tempfile.TemporaryDirectory(prefix="nestgap-aot-numba-") as numba_cache:
        env = {**os.environ, "NESTGAP_JIT": "numba", "NUMBA_CACHE_DIR": numba_cache,  # leaves numba's cache alone
               "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        result = subprocess.run([sys.executable, "-m", "nestgap.codegen.aot", str(kernel_file), str(target)],
                                capture_output=True, text=True, env=env)
    if result.returncode != 0 or not Path(target).exists():
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-12:])
        raise BuildError(f"could not compile {Path(kernel_file).name} ahead of time:\n{tail}")


def load(target):
    """Import the extension module at ``target``."""
    name = Path(target).name.split(".")[0]
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.ExtensionFileLoader(name, str(target))
    spec = importlib.util.spec_from_file_location(name, str(target), loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module
    return module


def compiled(kernel_file, exports):
    """The functions ``exports`` (name -> signature) of ``kernel_file``'s extension module, built first
    if this machine kind has none yet, each checking its array arguments."""
    target = extension_path(kernel_file)
    if not target.exists():
        build(kernel_file, target)
    extension = load(target)
    return {name: checked(getattr(extension, name), name, signature) for name, signature in exports.items()}


_DTYPES = {"f8": np.dtype(np.float64), "i8": np.dtype(np.int64), "u8": np.dtype(np.uint64),
           "b1": np.dtype(np.bool_)}


def _arrays(signature):
    """(position, dtype, ndim) of the array arguments in a signature such as ``"void(f8[:, ::1], i8)"``."""
    arguments = re.split(r",\s*(?![^\[]*\])", signature[signature.index("(") + 1:-1])
    return [(k, _DTYPES[a[:2]], a.count(",") + 1) for k, a in enumerate(arguments) if "[" in a]


def checked(function, name, signature):
    """``function`` behind a check of its array arguments (dtype, dimensions, C order): compiled
    code reads memory as its signature says, so a wrong array must never reach it."""
    arrays = _arrays(signature)

    def call(*arguments):
        for k, dtype, ndim in arrays:
            a = arguments[k]
            if not (isinstance(a, np.ndarray) and a.dtype == dtype and a.ndim == ndim and a.flags.c_contiguous):
                raise TypeError(f"{name}: argument {k} must be a C-contiguous {ndim}-d {dtype} array, "
                                f"not {getattr(a, 'dtype', type(a).__name__)} with shape {getattr(a, 'shape', '?')}")
        return function(*arguments)

    call.__name__ = name
    return call


def _compile(kernel_file: Path, target: Path) -> None:
    """In the build process: numba compiles the kernel's EXPORTS into ``target``."""
    import warnings

    warnings.simplefilter("ignore")  # pycc's pending deprecation; real errors raise
    import numba.pycc.compiler
    from numba.core.compiler import Flags
    from numba.pycc import CC

    from .jit import compiling_with_numba

    class ExportFlags(Flags):
        """What jit() asks of numba, for the exported functions."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.release_gil = True
            self.error_model = "numpy"

    numba.pycc.compiler.Flags = ExportFlags
    spec = importlib.util.spec_from_file_location(f"_aot_source_{kernel_file.stem}", kernel_file)
    source = importlib.util.module_from_spec(spec)
    with compiling_with_numba():
        spec.loader.exec_module(source)
    name = target.name.split(".")[0]
    with tempfile.TemporaryDirectory(prefix="nestgap-aot-") as folder:
        cc = CC(name)
        cc.output_dir = folder
        cc.target_cpu = "host"
        for function, signature in source.EXPORTS.items():
            cc.export(function, signature)(getattr(source, function).py_func)
        cc.compile()
        built = Path(folder, cc.output_file)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(built, temporary)
        temporary.replace(target)  # atomic: concurrent processes never load half a file


if __name__ == "__main__":
    _compile(Path(sys.argv[1]), Path(sys.argv[2]))
