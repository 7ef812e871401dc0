"""Deterministic recurrent networks of hh_psc_alpha_gap, written once against the PyNEST API.

Every builder takes the simulator module (``nest`` or ``nestgap``) as its first
argument, builds the network in a fresh kernel and returns plain numpy results,
so that the same code runs on NEST 3.10 and on nestgap and the results can be
compared bit for bit.

All randomness is drawn with numpy *before* anything is given to the
simulator (connectivity, weights, delays, input spike trains, initial V_m), so
the simulators' own random streams are never used. Weights are integers in pA:
spikes arriving in the same step are then summed exactly in any order, which
makes the result independent of NEST's delivery order and of the number of
virtual processes.
"""

import numpy as np

#: delays of the recurrent synapses (ms); one extra synapse has ONE_DELAY
DELAYS = (1.0, 1.5)
ONE_DELAY = 0.5


def draw_network(n=40, T=500.0, resolution=0.1, seed=20240611, k_exc=4, k_inh=2, drive_rate=150.0):
    """The network's random ingredients, drawn with numpy (a dict of plain arrays).

    * ``V_m``: initial membrane potentials, uniform in [-75, -55) mV;
    * ``sources``/``targets``/``weights``/``delays``: k_exc excitatory (+300..+700 pA) and
      k_inh inhibitory (-900..-400 pA) inputs per neuron from other neurons (no autapses),
      delays from DELAYS, plus one excitatory connection with delay ONE_DELAY;
      indices are 0-based positions in the population;
    * ``drive``: one spike train per neuron (ms, on the grid, > 0, < T, sorted, repeated times
      possible), Poisson with ``drive_rate``; ``drive_weight``: its integer weight per neuron.
    """
    rng = np.random.default_rng(seed)
    V_m = rng.uniform(-75.0, -55.0, n)
    sources, targets, weights, delays = [], [], [], []
    for post in range(n):
        others = np.delete(np.arange(n), post)
        pre = rng.choice(others, k_exc + k_inh, replace=False)
        w = np.concatenate([rng.integers(300, 701, k_exc), -rng.integers(400, 901, k_inh)])
        d = rng.choice(DELAYS, k_exc + k_inh)
        sources += list(pre)
        targets += [post] * len(pre)
        weights += list(w.astype(float))
        delays += list(d)
    pre, post = rng.choice(n, 2, replace=False)
    sources.append(pre)
    targets.append(post)
    weights.append(float(rng.integers(300, 701)))
    delays.append(ONE_DELAY)

    steps = int(round(T / resolution))
    drive = []
    for _ in range(n):
        counts = rng.poisson(drive_rate * 1e-3 * resolution, steps - 1)
        stamps = np.repeat(np.arange(1, steps), counts)          # repeated stamps: several spikes
        drive.append([round(int(k) * resolution, 10) for k in stamps])
    drive_weight = rng.integers(400, 801, n).astype(float)
    return {"V_m": V_m, "sources": np.array(sources), "targets": np.array(targets),
            "weights": np.array(weights), "delays": np.array(delays), "drive": drive,
            "drive_weight": drive_weight, "n": n, "resolution": resolution}


def build_network(nest, ingredients, *, vps=None, threads=None, print_time=False, record_interval=None):
    """Build the network of ``draw_network`` in a fresh kernel of ``nest``.

    Returns (neurons, multimeter, spike_recorder). The multimeter records V_m of all
    neurons every ``record_interval`` ms (default: every step).
    """
    h = ingredients["resolution"]
    nest.ResetKernel()
    nest.resolution = h
    if vps is not None:
        nest.total_num_virtual_procs = vps
    if threads is not None:
        nest.local_num_threads = threads
    nest.print_time = print_time

    n = ingredients["n"]
    neurons = nest.Create("hh_psc_alpha_gap", n, params={"V_m": [float(v) for v in ingredients["V_m"]]})
    for s, t, w, d in zip(ingredients["sources"], ingredients["targets"], ingredients["weights"],
                          ingredients["delays"]):
        nest.Connect(neurons[int(s)], neurons[int(t)], syn_spec={"weight": float(w), "delay": float(d)})
    drive = nest.Create("spike_generator", n)
    drive.set([{"spike_times": times} for times in ingredients["drive"]])
    nest.Connect(drive, neurons, "one_to_one",
                 syn_spec={"weight": [float(w) for w in ingredients["drive_weight"]], "delay": 1.0})

    mm = nest.Create("multimeter", params={"interval": record_interval or h, "record_from": ["V_m"]})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, neurons)
    nest.Connect(neurons, sr)
    return neurons, mm, sr


def collect(nest, neurons, mm, sr):
    """Recorded data in a canonical order (independent of threads and delivery order).

    ``V_m``: array (n_neurons, n_samples), rows in node-id order; ``times``: the sample
    times (ms) of one neuron; ``spike_times``/``spike_senders`` sorted by (time, sender).
    """
    ev = mm.get("events")
    senders, times, V = (np.asarray(ev[k]) for k in ("senders", "times", "V_m"))
    order = np.lexsort((times, senders))
    n = len(neurons)
    V = V[order].reshape(n, -1)
    times = times[order].reshape(n, -1)
    sp = sr.get("events")
    s_senders, s_times = np.asarray(sp["senders"]), np.asarray(sp["times"])
    s_order = np.lexsort((s_senders, s_times))
    return {"V_m": V, "times": times[0], "senders": senders[order].reshape(n, -1)[:, 0],
            "spike_times": s_times[s_order], "spike_senders": s_senders[s_order],
            "min_delay": nest.GetKernelStatus("min_delay"),
            "biological_time": nest.GetKernelStatus("biological_time")}


def run_network(nest, ingredients=None, *, chunks=(200.0,), vps=None, threads=None, print_time=False,
                **draw):
    """Draw (unless given), build and simulate the network with ``Simulate(c)`` for every c in
    ``chunks``; return ``collect(...)``."""
    if ingredients is None:
        ingredients = draw_network(**draw)
    neurons, mm, sr = build_network(nest, ingredients, vps=vps, threads=threads, print_time=print_time)
    for c in chunks:
        nest.Simulate(float(c))
    return collect(nest, neurons, mm, sr)
