"""The one simulation kernel behind the PyNEST-style functions (as NEST has one per process)."""

from ..simulation.kernel import Kernel

kernel = Kernel()
