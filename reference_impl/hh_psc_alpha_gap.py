"""Plain scalar transcription of NEST 3.10's ``hh_psc_alpha_gap`` for one neuron.

Written from the project's documentation of NEST's behaviour (docs/models.md,
docs/time_and_events.md, docs/step_control.md, docs/waveform_relaxation.md), not from NEST's code. Names follow models/hh_psc_alpha_gap.nestml.
The arithmetic of the right-hand side is in NEST's operation order, which is
needed to reproduce NEST bit for bit.

The right-hand side is written once, with a pluggable ``exp``: with
``math.exp`` it is the numeric RHS the integrator uses, with ``sympy.exp`` and
sympy Symbols it gives ``symbolic_rhs()``.
"""

import math

from .gsl_rkf45 import Rkf45Evolve

# internal state order (index = position in NEST's y vector)
STATE_NAMES = ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p",
               "DI_syn_ex", "I_syn_ex", "DI_syn_in", "I_syn_in")
V_M, ACT_M, INACT_H, ACT_N, INACT_P, DI_SYN_EX, I_SYN_EX, DI_SYN_IN, I_SYN_IN = range(9)

# what NEST's multimeter can record
RECORDABLES = ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p", "I_syn_ex", "I_syn_in")

PARAMETER_DEFAULTS = {
    "t_ref": 2.0,        # ms
    "g_Na": 4500.0,      # nS
    "g_Kv1": 9.0,        # nS
    "g_Kv3": 9000.0,     # nS
    "g_L": 10.0,         # nS
    "C_m": 40.0,         # pF
    "E_Na": 74.0,        # mV
    "E_K": -90.0,        # mV
    "E_L": -70.0,        # mV
    "tau_syn_ex": 0.2,   # ms
    "tau_syn_in": 2.0,   # ms
    "I_e": 0.0,          # pA
}

V_INIT = -69.60401191631222   # mV, hard-coded initial membrane potential

TICS_PER_MS = 1000
MS_PER_TIC = 1.0 / TICS_PER_MS


# ----------------------------------------------------------------------------
# rate functions (1/ms), V in mV
# ----------------------------------------------------------------------------

def alpha_m(V, exp=math.exp):
    return 40.0 * (V - 75.5) / (1.0 - exp(-(V - 75.5) / 13.5))


def beta_m(V, exp=math.exp):
    return 1.2262 / exp(V / 42.248)


def alpha_h(V, exp=math.exp):
    return 0.0035 / exp(V / 24.186)


def beta_h(V, exp=math.exp):
    return 0.017 * (51.25 + V) / (1.0 - exp(-(51.25 + V) / 5.2))


def alpha_p(V, exp=math.exp):
    return (V - 95.0) / (1.0 - exp(-(V - 95.0) / 11.8))


def beta_p(V, exp=math.exp):
    return 0.025 / exp(V / 22.222)


def alpha_n(V, exp=math.exp):
    return 0.014 * (V + 44.0) / (1.0 - exp(-(V + 44.0) / 2.3))


def beta_n(V, exp=math.exp):
    return 0.0043 / exp((V + 44.0) / 34.0)


def steady_state(alpha, beta):
    return alpha / (alpha + beta)


def initial_state():
    """V_INIT and the gating variables at their steady state there, synapses 0."""
    V = V_INIT
    return [V,
            steady_state(alpha_m(V), beta_m(V)),
            steady_state(alpha_h(V), beta_h(V)),
            steady_state(alpha_n(V), beta_n(V)),
            steady_state(alpha_p(V), beta_p(V)),
            0.0, 0.0, 0.0, 0.0]


# ----------------------------------------------------------------------------
# right-hand side
# ----------------------------------------------------------------------------

def rhs(y, P, I_stim, I_gap, exp=math.exp):
    """Derivatives of the 9 state variables (NEST's order of operations).

    y: the 9 state values in STATE_NAMES order; P: mapping with the parameter
    names (I_e included); I_stim: current-event input; I_gap: gap current.
    """
    V, m, h, n, p, dI_ex, I_ex, dI_in, I_in = y

    a_m = alpha_m(V, exp)
    b_m = beta_m(V, exp)
    a_h = alpha_h(V, exp)
    b_h = beta_h(V, exp)
    a_p = alpha_p(V, exp)
    b_p = beta_p(V, exp)
    a_n = alpha_n(V, exp)
    b_n = beta_n(V, exp)

    I_Na = P["g_Na"] * m * m * m * h * (V - P["E_Na"])
    I_K = (P["g_Kv1"] * n * n * n * n + P["g_Kv3"] * p * p) * (V - P["E_K"])
    I_L = P["g_L"] * (V - P["E_L"])

    dV = (-(I_Na + I_K + I_L) + I_stim + P["I_e"] + I_ex + I_in + I_gap) / P["C_m"]
    dm = a_m * (1.0 - m) - b_m * m
    dh = a_h * (1.0 - h) - b_h * h
    dn = a_n * (1.0 - n) - b_n * n
    dp = a_p * (1.0 - p) - b_p * p
    d_dI_ex = -dI_ex / P["tau_syn_ex"]
    d_I_ex = dI_ex - (I_ex / P["tau_syn_ex"])
    d_dI_in = -dI_in / P["tau_syn_in"]
    d_I_in = dI_in - (I_in / P["tau_syn_in"])
    return [dV, dm, dh, dn, dp, d_dI_ex, d_I_ex, d_dI_in, d_I_in]


