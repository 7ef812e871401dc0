"""Where neuron models come from: NESTML model files, found by model name in folders.

A model named ``m`` is the file ``m.nestml`` in the first folder that has one:
the folders added with :meth:`ModelRegistry.add_folder` (``nest.Install``), most
recent first, then those of ``$NESTGAP_MODEL_PATH``, then the models shipped with nestgap (the package data
``nestgap.models``, the repository's ``models/``). Loading a model generates
and compiles its kernel on first use (:mod:`nestgap.codegen.cache`).
"""

import importlib.resources
import os
from pathlib import Path


def shipped_models_folder() -> Path:
    """The folder of the model files shipped with nestgap."""
    return Path(str(importlib.resources.files("nestgap.models")))


class ModelRegistry:
    """The model folders of one process (they outlive ResetKernel, as NEST's installed modules do)."""

    def __init__(self):
        self._added = []

    @property
    def folders(self) -> list:
        """Folders in search order."""
        environment = [Path(p) for p in os.environ.get("NESTGAP_MODEL_PATH", "").split(os.pathsep) if p]
        return [*reversed(self._added), *environment, shipped_models_folder()]

    def add_folder(self, folder):
        """Search ``folder`` first from now on."""
        folder = Path(folder).resolve()
        if folder not in self._added:
            self._added.append(folder)

    def files(self) -> dict:
        """Model name -> model file, for every model found."""
        files = {}
        for folder in self.folders:
            for path in sorted(Path(folder).glob("*.nestml")):
                files.setdefault(path.stem, path)
        return files

    def names(self) -> list:
        return sorted(self.files())

    def kernel(self, name):
        """The generated (and compiled) kernel module of model ``name`` (one of :meth:`names`)."""
        from .codegen.cache import kernel_module

        return kernel_module(self.files()[name])
