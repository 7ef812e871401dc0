"""Timing of stimulation and recording devices: nestgap against NEST 3.10.

Every scenario is one function of the simulator module, run on real NEST and on
nestgap in this session. Deterministic devices (dc_generator, spike_generator,
spike_recorder, multimeter, voltmeter) must agree bit for bit: the membrane
traces they cause, the recorded events (keys, dtypes, values, counts) and the
errors they raise. poisson_generator draws from the simulator's own random
streams, which differ between NEST and nestgap: there the onset and the window
(with a rate so high that every step carries spikes) are compared exactly and
the statistics of the trains (rate, Poisson dispersion, independence between
targets, multiplicities) are compared within sampling error.
"""

import math

import numpy as np
import pytest

from support import assert_bitwise_equal, outcome

RECORDABLES = ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p", "I_syn_ex", "I_syn_in")


def _both(nest, ng, scenario, **kwargs):
    """(nestgap's result, NEST's result) of scenario(sim, **kwargs), each in a fresh kernel."""
    results = []
    for sim in (ng, nest):
        sim.ResetKernel()
        results.append(scenario(sim, **kwargs))
    return results


def _assert_same_events(ours, theirs, what="events"):
    """Recorder events equal: same keys, same dtypes (where non-empty) and the same bits."""
    assert sorted(ours) == sorted(theirs), f"{what}: keys differ"
    for key in theirs:
        a, b = np.asarray(ours[key]), np.asarray(theirs[key])
        if len(b):
            assert a.dtype == b.dtype, f"{what}[{key!r}]: dtype {a.dtype} vs NEST {b.dtype}"
        assert_bitwise_equal(a, b, f"{what}[{key!r}]")


def _sorted_events(events):
    """Events ordered by (time, sender): independent of the order a recorder stores them in."""
    order = np.lexsort((np.asarray(events["senders"]), np.asarray(events["times"])))
    return {k: np.asarray(v)[order] for k, v in events.items()}


def _first_change(values, times):
    values = np.asarray(values)
    changed = np.nonzero(values != values[0])[0]
    return times[changed[0]] if len(changed) else None


# ================================================================================================
# dc_generator
# ================================================================================================

def dc_scenario(sim, h=0.1, delays=(1.0,), amplitude=300.0, start=0.0, stop=None, origin=0.0,
                chunks=(40.0,), change=None):
    """One dc_generator driving one neuron per delay; V_m and I_syn-free recordables every step.

    ``change``: (after_chunk, params) set on the generator between Simulate calls."""
    sim.resolution = h
    neurons = sim.Create("hh_psc_alpha_gap", len(delays))
    params = {"amplitude": amplitude, "start": start, "origin": origin}
    if stop is not None:
        params["stop"] = stop
    gen = sim.Create("dc_generator", params=params)
    for i, d in enumerate(delays):
        sim.Connect(gen, neurons[i], syn_spec={"delay": d})
    mm = sim.Create("multimeter", params={"interval": h, "record_from": ["V_m", "Act_m", "Act_n"]})
    sim.Connect(mm, neurons)
    for k, c in enumerate(chunks):
        sim.Simulate(c)
        if change is not None and change[0] == k:
            gen.set(change[1])
    return {"events": _sorted_events(mm.get("events")), "min_delay": sim.GetKernelStatus("min_delay")}


DC_CASES = {
    "start_0": {},
    "window": {"start": 20.0, "stop": 60.0, "chunks": (80.0,)},
    "window_origin": {"start": 5.0, "stop": 30.0, "origin": 10.0, "chunks": (60.0,)},
    "several_delays": {"delays": (0.1, 0.5, 1.0, 2.3)},
    "several_delays_h0.05": {"h": 0.05, "delays": (0.05, 1.0, 1.55)},
    "start_0.1_delay_0.1": {"start": 0.1, "delays": (0.1,), "chunks": (10.0,)},
    "amplitude_changed_mid_slice": {"chunks": (10.3, 20.0, 9.7), "change": (0, {"amplitude": 700.0})},
    "stopped_later": {"chunks": (15.0, 25.0), "change": (0, {"stop": 22.0})},
}


@pytest.mark.parametrize("case", list(DC_CASES))
def test_dc_generator_bitwise(case, nest, ng):
    ours, theirs = _both(nest, ng, dc_scenario, **DC_CASES[case])
    assert ours["min_delay"] == theirs["min_delay"]
    _assert_same_events(ours["events"], theirs["events"])
    assert np.any(theirs["events"]["V_m"] != theirs["events"]["V_m"][0])  # the current did something


