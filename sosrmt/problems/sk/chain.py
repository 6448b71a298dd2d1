"""The SK value chain OPT <= SOS_4 <= SOS_2 <= n lambda_max of one instance, and its sweep jobs."""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from tqdm import tqdm

from sosrmt._validation import as_rng, check_int
from sosrmt.problems.sk.bounds import _burer_monteiro, _sos, _spectral
from sosrmt.problems.sk.degree4 import sos4_bounds as _sos4_bounds
from sosrmt.problems.sk.exact import BRUTE_FORCE_MAX_N, _brute_force
from sosrmt.problems.sk.heuristic import _best_cut
from sosrmt.problems.sk.instance import SeedLike, sample_null, sk_instance, validate_coupling
from sosrmt.problems.sk.resources import check_resources, estimate_resources

__all__ = ["chain_job", "lowerbound_cell", "value_chain", "value_chains"]

METHODS = ("sos", "bm")


def _check_degrees(degrees: tuple[int, ...]) -> tuple[int, ...]:
    degrees = tuple(sorted(set(degrees)))
    if not degrees or any(d not in (2, 4) for d in degrees):
        raise ValueError(f"degrees: expected a non-empty subset of (2, 4), got {degrees!r}")
    return degrees


def value_chain(
    W: ArrayLike,
    *,
    degrees: tuple[int, ...] = (2, 4),
    method: str = "sos",
    brute: bool | None = None,
    best_found: bool | None = None,
    backend: str = "scs",
    rng: SeedLike = 0,
    progress: bool = False,
    memory_limit: float | None = None,
    max_seconds: float | None = None,
    **options: Any,
) -> dict[str, Any]:
    """OPT (or the best cut found), SoS values and bounds, and the spectral bound of one instance.

    Parameters
    ----------
    W : array_like
        Symmetric, finite coupling matrix (checked once, here).
    degrees : tuple of int
        SoS degrees to compute (2 and/or 4).
    method : {"sos", "bm"}
        Degree 2 by the SoS engine or by Burer--Monteiro with its dual certificate (large
        n). Degree 4 always goes through the SoS engine.
    brute : bool, optional
        Exact OPT by enumeration; default: when :math:`n\\le 28`.
    best_found : bool, optional
        Beyond brute force, a lower bound on OPT: the best cut of a many-restart local
        search (see :func:`~sosrmt.problems.sk.best_cut`); default: when brute force does
        not run and :math:`n\\le 5000`.
    backend : str
        SoS engine backend. ``"admm"``: degree 4 by :func:`~sosrmt.problems.sk.sos4_bounds`,
        which adds ``sos4_lower`` (a certified lower bound on SOS_4) and
        ``sos4_certified_gap`` ((``sos4_lower`` - best found) / best found, positive when
        SOS_4 provably exceeds the best cut found); its options (``time_limit``, ``eps``,
        ...) come through ``options``.
    rng : seed or Generator
        For Burer--Monteiro's start and the local search.
    progress : bool
        Progress bars on stderr.
    memory_limit, max_seconds : float, optional
        Refuse (``ValueError``, one line with the estimate) before any work when the
        estimated peak memory or the rough time exceeds them; memory defaults to what the
        machine has available.
    options
        Passed to :func:`sosrmt.sos.solve` (``eps``, ``max_iters``, ...).

    Returns
    -------
    dict
        ``n``, ``method``; ``opt`` (exact, or None); ``best_found`` and ``best_cut`` (a cut
        and its value, a certified lower bound on OPT, never OPT); for each degree d,
        ``sos{d}`` (value), ``sos{d}_bound`` (rigorous), ``sos{d}_status``, timings;
        ``spectral``; ``tight`` (degree 4 certified the optimum); ``failed`` (the stages
        that did not give a number); ``chain_ok``: True when the chain holds with rigorous
        bounds, False when it is violated (a bug), None when a failed stage left it
        unchecked.

    Examples
    --------
    >>> from sosrmt.problems.sk import sk_instance
    >>> row = value_chain(sk_instance(6, seed=0))
    >>> row["chain_ok"], row["tight"], row["failed"]
    (True, True, [])
    """
    W = validate_coupling(W)
    degrees = _check_degrees(degrees)
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    n = W.shape[0]
    if brute is None:
        brute = n <= BRUTE_FORCE_MAX_N
    if best_found is None:
        best_found = not brute and n <= 5000
    check_resources(
        estimate_resources(n, degrees=degrees, method=method, brute=bool(brute),
                           backend=backend),
        memory_limit=memory_limit,
        max_seconds=max_seconds,
    )
    out: dict[str, Any] = {"n": n, "method": method, "opt": None, "best_found": None,
                           "best_cut": None, "tight": False, "failed": []}
    for d in degrees:
        out.update({f"sos{d}": None, f"sos{d}_bound": None, f"sos{d}_status": None})
    stages = (["brute force"] if brute else []) + [f"degree {d}" for d in degrees]
    stages += (["best found"] if best_found else []) + ["spectral"]
    bar = tqdm(total=len(stages), desc=f"SK n={n}", unit="stage", file=sys.stderr,
               disable=not progress, leave=False)
    if brute:
        bar.set_description(f"SK n={n}: brute force")
        t0 = time.perf_counter()
        opt, x = _brute_force(W)
        out["opt_seconds"] = time.perf_counter() - t0
        if np.isfinite(opt):
            out["opt"], out["opt_point"] = opt, x
        else:
            out["failed"].append("opt")
        bar.update(1)
    factor = None
    for d in degrees:
        bar.set_description(f"SK n={n}: degree {d}")
        if d == 2 and method == "bm":
            t0 = time.perf_counter()
            bm = _burer_monteiro(W, None, rng=rng, tol=1e-7, maxiter=5000, progress=progress)
            factor = bm.V
            out.update(sos2=bm.value, sos2_bound=bm.bound, sos2_iterations=bm.iterations,
                       sos2_status="converged" if bm.converged else "not_converged",
                       sos2_seconds=time.perf_counter() - t0)
            if not (np.isfinite(bm.value) and np.isfinite(bm.bound)):
                out["failed"].append("sos2")
        elif d == 4 and backend == "admm":
            # both sides certified, warm-started at the best cut (which it also returns)
            b4 = _sos4_bounds(W, rng=rng, **options)
            out.update(sos4=b4.value, sos4_bound=b4.upper, sos4_lower=b4.lower,
                       sos4_status=b4.status, sos4_seconds=b4.seconds["total"],
                       sos4_iterations=b4.iterations, sos4_certified_gap=b4.certified_gap)
            out["tight"] = b4.tight
            if b4.upper is None or b4.lower is None:
                out["failed"].append("sos4")
            if best_found:
                out.update(best_found=b4.best_found, best_cut=b4.cut,
                           best_found_seconds=b4.seconds["best_found"])
                best_found = False
                stages.remove("best found")
                bar.total = len(stages)
        else:
            res = _sos(W, d, backend=backend, **options)
            out[f"sos{d}_status"] = res.status
            out[f"sos{d}_seconds"] = res.timings.get("total")
            out[f"sos{d}_iterations"] = res.stats.get("iterations")
            if res.ok and res.bound is not None and np.isfinite(res.bound):
                out[f"sos{d}"], out[f"sos{d}_bound"] = res.value, res.bound
                if d == 4:
                    out["tight"] = bool(res.tight)
            else:
                out["failed"].append(f"sos{d}")
        bar.update(1)
    if best_found:
        bar.set_description(f"SK n={n}: best cut (local search)")
        t0 = time.perf_counter()
        value, cut = _best_cut(W, rng=rng, V=factor)
        out.update(best_found=value, best_cut=cut, best_found_seconds=time.perf_counter() - t0)
        bar.update(1)
    bar.set_description(f"SK n={n}: spectral bound")
    out["spectral"] = _spectral(W)
    if not np.isfinite(out["spectral"]):
        out["failed"].append("spectral")
    bar.update(1)
    bar.close()
    out["chain_ok"] = None if out["failed"] else _chain_holds(out, degrees)
    return out


