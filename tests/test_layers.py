"""The packages' layers import only downward, and no module imports itself in a circle.

Read from the source with :mod:`ast` (every ``import``, also inside functions and
``TYPE_CHECKING`` blocks), so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("brainsim", "textbranch", "analysis")

#: Layer of a module: the longest prefix listed here decides.
LAYER_OF_PREFIX = {
    "brainsim.channels": "shared", "brainsim.errors": "shared", "brainsim.folders": "shared",
    "brainsim.defaults": "shared",
    "brainsim.model": "model",
    "brainsim.devices": "devices",
    "textbranch": "textbranch",
    "brainsim.experiment": "experiment",
    "brainsim.sweep": "sweep",
    "analysis": "analysis",
    "analysis.app": "cli",  # a user interface, like the command line: it runs the simulator
    "analysis.cli": "cli", "textbranch.cli": "cli",  # their sub-commands of `neuroemo`
    "brainsim.cli": "cli", "brainsim": "cli", "brainsim.__main__": "cli",
}

#: What each layer may import besides itself. The simulator (model, devices, experiment,
#: sweep) never imports analysis; analysis and the text branch never import the simulator;
#: only the command line sees everything.
MAY_IMPORT = {
    "shared": set(),
    "model": {"shared"},
    "devices": {"shared", "model"},
    "textbranch": {"shared"},
    "experiment": {"shared", "model", "devices", "textbranch"},
    "sweep": {"shared", "model", "devices", "textbranch", "experiment"},
    "analysis": {"shared"},
    "cli": {"shared", "model", "devices", "textbranch", "experiment", "sweep", "analysis"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def layer(module: str) -> str:
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        prefix = ".".join(parts[:k])
        if prefix in LAYER_OF_PREFIX:
            return LAYER_OF_PREFIX[prefix]
    raise KeyError(module)


def _deferred(tree: ast.Module) -> set[int]:
    """ids of the import nodes that do not run when the module is imported: inside
    functions (deferred until called) or ``if TYPE_CHECKING:`` blocks (never run)."""
    return {id(n) for block in ast.walk(tree)
            if isinstance(block, ast.FunctionDef | ast.AsyncFunctionDef) or (
                isinstance(block, ast.If) and isinstance(block.test, ast.Name)
                and block.test.id == "TYPE_CHECKING")
            for stmt in block.body for n in ast.walk(stmt)}


def imports_of(path: Path, modules: dict[str, Path], *, at_import: bool = False) -> set[str]:
    """The project modules ``path`` imports (``from a import b`` counts as ``a.b`` when that
    is a module); ``at_import`` keeps only the imports that run when it is imported."""
    out = set()
    tree = ast.parse(path.read_text())
    skip = _deferred(tree) if at_import else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                     else node.module for a in node.names]
        else:
            continue
        out.update(n for n in names if n.split(".")[0] in PACKAGES)
    return out


MODULES = project_modules()
GRAPH = {m: imports_of(p, MODULES) - {m} for m, p in MODULES.items()}
AT_IMPORT = {m: imports_of(p, MODULES, at_import=True) - {m} for m, p in MODULES.items()}


def test_every_module_has_a_layer():
    assert MODULES, "no modules found"
    for m in MODULES:
        assert layer(m) in MAY_IMPORT, m


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_only_downward(module):
    mine = layer(module)
    upward = sorted(dep for dep in GRAPH[module]
                    if layer(dep) != mine and layer(dep) not in MAY_IMPORT[mine])
    assert not upward, f"{module} ({mine}) imports {upward}"


def test_no_import_circle():
    """Tarjan's strongly connected components of the graph of the imports that run when a
    module is imported: all of size one. (Between layers every import, deferred ones too,
    goes downward: test_imports_go_only_downward. Inside a layer a function may import a
    module that imports its own, as ``run.plot`` does with analysis.figures.)"""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in AT_IMPORT.get(v, ()):
            if w not in MODULES:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(MODULES):
        if v not in index:
            visit(v)
    assert not circles, circles


def test_the_model_names_no_speed_up():
    """The model is Brian2 and numpy: nothing under brainsim/model mentions the devices'
    speed-ups (they are installed by the standalone device after the network is built)."""
    for path in (ROOT / "brainsim" / "model").rglob("*.py"):
        text = path.read_text()
        for word in ("speedups", "standard_normal", "ivdep", "independent_loop", "gaussian",
                     "NamedClock", "wall_clock", "scratch"):
            assert word not in text, f"{path.name} mentions {word!r}"


def test_the_check_sees_a_violation(tmp_path):
    """The checks are not vacuous: an upward import and a circle are found."""
    assert "brainsim.devices" in GRAPH["brainsim.experiment.runner"]
    assert layer("analysis.io") == "analysis" and "devices" not in MAY_IMPORT["analysis"]
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from brainsim.experiment import runner\n")
    assert imports_of(bad, MODULES) == {"brainsim.experiment.runner"}
