"""nestgap's inlined exp equals glibc's exp (NEST's std::exp) bit for bit."""

import math
from fractions import Fraction

import numba
import numpy as np

from nestgap.codegen import jit, libm

NUMBA = libm.for_numba()
_exp, _exp_or_nan = NUMBA.exp, NUMBA.exp_or_nan


def test_inlined_exp_is_used_on_this_machine():
    # glibc >= 2.28 on an x86-64 CPU with FMA: the re-implementation agrees with libm and is used
    assert NUMBA.variant == "fast-exp"
    assert libm.self_test(NUMBA.differences)  # the verdict may have come from the cache: run the test anyway


def test_generated_code_gets_numbas_exp_only_while_numba_compiles_it():
    assert libm.exp is math.exp and libm.exp_or_nan is math.exp
    with jit.compiling_with_numba():
        assert libm.exp is _exp and libm.exp_or_nan is _exp_or_nan


def test_self_test_verdict_is_cached_per_machine_kind(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTGAP_CACHE_DIR", str(tmp_path))
    calls = []
    monkeypatch.setattr(libm, "self_test", lambda differences: calls.append(1) or True)
    assert libm._agrees_with_libm(None) and libm._agrees_with_libm(None)
    assert calls == [1]
    (record,) = (tmp_path / "libm").iterdir()
    record.write_text("differs")  # a verdict of this machine kind is believed
    assert not libm._agrees_with_libm(None)


@numba.njit
def _many(xs):
    out = np.empty_like(xs)
    for k in range(xs.size):
        out[k] = _exp(xs[k])
    return out


def _tiny(rng, n):
    """|x| < 2^-54 (glibc's 1 + x), down to the subnormals, both signs, and the edges."""
    edges = [0.0, -0.0, 5e-324, -5e-324, 2.0 ** -1022, np.nextafter(2.0 ** -54, 0.0),
             -np.nextafter(2.0 ** -54, 0.0), 2.0 ** -54, -2.0 ** -54, 2.0 ** -53]
    return np.concatenate([rng.uniform(-1.0, 1.0, n) * 2.0 ** rng.integers(-1074, -53, n), edges])


def test_exp_equals_libm_bit_for_bit():
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.uniform(-120.0, 120.0, 2_000_000), rng.uniform(-745.5, 709.8, 200_000),
                         rng.uniform(-1e-5, 1e-5, 50_000), np.linspace(-600.0, 600.0, 100_001), _tiny(rng, 50_000)])
    theirs = np.array([math.exp(x) for x in xs])
    assert np.array_equal(_many(xs).view(np.int64), theirs.view(np.int64))


@numba.njit
def _many_or_nan(xs):
    out = np.empty_like(xs)
    for k in range(xs.size):  # a loop the compiler vectorises
        out[k] = _exp_or_nan(xs[k])
    return out


def test_vectorisable_exp_is_exact_or_nan():
    """exp_or_nan: glibc's exp for |x| < 512 (tiny x included: glibc's 1 + x is the fast path's
    result, docs/vector_exp.md), NaN exactly for |x| >= 512, inf and nan."""
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.uniform(-120.0, 120.0, 1_000_000), rng.uniform(-745.5, 709.8, 100_000),
                         _tiny(rng, 100_000), np.array([1e-17, -1e-17, 511.9, np.nextafter(512.0, 0.0), 512.0,
                                                        -512.0, math.inf, -math.inf, math.nan])])
    ours = _many_or_nan(xs)
    outside = (np.abs(xs) >= 512.0) | np.isnan(xs)
    assert np.isnan(ours[outside]).all()
    theirs = np.array([math.exp(x) for x in xs[~outside]])
    assert np.array_equal(ours[~outside].view(np.int64), theirs.view(np.int64))


