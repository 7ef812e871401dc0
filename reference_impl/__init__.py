"""Independent, plain scalar transcriptions of NEST 3.10's hh_psc_alpha_gap and hh_cond_beta_gap_traub.

Used as a bit-exact oracle for the generated simulator. It must not import
anything from the ``nestgap`` package; nestgap finds its transcriptions through
the entry-point group ``nestgap.reference_models`` (pyproject.toml), never by name.
"""

from .gsl_rkf45 import Rkf45Evolve, rkf45_step, standard_control_hadjust
from .hh_psc_alpha_gap import (
    HHPscAlphaGap, PARAMETER_DEFAULTS, RECORDABLES, STATE_NAMES, V_INIT,
    alpha_h, alpha_m, alpha_n, alpha_p, beta_h, beta_m, beta_n, beta_p,
    gap_current, initial_state, rhs, steady_state, symbolic_rhs,
)
from . import hh_cond_beta_gap_traub, hh_psc_alpha_gap
from .single_neuron import simulate

#: model name -> module with the independent equations (``symbolic_rhs()``, rate functions)
MODELS = {"hh_psc_alpha_gap": hh_psc_alpha_gap, "hh_cond_beta_gap_traub": hh_cond_beta_gap_traub}

__all__ = [
    "Rkf45Evolve", "rkf45_step", "standard_control_hadjust",
    "HHPscAlphaGap", "PARAMETER_DEFAULTS", "RECORDABLES", "STATE_NAMES", "V_INIT",
    "alpha_h", "alpha_m", "alpha_n", "alpha_p", "beta_h", "beta_m", "beta_n",
    "beta_p", "gap_current", "initial_state", "rhs", "steady_state",
    "symbolic_rhs", "simulate", "MODELS",
]
