#!/usr/bin/env bash
# Set up a virtual environment with the core package and run the demo.
# Usage: bash scripts/demo.sh [sosrmt demo arguments, e.g. --out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SOSRMT_VENV:-.venv}
PY=${PYTHON:-python3}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e .
"$VENV/bin/sosrmt" demo "$@"
