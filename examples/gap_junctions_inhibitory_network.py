"""Gap Junctions: Inhibitory network example -- NEST's gallery script, run on nestgap.

This is NEST's example ``gap_junctions_inhibitory_network.py`` (pynest/examples)
run with ``import nestgap as nest`` instead of ``import nest``; its network is
built by :func:`nestgap.scenarios.gallery.build` (NEST's statements, in the
order of the script, shared with the project's tests, benchmarks and figures),
and the figure is written to ``gap_junctions_inhibitory_network.png`` (shown as
well when a display is available).

The script simulates an inhibitory network of 500 Hodgkin-Huxley neurons.
Without gap junctions (``gap_weight = 0.0``) the network shows an asynchronous
irregular state, caused by the external excitatory Poissonian drive being
balanced by the inhibitory feedback within the network. With increasing
``gap_weight`` the network synchronizes: for 0.3 nS it remains asynchronous,
for 0.54 nS it switches randomly between the asynchronous and the synchronous
state, and for 0.7 nS a stable synchronous state is reached. The example is
test case 2 (Figures 9 and 10) of Hahne et al. (2015) A unified framework for
spiking and gap-junction interactions in distributed neuronal network
simulations, Front. Neuroinform. 9:22, doi:10.3389/fninf.2015.00022.

Run: ``python examples/gap_junctions_inhibitory_network.py [gap_weight] [output.png]``
"""

import os
import sys

import matplotlib

if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")  # no display: write the figure only
import matplotlib.pyplot as plt

import nestgap as nest
from nestgap.scenarios import gallery

gap_weight = float(sys.argv[1]) if len(sys.argv) > 1 else 0.3
output = sys.argv[2] if len(sys.argv) > 2 else "gap_junctions_inhibitory_network.png"

###############################################################################
# NEST's script builds the network statement for statement as
# ``gallery.build`` does (see nestgap/scenarios/gallery.py, which keeps its
# text and comments): 500 ``hh_psc_alpha_gap`` neurons, a ``spike_recorder``
# and a ``poisson_generator`` on 8 virtual processes, with waveform relaxation;
# 50 inhibitory inputs per neuron (fixed_indegree, -50 pA, 1 ms), 500 Hz
# Poisson drive (300 pA, 1 ms), random initial V_m between -80 and -40 mV,
# and (60*500)/2 random gap-junction pairs made with ``make_symmetric``.

network = gallery.build(nest, gap_weight, threads=gallery.THREADS, print_time=True)

###############################################################################
# In the end we start the simulation and plot the spike pattern.

nest.Simulate(gallery.SIMTIME)

events = network.spike_recorder.events
times = events["times"]
spikes = events["senders"]
n_spikes = network.spike_recorder.n_events

hz_rate = (1000.0 * n_spikes / gallery.SIMTIME) / gallery.N_NEURON

plt.figure(1)
plt.plot(times, spikes, "o")
plt.title(f"Average spike rate (Hz): {hz_rate:.2f}")
plt.xlabel("time (ms)")
plt.ylabel("neuron no")
plt.savefig(output, dpi=120)
print(f"{n_spikes} spikes, {hz_rate:.2f} Hz per neuron; figure written to {output}")
if matplotlib.get_backend().lower() != "agg":
    plt.show()
