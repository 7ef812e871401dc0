"""Synchrony measures of a network's activity.

Golomb's chi (Golomb & Rinzel 1993; Golomb 2007, Scholarpedia 2(1):1347):
chi^2 = Var_t(mean_i V_i(t)) / mean_i Var_t(V_i(t)); 0 for independent
neurons, 1 for identical membrane potentials. The coefficient of variation of
the population spike count in small bins is large for synchronous volleys and
about 1/sqrt(mean count) for asynchronous Poisson-like firing.
"""

import numpy as np


def golomb_chi(v: np.ndarray) -> float:
    """chi from membrane potentials ``v`` of shape (neurons, samples)."""
    population = v.mean(axis=0)
    single = v.var(axis=1).mean()
    return float(np.sqrt(population.var() / single)) if single > 0 else float("nan")


def population_count_cv(spike_times, t_start: float, t_stop: float, bin_ms: float = 1.0) -> float:
    """CV of the population spike count in bins of ``bin_ms`` over [t_start, t_stop)."""
    edges = np.arange(t_start, t_stop + bin_ms / 2, bin_ms)
    counts, _ = np.histogram(spike_times, edges)
    mean = counts.mean()
    return float(counts.std() / mean) if mean > 0 else float("nan")


def mean_rate(n_spikes: int, n_neurons: int, t_ms: float) -> float:
    """Spikes per neuron per second."""
    return 1000.0 * n_spikes / t_ms / n_neurons
