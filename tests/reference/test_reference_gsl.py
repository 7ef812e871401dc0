"""The reference integrator is GSL 1.15's rkf45 + y_new control + evolve_apply.

The NEST wheel bundles the very GSL that NEST uses (libgsl.so.0.16.0 = GSL
1.15). Through ctypes we drive its old ``gsl_odeiv`` API with the reference
right-hand side as a callback and compare, after every ``evolve_apply`` call,
time, carried step size and state bit for bit with reference_impl.gsl_rkf45.
"""

import ctypes
import glob
import importlib.util
import math
import os

import pytest

from reference_impl.gsl_rkf45 import Rkf45Evolve
from reference_impl.hh_psc_alpha_gap import HHPscAlphaGap, V_M

RHS_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_double,
                            ctypes.POINTER(ctypes.c_double),
                            ctypes.POINTER(ctypes.c_double), ctypes.c_void_p)


class GslOdeivSystem(ctypes.Structure):
    _fields_ = [("function", RHS_FUNC),
                ("jacobian", ctypes.c_void_p),
                ("dimension", ctypes.c_size_t),
                ("params", ctypes.c_void_p)]


class GslOdeivEvolve(ctypes.Structure):
    # layout of gsl_odeiv_evolve in GSL 1.15
    _fields_ = [("dimension", ctypes.c_size_t),
                ("y0", ctypes.POINTER(ctypes.c_double)),
                ("yerr", ctypes.POINTER(ctypes.c_double)),
                ("dydt_in", ctypes.POINTER(ctypes.c_double)),
                ("dydt_out", ctypes.POINTER(ctypes.c_double)),
                ("last_step", ctypes.c_double),
                ("count", ctypes.c_ulong),
                ("failed_steps", ctypes.c_ulong)]


