#!/usr/bin/env bash
# Set up a virtual environment with the docs extra (locked versions) and build the HTML
# documentation with warnings as errors (the gallery in examples/ is executed), then check in
# headless Chromium that the formulas are typeset offline. Output: docs/_build/html.
# Usage: bash scripts/docs.sh [extra sphinx-build arguments]
# SOSRMT_UNLOCKED=1 builds against the newest versions instead of requirements/lock.txt.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# The ML pages document sosrmt.ml, whose study modules import torch: the CPU build first.
install_torch
install_sosrmt "docs,ml,distributed"
# Debian's Chromium renders the built pages for the offline-math check.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
        || echo "chromium not installed; the math check will fail" >&2
fi
export MPLBACKEND=Agg
"$VPY" -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
"$VPY" scripts/check_docs_math.py docs/_build/html
echo "docs built: open docs/_build/html/index.html"
