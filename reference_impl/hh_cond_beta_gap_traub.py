"""Plain scalar transcription of NEST 3.10's ``hh_cond_beta_gap_traub`` for one neuron.

Written from the project's documentation of NEST's behaviour (docs/models.md,
"hh_cond_beta_gap_traub"; docs/step_control.md; docs/waveform_relaxation.md), not
from NEST's code or from the model file. Names follow
models/hh_cond_beta_gap_traub.nestml. The arithmetic of the right-hand side is in
NEST's operation order, which is needed to reproduce NEST bit for bit.

The right-hand side is written once, with a pluggable ``exp``: with ``math.exp``
it is the numeric RHS the integrator uses, with ``sympy.exp`` and sympy Symbols it
gives ``symbolic_rhs()``.
"""

import math
import sys

from .gsl_rkf45 import Rkf45Evolve
from .hh_psc_alpha_gap import gap_current, ms_to_tics, tics_to_steps_ceil

# internal state order (index = position in NEST's y vector)
STATE_NAMES = ("V_m", "Act_m", "Inact_h", "Act_n", "DG_ex", "g_ex", "DG_in", "g_in")
V_M, ACT_M, INACT_H, ACT_N, DG_EX, G_EX, DG_IN, G_IN = range(8)

# what NEST's multimeter can record
RECORDABLES = ("V_m", "g_ex", "g_in", "Act_m", "Inact_h", "Act_n")

PARAMETER_DEFAULTS = {
    "g_Na": 20000.0,      # nS
    "g_K": 6000.0,        # nS
    "g_L": 10.0,          # nS
    "C_m": 200.0,         # pF
    "E_Na": 50.0,         # mV
    "E_K": -90.0,         # mV
    "E_L": -60.0,         # mV
    "V_T": -50.0,         # mV, offset of the rate functions
    "E_ex": 0.0,          # mV
    "E_in": -80.0,        # mV
    "tau_rise_ex": 0.5,   # ms
    "tau_decay_ex": 5.0,  # ms
    "tau_rise_in": 0.5,   # ms
    "tau_decay_in": 10.0,  # ms
    "t_ref": 2.0,         # ms
    "I_e": 0.0,           # pA
}

#: GSL's standard control for this model: absolute error only
EPS_ABS = 1e-3


# ----------------------------------------------------------------------------
# rate functions (1/ms) of the shifted voltage U = V - V_T (mV)
# ----------------------------------------------------------------------------

def alpha_n(U, exp=math.exp):
    return 0.032 * (15.0 - U) / (exp((15.0 - U) / 5.0) - 1.0)


def beta_n(U, exp=math.exp):
    return 0.5 * exp((10.0 - U) / 40.0)


def alpha_m(U, exp=math.exp):
    return 0.32 * (13.0 - U) / (exp((13.0 - U) / 4.0) - 1.0)


def beta_m(U, exp=math.exp):
    return 0.28 * (U - 40.0) / (exp((U - 40.0) / 5.0) - 1.0)


def alpha_h(U, exp=math.exp):
    return 0.128 * exp((17.0 - U) / 18.0)


def beta_h(U, exp=math.exp):
    return 4.0 / (1.0 + exp((40.0 - U) / 5.0))


def initial_state(P):
    """V = E_L; each gate at the steady state of the rate functions evaluated at E_L itself
    (no V_T offset here, as NEST does); conductances 0."""
    V = P["E_L"]
    return [V,
            alpha_m(V) / (alpha_m(V) + beta_m(V)),
            alpha_h(V) / (alpha_h(V) + beta_h(V)),
            alpha_n(V) / (alpha_n(V) + beta_n(V)),
            0.0, 0.0, 0.0, 0.0]


def beta_normalisation(tau_rise, tau_decay):
    """The factor for a peak conductance of 1 per unit weight; e / tau_decay where the two time
    constants are too close for the beta function's peak (docs/models.md)."""
    eps = sys.float_info.epsilon
    difference = tau_decay - tau_rise
    peak = 0.0
    if abs(difference) > eps:
        t_peak = tau_decay * tau_rise * math.log(tau_decay / tau_rise) / difference
        peak = math.exp(-t_peak / tau_decay) - math.exp(-t_peak / tau_rise)
    if abs(peak) < eps:
        return math.e / tau_decay
    return (1.0 / tau_rise - 1.0 / tau_decay) / peak


# ----------------------------------------------------------------------------
# right-hand side
# ----------------------------------------------------------------------------