@pytest.mark.parametrize("h, delay, start, stop, first", [
    (0.1, 1.0, 0.0, None, 1.2),     # start 0: the first step cannot be covered, current from (d+1)h
    (0.05, 1.0, 0.0, None, 1.1),
    (0.1, 1.0, 20.0, 60.0, 21.1),   # windowed: current on [start + d, stop + d)
    (0.1, 2.3, 20.0, 60.0, 22.4),
])
def test_dc_generator_onset(h, delay, start, stop, first, nest, ng):
    """The first sample of V_m that differs from rest: end of the first step with current."""
    for sim in (nest, ng):
        sim.ResetKernel()
        r = dc_scenario(sim, h=h, delays=(delay,), start=start, stop=stop, chunks=(80.0,))
        ev = r["events"]
        assert _first_change(ev["V_m"], ev["times"]) == pytest.approx(first, abs=1e-9), sim.__name__


def test_dc_generator_window_end(nest, ng):
    """After stop + d the neuron relaxes without current: compare where the current ends by
    comparing a windowed run with an open-ended one (identical up to stop + d, then different)."""
    for sim in (nest, ng):
        sim.ResetKernel()
        windowed = dc_scenario(sim, start=20.0, stop=40.0, chunks=(60.0,))["events"]
        sim.ResetKernel()
        open_ended = dc_scenario(sim, start=20.0, chunks=(60.0,))["events"]
        differs = np.nonzero(windowed["V_m"] != open_ended["V_m"])[0]
        assert windowed["times"][differs[0]] == pytest.approx(41.1, abs=1e-9), sim.__name__


# ================================================================================================
# spike_generator
# ================================================================================================

def sg_scenario(sim, params, h=0.1, weight=300.0, delay=1.0, T=30.0, reset=None, n=1):
    """A spike_generator driving n neurons; all 7 recordables every step."""
    sim.resolution = h
    neurons = sim.Create("hh_psc_alpha_gap", n)
    sg = sim.Create("spike_generator", params=params)
    sim.Connect(sg, neurons, syn_spec={"weight": weight, "delay": delay})
    mm = sim.Create("multimeter", params={"interval": h, "record_from": list(RECORDABLES)})
    sim.Connect(mm, neurons)
    if reset is None:
        sim.Simulate(T)
    else:  # new parameters after T/2
        sim.Simulate(T / 2)
        sg.set(reset)
        sim.Simulate(T / 2)
    return {"events": _sorted_events(mm.get("events"))}


SG_CASES = {
    "times": {"params": {"spike_times": [1.0, 2.5, 7.0, 20.0]}},
    "repeated_times": {"params": {"spike_times": [1.0, 2.0, 2.0, 2.0, 5.5, 5.5]}},
    "early_times": {"params": {"spike_times": [0.1, 0.2, 0.3]}},
    "time_at_end": {"params": {"spike_times": [29.0, 30.0]}, "T": 40.0},
    "spike_weights": {"params": {"spike_times": [1.0, 2.0, 2.0, 5.5, 9.0],
                                 "spike_weights": [1.0, 2.5, -3.0, 0.5, 0.0]}},
    "spike_multiplicities": {"params": {"spike_times": [1.0, 2.0, 5.5],
                                        "spike_multiplicities": [1, 3, 2]}},
    "weights_and_multiplicities": {"params": {"spike_times": [1.0, 2.0, 8.0],
                                              "spike_weights": [2.0, -1.5, 0.75],
                                              "spike_multiplicities": [2, 3, 1]}},
    # (w * spike weight) * multiplicity, in NEST's order: not the same double as w * (spike weight * m)
    "inexact_weights_and_multiplicities": {"params": {"spike_times": [1.0, 2.0, 8.0],
                                                      "spike_weights": [0.7, 1.3, 0.1],
                                                      "spike_multiplicities": [3, 7, 9]}, "weight": 299.7},
    "negative_connection_weight": {"params": {"spike_times": [1.0, 2.0, 2.0]}, "weight": -400.0},
    "start_stop": {"params": {"spike_times": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "start": 2.0, "stop": 5.0}},
    "start_stop_origin": {"params": {"spike_times": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                                     "start": 2.0, "stop": 5.0, "origin": 1.0}},
    "delay_0.5": {"params": {"spike_times": [1.0, 1.5, 12.0]}, "delay": 0.5},
    "h0.05": {"params": {"spike_times": [0.05, 1.0, 1.05, 1.05, 12.35]}, "h": 0.05},
    "times_reset_after_simulate": {"params": {"spike_times": [2.0, 5.0]},
                                   "reset": {"spike_times": [3.0, 15.0, 15.1, 18.0, 25.0]}},
    "origin_moved_after_simulate": {"params": {"spike_times": [2.0, 5.0]}, "reset": {"origin": 15.0}},
    "two_targets": {"params": {"spike_times": [1.0, 4.0, 4.0]}, "n": 2},
}


@pytest.mark.parametrize("case", list(SG_CASES))
def test_spike_generator_bitwise(case, nest, ng):
    ours, theirs = _both(nest, ng, sg_scenario, **SG_CASES[case])
    _assert_same_events(ours["events"], theirs["events"])


