"""``import nest`` answered by nestgap, so that NEST's own tests and examples run unchanged.

This folder is put first on ``PYTHONPATH`` by the harness (validation/nest_testsuite);
it has no behaviour of its own. Importing ``nest`` gives the nestgap module itself,
so every attribute read or assignment (``nest.resolution = 0.1``) reaches nestgap,
and ``import nest.X.Y`` gives nestgap's module ``nestgap.X.Y`` where that exists.
Where nestgap has no such module the import fails, as any missing module does
(``ModuleNotFoundError: No module named 'nest.lib'``).
"""

import importlib
import importlib.abc
import importlib.util
import sys

import nestgap


class _ModuleAlias(importlib.abc.Loader):
    """Loads ``nest.X`` as the already imported module ``nestgap.X`` (one module object, two names)."""

    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        """Nothing to run: ``create_module`` returned nestgap's module, executed on its own import."""


class _NestToNestgap(importlib.abc.MetaPathFinder):
    """``nest.X.Y`` -> ``nestgap.X.Y``; unknown names fall through to the ordinary (failing) search."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("nest."):
            return None
        target_name = "nestgap." + fullname[len("nest."):]
        try:
            if importlib.util.find_spec(target_name) is None:
                return None
        except ModuleNotFoundError:  # a parent of target_name is missing as well
            return None
        return importlib.util.spec_from_loader(fullname, _ModuleAlias(target_name))


sys.meta_path.insert(0, _NestToNestgap())
sys.modules[__name__] = nestgap
