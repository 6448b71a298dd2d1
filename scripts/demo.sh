#!/usr/bin/env bash
# Set up a virtual environment with the core package (locked versions) and run the demo.
# Usage: bash scripts/demo.sh [sosrmt demo arguments, e.g. --out DIR]
# SOSRMT_UNLOCKED=1 installs the newest versions instead of requirements/lock.txt.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
"$VPY" -m pip install -q $(lock_args) -e .
"$VENV/bin/sosrmt" demo "$@"
