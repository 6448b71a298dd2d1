"""One module per ``sosrmt`` subcommand; each defines ``register(subparsers)``."""
