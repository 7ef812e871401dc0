"""Single-neuron hh_psc_alpha_gap scenarios on a simulator (NEST 3.10 by default).

``run_nest(...)`` takes the same arguments as ``reference_impl.simulate`` and
returns the same structure (for the 7 recordables): a dict with ``times``,
one list per recordable and ``spike_times``. The multimeter samples every
step (interval = resolution); NEST keeps back the samples of the last
min_delay slice (docs/time_and_events.md, section 5.4), so the traces are shorter than the reference's:
compare the overlapping samples.

Run as a script (``python -m nestgap.scenarios.single_neuron``) it prints the
spike times of every scenario in SCENARIOS.
"""

RECORDABLES = ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p", "I_syn_ex", "I_syn_in")

# name -> keyword arguments for run_nest / reference_impl.simulate
SCENARIOS = {
    "rest": {},
    "I_e_200": {"I_e": 200.0},
    "I_e_500": {"I_e": 500.0},
    "I_e_1000": {"I_e": 1000.0},
    "dc_200": {"dc": {"amplitude": 200.0, "start": 0.0, "delay": 1.0}},
    "dc_500": {"dc": {"amplitude": 500.0, "start": 0.0, "delay": 1.0}},
    "dc_1000": {"dc": {"amplitude": 1000.0, "start": 0.0, "delay": 1.0}},
    "dc_window": {"dc": {"amplitude": 500.0, "start": 20.0, "stop": 120.0, "delay": 1.0}},
    # sub-threshold excitation and inhibition; includes exc+inh pairs in the
    # same step and a weight-0 (inhibitory) spike
    "spikes_subthreshold": {"spikes": {
        "times": [10.0, 20.0, 30.0, 30.0, 45.0, 60.0, 60.0, 80.0, 120.0, 150.0],
        "weights": [800.0, -300.0, 800.0, -300.0, 800.0, -300.0, 800.0, 0.0, -300.0, 800.0],
        "delay": 1.0}},
    # enough excitation to make the neuron fire, with inhibition in between
    "spikes_firing": {"spikes": {
        "times": [10.0, 10.5, 11.0, 40.0, 40.0, 40.0, 70.0, 100.0, 100.2, 100.4, 140.0, 140.0, 160.0],
        "weights": [800.0, 800.0, 800.0, 800.0, 800.0, 800.0, -300.0, 800.0, 800.0, 800.0,
                    800.0, 800.0, -300.0],
        "delay": 1.0}},
}


def run_nest(T, resolution=0.1, I_e=0.0, dc=None, spikes=None, params=None, nest=None,
             model="hh_psc_alpha_gap", recordables=RECORDABLES):
    """Simulate one neuron of ``model`` in NEST for T ms (fresh kernel), recording ``recordables``.

    ``nest``: the simulator module to run the same script on (default: real
    NEST; pass ``nestgap`` to run it on nestgap).
    """
    if nest is None:
        import nest

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.WARNING
    nest.set(resolution=resolution)

    p = dict(params or {})
    p["I_e"] = I_e
    neuron = nest.Create(model, params=p)
    mm = nest.Create("multimeter", params={"interval": resolution,
                                           "record_from": list(recordables)})
    sr = nest.Create("spike_recorder")

    if dc is not None:
        gp = {"amplitude": float(dc["amplitude"]), "start": float(dc.get("start", 0.0))}
        if dc.get("stop") is not None:
            gp["stop"] = float(dc["stop"])
        gen = nest.Create("dc_generator", params=gp)
        nest.Connect(gen, neuron, syn_spec={"delay": float(dc.get("delay", 1.0))})

    if spikes is not None:
        times = [float(t) for t in spikes["times"]]
        weights = spikes["weights"]
        if not hasattr(weights, "__len__"):
            weights = [weights] * len(times)
        # one generator per distinct weight (in order of first appearance)
        groups = {}
        for t_sp, w in zip(times, weights):
            groups.setdefault(float(w), []).append(t_sp)
        for w, ts in groups.items():
            sg = nest.Create("spike_generator", params={"spike_times": sorted(ts)})
            nest.Connect(sg, neuron, syn_spec={"weight": w,
                                               "delay": float(spikes.get("delay", 1.0))})

    nest.Connect(mm, neuron)
    nest.Connect(neuron, sr)
    nest.Simulate(float(T))

    ev = mm.get("events")
    out = {"times": [float(x) for x in ev["times"]]}
    for name in recordables:
        out[name] = [float(x) for x in ev[name]]
    out["spike_times"] = sorted(float(x) for x in sr.get("events")["times"])
    out["min_delay"] = nest.GetKernelStatus("min_delay")
    return out


def main():
    for h in (0.05, 0.1):
        for name, kwargs in SCENARIOS.items():
            res = run_nest(200.0, resolution=h, **kwargs)
            print("h=%-5g %-20s %2d spikes: %s" % (
                h, name, len(res["spike_times"]),
                ", ".join(repr(t) for t in res["spike_times"])))


if __name__ == "__main__":
    main()
