"""``python -m sosrmt`` is the same as the ``sosrmt`` console script."""

from sosrmt.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
