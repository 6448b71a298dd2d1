#!/usr/bin/env bash
# Write requirements/lock.txt: the exact versions installed in the virtual environment where
# the whole test suite and the docs build passed (every extra installed). The install
# scripts use it as a pip constraints file, so each extra set installs its tested versions.
# Usage (after bash scripts/test.sh and bash scripts/docs.sh passed): bash scripts/lock.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SOSRMT_VENV:-.venv}
{
    echo "# Exact versions the sosrmt test suite and docs build passed with (Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'))."
    echo "# Written by scripts/lock.sh; used as a constraints file (pip install -c) by scripts/*.sh."
    # torch's local label (+cpu) names the wheel index, not the version: the CPU index is chosen
    # by scripts/_env.sh, so the lock pins the version alone.
    "$VENV/bin/python" -m pip freeze --exclude-editable --all \
        | grep -v -E '^(pip|setuptools|wheel)==' | sed -E 's/^(torch==[^+]+)\+.*/\1/' | LC_ALL=C sort -f
} > requirements/lock.txt
echo "wrote requirements/lock.txt ($(grep -c '==' requirements/lock.txt) packages)"
