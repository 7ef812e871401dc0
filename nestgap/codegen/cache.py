"""Generated kernels on disk, keyed by the model file's content and the generator's.

``kernel_module(path)`` returns the imported generated module of a model file.
It is regenerated when the model file or nestgap's code generator changed, so
nobody runs stale code; otherwise it is imported straight from the cache
without importing NESTML. Its compiled form (:mod:`.jit`: an extension module
built ahead of time, or numba's machine code in ``__pycache__``) is kept beside
it, so compilation also happens once per model version and machine kind.

``runtime_module(path, name)`` does the same for nestgap's own compiled modules
that no model changes (the random-number kernels, the connector sort).
"""

import contextlib
import hashlib
import importlib.util
import os
import sys
import warnings
from functools import lru_cache
from pathlib import Path

from ..cache import cache_root
from ..codegen import aot, jit

_GENERATOR_SOURCES = [*sorted((Path(__file__).parent).glob("*.py")),
                      *sorted((Path(__file__).parent / "templates").glob("*.jinja")),
                      *sorted((Path(__file__).parent.parent / "frontend").glob("*.py"))]


@lru_cache(maxsize=None)
def generator_fingerprint() -> str:
    """Hash of the code that turns model files into kernels (part of every cache key)."""
    digest = hashlib.sha256()
    for source in _GENERATOR_SOURCES:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def kernel_path(model_path) -> Path:
    """Where the generated kernel of ``model_path`` (in its current content) lives."""
    model_path = Path(model_path)
    content = hashlib.sha256(model_path.read_bytes()).hexdigest()[:16]
    folder = cache_root() / "kernels"
    return folder / f"{model_path.stem}_{content}_{generator_fingerprint()}.py"


def kernel_module(model_path, mode=None):
    """Import (generating first if needed) the kernel module of a model file.

    ``mode`` (default: :data:`.jit.MODE`) is how its functions are compiled: "aot"
    (the EXPORTS replaced by the extension module's), "numba" or "python".
    """
    target = kernel_path(model_path)
    if not target.exists():
        from ..frontend.loader import load_model
        from .generator import generate_python

        _write(target, generate_python(load_model(model_path)).encode())
    return _compiled_module(target, f"nestgap_kernel_{target.stem}", mode or jit.MODE)


def runtime_module(source, name, mode=None):
    """Import one of nestgap's own modules whose EXPORTS no model changes (the random-number
    kernels, the connector sort), compiled as a kernel is (``mode`` as for :func:`kernel_module`).

    A copy of ``source`` named ``name`` and by its content and the generator's is kept in
    the cache folder ``name``, its extension module beside it: built once per version and
    machine kind."""
    text = Path(source).read_bytes()
    target = cache_root() / name / f"{name}_{hashlib.sha256(text).hexdigest()[:16]}_{generator_fingerprint()}.py"
    if not target.exists():
        _write(target, text)
    return _compiled_module(target, f"nestgap_{target.stem}", mode or jit.MODE)


def _write(target, content: bytes):
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(content)
    temporary.replace(target)  # atomic: concurrent processes never see half a file


def _compiled_module(path, name, mode):
    """The module at ``path`` imported as ``name``_``mode``; for "aot" with its EXPORTS replaced
    by those of its extension module, or compiled by numba where that cannot be built."""
    module_name = f"{name}_{mode}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    if mode == "aot":
        module = _import(path, module_name, with_numba=False)
        try:
            compiled = aot.compiled(path, module.EXPORTS)
        except aot.BuildError as error:
            del sys.modules[module_name]
            warnings.warn(f"{error}\nnumba compiles it at run time instead (more memory, slower start).",
                          RuntimeWarning, stacklevel=3)
            return _compiled_module(path, name, "numba")
        for function, compiled_function in compiled.items():
            setattr(module, function, compiled_function)
    else:
        module = _import(path, module_name, with_numba=mode == "numba")
    module.COMPILED = mode
    return module


def _import(path, name, with_numba):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with jit.compiling_with_numba() if with_numba else contextlib.nullcontext():
        spec.loader.exec_module(module)
    return module
