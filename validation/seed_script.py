"""NEST's gallery script itself, unchanged, on NEST and on nestgap: spike for spike.

The script is NEST 3.10's ``pynest/examples/gap_junctions_inhibitory_network.py``, taken from
the source distribution on the package index (fetched into the cache by
validation.nest_testsuite.sources; the project does not copy it). It runs as it is (500
neurons, 8 virtual processes, NEST's random streams, 501 ms), once per gap weight with the line
``gap_weight = 0.3`` set to the weight, with ``import nest`` on NEST and ``import nestgap as
nest`` on nestgap, matplotlib writing to no screen. After the script, the spike recorder's
events (in NEST's raw order) and every neuron's V_m are saved and compared bit for bit.

    python -m validation.seed_script                 # gap weights 0, 0.3, 0.54, 0.7
    python -m validation.seed_script --weights 0.3 --simtime 101

Exit status 0 only if every run is identical.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from validation.nest_testsuite.sources import examples_dir

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "gap_junctions_inhibitory_network.py"

#: appended to the script: what it computed, for the comparison
_DUMP = """
import numpy as _np
_events = sr.events
_np.savez({out!r}, times=_np.asarray(_events["times"]), senders=_np.asarray(_events["senders"]),
          v_m=_np.asarray(neurons.V_m, dtype=float))
"""


def script_text(simulator: str, gap_weight: float, simtime: float) -> str:
    """NEST's script for ``simulator`` ("nest" or "nestgap") with the given gap weight and time."""
    text = (examples_dir() / SCRIPT).read_text()
    for old, new in (("gap_weight = 0.3\n", f"gap_weight = {gap_weight!r}\n"),
                     ("simtime = 501.0\n", f"simtime = {simtime!r}\n")):
        if old not in text:
            raise RuntimeError(f"{SCRIPT} of the NEST sources no longer has the line {old.strip()!r}")
        text = text.replace(old, new, 1)
    if simulator == "nestgap":
        text = text.replace("import nest\n", "import nestgap as nest\n", 1)
    return text


def run(simulator, gap_weight, simtime, folder):
    out = Path(folder) / f"{simulator}_{gap_weight}.npz"
    path = Path(folder) / f"{simulator}_{gap_weight}.py"
    path.write_text(script_text(simulator, gap_weight, simtime) + _DUMP.format(out=str(out)))
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_WAIT_POLICY": "PASSIVE"}
    t0 = time.perf_counter()
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, cwd=folder)
    if result.returncode != 0:
        raise RuntimeError(f"{simulator}, gap weight {gap_weight}: the script failed:\n{result.stderr[-3000:]}")
    data = np.load(out)
    return {key: data[key] for key in data.files}, time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="0,0.3,0.54,0.7")
    parser.add_argument("--simtime", type=float, default=501.0)
    args = parser.parse_args(argv)
    all_identical = True
    print(f"| gap (nS) | spikes NEST | spikes nestgap | identical spikes | max abs(dV) (mV) | NEST (s) | nestgap (s) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="nestgap-seed-") as folder:
        for weight in (float(w) for w in args.weights.split(",")):
            theirs, t_nest = run("nest", weight, args.simtime, folder)
            ours, t_ours = run("nestgap", weight, args.simtime, folder)
            same = all(np.array_equal(ours[k], theirs[k]) for k in ("times", "senders", "v_m"))
            dv = float(np.max(np.abs(ours["v_m"] - theirs["v_m"])))
            all_identical &= same
            print(f"| {weight} | {len(theirs['times'])} | {len(ours['times'])} | {'yes' if same else 'NO'} | "
                  f"{dv:.3g} | {t_nest:.1f} | {t_ours:.1f} |", flush=True)
    print("all runs identical, bit for bit" if all_identical else "NOT identical")
    return 0 if all_identical else 1


if __name__ == "__main__":
    sys.exit(main())
