"""Gap junctions and waveform relaxation: nestgap against NEST 3.10, bit for bit.

Each scenario of nestgap/scenarios/gap_networks.py runs on real NEST and on nestgap
in this session; membrane potentials at every step, spike times, min_delay and
the number of slices in which WFR stopped at wfr_max_iterations must agree
exactly (NEST logs "Maximum number of iterations reached"; nestgap warns with
WFRWarning and counts them in the kernel status).
"""

import numpy as np
import pytest

from support import assert_bitwise_equal
from nestgap.scenarios.gap_networks import (PAIR_VARIANTS, gap_network, gap_pair, mpi_testsuite_spikes,
                                     nest_testsuite_pair, network_inputs)


def _nest_warnings(capfd, nest, run):
    """Run NEST, returning (result, number of max-iteration warnings NEST logged)."""
    nest.verbosity = nest.VerbosityLevel.WARNING
    capfd.readouterr()
    result = run()
    out, err = capfd.readouterr()
    nest.verbosity = nest.VerbosityLevel.ERROR
    return result, (out + err).count("Maximum number of iterations reached")


def _compare(ours, theirs):
    for key in ("times", "senders", "V_m", "spike_times", "spike_senders"):
        assert_bitwise_equal(ours[key], theirs[key], key)
    assert ours["min_delay"] == theirs["min_delay"]


@pytest.mark.parametrize("variant", list(PAIR_VARIANTS))
def test_gap_pair_bitwise(variant, nest, ng, capfd):
    settings = PAIR_VARIANTS[variant]
    theirs, nest_warnings = _nest_warnings(capfd, nest, lambda: gap_pair(nest, **settings))
    ours = gap_pair(ng, **settings)
    _compare(ours, theirs)
    assert ours["warnings"] == nest_warnings
    assert ng.GetKernelStatus("wfr_max_iterations_reached") == nest_warnings
    assert len(theirs["spike_times"]) > 0


def test_gap_pair_spike_times_documented(ng):
    """NEST 3.10's spike times for the pair (docs/waveform_relaxation.md, section 10)."""
    ours = gap_pair(ng)
    expected = {1: [11.55, 43.0], 2: [12.0, 43.4]}
    for sender, times in expected.items():
        got = ours["spike_times"][ours["spike_senders"] == sender]
        np.testing.assert_allclose(got, times, atol=1e-9)


def test_wfr_iterations_reported(ng):
    """Beyond NEST: the iterations of every WFR slice are available after a run."""
    gap_pair(ng, T=20.0)
    iterations = ng.GetKernelStatus("wfr_iterations")
    assert len(iterations) == 20  # one per 1 ms slice
    assert all(2 <= k <= 15 for k in iterations)  # the first iteration of a slice never converges
    gap_pair(ng, T=20.0, max_iterations=2)
    assert ng.GetKernelStatus("wfr_max_iterations_reached") == ng.GetKernelStatus("wfr_iterations").count(2)


def test_nest_testsuite_hh_psc_alpha_gap(nest, ng):
    """NEST's own reference test (testsuite/pytests/synapses/test_hh_psc_alpha_gap.py), ported:
    the same network, compared with NEST at full precision instead of NEST's stored table."""
    steps, theirs = nest_testsuite_pair(nest)
    our_steps, ours = nest_testsuite_pair(ng)
    assert_bitwise_equal(our_steps, steps, "steps")
    assert_bitwise_equal(ours, theirs, "V_m")
    # the value NEST's test lists for step 120 (rounded there to 5 significant digits)
    assert ours[list(our_steps).index(120)] == pytest.approx(62.019, rel=1e-4)


def test_nest_testsuite_gap_junctions_mpi(nest, ng):
    """NEST's MPI test (mpi_indirect/test_gap_junctions_mpi.py) as virtual processes: the spikes
    are the same for 1, 2 and 4 VPs, and equal to NEST's."""
    times, senders = mpi_testsuite_spikes(nest, 1)
    assert len(times) > 0
    for vps in (1, 2, 4):
        our_times, our_senders = mpi_testsuite_spikes(ng, vps)
        assert_bitwise_equal(our_times, times, f"spike times, {vps} VPs")
        assert_bitwise_equal(our_senders, senders, f"senders, {vps} VPs")


