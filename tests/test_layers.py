"""The stages of the pipeline import one way: model file -> spec -> checks -> generated kernel ->
simulation kernel -> PyNEST face. A stage can be imported without the ones after it."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nestgap"


def _loaded_after(statement):
    """nestgap modules in sys.modules after ``statement``, in a fresh interpreter."""
    script = f"import sys; {statement}; print(' '.join(sorted(m for m in sys.modules if m.startswith('nestgap'))))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent).stdout
    return out.split()


@pytest.mark.parametrize("stage", ["nestgap.frontend.spec", "nestgap.codegen.generator", "nestgap.codegen.aot",
                                   "nestgap.checks.model_checks", "nestgap.nest_module.builder"])
def test_a_stage_loads_neither_the_simulator_nor_the_face(stage):
    loaded = _loaded_after(f"import {stage}")
    assert stage in loaded
    later = [m for m in loaded if m.startswith(("nestgap.simulation", "nestgap.pynest", "nestgap.random"))]
    assert later == []


def test_the_simulation_kernel_loads_no_face_module():
    loaded = _loaded_after("import nestgap.simulation.kernel")
    assert [m for m in loaded if m.startswith("nestgap.pynest")] == []


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or ""), [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_the_face_talks_only_to_the_kernel():
    """The PyNEST face (nestgap/pynest, the package's __init__) imports no Network, Engine or
    other part of the simulation kernel besides the Kernel itself and its settings' names."""
    allowed = {"..simulation.kernel": {"Kernel"}, "..simulation.settings": {"SETTABLE"},
               ".simulation.settings": {"SETTABLE"}}
    for path in [*sorted((PACKAGE / "pynest").glob("*.py")), PACKAGE / "__init__.py"]:
        for module, names in _imports(path):
            if "simulation" in module:
                assert module in allowed and set(names) <= allowed[module], (path.name, module, names)
