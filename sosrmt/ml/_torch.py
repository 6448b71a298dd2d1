"""Torch helpers shared by the studies: seeding from a numpy ``rng``, the one thread
limiter, and the offline guard for Hugging Face loading.

Private to :mod:`sosrmt.ml`; importing it imports torch.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Mapping
from typing import ParamSpec, Protocol, TypeVar

import torch

from sosrmt._validation import as_rng, check_int
from sosrmt.ml.study import RngLike

__all__ = [
    "Tokenizer",
    "hf_offline", "single_threaded", "torch_generator", "torch_seed", "torch_threads",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Tokenizer(Protocol):
    """What the studies need of a tokenizer (every ``transformers`` tokenizer has it)."""

    def __call__(self, text: str, add_special_tokens: bool = ...) -> Mapping[str, list[int]]:
        """Token ids of ``text`` under the key ``"input_ids"``."""
        ...


def torch_seed(rng: RngLike = None) -> int:
    """Draw a torch seed from ``rng`` (None, int, SeedSequence or numpy Generator).

    Examples
    --------
    >>> torch_seed(0) == torch_seed(0)
    True
    """
    return int(as_rng(rng).integers(0, 2**62))


def torch_generator(rng: RngLike = None) -> torch.Generator:
    """A CPU :class:`torch.Generator` seeded from ``rng``.

    Examples
    --------
    >>> a = torch.rand(2, generator=torch_generator(1))
    >>> bool(torch.equal(a, torch.rand(2, generator=torch_generator(1))))
    True
    """
    return torch.Generator().manual_seed(torch_seed(rng))


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, restoring the previous count after.

    The networks of these studies have a few thousand parameters; extra intra-op threads
    only spin on a small shared machine (measured on 2 busy cores: 3.1 s with one thread
    against 16.7 s with two for the same 500 Adam steps).

    Examples
    --------
    >>> with torch_threads():
    ...     torch.get_num_threads()
    1
    """
    n = check_int(n, "n", minimum=1)
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def single_threaded(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``func`` inside :func:`torch_threads` with one thread.

    Examples
    --------
    >>> @single_threaded
    ... def threads() -> int:
    ...     return torch.get_num_threads()
    >>> threads()
    1
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with torch_threads(1):
            return func(*args, **kwargs)

    return wrapper


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