@pytest.mark.parametrize("h, delay, t_spike", [(0.1, 1.0, 3.0), (0.05, 1.0, 3.05), (0.1, 0.5, 7.4)])
def test_spike_generator_acts_at_t_plus_delay(h, delay, t_spike, nest, ng):
    """A spike at t with delay d makes D_ex jump at the end of the step ending at t + d; I_syn_ex
    (an alpha current) first moves one step later."""
    for sim in (nest, ng):
        sim.ResetKernel()
        ev = sg_scenario(sim, {"spike_times": [t_spike]}, h=h, delay=delay)["events"]
        first = _first_change(ev["I_syn_ex"], ev["times"])
        assert first == pytest.approx(t_spike + delay + h, abs=1e-9), sim.__name__


def test_spike_generator_multiplicity_equals_repeated_times(nest, ng):
    """A multiplicity of 3 is three spikes at the same time: the same bits, in both simulators."""
    for sim in (nest, ng):
        sim.ResetKernel()
        mult = sg_scenario(sim, {"spike_times": [2.0, 6.0], "spike_multiplicities": [3, 1]})["events"]
        sim.ResetKernel()
        repeated = sg_scenario(sim, {"spike_times": [2.0, 2.0, 2.0, 6.0]})["events"]
        for key in RECORDABLES:
            assert_bitwise_equal(mult[key], repeated[key], f"{sim.__name__} {key}")


OFF_GRID = {"spike_times": [1.03]}
SG_ERRORS = [
    pytest.param({"spike_times": [0.0, 1.0]}, id="time_0"),
    pytest.param(OFF_GRID, id="off_grid"),
    pytest.param({"spike_times": [2.0, 1.0]}, id="unsorted"),
    pytest.param({"spike_times": [1.0, 2.0], "spike_weights": [1.0]}, id="weights_length"),
    pytest.param({"spike_times": [1.0, 2.0], "spike_multiplicities": [1, 2, 3]}, id="multiplicities_length"),
    pytest.param({"spike_times": [-1.0, 1.0]}, id="negative_time"),
]


@pytest.mark.parametrize("h", [0.1, 0.05])
@pytest.mark.parametrize("bad", SG_ERRORS)
def test_spike_generator_errors(bad, h, nest, ng):
    """Invalid spike_times raise BadProperty in both, and leave the generator unchanged."""
    if bad is OFF_GRID and h == 0.05:
        bad = {"spike_times": [1.025]}
    for sim in (nest, ng):
        sim.ResetKernel()
        sim.resolution = h
        sg = sim.Create("spike_generator", params={"spike_times": [4.0]})
        with pytest.raises(sim.NESTErrors.BadProperty):
            sg.set(bad)
        assert list(sg.get("spike_times")) == [4.0], sim.__name__


# ================================================================================================
# spike_recorder
# ================================================================================================

def sr_scenario(sim, params=None, h=0.1, chunks=(100.0,), between=None, I_e=(300.0, 500.0, 800.0)):
    """Three neurons firing at different rates, all recorded by one spike_recorder.

    ``between``: parameters set on the recorder after the first chunk (None: nothing)."""
    sim.resolution = h
    neurons = sim.Create("hh_psc_alpha_gap", len(I_e), params={"I_e": list(I_e)})
    sr = sim.Create("spike_recorder", params=params or {})
    sim.Connect(neurons, sr)
    snapshots = []
    for k, c in enumerate(chunks):
        sim.Simulate(c)
        snapshots.append({"n_events": sr.get("n_events"), "events": dict(sr.get("events"))})
        if k == 0 and between is not None:
            sr.set(between)
            snapshots.append({"n_events": sr.get("n_events"), "events": dict(sr.get("events"))})
    return snapshots


SR_CASES = {
    "plain": {},
    "h0.05": {"h": 0.05},
    "start_stop": {"params": {"start": 20.0, "stop": 60.0}},
    "start_stop_origin": {"params": {"start": 20.0, "stop": 60.0, "origin": 15.0}},
    "stop_on_a_spike": {"params": {"stop": 13.5}},      # a spike at 13.5 ms: (start, stop] includes it
    "start_on_a_spike": {"params": {"start": 13.5}},
    "time_in_steps": {"params": {"time_in_steps": True}},
    "n_events_0": {"chunks": (50.0, 50.0), "between": {"n_events": 0}},
    "start_set_later": {"chunks": (50.0, 50.0), "between": {"start": 70.0}},
    "chunks": {"chunks": (12.3, 37.7, 50.0)},
}


