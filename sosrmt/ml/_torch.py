"""Small helpers shared by the part-1 studies (concept association, linear
representations, interpretable concepts): torch seeding from a numpy ``rng``,
a thread-count guard and the offline guard for Hugging Face loading."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numpy as np
import torch

from sosrmt._validation import as_rng

__all__ = ["hf_offline", "one_thread", "torch_generator", "torch_seed"]


def torch_seed(rng: object = None) -> int:
    """Draw a torch seed from ``rng`` (None, int, SeedSequence or numpy Generator).

    Examples
    --------
    >>> torch_seed(0) == torch_seed(0)
    True
    """
    return int(as_rng(rng).integers(0, 2**62))


def torch_generator(rng: object = None) -> torch.Generator:
    """A CPU :class:`torch.Generator` seeded from ``rng``.

    Examples
    --------
    >>> a = torch.rand(2, generator=torch_generator(1))
    >>> bool(torch.equal(a, torch.rand(2, generator=torch_generator(1))))
    True
    """
    return torch.Generator().manual_seed(torch_seed(rng))


@contextlib.contextmanager
def one_thread(n: int = 1) -> Iterator[None]:
    """Run torch with ``n`` intra-op threads inside the block, restoring the count after.

    One thread is much faster for the tiny models of these studies on a shared 2-core
    machine (spec section 0: 3.1 s vs 16.7 s for the same 500 Adam steps).

    Examples
    --------
    >>> with one_thread():
    ...     torch.get_num_threads()
    1
    """
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@contextlib.contextmanager
def hf_offline() -> Iterator[None]:
    """Set ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` inside the block.

    Every Hugging Face load of these studies is from a local directory; the guard makes a
    mistaken hub name fail at once instead of trying the network.

    Examples
    --------
    >>> with hf_offline():
    ...     os.environ["HF_HUB_OFFLINE"]
    '1'
    """
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    old = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ[k] = "1"
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value) of ``values``."""
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0