def rhs(y, P, I_stim, I_gap, exp=math.exp):
    """Derivatives of the 8 state variables (NEST's order of operations)."""
    V, m, h, n, dg_ex, g_ex, dg_in, g_in = y
    I_Na = P["g_Na"] * m * m * m * h * (V - P["E_Na"])
    I_K = P["g_K"] * n * n * n * n * (V - P["E_K"])
    I_L = P["g_L"] * (V - P["E_L"])
    I_ex = g_ex * (V - P["E_ex"])
    I_in = g_in * (V - P["E_in"])
    dV = (-I_Na - I_K - I_L - I_ex - I_in + I_stim + I_gap + P["I_e"]) / P["C_m"]

    U = V - P["V_T"]
    a_n, b_n = alpha_n(U, exp), beta_n(U, exp)
    a_m, b_m = alpha_m(U, exp), beta_m(U, exp)
    a_h, b_h = alpha_h(U, exp), beta_h(U, exp)
    return [dV,
            a_m - (a_m + b_m) * m,
            a_h - (a_h + b_h) * h,
            a_n - (a_n + b_n) * n,
            -dg_ex / P["tau_decay_ex"],
            dg_ex - (g_ex / P["tau_rise_ex"]),
            -dg_in / P["tau_decay_in"],
            dg_in - (g_in / P["tau_rise_in"])]


def symbolic_rhs():
    """The RHS as sympy expressions, keyed by state name (free symbols: parameter and state
    names, I_stim, I_gap)."""
    import sympy

    P = {name: sympy.Symbol(name) for name in PARAMETER_DEFAULTS if name != "t_ref"}
    y = [sympy.Symbol(name) for name in STATE_NAMES]
    return dict(zip(STATE_NAMES, rhs(y, P, sympy.Symbol("I_stim"), sympy.Symbol("I_gap"), exp=sympy.exp)))


# ----------------------------------------------------------------------------
# the neuron
# ----------------------------------------------------------------------------

class HHCondBetaGapTraub:
    """One hh_cond_beta_gap_traub neuron: parameters, state, buffers, update_ (no gap input here)."""

    def __init__(self, resolution=0.1, params=None, wfr_interpolation_order=3, min_delay_steps=1):
        self.P = dict(PARAMETER_DEFAULTS)
        self.y = initial_state(self.P)  # from the defaults: parameters given later do not move it
        if params:
            unknown = set(params) - set(self.P)
            if unknown:
                raise KeyError("unknown parameter(s): %s" % sorted(unknown))
            self.P.update(params)
        self.r = 0
        self.tics_per_step = ms_to_tics(resolution)
        self.step = self.tics_per_step * 0.001
        self.order = wfr_interpolation_order
        self.sumj_g_ij = 0.0
        self.interpolation_coefficients = [0.0] * (min_delay_steps * (self.order + 1))
        self.I_stim = 0.0
        self.lag = 0
        self.IntegrationStep = self.step
        self.evolve = Rkf45Evolve(self.dynamics, eps_abs=EPS_ABS, eps_rel=0.0)
        self.pre_run_hook()

    def pre_run_hook(self):
        self.PSConInit_E = beta_normalisation(self.P["tau_rise_ex"], self.P["tau_decay_ex"])
        self.PSConInit_I = beta_normalisation(self.P["tau_rise_in"], self.P["tau_decay_in"])
        self.RefractoryCounts = tics_to_steps_ceil(ms_to_tics(self.P["t_ref"]), self.tics_per_step)

    def dynamics(self, time, y):
        I_gap = gap_current(y[V_M], time / self.step, self.lag, self.order, self.sumj_g_ij,
                            self.interpolation_coefficients)
        return rhs(y, self.P, self.I_stim, I_gap)

    def update_step(self, lag, spike_exc=0.0, spike_inh=0.0, current=0.0):
        """Non-WFR update of one step; spike_inh holds the (negative) inhibitory weights, which
        NEST stores with their sign flipped. Returns True if a spike is emitted."""
        self.lag = lag
        U_old = self.y[V_M]
        t, y = 0.0, self.y
        while t < self.step:
            t, self.IntegrationStep, y = self.evolve.apply(t, self.step, self.IntegrationStep, y)
        self.y = y
        self.y[DG_EX] += spike_exc * self.PSConInit_E
        self.y[DG_IN] += (-spike_inh) * self.PSConInit_I
        spiked = False
        if self.r > 0:
            self.r -= 1
        elif self.y[V_M] >= self.P["V_T"] + 30.0 and U_old > self.y[V_M]:
            self.r = self.RefractoryCounts
            spiked = True
        self.I_stim = current
        return spiked
