"""Test case 2 of Hahne et al. (2015): the gallery network at increasing gap weight.

Hahne J et al. (2015) A unified framework for spiking and gap-junction
interactions in distributed neuronal network simulations. Front. Neuroinform.
9:22 (Figures 9 and 10). 500 inhibitory Hodgkin-Huxley neurons with Poisson
drive and 60 gap junctions per neuron: asynchronous at 0.3 nS, switching
between asynchronous and synchronous states at 0.54 nS, synchronous at 0.7 nS.

:func:`run_network` is NEST's gallery script (:mod:`nestgap.scenarios.gallery`), run on any
simulator module with a multimeter added for the synchrony measure;
:func:`draw` makes the figure: per gap weight a raster, the population rate
and the measures chi and CV.
"""

import numpy as np

from ..scenarios import gallery
from .synchrony import golomb_chi, mean_rate, population_count_cv

N_NEURON = gallery.N_NEURON
SIMTIME = gallery.SIMTIME
ANALYSIS_START = 100.0  # ms: leave out the transient from the random initial V_m
WEIGHTS = (0.0, 0.3, 0.54, 0.7)


def run_network(nest, gap_weight, simtime=SIMTIME, rng_seed=None, threads=2, n_neuron=N_NEURON,
                use_wfr=True, print_time=False):
    """The gallery network with V_m sampled every 1 ms; returns spikes, samples and the run's measures."""
    network = gallery.build(nest, gap_weight, threads=threads, rng_seed=rng_seed, n_neuron=n_neuron,
                            use_wfr=use_wfr, v_m_interval=1.0, print_time=print_time)
    nest.Simulate(simtime)
    spikes = network.spike_recorder.events
    samples = network.multimeter.events
    return summarize(np.asarray(spikes["times"]), np.asarray(spikes["senders"]), np.asarray(samples["times"]),
                     np.asarray(samples["senders"]), np.asarray(samples["V_m"]), n_neuron, simtime, gap_weight)


def summarize(times, senders, v_times, v_senders, v, n_neuron, simtime, gap_weight):
    """Measures of one run: rate (whole run), chi and population-count CV (t >= 100 ms)."""
    keep = v_times >= ANALYSIS_START
    order = np.lexsort((v_times[keep], v_senders[keep]))
    matrix = v[keep][order].reshape(n_neuron, -1)
    late = times >= ANALYSIS_START
    return {"gap_weight": gap_weight, "spike_times": times, "senders": senders,
            "rate": mean_rate(len(times), n_neuron, simtime),
            "chi": golomb_chi(matrix),
            "cv": population_count_cv(times[late], ANALYSIS_START, simtime - 1.0),
            "n_spikes": int(len(times))}


def draw(results, path_stem, simtime=SIMTIME, n_neuron=N_NEURON):
    """Rasters and population rates, one column per gap weight; writes PNG and SVG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(results), figsize=(4.2 * len(results), 6.0), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1]}, squeeze=False)
    for column, r in enumerate(results):
        raster, rate = axes[0, column], axes[1, column]
        raster.plot(r["spike_times"], r["senders"], ".k", ms=1.0, rasterized=True)
        raster.set_title(f"{r['gap_weight']:g} nS: {r['rate']:.1f} spikes/s\n"
                         f"$\\chi$ = {r['chi']:.2f}, CV = {r['cv']:.2f}", fontsize=10)
        raster.set_ylim(0, n_neuron + 1)
        edges = np.arange(0.0, simtime + 0.5, 1.0)
        counts, _ = np.histogram(r["spike_times"], edges)
        rate.plot(edges[:-1], counts * 1000.0 / n_neuron, lw=0.6, color="C0")
        rate.set_xlabel("time (ms)")
        rate.axvspan(0, ANALYSIS_START, color="0.9", zorder=0)
    axes[0, 0].set_ylabel("neuron")
    axes[1, 0].set_ylabel("population rate\n(spikes/s, 1 ms bins)")
    fig.suptitle("Test case 2 of Hahne et al. (2015): 500 inhibitory HH neurons, 60 gap junctions per neuron "
                 "(measures from t >= 100 ms; rate over the whole run)", fontsize=10)
    fig.tight_layout()
    paths = [f"{path_stem}.png", f"{path_stem}.svg"]
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths
