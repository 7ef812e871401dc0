"""numba's thread pool: TBB by default, the same numbers with any pool, safe with fork."""

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# a gap-coupled 40-neuron network on 2 threads; prints spikes, final V_m and numba's layer
SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, {root!r})
import nestgap as nest
import numba
from validation.gallery import build_deterministic, deterministic_inputs
neurons, sr = build_deterministic(nest, deterministic_inputs(n_neuron=40, simtime=30.0), gap_weight=5.0, threads=2)
nest.Simulate(30.0)
print(json.dumps({{"layer": numba.threading_layer(), "times": sr.events["times"].tolist(),
                  "senders": sr.events["senders"].tolist(), "V_m": [float(v).hex() for v in neurons.V_m]}}))
"""


def _run(layer=None):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    if layer:
        env["NUMBA_THREADING_LAYER"] = layer
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT))], capture_output=True,
                            text=True, env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_tbb_is_the_default_and_workqueue_gives_identical_results():
    default, workqueue = _run(), _run("workqueue")
    assert default["layer"] == "tbb"  # the tbb wheel is a dependency on Linux x86-64
    assert workqueue["layer"] == "workqueue"
    assert len(default["times"]) > 0
    for key in ("times", "senders", "V_m"):
        assert default[key] == workqueue[key]


def _simulate(_=None):
    import nestgap as nest
    nest.ResetKernel()
    nest.local_num_threads = 2
    neurons = nest.Create("hh_psc_alpha_gap", 4, params={"I_e": 400.0})
    nest.Simulate(20.0)
    return np.asarray(neurons.V_m).tolist()


def test_forked_children_can_simulate_after_the_parent_did():
    parent = _simulate()  # the thread pool is running now
    with multiprocessing.get_context("fork").Pool(2) as pool:
        children = pool.map_async(_simulate, range(2)).get(timeout=300)  # a killed child never answers
    assert children == [parent, parent]
