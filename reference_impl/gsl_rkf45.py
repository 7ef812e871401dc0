"""Scalar re-implementation of the adaptive ODE driver NEST 3.10 uses for hh_psc_alpha_gap.

NEST calls GSL's old ``gsl_odeiv`` interface with the ``rkf45`` stepper, the
standard step-size control ``y_new(eps_abs, eps_rel)`` and
``gsl_odeiv_evolve_apply``. The NEST wheel bundles GSL 1.15, whose behaviour
is written down here from the project's docs/step_control.md (sections 2-4):

* Runge-Kutta-Fehlberg 4(5); the *fifth*-order solution is propagated and the
  error estimate is the difference to the embedded fourth-order solution.
* ``evolve_apply`` evaluates k1 = f(t0, y0) at the start of every call (kept
  for retries), truncates the step to the remaining interval ("final step"),
  retries from the saved state when the control asks for a smaller step, and
  always hands the control's proposal back to the caller -- also after a
  truncated final step. As in GSL, a "decrease" verdict only causes a retry
  if the proposal is really smaller and still advances time; otherwise the
  step is accepted and the old step size kept.

Everything is plain Python floats and lists so the arithmetic is IEEE double
arithmetic in exactly the order written. The driver is generic: ``f(t, y)``
is any callable returning a list of ``len(y)`` derivatives.
"""

import math

# Butcher tableau of RKF45 (each coefficient is a double division, as in C).
AH = (1.0 / 4.0, 3.0 / 8.0, 12.0 / 13.0, 1.0, 1.0 / 2.0)
B3 = (3.0 / 32.0, 9.0 / 32.0)
B4 = (1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0)
B5 = (8341.0 / 4104.0, -32832.0 / 4104.0, 29440.0 / 4104.0, -845.0 / 4104.0)
B6 = (-6080.0 / 20520.0, 41040.0 / 20520.0, -28352.0 / 20520.0,
      9295.0 / 20520.0, -5643.0 / 20520.0)
C1 = 902880.0 / 7618050.0
C3 = 3953664.0 / 7618050.0
C4 = 3855735.0 / 7618050.0
C5 = -1371249.0 / 7618050.0
C6 = 277020.0 / 7618050.0
# error coefficients (5th minus 4th order weights) for k1, k3, k4, k5, k6
EC1 = 1.0 / 360.0
EC3 = -128.0 / 4275.0
EC4 = -2197.0 / 75240.0
EC5 = 1.0 / 50.0
EC6 = 2.0 / 55.0

RKF45_ORDER = 5
DBL_MIN = 2.2250738585072014e-308

# return codes of the step-size control
HADJ_DEC = -1
HADJ_NIL = 0
HADJ_INC = 1


def rkf45_step(f, t, h, y, k1):
    """One RKF45 step of size h from (t, y) with k1 = f(t, y) given.

    Returns (y_new, y_err, dydt_out) where dydt_out = f(t + h, y_new).
    """
    n = len(y)
    ytmp = [y[i] + AH[0] * h * k1[i] for i in range(n)]
    k2 = f(t + AH[0] * h, ytmp)

    ytmp = [y[i] + h * (B3[0] * k1[i] + B3[1] * k2[i]) for i in range(n)]
    k3 = f(t + AH[1] * h, ytmp)

    ytmp = [y[i] + h * (B4[0] * k1[i] + B4[1] * k2[i] + B4[2] * k3[i])
            for i in range(n)]
    k4 = f(t + AH[2] * h, ytmp)

    ytmp = [y[i] + h * (B5[0] * k1[i] + B5[1] * k2[i] + B5[2] * k3[i]
                        + B5[3] * k4[i])
            for i in range(n)]
    k5 = f(t + AH[3] * h, ytmp)

    ytmp = [y[i] + h * (B6[0] * k1[i] + B6[1] * k2[i] + B6[2] * k3[i]
                        + B6[3] * k4[i] + B6[4] * k5[i])
            for i in range(n)]
    k6 = f(t + AH[4] * h, ytmp)

    y_new = []
    for i in range(n):
        d_i = C1 * k1[i] + C3 * k3[i] + C4 * k4[i] + C5 * k5[i] + C6 * k6[i]
        y_new.append(y[i] + h * d_i)

    dydt_out = f(t + h, y_new)

    y_err = [h * (EC1 * k1[i] + EC3 * k3[i] + EC4 * k4[i] + EC5 * k5[i]
                  + EC6 * k6[i])
             for i in range(n)]
    return y_new, y_err, dydt_out


def standard_control_hadjust(y, yerr, yp, h_old, eps_abs, eps_rel,
                             a_y=1.0, a_dydt=0.0, order=RKF45_ORDER):
    """GSL's standard step-size control. Returns (status, h_new)."""
    S = 0.9
    rmax = DBL_MIN
    for i in range(len(y)):
        D0 = eps_rel * (a_y * abs(y[i]) + a_dydt * abs(h_old * yp[i])) + eps_abs
        r = abs(yerr[i]) / abs(D0)
        if r > rmax:          # C's (a > b ? a : b) with a = r
            rmax = r
    if rmax > 1.1:
        # shrink, by at most a factor 5
        r = S / math.pow(rmax, 1.0 / order)
        if r < 0.2:
            r = 0.2
        return HADJ_DEC, r * h_old
    if rmax < 0.5:
        # grow, by at most a factor 5, never shrink here
        r = S / math.pow(rmax, 1.0 / (order + 1.0))
        if r > 5.0:
            r = 5.0
        if r < 1.0:
            r = 1.0
        return HADJ_INC, r * h_old
    return HADJ_NIL, h_old


class Rkf45Evolve:
    """``gsl_odeiv_evolve_apply`` with rkf45 + ``control_y_new`` (GSL 1.15).

    ``f(t, y)`` -> list of derivatives. The object only holds the tolerances
    and GSL's bookkeeping counters (which do not influence the result).
    """

    def __init__(self, f, eps_abs=1e-6, eps_rel=0.0, a_y=1.0, a_dydt=0.0):
        self.f = f
        self.eps_abs = eps_abs
        self.eps_rel = eps_rel
        self.a_y = a_y
        self.a_dydt = a_dydt
        self.count = 0
        self.failed_steps = 0
        self.last_step = 0.0

    def apply(self, t, t1, h, y):
        """Advance from t towards t1 with proposed step h.

        Returns (t_new, h_next, y_new); y is not modified.
        """
        t0 = t
        h0 = h
        dt = t1 - t0
        if (dt < 0.0 and h0 > 0.0) or (dt > 0.0 and h0 < 0.0):
            raise ValueError("step direction and integration interval differ")
        y0 = list(y)
        k1 = self.f(t0, y0)   # evaluated once per call, reused on retries

        while True:
            if (dt >= 0.0 and h0 > dt) or (dt < 0.0 and h0 < dt):
                h0 = dt
                final_step = True
            else:
                final_step = False

            y_new, y_err, dydt_out = rkf45_step(self.f, t0, h0, y0, k1)
            self.count += 1
            self.last_step = h0
            t_new = t1 if final_step else t0 + h0

            h_old = h0
            status, h_prop = standard_control_hadjust(
                y_new, y_err, dydt_out, h0, self.eps_abs, self.eps_rel,
                self.a_y, self.a_dydt)
            if status == HADJ_DEC:
                # only a real decrease that still moves time counts as one
                if abs(h_prop) < abs(h_old) and t_new + h_prop != t_new:
                    h0 = h_prop
                    self.failed_steps += 1
                    continue
                h_prop = h_old
            return t_new, h_prop, y_new
