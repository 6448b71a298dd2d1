"""Linear algebra helpers: spectral norms of matrices and matrix-free operators.

Public API: :func:`spectral_norm` returning a :class:`NormResult` (value, residual,
matvec count, method, time, singular vectors); a dense LAPACK path below a size
threshold and ARPACK ``svds`` above it.
"""

from sosrmt.linalg.norms import NormResult, spectral_norm

__all__ = ["NormResult", "spectral_norm"]
