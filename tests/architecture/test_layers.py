"""The layer rule: imports inside ``sosrmt`` point only downwards.

Every ``import`` statement in the package, including those inside functions, is read with
:mod:`ast`; an import of a layer not in the importing layer's allowed set fails the test.
The allowed sets are the table of ``docs/architecture.rst``, checked here to be the same.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sosrmt"
GROUND = {"_report", "_validation", "__init__"}

#: layer -> layers it may import (besides itself and the ground floor).
ALLOWED: dict[str, set[str]] = {
    "_report": set(),
    "_validation": set(),
    "poly": set(),
    "sos": {"poly"},
    "linalg": set(),
    "graphs": {"linalg"},
    "calibration": {"graphs", "linalg", "sos", "poly"},
    "problems": {"calibration", "graphs", "linalg", "sos", "poly"},
    "sweep": set(),
    "ml": {"sweep"},
    "cli": {"poly", "sos", "linalg", "graphs", "calibration", "problems", "sweep", "ml"},
    "__main__": {"cli"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[tuple[int, str]]:
    """The ``sosrmt`` modules imported by the file at ``path`` (line number, module)."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return [(line, m) for line, m in found if m == "sosrmt" or m.startswith("sosrmt.")]


def layer_violations(package: Path = PACKAGE) -> list[str]:
    """Every import that crosses the layer table, as ``file:line: a imports b``."""
    root = package.parent
    bad = []
    for path in sorted(package.rglob("*.py")):
        source = _layer(_module_name(path, root)) if path.name != "__init__.py" or \
            path.parent != package else "__init__"
        for line, target in imports_of(path, root):
            dest = _layer(target)
            if dest in (source, *GROUND):
                continue
            if dest not in ALLOWED.get(source, set()):
                bad.append(f"{path.relative_to(root)}:{line}: {source} imports {dest} ({target})")
    return bad


def test_every_import_points_down() -> None:
    assert layer_violations() == []


def test_every_layer_is_in_the_table() -> None:
    layers = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    layers |= {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert layers <= set(ALLOWED), f"layers missing from ALLOWED: {layers - set(ALLOWED)}"


def test_scan_catches_an_upward_import(tmp_path: Path) -> None:
    """The scan fails on the kind of import it exists to forbid (graphs importing the CLI)."""
    pkg = tmp_path / "sosrmt"
    (pkg / "graphs").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "graphs" / "__init__.py").write_text("")
    (pkg / "graphs" / "table.py").write_text(
        "def f():\n    from sosrmt.cli._common import format_table\n    return format_table\n"
    )
    (pkg / "graphs" / "ok.py").write_text("from . import table\nfrom sosrmt._report import x\n")
    assert layer_violations(pkg) == [
        "sosrmt/graphs/table.py:2: graphs imports cli (sosrmt.cli._common)"
    ]


def _docs_table() -> dict[str, set[str]]:
    text = (ROOT / "docs" / "architecture.rst").read_text()
    rows = re.findall(r"\* - ``(\w+)``\n\s+- (.+)\n", text)
    table = {}
    for layer, allowed in rows:
        if "every layer" in allowed:
            table[layer] = set(ALLOWED) - {"cli", "__main__", "_report", "_validation"}
        else:
            table[layer] = set(re.findall(r"``(\w+)``", allowed))
    return table


@pytest.mark.parametrize("layer", [k for k in ALLOWED if k not in GROUND | {"__main__"}])
def test_docs_table_matches_the_rules(layer: str) -> None:
    assert _docs_table()[layer] == ALLOWED[layer]
