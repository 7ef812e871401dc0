"""PyNEST's ``nest.voltage_trace``: the membrane potential recorded by a voltmeter or multimeter,
one line per neuron (matplotlib). Same function and arguments as PyNEST's helper module; nestgap
records to memory only, so there is no ``from_file``."""

import numpy as np

__all__ = ["from_device"]


def from_device(detec, neurons=None, title=None, grayscale=False, timeunit="ms"):
    """Plot V_m of the neurons ``neurons`` (node ids; default all) recorded by ``detec``; time in
    ``timeunit`` ("ms" or "s"). Returns the lines."""
    import matplotlib.pyplot as plt

    if len(detec) != 1 or detec.get("model") not in ("voltmeter", "multimeter"):
        raise TypeError("Please provide a single voltmeter or multimeter.")
    if "V_m" not in detec.get("record_from"):
        raise ValueError("The device does not record V_m.")
    events = detec.get("events")
    senders, times, potentials = (np.asarray(events[k]) for k in ("senders", "times", "V_m"))
    if not len(times):
        raise ValueError("No events to plot.")
    scale, label = (1000.0, "Time [s]") if timeunit == "s" else (1.0, "Time [ms]")
    chosen = np.unique(senders) if neurons is None else np.asarray(list(neurons))
    plt.figure()
    lines = []
    for k, node_id in enumerate(chosen):
        mine = senders == node_id
        style = {"color": str(0.8 * k / max(len(chosen) - 1, 1))} if grayscale else {}
        lines += plt.plot(times[mine] / scale, potentials[mine], label=f"Neuron {node_id}", **style)
    plt.xlabel(label)
    plt.ylabel("Membrane potential [mV]")
    plt.title(title or f"Membrane potential recorded by {detec.get('model')} {detec.get('global_id')}")
    plt.legend(loc="best")
    plt.draw()
    return lines
