"""What every MPI rank runs for validation.mpi_gallery: one network on an MPI build of NEST, its local part saved.

    mpirun -np N python -m validation.mpi_rank JOB.json

``JOB.json`` names the network (the deterministic gallery network of
nestgap.scenarios.gallery with numpy-drawn inputs), its settings, the neuron
model (NEST's built-in ``hh_psc_alpha_gap``, or a nestgap-built module's
library) and an output prefix. Each rank writes ``<out>.rank<r>.npz``: the
spikes its spike recorder holds (NEST records on the rank of the sending
neuron), the node ids and final V_m of its local neurons, and how long
Simulate took. Run without mpirun it serves the one-process runs too (the PyPI
wheel of NEST, nestgap).
NEST's own gallery script is run by validation.mpi_gallery directly, with
:data:`SEED_SCRIPT_DUMP` appended.
"""

import json
import sys
import time
import warnings

import numpy as np

#: appended to NEST's gallery script (variables ``nest``, ``neurons``, ``sr``): the rank's part
SEED_SCRIPT_DUMP = """
from validation.mpi_rank import dump as _dump
_dump(nest, neurons, sr, {out!r}, _simulate_seconds)
"""


def dump(nest, neurons, recorder, out: str, simulate_seconds: float = float("nan")) -> None:
    """Save this rank's spikes, its local neurons' ids and final V_m (mV), NEST's layout and the
    time Simulate took (s). On nestgap (one process, no ``GetLocalNodeCollection``) all neurons are local."""
    events = recorder.events
    is_nest = hasattr(nest, "GetLocalNodeCollection")
    with warnings.catch_warnings():  # NEST warns that the local part differs between ranks: read only here
        warnings.simplefilter("ignore", UserWarning)
        local = nest.GetLocalNodeCollection(neurons) if is_nest else neurons
    ids = np.asarray(local.tolist(), dtype=np.int64)
    v_m = np.atleast_1d(np.asarray(local.get("V_m"), dtype=float)) if len(ids) else np.empty(0)
    np.savez(f"{out}.rank{nest.Rank() if is_nest else 0}.npz", times=np.asarray(events["times"], dtype=float),
             senders=np.asarray(events["senders"], dtype=np.int64), ids=ids, v_m=v_m,
             num_processes=nest.NumProcesses() if is_nest else 1, total_num_virtual_procs=nest.total_num_virtual_procs,
             simulate_seconds=simulate_seconds)


def run(job: dict) -> None:
    """The deterministic gallery network on ``job["simulator"]`` ("nest": whichever NEST is
    ``import nest``, or "nestgap"), its local part saved."""
    if job["simulator"] == "nestgap":
        import nestgap as nest
    else:
        import nest

    from nestgap.scenarios import gallery

    inputs = gallery.deterministic_inputs(n_neuron=job["n_neuron"], simtime=job["simtime"])
    nest.ResetKernel()
    model = "hh_psc_alpha_gap"
    if job["module"]:
        from nestgap.nest_module import install

        model = install(job["module"])
    network = gallery.build(nest, job["gap_weight"], threads=job["vps"], inputs=inputs, model=model, reset=False)
    start = time.perf_counter()
    nest.Simulate(job["simtime"])
    dump(nest, network.neurons, network.spike_recorder, job["out"], time.perf_counter() - start)


if __name__ == "__main__":
    run(json.loads(open(sys.argv[1]).read()))
