"""nest.raster_plot and nest.voltage_trace on nestgap: PyNEST's helpers plot a recorder's events (and
refuse other devices)."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


def test_from_device_plots_the_recorded_spikes(ng):
    import matplotlib.pyplot as plt

    generator = ng.Create("spike_generator", params={"spike_times": [1.0, 2.0, 7.5]})
    recorder = ng.Create("spike_recorder")
    ng.Connect(generator, recorder)
    ng.Simulate(10.0)
    artists = ng.raster_plot.from_device(recorder, hist=True, hist_binwidth=5.0)
    raster, rate = artists[:2]
    x, y = artists[2].get_data()
    assert list(x) == [1.0, 2.0, 7.5] and list(y) == [1, 1, 1]
    assert [bar.get_height() for bar in rate.patches] == [400.0, 200.0]  # spikes per neuron per second
    plt.close("all")


def test_refuses_what_is_no_spike_recorder(ng):
    with pytest.raises(TypeError, match="spike_recorder"):
        ng.raster_plot.from_device(ng.Create("multimeter"))


def test_extract_events_selects_by_time_and_sender(ng):
    data = np.array([[1, 0.5], [2, 1.5], [1, 3.0]])
    assert ng.raster_plot.extract_events(data, time=(1.0, 3.0), sel=[1]).tolist() == [[1.0, 3.0]]


def test_voltage_trace_plots_each_neuron(ng):
    import matplotlib.pyplot as plt

    neurons = ng.Create("hh_psc_alpha_gap", 2, params={"I_e": [0.0, 200.0]})
    voltmeter = ng.Create("voltmeter")
    ng.Connect(voltmeter, neurons)
    ng.Simulate(5.0)
    lines = ng.voltage_trace.from_device(voltmeter)
    events = voltmeter.events
    assert len(lines) == 2
    for line, node_id in zip(lines, (1, 2)):
        mine = events["senders"] == node_id
        assert list(line.get_ydata()) == list(events["V_m"][mine])
    with pytest.raises(TypeError, match="voltmeter"):
        ng.voltage_trace.from_device(ng.Create("spike_recorder"))
    plt.close("all")
