"""The one simulation kernel behind the PyNEST-style functions (NEST has one per process),
made on first use, with the process's model registry."""

_kernel = None


def kernel():
    global _kernel
    if _kernel is None:
        from ..model_registry import ModelRegistry
        from ..simulation.kernel import Kernel

        _kernel = Kernel(ModelRegistry())
    return _kernel
