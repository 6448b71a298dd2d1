"""Named problems: instances (null and planted samplers), polynomial programs, exact ground
truth at small sizes, classical baselines and SoS values. One module per problem."""
