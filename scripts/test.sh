#!/usr/bin/env bash
# Set up a virtual environment with every extra the tests need, lint, and run the tests.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SOSRMT_VENV:-.venv}
PY=${PYTHON:-python3}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
"$VENV/bin/python" -m pip install -q "torch==2.13.0"
"$VENV/bin/python" -m pip install -q -e '.[dev,ml,distributed]'
# Debian's espeak-ng synthesises the speech of the ASR study; install it where we may.
if ! command -v espeak-ng >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null) || echo "espeak-ng not installed; the ASR tests will skip"
fi
"$VENV/bin/python" -m ruff check sosrmt tests benchmarks scripts
"$VENV/bin/python" -m pytest -q "$@"