def _load_gsl():
    spec = importlib.util.find_spec("nest")
    assert spec is not None, "the nest package (nest-simulator==3.10.0) is required"
    site = os.path.dirname(os.path.dirname(spec.origin))
    libdir = os.path.join(site, "nest_simulator.libs")
    cblas = sorted(glob.glob(os.path.join(libdir, "libgslcblas-*.so*")))
    gsl = sorted(glob.glob(os.path.join(libdir, "libgsl-*.so*")))
    assert cblas and gsl, "bundled GSL not found in %s" % libdir
    # libgsl's own NEEDED chain in the wheel: libsatlas -> libgfortran ->
    # libquadmath (bundled, hash-suffixed names); load those globally first
    for prefix in ("libquadmath-", "libgfortran-", "libsatlas-"):
        for dep in sorted(glob.glob(os.path.join(libdir, prefix + "*.so*"))):
            ctypes.CDLL(dep, mode=ctypes.RTLD_GLOBAL)
    ctypes.CDLL(cblas[0], mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(gsl[0])

    lib.gsl_odeiv_step_alloc.restype = ctypes.c_void_p
    lib.gsl_odeiv_step_alloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.gsl_odeiv_control_y_new.restype = ctypes.c_void_p
    lib.gsl_odeiv_control_y_new.argtypes = [ctypes.c_double, ctypes.c_double]
    lib.gsl_odeiv_evolve_alloc.restype = ctypes.POINTER(GslOdeivEvolve)
    lib.gsl_odeiv_evolve_alloc.argtypes = [ctypes.c_size_t]
    lib.gsl_odeiv_evolve_apply.restype = ctypes.c_int
    lib.gsl_odeiv_evolve_apply.argtypes = [
        ctypes.POINTER(GslOdeivEvolve), ctypes.c_void_p, ctypes.c_void_p,
        ctypes.POINTER(GslOdeivSystem), ctypes.POINTER(ctypes.c_double),
        ctypes.c_double, ctypes.POINTER(ctypes.c_double),
        ctypes.POINTER(ctypes.c_double)]
    for name in ("gsl_odeiv_step_free", "gsl_odeiv_control_free", "gsl_odeiv_evolve_free"):
        getattr(lib, name).restype = None
        getattr(lib, name).argtypes = [ctypes.c_void_p]
    return lib


@pytest.fixture(scope="module")
def gsl():
    lib = _load_gsl()
    version = ctypes.c_char_p.in_dll(lib, "gsl_version").value.decode()
    assert version == "1.15", version
    return lib


class GslDriver:
    """gsl_odeiv rkf45 / y_new(eps_abs, 0) / evolve, with a Python RHS."""

    def __init__(self, lib, f, dim, eps_abs=1e-6):
        self.lib = lib
        self.dim = dim

        def c_rhs(t, y, dydt, params):
            d = f(t, [y[i] for i in range(dim)])
            for i in range(dim):
                dydt[i] = d[i]
            return 0  # GSL_SUCCESS

        self._cb = RHS_FUNC(c_rhs)   # keep alive
        self.sys = GslOdeivSystem(self._cb, None, dim, None)
        rkf45 = ctypes.c_void_p.in_dll(lib, "gsl_odeiv_step_rkf45").value
        self.step = lib.gsl_odeiv_step_alloc(rkf45, dim)
        self.con = lib.gsl_odeiv_control_y_new(eps_abs, 0.0)
        self.evo = lib.gsl_odeiv_evolve_alloc(dim)
        self.y = (ctypes.c_double * dim)()

    def apply(self, t, t1, h, y):
        for i in range(self.dim):
            self.y[i] = y[i]
        tt = ctypes.c_double(t)
        hh = ctypes.c_double(h)
        status = self.lib.gsl_odeiv_evolve_apply(
            self.evo, self.con, self.step, ctypes.byref(self.sys),
            ctypes.byref(tt), t1, ctypes.byref(hh), self.y)
        assert status == 0
        return tt.value, hh.value, [self.y[i] for i in range(self.dim)]

    @property
    def counts(self):
        return self.evo.contents.count, self.evo.contents.failed_steps

    def free(self):
        self.lib.gsl_odeiv_evolve_free(self.evo)
        self.lib.gsl_odeiv_control_free(self.con)
        self.lib.gsl_odeiv_step_free(self.step)


def _bits(xs):
    return [float(x).hex() for x in xs]


def _run_lockstep(lib, neuron, n_steps, inputs=None):
    """Integrate n_steps of `neuron` with GSL and with the reference evolve.

    Both start every step from the same state and the same carried step
    size (NEST's `while t < h` loop); they must agree bit for bit after
    every evolve_apply call. inputs(s, neuron) may change I_stim / D jumps.
    Returns (#evolve calls, GSL's count, GSL's failed_steps, #tiny steps).
    """
    dim = 9
    gsl_drv = GslDriver(lib, neuron.dynamics, dim)
    ref = Rkf45Evolve(neuron.dynamics, eps_abs=1e-6, eps_rel=0.0)
    h = neuron.step
    calls = tiny = 0
    h_gsl = h_ref = neuron.IntegrationStep
    y = list(neuron.y)
    try:
        for s in range(n_steps):
            t = 0.0
            while t < h:
                t_g, h_gsl, y_g = gsl_drv.apply(t, h, h_gsl, y)
                t_r, h_ref, y_r = ref.apply(t, h, h_ref, y)
                calls += 1
                assert (t_r, h_ref) == (t_g, h_gsl) and _bits(y_r) == _bits(y_g), (
                    "step %d, t=%r: reference (t=%r, h=%r, y=%r) != GSL (t=%r, h=%r, y=%r)"
                    % (s, t, t_r, h_ref, y_r, t_g, h_gsl, y_g))
                if t > 0.0 and h - t < 1e-12:
                    tiny += 1
                t, y = t_g, y_g
            if inputs is not None:
                y = inputs(s, y)
        count, failed = gsl_drv.counts
        assert ref.count == count and ref.failed_steps == failed
    finally:
        gsl_drv.free()
    return calls, count, failed, tiny


def test_gsl_library_is_1_15(gsl):
    assert ctypes.c_char_p.in_dll(gsl, "gsl_version").value == b"1.15"


@pytest.mark.parametrize("resolution", [0.05, 0.1])
def test_neuron_I_e_500_matches_gsl(gsl, resolution):
    """4000 / 2000 steps (200 ms) of a repetitively firing neuron."""
    neuron = HHPscAlphaGap(resolution=resolution, params={"I_e": 500.0})
    n_steps = int(round(200.0 / resolution))
    calls, count, failed, tiny = _run_lockstep(gsl, neuron, n_steps)
    assert calls >= n_steps
    # the interesting paths of evolve_apply were exercised
    assert failed > 0, "no step-size decrease happened"
    assert count > calls


def test_neuron_with_inputs_and_cubic_gap_term_matches_gsl(gsl):
    """Spike jumps, a changing I_stim and an order-3 gap term (uses t/h)."""
    neuron = HHPscAlphaGap(resolution=0.05, params={"I_e": 100.0},
                           wfr_interpolation_order=3, min_delay_steps=20)
    neuron.sumj_g_ij = 20.0
    # a smooth, time-dependent neighbour waveform: coefficients per lag
    neuron.interpolation_coefficients = [
        20.0 * (-60.0 + 3.0 * math.sin(0.3 * k)) if k % 4 == 0 else 20.0 * math.cos(0.7 * k)
        for k in range(80)]
    neuron.lag = 7
    neuron.pre_run_hook()

    def inputs(s, y):
        neuron.lag = s % 20
        neuron.I_stim = 300.0 if 200 <= s < 1500 else 0.0
        if s in (100, 900, 1700):
            y[5] += 900.0 * neuron.PSCInit_E
        if s in (400, 1200):
            y[7] += -250.0 * neuron.PSCInit_I
        return y

    calls, count, failed, tiny = _run_lockstep(gsl, neuron, 3000, inputs)
    assert failed > 0


def test_generic_dimension_matches_gsl(gsl):
    """The driver is generic: a 2-d nonlinear oscillator, long interval."""
    def van_der_pol(t, y):
        return [y[1], 5.0 * (1.0 - y[0] * y[0]) * y[1] - y[0] + 0.1 * math.sin(t)]

    drv = GslDriver(gsl, van_der_pol, 2)
    ref = Rkf45Evolve(van_der_pol, eps_abs=1e-6, eps_rel=0.0)
    try:
        y = [2.0, 0.0]
        h_g = h_r = 0.01
        t = 0.0
        n = 0
        while t < 30.0:
            t_g, h_g, y_g = drv.apply(t, 30.0, h_g, y)
            t_r, h_r, y_r = ref.apply(t, 30.0, h_r, y)
            assert (t_r, h_r) == (t_g, h_g) and _bits(y_r) == _bits(y_g), n
            t, y = t_g, y_g
            n += 1
        assert n > 100
        assert (ref.count, ref.failed_steps) == drv.counts
        assert ref.failed_steps > 0
    finally:
        drv.free()


def test_final_step_overwrites_step_size(gsl):
    """GSL 1.15 hands back the control's proposal also after a truncated step."""
    neuron = HHPscAlphaGap(resolution=0.1)
    ref = Rkf45Evolve(neuron.dynamics)
    drv = GslDriver(gsl, neuron.dynamics, 9)
    try:
        # at rest the proposal grows beyond h: the first call is a final step
        t_r, h_r, _ = ref.apply(0.0, 0.1, 0.1, neuron.y)
        t_g, h_g, _ = drv.apply(0.0, 0.1, 0.1, neuron.y)
        assert t_r == t_g == 0.1
        assert h_r == h_g and h_r > 0.1
    finally:
        drv.free()
    assert neuron.y[V_M] == -69.60401191631222


def test_one_ulp_remainder_substep_matches_gsl(gsl):
    """`t0 + h0` can end 1 ulp short of h; NEST's `while t < h` loop then
    makes a tiny extra evolve call, whose step-size proposal (5x a tiny step)
    is carried on. Force it with a carried step size of nextafter(h, 0)."""
    neuron = HHPscAlphaGap(resolution=0.1)       # at rest: no step rejection
    neuron.IntegrationStep = math.nextafter(neuron.step, 0.0)

    def inputs(s, y):
        neuron.I_stim = 500.0 if s >= 10 else 0.0  # then make it fire
        return y

    calls, count, failed, tiny = _run_lockstep(gsl, neuron, 300, inputs)
    assert tiny >= 1
    assert failed > 0