@pytest.mark.parametrize("case", list(SR_CASES))
def test_spike_recorder(case, nest, ng):
    """n_events and the events (sorted by time and sender) equal NEST's after every Simulate."""
    ours, theirs = _both(nest, ng, sr_scenario, **SR_CASES[case])
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a["n_events"] == b["n_events"], f"snapshot {k}"
        assert type(a["n_events"]) is type(b["n_events"]) is int
        if b["n_events"]:
            _assert_same_events(_sorted_events(a["events"]), _sorted_events(b["events"]), f"snapshot {k}")
        else:
            assert len(a["events"]["times"]) == 0 and len(a["events"]["senders"]) == 0
    assert theirs[-1]["n_events"] > 0


def test_spike_recorder_event_dtypes(nest, ng):
    """What a script sees: senders int64, times float64 (ms); with time_in_steps times int64 (steps)
    plus float64 offsets."""
    for sim in (nest, ng):
        sim.ResetKernel()
        ev = sr_scenario(sim)[-1]["events"]
        assert sorted(ev) == ["senders", "times"]
        assert np.asarray(ev["senders"]).dtype == np.int64 and np.asarray(ev["times"]).dtype == np.float64
        sim.ResetKernel()
        ev = sr_scenario(sim, params={"time_in_steps": True})[-1]["events"]
        assert sorted(ev) == ["offsets", "senders", "times"]
        assert np.asarray(ev["times"]).dtype == np.int64 and np.asarray(ev["offsets"]).dtype == np.float64


def test_spike_recorder_raw_order_one_thread(nest, ng):
    ours, theirs = _both(nest, ng, sr_scenario)
    _assert_same_events(ours[-1]["events"], theirs[-1]["events"])


def sg_to_recorder(sim, with_neuron=True):
    """spike_generator -> spike_recorder (and, separately, a neuron nobody drives)."""
    sg = sim.Create("spike_generator", params={"spike_times": [1.0, 2.0, 2.0, 5.5],
                                                "spike_multiplicities": [1, 2, 1, 3]})
    sr = sim.Create("spike_recorder")
    sim.Connect(sg, sr)
    if with_neuron:
        neuron = sim.Create("hh_psc_alpha_gap")
        vm = sim.Create("voltmeter", params={"interval": 0.1})
        sim.Connect(vm, neuron)
    sim.Simulate(10.0)
    out = {"n_events": sr.get("n_events"), "events": dict(sr.get("events"))}
    if with_neuron:
        out["V_m"] = np.asarray(vm.get("events")["V_m"])
    return out


def test_spike_recorder_records_generator_spikes(nest, ng):
    ours, theirs = _both(nest, ng, sg_to_recorder, with_neuron=False)
    assert theirs["n_events"] == 7
    assert ours["n_events"] == theirs["n_events"]
    _assert_same_events(ours["events"], theirs["events"])


def test_generator_to_recorder_does_not_drive_neurons(nest, ng):
    ours, theirs = _both(nest, ng, sg_to_recorder)
    assert np.all(theirs["V_m"] == theirs["V_m"][0])    # NEST: the neuron stays at rest
    assert_bitwise_equal(ours["V_m"], theirs["V_m"], "V_m of an undriven neuron")


# ================================================================================================
# multimeter and voltmeter
# ================================================================================================

def mm_scenario(sim, params=None, model="multimeter", h=0.1, chunks=(30.0,), delay=None, n=2,
                between=None, I_e=(300.0, 800.0)):
    """A multimeter (or voltmeter) on n neurons that fire; events and n_events after the run."""
    sim.resolution = h
    neurons = sim.Create("hh_psc_alpha_gap", n, params={"I_e": list(I_e[:n])})
    mm = sim.Create(model, params=params or {})
    if delay is None:
        sim.Connect(mm, neurons)
    else:
        sim.Connect(mm, neurons, syn_spec={"delay": delay})
    for k, c in enumerate(chunks):
        sim.Simulate(c)
        if k == 0 and between is not None:
            mm.set(between)
    return {"events": dict(mm.get("events")), "n_events": mm.get("n_events"),
            "min_delay": sim.GetKernelStatus("min_delay")}


RF = ["V_m", "Act_m", "I_syn_ex"]
MM_CASES = {
    "default_interval": {"params": {"record_from": RF}},
    "every_step": {"params": {"record_from": RF, "interval": 0.1}},
    "all_recordables_h0.05": {"params": {"record_from": list(RECORDABLES), "interval": 0.05}, "h": 0.05},
    "interval_0.3": {"params": {"record_from": RF, "interval": 0.3}},
    "interval_0.3_h0.05": {"params": {"record_from": RF, "interval": 0.3}, "h": 0.05},
    "offset": {"params": {"record_from": RF, "interval": 0.5, "offset": 0.2}},
    "offset_beyond_interval": {"params": {"record_from": RF, "interval": 0.5, "offset": 1.3}},
    "start_stop": {"params": {"record_from": RF, "interval": 0.1, "start": 5.0, "stop": 12.0}},
    "start_stop_origin": {"params": {"record_from": RF, "interval": 0.1, "start": 5.0, "stop": 12.0,
                                     "origin": 2.0}},
    "start_stop_offset": {"params": {"record_from": RF, "interval": 1.0, "start": 5.3, "stop": 12.0,
                                     "offset": 0.4}},
    "voltmeter": {"model": "voltmeter"},
    "voltmeter_every_step": {"model": "voltmeter", "params": {"interval": 0.1}},
    "connection_delay_0.5": {"params": {"record_from": RF, "interval": 0.1}, "delay": 0.5},
    "connection_delay_h": {"params": {"record_from": RF, "interval": 0.1}, "delay": 0.1},
    "n_events_0": {"params": {"record_from": ["V_m"], "interval": 0.1}, "chunks": (5.0, 5.0),
                   "between": {"n_events": 0}},
}


