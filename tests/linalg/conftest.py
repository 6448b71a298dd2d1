import pytest


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """Single-threaded BLAS: the test machine's 2 cores are shared (COMMON.md)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
