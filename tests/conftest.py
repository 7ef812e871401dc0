"""Shared fixtures: real NEST 3.10 (the oracle) and nestgap, side by side in one session.

NEST must be importable: a missing NEST is an error of the test session, never a
skip. Each fixture resets its kernel, so tests can build networks from scratch.
Every test that runs real NEST (through these fixtures or a module that imports
it) carries the marker ``nest`` (``pytest -m "not nest"`` for a quick run without
the oracle; CI runs everything).
"""

import sys

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


def pytest_collection_modifyitems(items):
    oracle = sys.modules.get("nest")
    for item in items:
        module = getattr(item, "module", None)
        uses_module = oracle is not None and any(value is oracle for value in vars(module).values()) if module else False
        if uses_module or {"nest", "nest_module"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.nest)
