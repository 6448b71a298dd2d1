"""Named problems: instances (null and planted samplers), polynomial programs, exact ground
truth at small sizes, classical baselines, SoS values and pseudo-calibration lower bounds.
One module (or folder) per problem; every one follows the written contract of
:mod:`sosrmt.problems.protocol` (``check_problem`` verifies it, ``PROBLEM_MODULES`` lists
them)."""
