# Shared set-up for scripts/{demo,test,docs}.sh (sourced, not run).
#
# Creates the virtual environment ($SOSRMT_VENV, default .venv) and defines
#   install_torch     - the CPU build of torch, from the PyTorch CPU wheel index where it is
#                       reachable (checked with a 5 s probe), else from the default index;
#   install_sosrmt X  - `pip install -e .[X]` constrained by requirements/lock.txt, the exact
#                       versions the test suite passed with (SOSRMT_UNLOCKED=1: newest versions).
# Usage: source scripts/_env.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${SOSRMT_VENV:-.venv}
PY=${PYTHON:-python3}
LOCK=requirements/lock.txt
TORCH_VERSION=2.13.0
TORCH_CPU_INDEX=${SOSRMT_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
VPY="$VENV/bin/python"
"$VPY" -m pip install -q --upgrade pip

lock_args() {
    if [ "${SOSRMT_UNLOCKED:-0}" = 1 ]; then
        echo "SOSRMT_UNLOCKED=1: installing the newest versions (not the tested lock)" >&2
    else
        echo "-c $LOCK"
    fi
}

install_torch() {
    if "$VPY" -c "import torch" >/dev/null 2>&1; then
        return 0
    fi
    local version="torch==$TORCH_VERSION"
    [ "${SOSRMT_UNLOCKED:-0}" = 1 ] && version="torch"
    if "$VPY" - "$TORCH_CPU_INDEX" <<'PYEOF' >/dev/null 2>&1
import sys, urllib.request
urllib.request.urlopen(sys.argv[1].rstrip("/") + "/torch/", timeout=5)
PYEOF
    then
        echo "installing $version (CPU build) from $TORCH_CPU_INDEX" >&2
        "$VPY" -m pip install -q --index-url "$TORCH_CPU_INDEX" "$version"
    else
        echo "PyTorch CPU index not reachable: installing $version from the default index" >&2
        "$VPY" -m pip install -q "$version"
    fi
}

install_sosrmt() {
    # shellcheck disable=SC2046
    "$VPY" -m pip install -q $(lock_args) -e ".[$1]"
}
