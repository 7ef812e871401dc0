"""The generated simulator against the independent transcription in reference_impl/.

Both are run on the same single-neuron scenarios (the ones compared with NEST in
tests/test_reference_vs_nest.py) and must agree bit for bit in all recordables
and spike times. The last test runs the generated code with the JIT switched off
(plain Python): same numbers.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import nestgap
from reference_impl import simulate
from support import ROOT, assert_bitwise_equal
from nestgap.scenarios.single_neuron import RECORDABLES, SCENARIOS, run_nest

T = 200.0


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("h", (0.05, 0.1))
def test_generated_equals_reference(h, name):
    reference = simulate(T, h, **SCENARIOS[name])
    ours = run_nest(T, h, nest=nestgap, **SCENARIOS[name])
    n = len(ours["times"])  # the multimeter withholds the last min_delay, as NEST's
    assert n == int(round(T / h)) - int(round(ours["min_delay"] / h))
    assert_bitwise_equal(ours["times"], reference["times"][:n], "times")
    for key in RECORDABLES:
        assert_bitwise_equal(ours[key], reference[key][:n], key)
    assert ours["spike_times"] == reference["spike_times"]


def test_plain_python_gives_the_same_numbers(tmp_path):
    """NESTGAP_JIT=0: the same generated code runs as plain Python (slowly), with identical results."""
    script = ("import json, nestgap; from nestgap.scenarios.single_neuron import run_nest; "
              "r = run_nest(20.0, 0.1, I_e=500.0, nest=nestgap); "
              "print(json.dumps([r['V_m'], r['spike_times']]))")
    root = str(ROOT)
    env = {**os.environ, "NESTGAP_JIT": "0", "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                         cwd=root)
    v_plain, spikes_plain = json.loads(out.stdout.strip().splitlines()[-1])
    jitted = run_nest(20.0, 0.1, I_e=500.0, nest=nestgap)
    assert_bitwise_equal(np.array(v_plain), np.array(jitted["V_m"]), "V_m")
    assert spikes_plain == jitted["spike_times"]