NETWORK_VARIANTS = {
    "wfr_order3": {},
    "wfr_order1": {"order": 1},
    "no_wfr": {"use_wfr": False},
    "strong_5nS": {"weight": 5.0},
}


@pytest.fixture(scope="module")
def inputs():
    return network_inputs()


@pytest.mark.parametrize("variant", list(NETWORK_VARIANTS))
def test_gap_network_30_neurons_bitwise(variant, inputs, nest, ng):
    """30 neurons, recurrent inhibition, 90 random gap pairs incl. self-pairs and duplicates."""
    settings = NETWORK_VARIANTS[variant]
    theirs = gap_network(nest, inputs, **settings)
    ours = gap_network(ng, inputs, **settings)
    _compare(ours, theirs)
    assert len(theirs["spike_times"]) > 10


@pytest.mark.parametrize("vps", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("variant", ["wfr_order3", "no_wfr"])
def test_gap_network_with_random_weights_at_every_vp_count(vps, variant, inputs, nest, ng):
    """Every gap pair and inhibitory synapse with its own weight: the sums each neuron forms (gap
    coefficients, simultaneous spikes) depend on their order, which in NEST depends on the VP
    count (docs/nest_vp_structure.md). nestgap must follow it at every count."""
    settings = {**NETWORK_VARIANTS[variant], "T": 40.0, "vps": vps, "random_weights": True}
    theirs = gap_network(nest, inputs, **settings)
    ours = gap_network(ng, inputs, **settings)
    _compare(ours, theirs)
    assert len(theirs["spike_times"]) > 5


def test_gap_network_independent_of_virtual_processes(inputs, ng):
    one = gap_network(ng, inputs, T=40.0, vps=1)
    four = gap_network(ng, inputs, T=40.0, vps=4)
    _compare(four, one)


def test_zero_weight_gap_junctions_bitwise(inputs, nest, ng):
    """Every third gap pair with weight 0 among random ones: nestgap leaves the zero-weight terms
    out of the sums while every coefficient is finite (docs/waveform_relaxation.md 5); NEST's
    bits at 1 and 3 VPs."""
    weights = inputs["gap_weights"].copy()
    weights[::3] = 0.0
    mixed = {**inputs, "gap_weights": weights}
    for vps in (1, 3):
        settings = {**NETWORK_VARIANTS["wfr_order3"], "T": 40.0, "vps": vps, "random_weights": True}
        _compare(gap_network(ng, mixed, **settings), gap_network(nest, mixed, **settings))


def _nan_through_zero_weight(sim):
    """Neuron 1 with V_m = NaN, coupled with weight 0 to neuron 2, which is coupled to neuron 3."""
    sim.ResetKernel()
    n = sim.Create("hh_psc_alpha_gap", 3)
    for a, b, w in ((0, 1, 0.0), (1, 2, 0.5)):
        sim.Connect(n[a], n[b], {"rule": "one_to_one", "make_symmetric": True},
                    {"synapse_model": "gap_junction", "weight": w})
    n[0].V_m = float("nan")
    vm = sim.Create("voltmeter", params={"interval": 0.1})
    sim.Connect(vm, n)
    sim.Simulate(3.0)
    return {key: np.asarray(vm.events[key]) for key in ("times", "senders", "V_m")}


def test_zero_weight_gap_junction_passes_nan_on(nest, ng):
    """0 * NaN is NaN: in NEST a NaN V_m reaches a neighbour coupled with weight 0 and, through
    it, the next one; nestgap sums zero-weight terms whenever some coefficient is not finite."""
    theirs, ours = _nan_through_zero_weight(nest), _nan_through_zero_weight(ng)
    assert np.isnan(theirs["V_m"][theirs["senders"] == 3]).any()  # the NaN got through
    for key in ("times", "senders"):
        assert_bitwise_equal(ours[key], theirs[key], key)
    assert np.array_equal(np.isnan(ours["V_m"]), np.isnan(theirs["V_m"]))
    finite = ~np.isnan(theirs["V_m"])
    assert_bitwise_equal(ours["V_m"][finite], theirs["V_m"][finite], "V_m")
