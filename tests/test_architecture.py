"""The house's layout, read from the code's own imports: each folder one stage of the data flow,
imports only pointing down it, no import circle, and no import hidden in a function to dodge one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analyzer", "rules", "webapp")

# The data flow, first stage first. A module may import its own stage or an earlier one.
STAGES: tuple[tuple[str, ...], ...] = (
    ("analyzer", "analyzer.landmarks", "analyzer.report"),
    ("analyzer.workers",),
    ("analyzer.track",),
    ("analyzer.io",),
    ("analyzer.pose",),
    ("analyzer.features",),
    ("analyzer.judging", "rules"),
    ("analyzer.adaptive",),
    ("analyzer.pipeline",),
    ("analyzer.draw",),
    ("analyzer.exports", "analyzer.live", "analyzer.store", "analyzer.batch"),
    ("analyzer.cli",),
    ("webapp", "app"),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    found["app"] = ROOT / "app.py"
    return found


def _stage(module: str) -> int:
    best, rank = -1, -1
    for index, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank >= 0, f"{module} belongs to no stage: add its folder to STAGES"
    return rank


def _project_imports(tree: ast.AST, modules: dict[str, Path]) -> list[tuple[str, ast.stmt]]:
    """(imported project module, the statement) for every import in the file, at any depth."""
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.append((name, node))
                break
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            ids |= {id(n) for child in node.body for n in ast.walk(child)}
    return ids


@pytest.fixture(scope="module")
def graph() -> dict[str, list[tuple[str, ast.stmt, bool]]]:
    modules = _modules()
    edges = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        top_level = {id(n) for n in tree.body}
        typing_only = _type_checking_only(tree)
        edges[name] = [
            (target, node, id(node) in top_level)
            for target, node in _project_imports(tree, modules)
            if target != name and id(node) not in typing_only
        ]
    return edges


def test_every_import_points_down_the_flow(graph: dict) -> None:
    upward = [
        f"{source} (stage {_stage(source)}) imports {target} (stage {_stage(target)}), line {node.lineno}"
        for source, edges in graph.items()
        for target, node, _ in edges
        if _stage(target) > _stage(source)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_is_hidden_in_a_function(graph: dict) -> None:
    hidden = [
        f"{source} line {node.lineno} imports {target} inside a function or block"
        for source, edges in graph.items()
        for target, node, top in edges
        if not top
    ]
    assert not hidden, "\n".join(hidden)


def test_no_import_circle(graph: dict) -> None:
    state: dict[str, int] = {}
    circles: list[str] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target, _, _ in graph.get(module, []):
            if state.get(target) == 1:
                circles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert not circles, "\n".join(circles)


# Optional extras: the only modules that may import them, and only inside a function (on first use),
# so that the app and `formcheck analyze` run without them installed.
OPTIONAL = {"ray": ("analyzer.batch.cluster",)}


def _imports_of(tree: ast.AST, package: str) -> list[tuple[ast.stmt, bool]]:
    top_level = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
        )
        if any(name == package or name.startswith(package + ".") for name in names):
            found.append((node, id(node) in top_level))
    return found


def test_optional_extras_are_imported_only_where_they_are_used_and_only_on_use() -> None:
    wrong = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text())
        for package, allowed in OPTIONAL.items():
            for node, top in _imports_of(tree, package):
                if name not in allowed:
                    wrong.append(f"{name} line {node.lineno} imports {package} (only {', '.join(allowed)} may)")
                elif top:
                    wrong.append(f"{name} line {node.lineno} imports {package} at the top: import it on first use")
    assert not wrong, "\n".join(wrong)


def test_the_cli_and_the_app_load_without_ray() -> None:
    """What `formcheck analyze` and the Streamlit pages import never pulls Ray in."""
    code = (
        "import importlib, pkgutil, sys, analyzer.cli, webapp\n"
        "for m in pkgutil.iter_modules(webapp.__path__): importlib.import_module('webapp.' + m.name)\n"
        "sys.exit(1 if 'ray' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
