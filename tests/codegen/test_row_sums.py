"""The gap-junction sums in SIMD registers give the plain loop's doubles, column by column."""

import numba
import numpy as np
import pytest

from nestgap.codegen import jit, row_sums, runtime

with jit.compiling_with_numba():
    _COMPILED = numba.njit(runtime.gap_sums_with(row_sums.weighted_rows, numba.njit(row_sums.block_width)))
_PYTHON = runtime.gap_sums_with(row_sums.weighted_rows, row_sums.block_width)


def _plain_sums(indptr, sources, weights, coefficients):
    """sum_g and received as NEST's delivery adds them: from 0, entry by entry, w * c then +."""
    n, columns = len(indptr) - 1, coefficients.shape[1]
    sum_g, received = np.zeros(n), np.zeros((n, columns))
    for t in range(n):
        for k in range(columns):
            total = 0.0
            for e in range(indptr[t], indptr[t + 1]):
                total += weights[e] * coefficients[sources[e], k]
            received[t, k] = total
        g = 0.0
        for e in range(indptr[t], indptr[t + 1]):
            g += weights[e]
        sum_g[t] = g
    return sum_g, received


def _network(columns, seed):
    rng = np.random.default_rng(seed)
    n = 40
    indptr = np.concatenate([[0], np.cumsum(rng.integers(0, 12, n))])  # some targets without sources
    sources = rng.integers(0, n, indptr[-1])
    weights = rng.uniform(-1.0, 1.0, indptr[-1])
    weights[::7] = 0.0  # w * c = +-0 terms, whose signs the sums must keep
    coefficients = rng.standard_normal((n, columns)) * 10.0 ** rng.integers(-300, 300, (n, columns))
    coefficients[::5] = -0.0
    return indptr, sources, weights, coefficients


@pytest.mark.parametrize("columns", [0, 1, 2, 3, 4, 5, 7, 8, 15, 20, 21, 40, 63, 64, 80, 81, 130])
@pytest.mark.parametrize("gap_sums", [_COMPILED, _PYTHON], ids=["compiled", "python"])
def test_gap_sums_equal_the_plain_loop_bit_for_bit(columns, gap_sums):
    indptr, sources, weights, coefficients = _network(columns, seed=columns)
    sum_g, received = np.full(len(indptr) - 1, 7.0), np.full((len(indptr) - 1, columns), 7.0)
    for t in range(len(indptr) - 1):
        gap_sums(t, indptr, sources, weights, coefficients, sum_g, received)
    expected_g, expected = _plain_sums(indptr, sources, weights, coefficients)
    assert np.array_equal(received.view(np.int64), expected.view(np.int64))
    assert np.array_equal(sum_g.view(np.int64), expected_g.view(np.int64))


def test_block_widths_cover_the_columns_widest_first():
    for n in range(1, 200):
        widths, k0 = [], 0
        while k0 < n:
            widths.append(row_sums.block_width(n - k0))
            k0 += widths[-1]
        assert k0 == n and set(widths) <= set(row_sums.WIDTHS) and widths == sorted(widths, reverse=True)


def test_compiled_block_refuses_arrays_it_cannot_address():
    weighted_rows = row_sums._weighted_rows_numba()

    @numba.njit
    def call(matrix, rows, weights, out):
        weighted_rows(matrix, rows, weights, 0, 1, out, 0, 0, 4)

    with pytest.raises(numba.core.errors.TypingError):
        call(np.zeros((2, 8))[:, ::2], np.zeros(1, np.int64), np.ones(1), np.zeros((1, 4)))
