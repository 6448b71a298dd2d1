"""Shared fixtures of the calibration tests: one BLAS thread (the CI box has two cores)."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield
