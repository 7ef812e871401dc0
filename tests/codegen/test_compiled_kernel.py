"""How generated kernels are compiled: ahead of time (default), by numba at run time, or not at all.

All three run the same generated code and must give the same numbers; a simulation
with the ahead-of-time kernel never imports numba.
"""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from nestgap.codegen import aot
from nestgap.codegen.cache import kernel_module, kernel_path
from support import ROOT

MODEL = str(ROOT / "models" / "hh_psc_alpha_gap.nestml")

# a gap-coupled 40-neuron network on 2 threads; prints spikes, final V_m and whether numba was imported
SCRIPT = """
import json, sys
sys.path.insert(0, {root!r})
import nestgap as nest
from nestgap.scenarios import gallery
network = gallery.build(nest, inputs=gallery.deterministic_inputs(n_neuron=40, simtime=30.0), gap_weight=5.0, threads=2)
neurons, sr = network.neurons, network.spike_recorder
nest.Simulate(30.0)
print(json.dumps({{"numba": "numba" in sys.modules, "times": sr.events["times"].tolist(),
                  "senders": sr.events["senders"].tolist(), "V_m": [float(v).hex() for v in neurons.V_m]}}))
"""


def _run(mode):
    env = {**os.environ, "NESTGAP_JIT": mode}
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT))], capture_output=True,
                            text=True, env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_ahead_of_time_and_numba_kernels_give_identical_results():
    ahead, jitted = _run("aot"), _run("numba")
    assert not ahead["numba"] and jitted["numba"]
    assert len(ahead["times"]) > 0
    for key in ("times", "senders", "V_m"):
        assert ahead[key] == jitted[key]


def test_event_delivery_is_part_of_the_kernels_cache_key():
    """codegen/runtime.py is compiled into every kernel's extension: editing it must rebuild them."""
    from nestgap.codegen import cache, runtime

    assert Path(runtime.__file__).resolve() in [p.resolve() for p in cache._GENERATOR_SOURCES]


def test_compiled_functions_refuse_arrays_of_the_wrong_kind():
    """Compiled code reads memory as its signature says: a wrong array raises instead of crashing."""
    kernel = kernel_module(MODEL, "aot")
    buffer, counts = np.zeros((2, 1, 3)), np.zeros((2, 1, 3), np.int64)
    good = np.array([1], np.int64)
    kernel.add_to_rings(good, good * 0, good * 2, np.array([5.0]), buffer, counts)
    assert buffer[1, 0, 2] == 5.0 and counts[1, 0, 2] == 1
    for bad in (np.array([1], np.int32), np.array([1.0]), np.array([[1]]), np.arange(4)[::2], [1]):
        with pytest.raises(TypeError, match="add_to_rings: argument 0 must be a C-contiguous 1-d int64 array"):
            kernel.add_to_rings(bad, good * 0, good * 2, np.array([5.0]), buffer, counts)
    assert buffer[1, 0, 2] == 5.0 and counts[1, 0, 2] == 1


def test_a_failed_build_says_why_and_numba_takes_over(monkeypatch, tmp_path):
    broken = tmp_path / "broken_kernel.py"
    broken.write_text("EXPORTS = {'f': 'void()'}\n")  # no function f
    with pytest.raises(aot.BuildError, match="could not compile broken_kernel.py ahead of time"):
        aot.build(broken, tmp_path / "broken.so")

    def failing(kernel_file, exports):
        raise aot.BuildError("could not compile it ahead of time: no C compiler")

    monkeypatch.setattr(aot, "compiled", failing)
    monkeypatch.delitem(sys.modules, f"nestgap_kernel_{kernel_path(MODEL).stem}_aot", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kernel = kernel_module(MODEL, "aot")
    assert kernel.COMPILED == "numba"
    assert any("no C compiler" in str(w.message) and "numba compiles" in str(w.message) for w in caught)
