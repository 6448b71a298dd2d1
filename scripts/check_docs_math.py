"""Check that the built HTML docs typeset their formulas offline, in headless Chromium.

Opens each given page of ``docs/_build/html`` as a ``file://`` URL in headless Chromium
(network disabled), lets MathJax run, dumps the resulting DOM, and checks that

* MathJax produced typeset output (``<mjx-container>`` elements) on pages with math, and
* no raw TeX delimiter (``\\(`` or ``\\[``) is left in the page's visible text.

Usage: python scripts/check_docs_math.py [BUILD_DIR] [PAGE ...]
(default pages: index.html and the SoS theory page). Exits 1 with one line per failing page.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

DEFAULT_PAGES = ("index.html", "theory/sos.html", "theory/graph_matrices.html")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--allow-file-access-from-files", "--virtual-time-budget=15000", "--dump-dom",
)


class _VisibleText(HTMLParser):
    """Collect the text outside <script>, <style> and MathJax's own assistive markup."""

    _SKIP = frozenset({"script", "style", "mjx-assistive-mml", "noscript"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []
        self.mjx = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mjx-container":
            self.mjx += 1
        if tag in self._SKIP:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("check_docs_math: no Chromium found (Debian: apt-get install chromium)")


def check_page(browser: str, page: Path) -> str | None:
    """Return None when the page's math is typeset, else the reason."""
    if not page.is_file():
        return f"{page}: not built"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    if proc.returncode != 0 or not proc.stdout.strip():
        return f"{page}: Chromium failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"
    parser = _VisibleText()
    parser.feed(proc.stdout)
    text = "".join(parser.parts)
    raw = [d for d in ("\\(", "\\[") if d in text]
    if raw:
        i = min(text.find(d) for d in raw)
        return f"{page}: raw TeX left in the rendered text near {text[i:i + 60]!r}"
    if parser.mjx == 0 and 'class="math' in page.read_text(errors="replace"):
        return f"{page}: MathJax typeset nothing (no <mjx-container> in the rendered page)"
    return None


def main(argv: list[str]) -> int:
    build = Path(argv[0]) if argv else Path("docs/_build/html")
    pages = argv[1:] or list(DEFAULT_PAGES)
    browser = find_chromium()
    failures = [r for r in (check_page(browser, build / p) for p in pages) if r]
    for line in failures:
        print(f"check_docs_math: {line}", file=sys.stderr)
    if not failures:
        print(f"check_docs_math: math typeset offline on {len(pages)} pages")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
