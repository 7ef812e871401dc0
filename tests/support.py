"""Helpers of the tests: the repository's location, and comparisons of NEST and nestgap (results bit
for bit, API calls by value, type and exception)."""

from pathlib import Path

import numpy as np
import pytest

#: the repository
ROOT = Path(__file__).resolve().parents[1]


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


def outcome(sim, build):
    """``build(sim)`` after ResetKernel: ("ok", value) or ("raise", exception class name, message)."""
    sim.ResetKernel()
    try:
        return "ok", build(sim)
    except Exception as error:  # noqa: BLE001 -- the exception is the result
        return "raise", type(error).__name__, str(error)


def assert_same(nest, ng, build):
    """Same value (and types) from NEST and nestgap; returns the value."""
    expected, actual = outcome(nest, build), outcome(ng, build)
    assert actual == expected
    assert types_of(actual) == types_of(expected)
    return actual[1]


def assert_same_error(nest, ng, build, *texts, nest_message=True):
    """Same exception class; nestgap's message contains ``texts`` and NEST's message (if asked)."""
    expected, actual = outcome(nest, build), outcome(ng, build)
    assert expected[0] == "raise", expected
    assert actual[:2] == expected[:2], (actual, expected)
    for text in (expected[2] if nest_message else "", *texts):
        assert text in actual[2], (text, actual[2])
    return actual[2]


def types_of(value):
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [types_of(v) for v in value]
    if isinstance(value, dict):
        return {k: types_of(v) for k, v in value.items()}
    return type(value).__name__
