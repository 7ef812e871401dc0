"""NEST 3.10's own tests and examples, fetched at run time from its source distribution.

NEST's files are GPL and written by NEST's developers: the project never copies
them, the harness downloads the sdist from PyPI with pip into nestgap's cache
(``<cache root>/nest_testsuite/``) and extracts ``testsuite/pytests`` and
``pynest/examples`` there.
"""

import re
import subprocess
import sys
import tarfile
from pathlib import Path

from nestgap.cache import cache_root

NEST_VERSION = "3.10.0"
SDIST_TOP = f"nest_simulator-{NEST_VERSION}"
EXTRACTED = ("testsuite/pytests", "pynest/examples")

#: Calls through which a NEST model draws random numbers (NEST's nestkernel/kernel_manager.h,
#: ``get_vp_specific_rng``, ``get_vp_synced_rng``, ``get_rank_synced_rng``).
_RNG_CALL = re.compile(rb"get_(vp_specific|vp_synced|rank_synced)_rng")
_INCLUDE = re.compile(rb'#include "(\w+\.h)"')


def work_dir() -> Path:
    """The harness's folder in nestgap's cache (sdist, extracted files, runs, results)."""
    path = cache_root() / "nest_testsuite"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sdist() -> Path:
    """The sdist, downloaded once with ``pip download --no-deps --no-binary :all:``."""
    folder = work_dir() / "sdist"
    found = sorted(folder.glob(f"{SDIST_TOP}.tar.gz"))
    if found:
        return found[0]
    folder.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    f"nest-simulator=={NEST_VERSION}", "-d", str(folder)], check=True)
    return folder / f"{SDIST_TOP}.tar.gz"


def extracted() -> Path:
    """The extracted top folder holding ``testsuite/pytests`` and ``pynest/examples``."""
    top = work_dir() / SDIST_TOP
    if all((top / part).is_dir() for part in EXTRACTED):
        return top
    with tarfile.open(sdist()) as archive:
        members = [m for m in archive.getmembers()
                   if any(m.name.startswith(f"{SDIST_TOP}/{part}/") for part in EXTRACTED)]
        archive.extractall(work_dir(), members=members, filter="data")
    return top


def testsuite_dir() -> Path:
    return extracted() / "testsuite" / "pytests"


def examples_dir() -> Path:
    return extracted() / "pynest" / "examples"


def stochastic_models() -> list[str]:
    """NEST models whose C++ sources may draw random numbers: ``models/<name>.{h,cpp}`` in the sdist
    calls one of NEST's random generators, or includes a header of its folder that does (the
    templates: ginzburg_neuron.h includes binary_neuron.h)."""
    sources = {}
    with tarfile.open(sdist()) as archive:
        for member in archive.getmembers():
            path = Path(member.name)
            if path.parent == Path(SDIST_TOP, "models") and path.suffix in (".h", ".cpp") and member.isfile():
                sources[path.stem] = sources.get(path.stem, b"") + archive.extractfile(member).read()
    drawing = {name for name, text in sources.items() if _RNG_CALL.search(text)}
    including = {name for name, text in sources.items()
                 if set(_INCLUDE.findall(text)) & {f"{d}.h".encode() for d in drawing}}
    return sorted(drawing | including)
