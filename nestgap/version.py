"""nestgap's version (a module of its own: code generation and the NEST-module builder read it
without starting the simulator)."""

__version__ = "0.1.0"
