"""PyNEST's ``nest.raster_plot``: a spike raster of a spike_recorder's events, with a histogram of the
population rate below it (matplotlib). Same functions and arguments as PyNEST's helper module;
nestgap records to memory only, so there is no ``from_file``."""

import numpy as np

__all__ = ["extract_events", "from_data", "from_device"]


def extract_events(data, time=None, sel=None):
    """Rows (sender, time in ms) of ``data`` with ``time[0] <= t <= time[1]`` and, if ``sel`` (node
    ids or a NodeCollection) is given, a sender in it."""
    data = np.asarray(data, dtype=float).reshape(-1, 2)
    keep = np.ones(len(data), bool)
    if time is not None:
        keep &= (data[:, 1] >= time[0]) & (data[:, 1] <= time[1])
    if sel is not None:
        keep &= np.isin(data[:, 0], np.asarray(list(sel), dtype=float))
    return data[keep]


def from_data(data, sel=None, **kwargs):
    """Plot rows (sender, time in ms); ``kwargs`` as :func:`from_device`."""
    data = extract_events(data, sel=sel)
    if not len(data):
        raise ValueError("No events to plot.")
    return _make_plot(data[:, 1], data[:, 0], **kwargs)


def from_device(detec, **kwargs):
    """Plot the spikes of one spike_recorder. ``title``, ``hist`` (add a rate histogram),
    ``hist_binwidth`` (ms), ``grayscale``, ``xlabel``."""
    if len(detec) != 1 or detec.get("model") != "spike_recorder":
        raise TypeError("Please provide a single spike_recorder.")
    events = detec.get("events")
    if not len(events["times"]):
        raise ValueError("No events to plot.")
    return _make_plot(np.asarray(events["times"]), np.asarray(events["senders"]), **kwargs)


def _make_plot(times, senders, hist=True, hist_binwidth=5.0, grayscale=False, title=None, xlabel=None):
    """Raster (and histogram: spikes per neuron per second in bins of ``hist_binwidth`` ms)."""
    import matplotlib.pyplot as plt

    color_marker, color_bar, color_edge = ("k.", "gray", "black") if grayscale else (".", "#3a7dd0", "#2a5d90")
    label = xlabel or "Time (ms)"
    plt.figure()
    if hist:
        raster = plt.axes([0.1, 0.3, 0.85, 0.6])
        lines = raster.plot(times, senders, color_marker)
        raster.set_ylabel("Neuron ID")
        raster.set_xticks([])
        rate = plt.axes([0.1, 0.1, 0.85, 0.17])
        start, stop = np.min(times), np.max(times)
        edges = np.arange(start, stop + hist_binwidth, hist_binwidth)
        counts, edges = np.histogram(times, bins=edges)
        neurons = len(np.unique(senders))
        heights = counts * 1000.0 / (hist_binwidth * neurons)
        rate.bar(edges[:-1], heights, width=hist_binwidth, align="edge", color=color_bar, edgecolor=color_edge)
        rate.set_ylabel("Rate (Hz)")
        rate.set_xlabel(label)
        raster.set_xlim(rate.get_xlim())
        axes = [raster, rate]
    else:
        lines = plt.plot(times, senders, color_marker)
        plt.xlabel(label)
        plt.ylabel("Neuron ID")
        axes = [plt.gca()]
    plt.suptitle(title or "Raster plot")
    plt.draw()
    return axes + list(lines)
