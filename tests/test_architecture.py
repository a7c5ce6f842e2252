"""The core must stay host-independent so that moving off MkDocs touches only the glue."""

import ast
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent / "generator"
CORE = [GENERATOR / stage for stage in ("common", "sources", "knowledge", "compile", "outputs")]


def test_core_imports_nothing_from_mkdocs_or_material():
    offenders = []
    assert all(folder.is_dir() for folder in CORE)
    for path in (p for folder in CORE for p in folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"mkdocs", "material"}]
    assert offenders == []