@pytest.mark.parametrize("case", list(MM_CASES))
def test_multimeter_bitwise(case, nest, ng):
    """Raw events (same order), dtypes, n_events and min_delay equal NEST's."""
    ours, theirs = _both(nest, ng, mm_scenario, **MM_CASES[case])
    assert ours["min_delay"] == theirs["min_delay"]
    assert ours["n_events"] == theirs["n_events"] > 0
    _assert_same_events(ours["events"], theirs["events"])


def test_multimeter_event_dtypes(nest, ng):
    for sim in (nest, ng):
        sim.ResetKernel()
        ev = mm_scenario(sim, params={"record_from": RF})["events"]
        assert sorted(ev) == sorted(RF + ["senders", "times"])
        assert np.asarray(ev["senders"]).dtype == np.int64
        for key in RF + ["times"]:
            assert np.asarray(ev[key]).dtype == np.float64


def several_multimeters(sim):
    """Three recorders with different settings on the same neuron."""
    neuron = sim.Create("hh_psc_alpha_gap", params={"I_e": 400.0})
    m1 = sim.Create("multimeter", params={"interval": 0.1, "record_from": ["V_m", "Inact_h"]})
    m2 = sim.Create("multimeter", params={"interval": 0.5, "offset": 0.2, "record_from": ["Act_n", "V_m"],
                                          "start": 3.0})
    vm = sim.Create("voltmeter")
    for m in (m1, m2, vm):
        sim.Connect(m, neuron)
    sim.Simulate(25.0)
    return [dict(m.get("events")) for m in (m1, m2, vm)]


def test_several_multimeters_on_one_neuron(nest, ng):
    ours, theirs = _both(nest, ng, several_multimeters)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert len(b["times"]) > 0
        _assert_same_events(a, b, f"recorder {k}")


# samples of the last slice are withheld: NEST hands a slice's samples over when the NEXT slice is
# simulated (by any part of it). min_delay is 1 ms here.
CHUNKS = [   # (Simulate chunks, time of the last visible sample)
    pytest.param((10.0, 10.0, 10.0), 29.0, id="whole_slices"),
    pytest.param((1.6, 0.3, 12.3, 15.8), 29.0, id="partial_then_more"),
    pytest.param((0.5, 1.0), 1.0, id="half_then_one"),
    pytest.param((1.5, 1.0), 2.0, id="one_and_a_half_then_one"),
    pytest.param((2.0, 0.0), 1.0, id="zero_length"),
    pytest.param((1.0, 0.0, 0.5), 1.0, id="zero_length_between"),
    pytest.param((0.5,), None, id="less_than_a_slice"),
    # these end exactly at a slice boundary after a partial slice: NEST has not begun the next slice,
    # so the slice just completed stays pending
    pytest.param((1.6, 0.4), 1.0, id="partial_to_boundary"),
    pytest.param((0.5, 0.5), None, id="two_halves"),
    pytest.param((0.3, 0.3, 0.3), None, id="three_thirds"),
    pytest.param((1.0, 0.5, 0.5), 1.0, id="one_then_halves"),
]


@pytest.mark.parametrize("chunks, last", CHUNKS)
def test_multimeter_withholds_last_slice(chunks, last, nest, ng):
    ours, theirs = _both(nest, ng, mm_scenario, params={"record_from": ["V_m"], "interval": 0.1},
                         chunks=chunks, n=1)
    times = np.asarray(theirs["events"]["times"])
    assert (times[-1] if len(times) else None) == last      # documents NEST's behaviour
    assert ours["n_events"] == theirs["n_events"]
    for key in ("times", "senders", "V_m"):
        assert_bitwise_equal(ours["events"][key], theirs["events"][key], key)


def test_multimeter_time_in_steps(nest, ng):
    ours, theirs = _both(nest, ng, mm_scenario, params={"record_from": RF, "interval": 0.1,
                                                        "time_in_steps": True})
    assert np.asarray(theirs["events"]["times"]).dtype == np.int64
    _assert_same_events(ours["events"], theirs["events"])


