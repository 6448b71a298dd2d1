"""Memory and time of every SK stage, estimated before any work and checked against the machine.

Each stage's peak memory is a per-element cost measured on this package (peak resident
memory above the process's baseline, ``resource.getrusage``) times its element count:

========================  ================================  ==============================
stage                     elements                           measured cost
========================  ================================  ==============================
instance                  :math:`n^2` floats                 2 arrays while it is built
brute force               :math:`\\min(2^{n-1}, 2^{24})`      4 float blocks of that size
SoS degree 2 (SCS)        :math:`n^3` and cone entries       11 B per :math:`n^3` + 1.8 kB/entry
SoS degree 4 (SCS)        cone entries of both blocks        1.8 kB per entry (n = 16 ... 28)
SoS degree 4 (ADMM)       cone entries, even block squared   0.4 kB per entry + 8 blocks
Burer--Monteiro           :math:`n^2` (dual eigensolver)     2 :math:`n\\times n` arrays
spectral bound            :math:`n^2`                        1.5 :math:`n\\times n` arrays
========================  ================================  ==============================

The coupling matrix is held through every stage, so the peak is the instance plus the
largest stage. Times are rough (two shared cores): they are shown, and refused only when the
caller sets ``max_seconds``. ``tests/problems/test_sk_resources.py`` compares the estimates
with measured peaks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from math import comb

from sosrmt._validation import DEFAULT_MEMORY_LIMIT, check_int

__all__ = [
    "ResourceEstimate",
    "Stage",
    "available_memory",
    "check_instance_memory",
    "check_resources",
    "estimate_resources",
    "sos_cone_entries",
]

_F8 = 8.0
#: Bytes per cone entry of a whole solve (SCS workspace, polishing, certificate): measured
#: 1.61-1.73 kB at n = 16, 20, 24, 28 (degree 4).
SOS_BYTES_PER_ENTRY = 1800.0
#: Bytes per n^3 of the degree-2 solve (measured 9.4-10.2 at n = 300, 600).
SOS2_BYTES_PER_N3 = 11.0
#: Seconds per (even block size)^3 of one SCS iteration (one eigendecomposition), degree 4.
SOS_SECONDS_PER_N3 = 3.5e-10
#: Typical SCS iteration count of a degree-4 SK solve (n = 24 ... 32).
SOS4_ITERATIONS = 2000
#: ADMM backend, degree 4: bytes per cone entry (conic data, iterates, certificate, the
#: Anderson history of 2 x 10 states of two vectors each, and the interpreter's share) and
#: dense copies of the even block (eigendecomposition, polishing); measured peaks 0.43 and
#: 0.75 GiB at n = 40 and 48.
ADMM_BYTES_PER_ENTRY = 1300.0
ADMM_DENSE_BLOCKS = 8
#: ADMM: seconds per cone entry of one iteration (2.5 s per iteration at n = 64, dense
#: eigendecompositions on one thread under a load of 6 to 8), and the iterations it takes
#: (80 to 240 at n = 24 ... 48 with Anderson acceleration on tight instances; an instance
#: that is not tight needs more).
ADMM_SECONDS_PER_ENTRY = 1.2e-6
ADMM_ITERATIONS = 600
#: Brute-force throughput, configurations times half-width per second.
BRUTE_RATE = 2e9
#: Burer--Monteiro: seconds per n^2 k of one iteration, and a typical iteration count.
BM_SECONDS_PER_N2K = 2e-9
BM_ITERATIONS = 1500
#: Dense symmetric eigensolver, seconds per n^3.
EIG_SECONDS_PER_N3 = 1.5e-9


@dataclass(frozen=True)
class Stage:
    """One stage of an SK computation: its name, peak extra bytes and rough seconds."""

    name: str
    nbytes: float
    seconds: float


@dataclass(frozen=True)
class ResourceEstimate:
    """Estimated peak memory and time of an SK computation, stage by stage.

    Attributes
    ----------
    n : int
    instance_bytes : float
        The coupling matrix, held during every stage.
    stages : tuple of Stage
    """

    n: int
    instance_bytes: float
    stages: tuple[Stage, ...]

    @property
    def peak_bytes(self) -> float:
        """Instance plus the largest stage."""
        return self.instance_bytes + max((s.nbytes for s in self.stages), default=0.0)

    @property
    def seconds(self) -> float:
        """Sum of the stages' rough times."""
        return sum(s.seconds for s in self.stages)

    def summary(self) -> str:
        """One line: peak memory, its dominant stage, and the rough time.

        Examples
        --------
        >>> estimate_resources(10, degrees=(2,)).summary().startswith("n = 10:")
        True
        """
        top = max(self.stages, key=lambda s: s.nbytes, default=None)
        where = f" (dominated by {top.name})" if top is not None else ""
        return (
            f"n = {self.n}: about {_fmt_bytes(self.peak_bytes)} peak memory{where}, "
            f"roughly {_fmt_seconds(self.seconds)}"
        )


