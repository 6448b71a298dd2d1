"""Sphinx configuration of the sosrmt documentation.

Build with ``bash scripts/docs.sh`` (warnings are errors). The gallery in ``examples/`` is
executed at build time. Intersphinx needs the network; without it the links to numpy,
scipy, networkx and cvxpy render as plain text and the build still passes with ``-W``
(an empty local inventory is the fallback). ``SOSRMT_DOCS_OFFLINE=1`` skips intersphinx,
``SOSRMT_DOCS_OFFLINE=0`` makes an unreachable inventory an error.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import sosrmt  # noqa: E402

project = "sosrmt"
author = "sosrmt developers"
copyright = "2026, sosrmt developers"
release = sosrmt.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped with the docs (copied into _static/mathjax), so formulas render offline.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
default_role = "obj"

# -- autodoc / numpydoc ------------------------------------------------------------------
autosummary_generate = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
autodoc_mock_imports: list[str] = []
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- intersphinx (tolerant of no network) ------------------------------------------------
_INVENTORIES = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "scipy": ("https://docs.scipy.org/doc/scipy/", None),
    "networkx": ("https://networkx.org/documentation/stable/", None),
    "cvxpy": ("https://www.cvxpy.org/", None),
    "matplotlib": ("https://matplotlib.org/stable/", None),
}


def _empty_inventory() -> str:
    """Write a valid, empty Sphinx inventory and return its path (the offline fallback)."""
    path = Path(tempfile.gettempdir()) / "sosrmt-docs-empty-objects.inv"
    header = (
        b"# Sphinx inventory version 2\n# Project: none\n# Version: 0\n"
        b"# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header + zlib.compress(b""))
    return str(path)


# Each inventory is tried remotely first; when that fails (no network), the empty local
# inventory "succeeds", intersphinx logs the failure at info level only, and the references
# render as plain text. So -W passes offline. SOSRMT_DOCS_OFFLINE=1 skips intersphinx;
# SOSRMT_DOCS_OFFLINE=0 makes a missing inventory an error (for a release build online).
_offline = os.environ.get("SOSRMT_DOCS_OFFLINE", "").strip().lower()
if _offline in {"1", "true", "yes"}:
    intersphinx_mapping: dict = {}
elif _offline in {"0", "false", "no"}:
    intersphinx_mapping = dict(_INVENTORIES)
else:
    _empty = _empty_inventory()
    intersphinx_mapping = {k: (url, (None, _empty)) for k, (url, _) in _INVENTORIES.items()}
intersphinx_timeout = 5

# -- sphinx-gallery ------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "reference_url": {"sosrmt": None},
    "doc_module": ("sosrmt",),
    "backreferences_dir": None,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "show_memory": False,
    "write_computation_times": False,
    "min_reported_time": 1,
}

# matplotlib in the examples: no display, quiet.
warnings.filterwarnings("ignore", category=UserWarning, message=".*non-GUI backend.*")

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sosrmt {release}"
html_theme_options = {
    "navigation_depth": 3,
    "show_toc_level": 2,
    "github_url": None,
    "navbar_align": "left",
}
html_static_path: list[str] = []
html_show_sourcelink = False

# -- API reference pages -------------------------------------------------------------------
# One page per public module: an autosummary table of its ``__all__`` and the automodule
# documentation of every member, so that every public function and class is covered and a
# name added to an ``__all__`` appears without editing the pages. The pages are written here
# (only when their text changes) and committed.
API_SECTIONS: list[tuple[str, str, list[str]]] = [
    ("poly", "Polynomials", ["sosrmt.poly"]),
    (
        "sos",
        "SoS relaxations",
        [
            "sosrmt.sos",
            "sosrmt.sos.testproblems",
            "sosrmt.sos.backends.admm",
            "sosrmt.sos.backends.anderson",
            "sosrmt.sos.backends.clarabel_backend",
        ],
    ),
    (
        "problems",
        "Problems",
        [
            "sosrmt.problems.protocol",
            "sosrmt.problems.sk",
            "sosrmt.problems.tensor_pca",
            "sosrmt.problems.sparse_pca",
            "sosrmt.problems.dense_subgraph",
            "sosrmt.problems.planted_affine_planes",
            "sosrmt.problems.sk_transfer",
            "sosrmt.problems.anticoncentration",
        ],
    ),
    (
        "calibration",
        "Pseudo-calibration",
        [
            "sosrmt.calibration",
            "sosrmt.calibration.boolean_operator",
            "sosrmt.calibration.ternary_operator",
            "sosrmt.calibration.estimates",
            "sosrmt.calibration.phase",
        ],
    ),
    (
        "graphs",
        "Graph matrices",
        ["sosrmt.graphs", "sosrmt.graphs.efron_stein", "sosrmt.graphs.jobs"],
    ),
    ("linalg", "Linear algebra", ["sosrmt.linalg"]),
    ("sweep", "Sweeps", ["sosrmt.sweep", "sosrmt.sweep.examples"]),
    (
        "ml",
        "ML studies",
        ["sosrmt.ml", "sosrmt.ml.metrics"]
        + [
            f"sosrmt.ml.{p.stem}"
            for p in sorted((ROOT / "sosrmt" / "ml").glob("*.py"))
            if not p.stem.startswith("_") and p.stem not in {"metrics", "study"}
        ],
    ),
]


def _module_block(modname: str) -> str:
    import importlib

    try:
        mod = importlib.import_module(modname)
    except ImportError as exc:  # an optional extra is missing: say so on the page
        return f"{modname}\n{'-' * len(modname)}\n\n*Not importable here: {exc}.*\n"
    names = [n for n in getattr(mod, "__all__", []) if not n.startswith("_")]
    lines = [f"{modname}", "-" * len(modname), ""]
    if names:
        lines += [f".. currentmodule:: {modname}", ""]
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in names]
        lines += [""]
    lines += [f".. automodule:: {modname}", "   :members:", ""]
    return "\n".join(lines) + "\n"


def _cli_page() -> str:
    """The ``--help`` text of every ``sosrmt`` command and subcommand."""
    import argparse

    from sosrmt.cli import build_parser

    os.environ["COLUMNS"] = "88"  # argparse wraps to the terminal width: fix it

    def walk(parser: argparse.ArgumentParser, prog: str) -> list[tuple[str, str]]:
        out = [(prog, parser.format_help())]
        for action in parser._actions:  # argparse has no public API for subparsers
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out += walk(sub, f"{prog} {name}")
        return out

    title = "Command line"
    lines = [title, "=" * len(title), ""]
    lines += ["Every computing command takes ``--json`` (one JSON document on stdout) and",
              "``--seed``. ``python -m sosrmt`` is the same as ``sosrmt``.", ""]
    for prog, text in walk(build_parser(), "sosrmt"):
        lines += [f"``{prog}``", "-" * (len(prog) + 4), "", ".. code-block:: text", ""]
        lines += [f"   {line}".rstrip() for line in text.splitlines()] + [""]
    return "\n".join(lines) + "\n"


def _write_api_pages() -> None:
    api = Path(__file__).resolve().parent / "api"
    api.mkdir(exist_ok=True)
    index = ["API reference", "=============", "", ".. toctree::", "   :maxdepth: 2", ""]
    for stem, title, modules in API_SECTIONS:
        index.append(f"   {stem}")
        text = f"{title}\n{'=' * len(title)}\n\n" + "\n".join(_module_block(m) for m in modules)
        path = api / f"{stem}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    index.append("   cli")
    text = _cli_page()
    path = api / "cli.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    text = "\n".join(index) + "\n"
    path = api / "index.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


_write_api_pages()
