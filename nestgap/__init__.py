"""nestgap: NESTML models simulated with NEST semantics, bit for bit."""

__version__ = "0.1.0"
