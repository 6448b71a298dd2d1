"""The documentation's executable parts outside Sphinx.

The gallery scripts (``examples/plot_*.py``) are executed by the Sphinx build, which fails
on any error; here they are only compiled, so that a syntax error shows up in the fast test
run. The tutorial ``docs/getting_started.rst`` is run as a doctest.
"""

from __future__ import annotations

import doctest
import py_compile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").rglob("plot_*.py"))


def test_gallery_is_not_empty() -> None:
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_compiles(path: Path) -> None:
    py_compile.compile(str(path), doraise=True)
    # every gallery example asserts the fact it illustrates
    assert "assert " in path.read_text()


def test_getting_started_doctest() -> None:
    result = doctest.testfile(
        str(ROOT / "docs" / "getting_started.rst"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted > 10
    assert result.failed == 0
