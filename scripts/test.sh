#!/usr/bin/env bash
# Set up a virtual environment with every extra the tests need (locked versions), lint, test.
# Usage: bash scripts/test.sh [pytest arguments]
# SOSRMT_UNLOCKED=1 tests against the newest versions instead of requirements/lock.txt.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
install_torch
install_sosrmt "dev,ml,distributed"
# Debian's espeak-ng synthesises the speech of the ASR study; install it where we may.
if ! command -v espeak-ng >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null) \
        || echo "espeak-ng not installed; the ASR tests will skip" >&2
fi
"$VPY" -m ruff check sosrmt tests benchmarks scripts examples
"$VPY" -m pytest -q "$@"
