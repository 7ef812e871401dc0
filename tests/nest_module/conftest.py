"""What the tests of the NEST-module builder share: the module built from models/hh_psc_alpha_gap.nestml."""

import os

import pytest

from nestgap.exceptions import ToolchainError
from nestgap.nest_module import build_module
from support import ROOT

MODEL_FILE = os.path.join(str(ROOT), "models", "hh_psc_alpha_gap.nestml")


@pytest.fixture(scope="session")
def built():
    """The hh_psc_alpha_gap module, built once per session (a failed build fails the test, naming why)."""
    try:
        return build_module(MODEL_FILE, log=print)
    except ToolchainError as error:  # e.g. a missing Debian package
        pytest.fail(f"building the NEST module failed: {error}", pytrace=False)