_quotient, _exp_of_quotient_or_nan = NUMBA.quotient, NUMBA.exp_of_quotient_or_nan
#: the literals hh_psc_alpha_gap divides by inside exp, and others (a power of two, negative, tiny, huge)
_DIVISORS = [13.5, 42.248, 24.186, 5.2, 11.8, 22.222, 2.3, 34.0, 3.0, 0.1, 7.0, -2.5, 0.125, 1e-150, 3e149]


@numba.njit
def _quotients(xs, d, d_hi, d_lo):
    out = np.empty_like(xs)
    for k in range(xs.size):
        out[k] = _quotient(xs[k], d, d_hi, d_lo)
    return out


@numba.njit
def _exps_of_quotients(xs, d, d_hi, d_lo):
    out = np.empty_like(xs)
    for k in range(xs.size):  # vectorised, as in the right-hand side
        out[k] = _exp_of_quotient_or_nan(xs[k], d, d_hi, d_lo)
    return out


def _round_products(q, d):
    """RN((q + ulp(q) / 2) d), exactly, for each q: dividends x whose x / d lies within a fraction of an
    ulp of a halfway point between doubles, where a quotient that is only nearly right rounds wrongly."""
    return np.array([float((Fraction(float(a)) + Fraction(float(np.spacing(a))) / 2) * Fraction(d)) for a in q])


def test_quotient_by_fmas_is_the_correctly_rounded_quotient():
    rng = np.random.default_rng(3)
    for d in _DIVISORS:
        d_hi, d_lo = libm.reciprocal_parts(d)
        assert d_hi == 1.0 / d
        q = rng.uniform(1.0, 2.0, 20_000) * 2.0 ** rng.integers(-450, 450, 20_000)
        xs = np.concatenate([rng.uniform(-200.0, 200.0, 200_000), _round_products(q, d) * np.sign(d),
                             np.array([d, -d, 3 * d, 2.0 ** -960 * abs(d), 2.0 ** -960 * d * d])])
        xs = xs[np.isfinite(xs) & (np.abs(xs) >= 2.0 ** -969) & (np.abs(xs / d) >= 2.0 ** -969)]
        assert np.array_equal(_quotients(xs, d, d_hi, d_lo).view(np.int64), (xs / d).view(np.int64)), d


def test_exp_of_quotient_is_exp_or_nan_of_the_division():
    """Same bits as exp_or_nan(x / d) wherever that is a number, NaN wherever it is NaN (tiny and
    huge quotients, zero, inf and nan dividends, subnormal quotients included: the tiny ones, whose
    quotient by FMAs may differ from x / d, give 1 either way)."""
    rng = np.random.default_rng(5)
    special = np.array([0.0, -0.0, 5e-324, -5e-324, 1e-310, 1e-300, 1e-17, math.inf, -math.inf, math.nan,
                        1e308, -1e308])
    for d in _DIVISORS:
        d_hi, d_lo = libm.reciprocal_parts(d)
        xs = np.concatenate([rng.uniform(-300.0, 300.0, 100_000) * abs(d), special,
                             rng.uniform(-1.0, 1.0, 10_000) * abs(d) * 2.0 ** -54,
                             rng.uniform(500.0, 520.0, 1_000) * d])
        ours, theirs = _exps_of_quotients(xs, d, d_hi, d_lo), _many_or_nan(xs / d)
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), d
        assert np.array_equal(ours[~np.isnan(ours)].view(np.int64), theirs[~np.isnan(theirs)].view(np.int64)), d


def test_reciprocal_parts_refuse_divisors_outside_the_proven_range():
    for d in (0.0, -0.0, 2.0 ** -501, 2.0 ** 501, math.inf, -math.inf, math.nan):
        assert libm.reciprocal_parts(d) is None
    d_hi, d_lo = libm.reciprocal_parts(3.0)
    assert d_hi == 1 / 3 and abs(Fraction(d_hi) + Fraction(d_lo) - Fraction(1, 3)) < Fraction(1, 2 ** 107)
