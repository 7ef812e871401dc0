"""One reference neuron with NEST's time grid and device/event timing.

Inputs (docs/time_and_events.md, sections 1 and 5.1-5.3):

* constant ``I_e``;
* ``dc``: dict(amplitude, start=0.0, stop=None, delay=1.0) -- a dc_generator.
  It is active in step s if t_min < s + 2 <= t_max; the CurrentEvent of step
  s lands in the ring buffer at s + d and is the neuron's I_stim during step
  s + d + 1. Net effect: current on [start + d, stop + d), but with start = 0
  only from (d + 1) h on.
* ``spikes``: dict(times=[...], weights=[...], delay=1.0) -- spike_generator
  input; a spike at grid time t (stamp t/h) with delay d is added to the
  excitatory (w > 0) or inhibitory (w <= 0) ring buffer at step stamp + d - 1
  and jumps D_ex / D_in at the end of that step, i.e. at t + d.

No gap coupling (sumj_g = 0, coefficients 0).

The result contains, for every step s, the state variables after the
spike-input jump (what NEST's multimeter samples) stamped (s+1) h, and the
spike times, all times as NEST computes them: 0.001 * (tics_per_step * stamp).
"""

from . import hh_cond_beta_gap_traub, hh_psc_alpha_gap
from .hh_psc_alpha_gap import ms_to_tics, delay_ms_to_steps, stamp_to_ms

#: model name -> (neuron class, its state names)
NEURONS = {"hh_psc_alpha_gap": (hh_psc_alpha_gap.HHPscAlphaGap, hh_psc_alpha_gap.STATE_NAMES),
           "hh_cond_beta_gap_traub": (hh_cond_beta_gap_traub.HHCondBetaGapTraub,
                                      hh_cond_beta_gap_traub.STATE_NAMES)}


def _ms_to_grid_steps(t_ms, tics_per_step, what):
    tics = ms_to_tics(t_ms)
    if tics % tics_per_step:
        raise ValueError("%s %r ms is not on the simulation grid" % (what, t_ms))
    return tics // tics_per_step


def simulate(T, resolution=0.1, I_e=0.0, dc=None, spikes=None, params=None, model="hh_psc_alpha_gap"):
    """Simulate one neuron of ``model`` for T ms. Returns a dict of lists (see module doc)."""
    p = dict(params or {})
    p["I_e"] = I_e
    neuron_class, STATE_NAMES = NEURONS[model]
    neuron = neuron_class(resolution=resolution, params=p)
    tps = neuron.tics_per_step
    n_steps = _ms_to_grid_steps(T, tps, "simulation time")

    # ring buffers, indexed by absolute step
    spike_exc = {}
    spike_inh = {}
    currents = {}

    if spikes is not None:
        d = delay_ms_to_steps(spikes.get("delay", 1.0), tps)
        times = list(spikes["times"])
        weights = spikes["weights"]
        if not hasattr(weights, "__len__"):
            weights = [weights] * len(times)
        for t_sp, w in zip(times, weights):
            stamp = _ms_to_grid_steps(t_sp, tps, "spike time")
            if stamp <= 0:
                raise ValueError("spike time must be > 0")
            idx = stamp + d - 1
            buf = spike_exc if w > 0 else spike_inh
            buf[idx] = buf.get(idx, 0.0) + w

    if dc is not None:
        d = delay_ms_to_steps(dc.get("delay", 1.0), tps)
        t_min = _ms_to_grid_steps(dc.get("start", 0.0), tps, "dc start")
        stop = dc.get("stop", None)
        t_max = None if stop is None else _ms_to_grid_steps(stop, tps, "dc stop")
        amp = dc["amplitude"]
        for s in range(n_steps):
            if t_min < s + 2 and (t_max is None or s + 2 <= t_max):
                idx = s + d
                currents[idx] = currents.get(idx, 0.0) + amp

    out = {"times": []}
    for name in STATE_NAMES:
        out[name] = []
    spike_times = []

    for s in range(n_steps):
        spiked = neuron.update_step(
            lag=0,
            spike_exc=spike_exc.pop(s, 0.0),
            spike_inh=spike_inh.pop(s, 0.0),
            current=currents.pop(s, 0.0),
        )
        t_stamp = stamp_to_ms(s + 1, tps)
        if spiked:
            spike_times.append(t_stamp)
        out["times"].append(t_stamp)
        for i, name in enumerate(STATE_NAMES):
            out[name].append(neuron.y[i])

    out["spike_times"] = spike_times
    return out
