"""Runs one NEST example unchanged in this process, then saves what every recorder recorded.

``python -m validation.nest_testsuite.run_example SCRIPT OUT_DIR SIMULATOR [INVENTORY]``, started by
validation/nest_examples.py with ``nest`` being NEST or nestgap (the shim). The
harness, not the script, sets matplotlib's Agg backend and makes ``plt.show`` a
no-op. On NEST the models, synapses and rules the script uses are appended to
``OUT_DIR/usage.jsonl`` as they are used (usage.py), so that a killed run
still tells them; given nestgap's INVENTORY (JSON), the run stops at the first
thing nestgap lacks (status ``stopped``). After the script, the events of every spike_recorder,
multimeter and voltmeter (found among all nodes by their model) go to
``OUT_DIR/events.npz`` as ``<node id>:<model>:<field>``; ``OUT_DIR/status.json``
says whether script and capture finished, and how long the script took.
"""

import json
import os
import runpy
import sys
import time
import traceback
from pathlib import Path

RECORDERS = ("spike_recorder", "multimeter", "voltmeter")


class _AppendingSet(set):
    """A set that appends each new element to a JSON-lines file; with an inventory, the first element
    nestgap lacks (a model, synapse, rule or feature) ends the process: the example is out of scope,
    and running NEST on to its end would only cost time."""

    def __init__(self, path: Path, inventory: dict | None):
        super().__init__()
        self.path = path
        self.have = None if inventory is None else {
            "node": inventory["nodes"], "synapse": inventory["synapses"], "rule": inventory["rules"]}

    def add(self, item):
        if item in self:
            return
        super().add(item)
        with open(self.path, "a") as out:
            out.write(json.dumps(item) + "\n")
        kind, name = item
        if self.have is not None and (kind == "feature" or (kind in self.have and name not in self.have[kind])):
            status = {"simulator": "nest", "script": "stopped", "stop_reason": list(item)}
            (self.path.parent / "status.json").write_text(json.dumps(status))
            os._exit(0)


def capture(nest) -> dict:
    """Every recorder's events as {"<id>:<model>:<field>": array}, found among all nodes by model."""
    import numpy as np

    size = nest.network_size
    if size == 0:
        return {}
    nodes = nest.NodeCollection(list(range(1, size + 1)))
    models = nodes.get("model")
    models = (models,) if isinstance(models, str) else models
    arrays = {}
    for node_id, model in enumerate(models, start=1):
        if model in RECORDERS:
            for field, values in nodes[node_id - 1].get("events").items():
                arrays[f"{node_id}:{model}:{field}"] = np.asarray(values)
    return arrays


def main(script: str, out_dir: str, simulator: str, inventory: str | None = None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.show = lambda *args, **kwargs: None
    out = Path(out_dir)
    import nest

    if simulator == "nest":
        from .usage import UsageRecorder

        recorder = UsageRecorder(nest)
        recorder.sink = _AppendingSet(out / "usage.jsonl", json.loads(inventory) if inventory else None)
        recorder.install()
    status = {"simulator": simulator, "nest_name": nest.__name__}
    sys.path.insert(0, str(Path(script).parent))
    sys.argv = [script]
    started = time.perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
        status["script"] = "ok"
    except SystemExit as error:
        status["script"] = "ok" if error.code in (None, 0) else f"exit {error.code}"
    except BaseException as error:  # noqa: BLE001 -- the example's failure is the result
        status.update(script="error", error=f"{type(error).__name__}: {error}"[:1000],
                      traceback=traceback.format_exc()[-3000:])
    status["script_s"] = round(time.perf_counter() - started, 2)
    plt.close("all")
    try:
        import numpy as np

        arrays = capture(nest)
        np.savez(out / "events.npz", **arrays)
        status["capture"] = "ok"
        status["recorders"] = len({k.rsplit(":", 1)[0] for k in arrays})
    except Exception as error:  # noqa: BLE001 -- the capture's failure is reported, not raised
        status.update(capture="error", capture_error=f"{type(error).__name__}: {error}"[:1000])
    (out / "status.json").write_text(json.dumps(status, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
