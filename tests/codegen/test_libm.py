"""nestgap's inlined exp equals glibc's exp (NEST's std::exp) bit for bit."""

import math

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


def test_exp_equals_libm_bit_for_bit():
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.uniform(-120.0, 120.0, 2_000_000), rng.uniform(-745.5, 709.8, 200_000),
                         rng.uniform(-1e-5, 1e-5, 50_000), np.linspace(-600.0, 600.0, 100_001)])
    theirs = np.array([math.exp(x) for x in xs])
    assert np.array_equal(_many(xs).view(np.int64), theirs.view(np.int64))


@numba.njit
def _many_or_nan(xs):
    out = np.empty_like(xs)
    for k in range(xs.size):  # a loop the compiler vectorises
        out[k] = _exp_or_nan(xs[k])
    return out


def test_vectorisable_exp_is_exact_or_nan():
    """exp_or_nan: glibc's exp where its fast path applies, NaN exactly where it does not."""
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.uniform(-120.0, 120.0, 1_000_000), rng.uniform(-745.5, 709.8, 100_000),
                         np.array([0.0, -0.0, 1e-17, -1e-17, 2.0 ** -54, 511.9, 512.0, -512.0, math.inf,
                                   -math.inf, math.nan])])
    ours = _many_or_nan(xs)
    outside = (np.abs(xs) < 2.0 ** -54) | (np.abs(xs) >= 512.0) | np.isnan(xs)
    assert np.isnan(ours[outside]).all()
    theirs = np.array([math.exp(x) for x in xs[~outside]])
    assert np.array_equal(ours[~outside].view(np.int64), theirs.view(np.int64))
