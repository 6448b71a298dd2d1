"""SK resources: estimates checked against measured peaks, refusals before any work."""

import json
import subprocess
import sys
import time

import pytest

from sosrmt.problems import sk

# peak resident memory above the process's baseline (after imports and a tiny warm-up
# solve) while one stage runs, measured in a fresh interpreter
# (VmHWM of /proc/self/status, not ru_maxrss: on Linux a child's ru_maxrss starts at its
# parent's resident size at fork, which is larger than these stages when pytest is large)
MEASURE = r"""
import json, sys
from sosrmt.problems import sk

def hwm():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))

stage, n = sys.argv[1], int(sys.argv[2])
W = sk.sk_instance(n, seed=0)
sk.sos_value(sk.sk_instance(4, seed=0), 2)
base = hwm()
if stage == "sos4":
    sk.sos_value(W, 4)
elif stage == "sos4admm":
    sk.sos4_bounds(W, max_iters=200, polish=2)
else:
    sk.burer_monteiro(W, rng=0, maxiter=30)
print(json.dumps({"bytes": hwm() - base}))
"""

#: stated accuracy of the estimator: measured / estimated lies in [1/FACTOR, FACTOR]
FACTOR = 2.0


def _measure(stage, n):
    out = subprocess.run([sys.executable, "-c", MEASURE, stage, str(n)], capture_output=True,
                         text=True, check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])["bytes"]


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status (Linux)")
@pytest.mark.parametrize(("stage", "n"), [("sos4", 20), ("sos4", 22), ("sos4", 24),
                                          ("sos4admm", 32),
                                          pytest.param("bm", 2000, marks=pytest.mark.slow)])
def test_estimate_against_measured_peak(stage, n):
    measured = _measure(stage, n)
    if stage == "sos4admm":
        est = next(s.nbytes for s in sk.estimate_resources(n, degrees=(4,), backend="admm")
                   .stages if s.name.startswith("degree-4"))
    elif stage == "sos4":
        est = next(s.nbytes for s in sk.estimate_resources(n, degrees=(4,)).stages
                   if s.name.startswith("degree-4"))
    else:
        est = next(s.nbytes for s in sk.estimate_resources(n, degrees=(2,), method="bm").stages
                   if "Burer" in s.name)
    assert 1 / FACTOR <= measured / est <= FACTOR, (stage, n, measured, est)


@pytest.mark.parametrize("argv", [["--n", "150", "--degree", "4"],
                                  ["--n", "300", "--degree", "4"],
                                  ["--n", "400", "--degree", "4", "--backend", "admm"],
                                  ["--n", "100000", "--bm"],
                                  ["--n", "1000000"]])
def test_cli_refuses_at_once_in_one_line(argv):
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "sosrmt", "sk", *argv], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and "refused before any work" in err[0]
    assert "GiB" in err[0] or "TiB" in err[0]
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert time.perf_counter() - t0 < 60  # python start-up and imports only


def test_library_refuses_before_allocating():
    with pytest.raises(ValueError, match="refused before any work"):
        sk.sample_null(200_000, rng=0)
    with pytest.raises(ValueError, match="refused before any work"):
        sk.value_chains(300, degrees=(2, 4))
    with pytest.raises(ValueError, match="time limit"):
        sk.check_resources(sk.estimate_resources(40), max_seconds=1.0)
    est = sk.estimate_resources(64, degrees=(2, 4))
    assert est.peak_bytes < 8 * 2**30  # the degree-4 solve at n = 64 fits the 8 GB target
