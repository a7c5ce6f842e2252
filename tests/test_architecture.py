"""The shape of the generator (issue #16): stages in order, each a folder, importing only from the stages
before it; no circle of imports; no import inside a function; and a core that knows nothing of its host, so
that moving off MkDocs touches only ``generator/hosts/``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GENERATOR = Path(__file__).resolve().parent.parent / "generator"
# Each stage may import from itself and from the stages before it.
STAGES = ("common", "sources", "knowledge", "compile", "outputs", "hosts", "")  # "": cli, entry, scaffold
CORE = STAGES[:5]
HOST_PACKAGES = {"mkdocs", "material", "zensical"}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Dotted name (``generator.knowledge.loader``) -> file, for every module of the generator."""
    out = {}
    for path in sorted(GENERATOR.rglob("*.py")):
        parts = path.relative_to(GENERATOR.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES) else ""


def imports(module: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function?) for every import of ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                found.append((target, child.lineno, in_function))
                # `from . import x`: x is a module of that package
                found.extend((f"{target}.{a.name}", child.lineno, in_function) for a in child.names
                             if f"{target}.{a.name}" in ALL)
            if not (isinstance(child, ast.If) and _type_checking(child)):
                visit(child, nested)

    visit(tree, False)
    return found


def _type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


ALL = modules()
GRAPH = {m: [(t, line, f) for t, line, f in imports(m, p)] for m, p in ALL.items()}


def ours(target: str) -> str | None:
    """The generator's module ``target`` names (a name imported from a module counts as that module)."""
    while target and target not in ALL:
        target = target.rpartition(".")[0]
    return target if target.startswith("generator") else None


def test_the_stages_are_the_folders_of_the_generator():
    folders = {p.name for p in GENERATOR.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(STAGES) - {""}, "every folder of generator/ is a stage; a new one goes into STAGES in order"


def test_no_stage_imports_from_a_stage_after_it():
    upward = []
    for module, found in GRAPH.items():
        rank = STAGES.index(stage_of(module))
        for target, line, _ in found:
            mod = ours(target)
            if mod and mod != "generator" and STAGES.index(stage_of(mod)) > rank:
                upward.append(f"{ALL[module].relative_to(GENERATOR.parent)}:{line}: {module} imports {mod}")
    assert upward == []


def test_no_circle_of_imports():
    edges = {m: sorted({ours(t) for t, _, _ in found} - {None, m, "generator"}) for m, found in GRAPH.items()}
    circles, state = [], {}

    def walk(m, trail):
        state[m] = "open"
        for n in edges[m]:
            if state.get(n) == "open":
                circles.append(" -> ".join(trail[trail.index(n):] + [n]))
            elif n not in state:
                walk(n, trail + [n])
        state[m] = "done"

    for m in edges:
        if m not in state:
            walk(m, [m])
    assert circles == []


def test_no_import_inside_a_function():
    inside = [f"{ALL[m].relative_to(GENERATOR.parent)}:{line}: imports {t}" for m, found in GRAPH.items()
              for t, line, in_function in found if in_function]
    assert inside == []


def test_weasyprint_is_imported_by_the_layout_worker_alone():
    """WeasyPrint is slow to import: only the layout worker's modules import it, and only the worker's program
    imports them; no module imports the program, which the build starts as a process of its own (``python -m
    generator.outputs.layout``) while it loads the project."""
    worker = "generator.outputs.layout"
    with_weasyprint = {m for m, found in GRAPH.items() for t, _, _ in found if t.split(".")[0] == "weasyprint"}
    assert worker in with_weasyprint
    importers = {m: {ours(t) for t, _, _ in found} for m, found in GRAPH.items()}
    assert {m for m, targets in importers.items() if targets & with_weasyprint} <= {worker}
    assert [m for m, targets in importers.items() if worker in targets] == []


def test_the_core_imports_nothing_of_a_host():
    offenders = [f"{ALL[m].relative_to(GENERATOR.parent)}:{line}: imports {t}" for m, found in GRAPH.items()
                 if stage_of(m) in CORE for t, line, _ in found if t.split(".")[0] in HOST_PACKAGES]
    assert offenders == []


@pytest.mark.parametrize("module", sorted(ALL))
def test_no_module_is_longer_than_400_lines(module):
    lines = len(ALL[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{ALL[module].relative_to(GENERATOR.parent)}: {lines} lines; split it by job"


def test_the_mkdocs_plugin_is_a_thin_adapter():
    plugin = GENERATOR / "hosts" / "mkdocs" / "plugin.py"
    assert len(plugin.read_text(encoding="utf-8").splitlines()) < 120
