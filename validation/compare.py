"""Comparisons of simulation results, bit for bit."""

import numpy as np
import pytest


def assert_bitwise_equal(actual, expected, what=""):
    """Arrays equal bit for bit; on failure report where and by how much."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shapes differ, {actual.shape} vs {expected.shape}"
    if not np.array_equal(actual, expected):
        diff = np.abs(actual.astype(float) - expected.astype(float))
        first = np.flatnonzero(diff.ravel() > 0)[0]
        pytest.fail(f"{what}: {np.count_nonzero(diff)} of {diff.size} values differ, max |difference| "
                    f"{diff.max():g}, first at flat index {first}: {actual.ravel()[first]!r} vs "
                    f"{expected.ravel()[first]!r}")