def value_chains(
    n: int | None = None,
    *,
    seeds: int = 1,
    seed: int = 0,
    W: ArrayLike | None = None,
    degrees: tuple[int, ...] = (2, 4),
    method: str = "sos",
    brute: bool | None = None,
    progress: bool = False,
    memory_limit: float | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """:func:`value_chain` of the instances ``sk_instance(n, seed + i)``, or of one ``W``.

    Everything is checked before the first instance is drawn: the arguments, and the
    memory of every stage at size ``n`` (one line with the estimate when it would not fit).
    Each row gets its ``seed`` (None for a given ``W``).

    Examples
    --------
    >>> rows = value_chains(6, seeds=2, degrees=(2,))
    >>> [r["seed"] for r in rows], all(r["chain_ok"] for r in rows)
    ([0, 1], True)
    """
    degrees = _check_degrees(degrees)
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    if W is not None:
        W = validate_coupling(W)
        row = value_chain(W, degrees=degrees, method=method, brute=brute, progress=progress,
                          memory_limit=memory_limit, **options)
        return [{"seed": None, **row}]
    if n is None:
        raise TypeError("n: expected the number of spins (or a matrix W)")
    n = check_int(n, "n", minimum=2)
    seeds = check_int(seeds, "seeds", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    use_brute = n <= BRUTE_FORCE_MAX_N if brute is None else brute
    est = check_resources(estimate_resources(n, degrees=degrees, method=method, brute=use_brute,
                                             backend=options.get("backend", "scs")),
                          memory_limit=memory_limit)
    if progress:
        tqdm.write(f"estimate per instance: {est.summary()}", file=sys.stderr)
    rows = []
    for s in range(seed, seed + seeds):
        W = sk_instance(n, seed=s)
        row = value_chain(W, degrees=degrees, method=method, brute=use_brute, rng=s,
                          progress=progress, memory_limit=memory_limit, **options)
        rows.append({"seed": s, **row})
    return rows


def _chain_holds(out: dict[str, Any], degrees: tuple[int, ...]) -> bool:
    """OPT (or the best cut) <= each rigorous bound; SOS_4 <= SOS_2 bound; SOS_2 <= spectral."""
    low = out["opt"] if out["opt"] is not None else out["best_found"]
    bounds = [out[f"sos{d}_bound"] for d in degrees] + [out["spectral"]]
    ok = True
    if low is not None:
        ok = all(b >= low - 1e-9 * max(1.0, abs(b)) for b in bounds)
    if out.get("sos4_lower") is not None:  # certified: low <= SOS_4 <= its bound, SOS_2's
        ok &= out["sos4_lower"] <= out["sos4_bound"]
        if 2 in degrees:
            ok &= out["sos4_lower"] <= out["sos2_bound"]
    elif 4 in degrees and 2 in degrees:
        ok &= out["sos4"] <= out["sos2_bound"] + 1e-6 * max(1.0, abs(out["sos2_bound"]))
    lowest = out[f"sos{degrees[0]}"]
    ok &= lowest <= out["spectral"] + 1e-6 * abs(out["spectral"])
    return bool(ok)


def chain_job(*, n: int, rng: np.random.Generator, degree: int = 4) -> dict[str, Any]:
    """Sweep job: the value chain of one random SK instance of size ``n``, divided by n^{3/2}.

    The instance's :math:`G` is drawn from ``rng`` (so the sweep's seed tree fixes it).
    Returns a flat dict for :func:`sosrmt.sweep.run_sweep`.
    """
    n = check_int(n, "n", minimum=2, maximum=24)
    W = sample_null(n, rng=rng)
    degrees = (2, 4) if degree == 4 else (2,)
    row = value_chain(W, degrees=degrees)
    scale = n**1.5
    out: dict[str, Any] = {"chain_ok": row["chain_ok"], "tight": row["tight"]}
    for key in ("opt", "sos2", "sos2_bound", "sos4", "sos4_bound", "spectral"):
        value = row.get(key)
        out[key] = None if value is None else float(value) / scale
    return out


def lowerbound_cell(*, rng: SeedLike, N: int, p: int, trunc: int = 8) -> dict[str, Any]:
    """Sweep job: the PAP-to-SK transfer on one null SK instance of size ``N`` (results only).

    See :func:`sosrmt.problems.sk_transfer.transfer`; the row holds ``value_scaled``
    (:math:`\\tilde{\\mathbb E}[x^\\top Wx]/N^{3/2}`), ``residual``, ``vv_min_eigenvalue``,
    ``gap``, ``lambda_p`` and ``spectral``.

    Examples
    --------
    >>> row = lowerbound_cell(rng=0, N=12, p=4, trunc=2)
    >>> {"value_scaled", "residual", "vv_min_eigenvalue"} <= set(row)
    True
    """
    # imported here: sk_transfer builds on this package, so a module-level import would
    # make the two import each other
    from sosrmt.problems.sk_transfer import transfer

    gen = as_rng(rng)
    W = sample_null(N, rng=gen)
    row = transfer(W, p, trunc, rng=gen).as_dict()
    for echo in ("N", "p", "trunc"):  # results only: the sweep stores the parameters
        row.pop(echo, None)
    return row
