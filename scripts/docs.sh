#!/usr/bin/env bash
# Set up a virtual environment with the docs extra and build the HTML documentation with
# warnings as errors (the gallery in examples/ is executed). Output: docs/_build/html.
# Usage: bash scripts/docs.sh [extra sphinx-build arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SOSRMT_VENV:-.venv}
PY=${PYTHON:-python3}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# The ML pages document sosrmt.ml, whose study modules import torch: the CPU build first.
"$VENV/bin/python" -m pip install -q "torch==2.13.0"
"$VENV/bin/python" -m pip install -q -e '.[docs,ml,distributed]'
export MPLBACKEND=Agg
"$VENV/bin/python" -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
echo "docs built: open docs/_build/html/index.html"
