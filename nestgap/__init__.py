"""nestgap: NESTML models simulated with NEST semantics, bit for bit."""