def _fmt_bytes(b: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if b >= scale:
            return f"{b / scale:.3g} {unit}"
    return f"{b / 2**10:.3g} KiB"


def _fmt_seconds(s: float) -> str:
    if s >= 86400:
        return f"{s / 86400:.3g} days"
    if s >= 3600:
        return f"{s / 3600:.3g} h"
    if s >= 60:
        return f"{s / 60:.3g} min"
    return f"{s:.2g} s" if s >= 1 else "under a second"


def sos_cone_entries(n: int, degree: int) -> tuple[int, int]:
    """(largest PSD block size, total svec cone entries) of the sign-symmetric SK relaxation.

    Degree 2: blocks :math:`\\{1\\}` and :math:`\\{x_i\\}`; degree 4: the even block
    :math:`\\{1\\}\\cup\\{x_ix_j\\}` of size :math:`1+\\binom n2` and the odd block
    :math:`\\{x_i\\}`.

    Examples
    --------
    >>> sos_cone_entries(64, 4)
    (2017, 2037233)
    """
    n = check_int(n, "n", minimum=1)
    if degree == 2:
        sizes = [1, n]
    elif degree == 4:
        sizes = [1 + comb(n, 2), n]
    else:
        raise ValueError(f"degree: expected 2 or 4, got {degree!r}")
    return max(sizes), sum(s * (s + 1) // 2 for s in sizes)


def estimate_resources(
    n: int,
    *,
    degrees: tuple[int, ...] = (2, 4),
    method: str = "sos",
    brute: bool = False,
    planted: bool = False,
    backend: str = "scs",
) -> ResourceEstimate:
    """Estimate every stage of :func:`~sosrmt.problems.sk.value_chain` at size ``n``.

    Parameters
    ----------
    n : int
    degrees : tuple of int
        SoS degrees (2 and/or 4).
    method : {"sos", "bm"}
        Degree 2 by the SoS engine (SCS) or by Burer--Monteiro.
    brute : bool
        Whether brute force runs.
    planted : bool
        A spiked instance (one more :math:`n\\times n` array while it is built).
    backend : {"scs", "admm", "cvxpy"}
        The SoS solver of degree 4 (degree 2 is always costed as SCS).

    Examples
    --------
    >>> est = estimate_resources(1_000_000, degrees=(2,), method="bm")
    >>> est.peak_bytes > 2**40
    True
    """
    n = check_int(n, "n", minimum=2)
    nn = float(n) * n
    stages = []
    if brute:
        block = float(min(2 ** (n - 1), 2**24))
        stages.append(Stage("brute force", 4 * _F8 * block, 2.0 ** (n - 1) * n / 2 / BRUTE_RATE))
    for d in degrees:
        if d == 2 and method == "bm":
            k = int((2 * n) ** 0.5) + 2
            stages.append(
                Stage(
                    "degree-2 Burer-Monteiro",
                    2 * _F8 * nn + 10 * _F8 * n * k,
                    BM_SECONDS_PER_N2K * nn * k * BM_ITERATIONS + EIG_SECONDS_PER_N3 * nn * n,
                )
            )
            continue
        block, entries = sos_cone_entries(n, d)
        if d == 4 and backend == "admm":
            nbytes = ADMM_BYTES_PER_ENTRY * entries + ADMM_DENSE_BLOCKS * _F8 * float(block) ** 2
            seconds = ADMM_ITERATIONS * ADMM_SECONDS_PER_ENTRY * entries
            stages.append(Stage("degree-4 SoS (ADMM)", nbytes, seconds))
            continue
        nbytes = SOS_BYTES_PER_ENTRY * entries
        if d == 2:
            nbytes += SOS2_BYTES_PER_N3 * nn * n
        iters = SOS4_ITERATIONS if d == 4 else 500
        seconds = iters * (SOS_SECONDS_PER_N3 * float(block) ** 3 + 2e-8 * entries)
        stages.append(Stage(f"degree-{d} SoS (SCS)", nbytes, seconds))
    stages.append(Stage("spectral bound", 1.5 * _F8 * nn, EIG_SECONDS_PER_N3 * nn * n))
    instance = (3 if planted else 2) * _F8 * nn
    return ResourceEstimate(n=n, instance_bytes=instance, stages=tuple(stages))


def available_memory() -> float:
    """Bytes the machine can still give: ``MemAvailable`` of ``/proc/meminfo`` where there is
    one, else free physical pages, capped at 8 GiB (the package's default allocation limit).

    Examples
    --------
    >>> 0 < available_memory() <= 8 * 2**30
    True
    """
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = float(line.split()[1]) * 1024
                    break
    except OSError:
        avail = None
    if avail is None:
        try:
            avail = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            avail = float(DEFAULT_MEMORY_LIMIT)
    return min(avail, float(DEFAULT_MEMORY_LIMIT))


def check_resources(
    estimate: ResourceEstimate,
    *,
    memory_limit: float | None = None,
    max_seconds: float | None = None,
) -> ResourceEstimate:
    """Refuse, in one line naming the estimate, what would not fit; return ``estimate``.

    Raises
    ------
    ValueError
        When the peak memory exceeds ``memory_limit`` (default :func:`available_memory`)
        or the rough time exceeds ``max_seconds`` (default: no time limit).

    Examples
    --------
    >>> check_resources(estimate_resources(300, degrees=(2, 4)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n: refused before any work: n = 300: about ...
    """
    limit = available_memory() if memory_limit is None else float(memory_limit)
    if estimate.peak_bytes > limit:
        sos = any("SoS" in s.name for s in estimate.stages)
        hint = "lower n or the degree; Burer-Monteiro for degree 2" if sos else "lower n"
        raise ValueError(
            f"n: refused before any work: {estimate.summary()}; the limit is "
            f"{_fmt_bytes(limit)} of memory ({hint})"
        )
    if max_seconds is not None and estimate.seconds > max_seconds:
        raise ValueError(
            f"n: refused before any work: {estimate.summary()}; the time limit is "
            f"{_fmt_seconds(max_seconds)}"
        )
    return estimate


def check_instance_memory(n: int) -> None:
    """Refuse an instance whose :math:`n\\times n` arrays alone would not fit in memory."""
    check_resources(ResourceEstimate(n=n, instance_bytes=2 * _F8 * float(n) * n, stages=()))
