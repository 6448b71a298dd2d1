"""Shared fixtures of the ML study tests.

One torch thread for the whole session (several times faster on 2 cores). Session scope,
so that module-scoped fixtures that train models also run single-threaded.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    try:
        import torch
    except ImportError:  # the numpy-only studies still run
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
