"""``python -m monitor.eval topics|figures [--labels DIR]``: print precision/recall/F1 tables."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in {"topics", "figures"}:
        print("usage: python -m monitor.eval topics|figures [--labels DIR]", file=sys.stderr)
        return 2
    which, rest = args[0], args[1:]
    if which == "topics":
        from monitor.eval import topics as module
    else:
        from monitor.eval import figures as module
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main())