def gap_current(V, tau, lag, order, sumj_g, coeffs):
    """I_gap = -G*V + interpolation polynomial of step `lag` at tau in [0, 1]."""
    if order == 0:
        return -sumj_g * V + coeffs[lag]
    if order == 1:
        return -sumj_g * V + coeffs[2 * lag] + coeffs[2 * lag + 1] * tau
    if order == 3:
        k = 4 * lag
        return (-sumj_g * V + coeffs[k] + coeffs[k + 1] * tau
                + coeffs[k + 2] * tau * tau + coeffs[k + 3] * tau * tau * tau)
    raise ValueError("interpolation order must be 0, 1 or 3")


def symbolic_rhs():
    """The RHS as sympy expressions, keyed by state name.

    Free symbols: the parameter names (g_Na, E_Na, C_m, tau_syn_ex, ...,
    I_e), the state names, and the inputs I_stim and I_gap.
    """
    import sympy

    P = {name: sympy.Symbol(name) for name in PARAMETER_DEFAULTS if name != "t_ref"}
    y = [sympy.Symbol(name) for name in STATE_NAMES]
    f = rhs(y, P, sympy.Symbol("I_stim"), sympy.Symbol("I_gap"), exp=sympy.exp)
    return dict(zip(STATE_NAMES, f))


# ----------------------------------------------------------------------------
# time helpers (NEST's integer tics)
# ----------------------------------------------------------------------------

def ms_to_tics(t_ms):
    """Time::ms: round half up to whole tics."""
    return int(math.floor(t_ms * TICS_PER_MS + 0.5))


def tics_to_steps_ceil(tics, tics_per_step):
    """Time::get_steps: rounded up to whole steps."""
    return -((-tics) // tics_per_step)


def delay_ms_to_steps(d_ms, tics_per_step):
    """Delays: rounded to the nearest step."""
    steps_per_ms = TICS_PER_MS / tics_per_step
    return int(math.floor(d_ms * steps_per_ms + 0.5))


def stamp_to_ms(stamp, tics_per_step):
    """Time of a step stamp as NEST reports it."""
    return MS_PER_TIC * (tics_per_step * stamp)


# ----------------------------------------------------------------------------
# the neuron
# ----------------------------------------------------------------------------

class HHPscAlphaGap:
    """One hh_psc_alpha_gap neuron: parameters, state, buffers, update_."""

    def __init__(self, resolution=0.1, params=None, wfr_interpolation_order=3,
                 min_delay_steps=1):
        self.P = dict(PARAMETER_DEFAULTS)
        if params:
            unknown = set(params) - set(self.P)
            if unknown:
                raise KeyError("unknown parameter(s): %s" % sorted(unknown))
            self.P.update(params)

        # state
        self.y = initial_state()
        self.r = 0

        # time grid
        self.tics_per_step = ms_to_tics(resolution)
        self.step = self.tics_per_step * MS_PER_TIC   # h in ms

        # buffers (init_buffers_)
        self.order = wfr_interpolation_order
        self.min_delay = min_delay_steps
        self.sumj_g_ij = 0.0
        self.interpolation_coefficients = [0.0] * (min_delay_steps * (self.order + 1))
        self.I_stim = 0.0
        self.lag = 0
        self.IntegrationStep = self.step
        self.evolve = Rkf45Evolve(self.dynamics, eps_abs=1e-6, eps_rel=0.0)

        self.pre_run_hook()

    # -- internals ------------------------------------------------------------
    def pre_run_hook(self):
        self.PSCInit_E = 1.0 * math.e / self.P["tau_syn_ex"]
        self.PSCInit_I = 1.0 * math.e / self.P["tau_syn_in"]
        self.RefractoryCounts = tics_to_steps_ceil(ms_to_tics(self.P["t_ref"]),
                                                   self.tics_per_step)

    # -- right-hand side used by the integrator --------------------------------
    def dynamics(self, time, y):
        tau = time / self.step
        I_gap = gap_current(y[V_M], tau, self.lag, self.order,
                            self.sumj_g_ij, self.interpolation_coefficients)
        return rhs(y, self.P, self.I_stim, I_gap)

    # -- one step ---------------------------------------------------------------
    def integrate_step(self):
        """NEST's `while t < h: evolve_apply(...)` with the carried step size."""
        t = 0.0
        y = self.y
        while t < self.step:
            t, self.IntegrationStep, y = self.evolve.apply(
                t, self.step, self.IntegrationStep, y)
        self.y = y

    def update_step(self, lag, spike_exc=0.0, spike_inh=0.0, current=0.0):
        """Non-WFR update of one step (lag within the slice).

        spike_exc / spike_inh: summed weights in the ring buffers for this
        step (inhibitory with their negative sign); current: the CurrentEvent
        sum for this step, used as I_stim during the *next* step.
        Returns True if a spike is emitted at the end of this step.
        Gap coupling (sumj_g_ij, interpolation_coefficients, order) is read
        as set by the caller; clearing it after a slice is the caller's job.
        """
        self.lag = lag
        U_old = self.y[V_M]
        self.integrate_step()

        self.y[DI_SYN_EX] += spike_exc * self.PSCInit_E
        self.y[DI_SYN_IN] += spike_inh * self.PSCInit_I

        spiked = False
        if self.r > 0:
            self.r -= 1
        elif self.y[V_M] >= 0.0 and U_old > self.y[V_M]:
            self.r = self.RefractoryCounts
            spiked = True

        self.I_stim = current
        return spiked

    def state(self):
        d = dict(zip(STATE_NAMES, self.y))
        d["r"] = self.r
        return d
