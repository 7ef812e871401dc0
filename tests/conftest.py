"""Shared fixtures: real NEST 3.10 (the oracle) and nestgap, side by side in one session.

NEST must be importable: a missing NEST is an error of the test session, never a
skip. Each fixture resets its kernel, so tests can build networks from scratch.
"""

import pytest


@pytest.fixture(scope="session")
def nest_module():
    import nest  # the oracle; installed by the test extra (pip install -e .[test])

    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


@pytest.fixture
def nest(nest_module):
    nest_module.ResetKernel()
    return nest_module


@pytest.fixture
def ng():
    import nestgap

    nestgap.ResetKernel()
    return nestgap
