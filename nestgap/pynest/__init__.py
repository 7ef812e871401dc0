"""The PyNEST-compatible face: ``import nestgap as nest`` and run a NEST script unchanged."""