def test_multimeter_time_in_steps_values(nest, ng):
    """The part of time_in_steps that works: integer step times and the same samples."""
    ours, theirs = _both(nest, ng, mm_scenario, params={"record_from": RF, "interval": 0.1,
                                                        "time_in_steps": True})
    for key in RF + ["times", "senders"]:
        a, b = np.asarray(ours["events"][key]), np.asarray(theirs["events"][key])
        assert a.dtype == b.dtype
        assert_bitwise_equal(a, b, key)


def test_multimeter_window_changed_between_runs(nest, ng):
    ours, theirs = _both(nest, ng, mm_scenario, params={"record_from": ["V_m"], "interval": 0.1},
                         chunks=(5.0, 5.0), between={"start": 7.0, "stop": 8.0}, n=1)
    _assert_same_events(ours["events"], theirs["events"])


@pytest.mark.parametrize("offset", [0.0, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("before", [0.0, 2.0, 2.3], ids=["at_0", "after_2.0", "after_2.3"])
def test_multimeter_offset_starts_as_nests(offset, before, nest, ng):
    """NEST's data logger starts at the neuron's first run with the multimeter and skips an offset
    sample due at the end of that run's first step (h = 0.1, interval 1: offset 0.1 from time 0
    gives 1.1, 2.1, ...), also for a multimeter connected after a first Simulate."""
    def run(sim):
        sim.resolution = 0.1
        neuron = sim.Create("hh_psc_alpha_gap", params={"I_e": 300.0})
        if before:
            sim.Simulate(before)
        mm = sim.Create("multimeter", params={"interval": 1.0, "offset": offset, "record_from": ["V_m"]})
        sim.Connect(mm, neuron, syn_spec={"delay": 0.1})
        sim.Simulate(6.0)
        return {key: np.asarray(value) for key, value in mm.events.items()}
    theirs, ours = outcome(nest, run)[1], outcome(ng, run)[1]
    assert len(theirs["times"]) >= 5
    for key in ("times", "senders", "V_m"):
        assert_bitwise_equal(ours[key], theirs[key], key)


def test_multimeter_without_recordables(nest, ng):
    ours, theirs = _both(nest, ng, mm_scenario, params={})
    assert theirs["n_events"] == 0
    assert ours["n_events"] == 0


def test_multimeter_unknown_recordable(nest, ng):
    for sim in (nest, ng):
        sim.ResetKernel()
        neuron = sim.Create("hh_psc_alpha_gap")
        mm = sim.Create("multimeter", params={"record_from": ["V_m", "foo"]})
        with pytest.raises(sim.NESTErrors.IllegalConnection):
            sim.Connect(mm, neuron)


def test_multimeter_unknown_recordable_is_an_error(nest, ng):
    """Both simulators refuse to record an unknown recordable (at Connect or at Simulate)."""
    for sim in (nest, ng):
        sim.ResetKernel()
        neuron = sim.Create("hh_psc_alpha_gap")
        mm = sim.Create("multimeter", params={"record_from": ["V_m", "foo"]})
        with pytest.raises(sim.NESTErrors.KernelException):
            sim.Connect(mm, neuron)
            sim.Simulate(1.0)


def test_multimeter_interval_off_grid(nest, ng):
    for sim in (nest, ng):
        sim.ResetKernel()
        with pytest.raises(sim.NESTErrors.BadProperty):
            sim.Create("multimeter", params={"interval": 0.15})


def test_multimeter_raw_order_follows_connections(nest, ng):
    def scenario(sim):
        neurons = sim.Create("hh_psc_alpha_gap", 3, params={"I_e": [200.0, 400.0, 600.0]})
        mm = sim.Create("multimeter", params={"interval": 0.1, "record_from": ["V_m"]})
        sim.Connect(mm, neurons[2])
        sim.Connect(mm, neurons[0])
        sim.Simulate(3.0)
        return dict(mm.get("events"))
    ours, theirs = _both(nest, ng, scenario)
    _assert_same_events(ours, theirs)


def test_multimeter_sorted_values_with_connection_order(nest, ng):
    """The values themselves agree whatever the connection order (compared sorted)."""
    def scenario(sim):
        neurons = sim.Create("hh_psc_alpha_gap", 3, params={"I_e": [200.0, 400.0, 600.0]})
        mm = sim.Create("multimeter", params={"interval": 0.1, "record_from": ["V_m"]})
        sim.Connect(mm, neurons[2])
        sim.Connect(mm, neurons[0])
        sim.Simulate(3.0)
        return _sorted_events(mm.get("events"))
    ours, theirs = _both(nest, ng, scenario)
    _assert_same_events(ours, theirs)


def test_device_default_stop(nest, ng):
    for model in ("spike_recorder", "multimeter", "dc_generator", "spike_generator", "poisson_generator"):
        assert ng.Create(model).get("stop") == nest.Create(model).get("stop"), model


# ================================================================================================
# poisson_generator
# ================================================================================================

def poisson_arrivals(sim, rate, n=1, h=0.1, T=20.0, delay=1.0, start=0.0, stop=None, origin=0.0,
                     weight=1.0):
    """Arrival counts per target and step, reconstructed from the recorded I_syn_ex.

    I_syn_ex and dI_syn_ex/dt form a linear system independent of V: between arrivals
    (I, dI) evolves by exp(-h/tau) [[1, h], [0, 1]], and an arrival of n spikes at the end of a
    step adds n * weight * e / tau to dI. With samples I_k (stamps k = 1, 2, ...):
    dI_k = (I_{k+1} / q - I_k) / h, jump_k = dI_k - q dI_{k-1}, q = exp(-h/tau). The integration
    error (absolute 1e-6) is far below one spike's jump for weight 1 pA.

    Returns (counts: float array (n targets, stamps 1 .. K-2), times of those stamps, first V_m change).
    """
    sim.resolution = h
    neurons = sim.Create("hh_psc_alpha_gap", n)
    params = {"rate": rate, "start": start, "origin": origin}
    if stop is not None:
        params["stop"] = stop
    pg = sim.Create("poisson_generator", params=params)
    sim.Connect(pg, neurons, syn_spec={"weight": weight, "delay": delay})
    mm = sim.Create("multimeter", params={"interval": h, "record_from": ["I_syn_ex", "V_m"]})
    sim.Connect(mm, neurons)
    sim.Simulate(T)
    ev = mm.get("events")
    senders, times = np.asarray(ev["senders"]), np.asarray(ev["times"])
    order = np.lexsort((times, senders))
    I = np.asarray(ev["I_syn_ex"])[order].reshape(n, -1)
    V = np.asarray(ev["V_m"])[order].reshape(n, -1)
    times = times[order].reshape(n, -1)[0]
    tau = neurons[0].get("tau_syn_ex")
    I = np.concatenate([np.zeros((n, 1)), I], axis=1)       # I = 0 at stamp 0
    q = math.exp(-h / tau)
    dI = (I[:, 1:] / q - I[:, :-1]) / h                     # dI after the jump, stamps 0 .. K-1
    counts = (dI[:, 1:] - q * dI[:, :-1]) / (weight * math.e / tau)   # stamps 1 .. K-1
    first_V = min((_first_change(v, times) or math.inf) for v in V)
    return counts, times[:counts.shape[1]], first_V


@pytest.mark.parametrize("h, delay", [(0.1, 1.0), (0.05, 1.0), (0.1, 0.1), (0.05, 0.5)])
def test_poisson_first_spike_at_2h(h, delay, nest, ng):
    """With start = 0 no spike can have stamp 1: the first spike is stamped 2h and arrives at
    2h + d. A rate so high that a spike in that step is certain makes it observable."""
    for sim in (nest, ng):
        sim.ResetKernel()
        counts, times, first_V = poisson_arrivals(sim, rate=1e6, h=h, delay=delay)
        arrivals = times[np.nonzero(np.rint(counts[0]) > 0)[0]]
        assert arrivals[0] == pytest.approx(2 * h + delay, abs=1e-9), sim.__name__
        # V_m moves in the step after the arrival (the alpha current starts from 0)
        assert first_V == pytest.approx(2 * h + delay + h, abs=1e-9), sim.__name__


@pytest.mark.parametrize("window", [
    {"start": 3.0},
    {"start": 3.0, "stop": 8.0},
    {"start": 2.0, "stop": 6.0, "origin": 1.5},
    {"start": 0.0, "stop": 4.0, "h": 0.05, "delay": 0.5},
])
def test_poisson_window(window, nest, ng):
    """Spikes are stamped in [origin + start + 2h, origin + stop + h] (steps t_min < s <= t_max, stamp
    s + 1) and arrive d later: with a spike certain in every step, the arrival steps are identical
    in both simulators."""
    kwargs = dict(window)
    h = kwargs.pop("h", 0.1)
    delay = kwargs.pop("delay", 1.0)
    stamps = []
    for sim in (nest, ng):
        sim.ResetKernel()
        counts, times, _ = poisson_arrivals(sim, rate=1e6, h=h, delay=delay, T=15.0, **kwargs)
        stamps.append(np.nonzero(np.rint(counts[0]) > 0)[0] + 1)   # stamp of the arrival step
    assert_bitwise_equal(stamps[1], stamps[0], "arrival stamps")
    o, s = kwargs.get("origin", 0.0), kwargs["start"]
    e = kwargs.get("stop", math.inf)
    d = int(round(delay / h))
    assert stamps[0][0] == int(round((o + s) / h)) + 2 + d          # first spike: stamp t_min + 2
    if e != math.inf:
        assert stamps[0][-1] == int(round((o + e) / h)) + 1 + d     # last spike: stamp t_max + 1
    assert np.all(np.diff(stamps[0]) == 1)


@pytest.fixture(scope="module")
def poisson_statistics(nest_module):
    """Arrival counts of 20 targets of one generator over 10 000 steps (500 spikes/s, h = 0.1 ms)."""
    import nestgap

    result = {}
    for sim in (nest_module, nestgap):
        sim.ResetKernel()
        counts, _, _ = poisson_arrivals(sim, rate=500.0, n=20, T=1000.0)
        result[sim.__name__] = counts
    return result


@pytest.mark.parametrize("simulator", ["nest", "nestgap"])
def test_poisson_counts_are_integers(simulator, poisson_statistics):
    """Sanity of the reconstruction: the arrival counts are integers up to integration error."""
    counts = poisson_statistics[simulator]
    assert np.max(np.abs(counts - np.rint(counts))) < 1e-3


@pytest.mark.parametrize("simulator", ["nest", "nestgap"])
def test_poisson_rate_and_dispersion(simulator, poisson_statistics):
    """Per target: mean arrivals per step = h * rate (within 5 standard errors); over all targets the
    counts are Poisson (variance = mean within sampling error)."""
    counts = np.rint(poisson_statistics[simulator])
    lam = 0.1 * 500.0 * 1e-3
    n_targets, n_steps = counts.shape
    per_target = counts.sum(axis=1)
    assert np.all(np.abs(per_target - lam * n_steps) < 5 * math.sqrt(lam * n_steps)), per_target
    total = counts.sum()
    assert abs(total - lam * counts.size) < 4 * math.sqrt(lam * counts.size)
    # variance/mean of a Poisson count is 1; its standard error is about sqrt(2 / N)
    dispersion = counts.var() / counts.mean()
    assert abs(dispersion - 1.0) < 5 * math.sqrt(2.0 / counts.size)


@pytest.mark.parametrize("simulator", ["nest", "nestgap"])
def test_poisson_targets_independent(simulator, poisson_statistics):
    """Every target gets its own train: correlations between targets' count series are those of
    independent series (standard error 1 / sqrt(steps)); the trains are not copies."""
    counts = np.rint(poisson_statistics[simulator])
    n_targets, n_steps = counts.shape
    corr = np.corrcoef(counts)
    off = corr[~np.eye(n_targets, dtype=bool)]
    se = 1.0 / math.sqrt(n_steps)
    assert np.max(np.abs(off)) < 5 * se
    assert abs(off.mean()) < 5 * se / math.sqrt(len(off) / 2)
    # coincidences in the same step: as expected for independent trains
    both = [(counts[i] > 0) & (counts[j] > 0) for i in range(n_targets) for j in range(i)]
    p = 1 - math.exp(-0.05)
    expected = p * p * n_steps
    mean_coincidences = np.mean([b.sum() for b in both])
    assert abs(mean_coincidences - expected) < 5 * math.sqrt(expected / len(both)) + 1


def test_poisson_nest_and_nestgap_agree_in_distribution(poisson_statistics):
    """The two simulators' count distributions agree within sampling error (two-sample test on the
    frequencies of 0, 1 and >= 2 arrivals per step)."""
    a = np.rint(poisson_statistics["nest"]).ravel()
    b = np.rint(poisson_statistics["nestgap"]).ravel()
    for k in (0, 1, 2):
        fa = np.mean(a == k) if k < 2 else np.mean(a >= k)
        fb = np.mean(b == k) if k < 2 else np.mean(b >= k)
        pooled = (fa + fb) / 2
        se = math.sqrt(2 * pooled * (1 - pooled) / len(a))
        assert abs(fa - fb) < 5 * se + 1e-12, (k, fa, fb)


@pytest.mark.parametrize("h", [0.1, 0.05])
def test_poisson_multiplicity(h, nest, ng):
    """A high rate gives several spikes per step, delivered as one event of multiplicity n > 1:
    the distribution of n is Poisson(h * rate) in both simulators."""
    rate = 20000.0
    lam = h * rate * 1e-3
    fractions = {}
    for sim in (nest, ng):
        sim.ResetKernel()
        counts, _, _ = poisson_arrivals(sim, rate=rate, n=4, h=h, T=300.0)
        counts = np.rint(counts)[:, 1 + int(round(1.0 / h)):]     # from the first possible arrival on
        assert counts.max() > 1, sim.__name__
        assert abs(counts.mean() - lam) < 5 * math.sqrt(lam / counts.size), sim.__name__
        fractions[sim.__name__] = [np.mean(counts == k) for k in range(5)]
    expected = [math.exp(-lam) * lam ** k / math.factorial(k) for k in range(5)]
    n = counts.size
    for name, f in fractions.items():
        for k in range(5):
            se = math.sqrt(expected[k] * (1 - expected[k]) / n)
            assert abs(f[k] - expected[k]) < 5 * se, (name, k, f[k], expected[k])
