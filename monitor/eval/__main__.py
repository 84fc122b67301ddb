"""``python -m monitor.eval topics|figures|articles``: print precision/recall/F1 tables.

topics, figures: the labelled paragraphs (tests/data/labels); articles: whole articles (tests/data/articles).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in {"topics", "figures", "articles"}:
        print("usage: python -m monitor.eval topics|figures|articles [options]", file=sys.stderr)
        return 2
    which, rest = args[0], args[1:]
    if which == "topics":
        from monitor.eval import topics as module
    elif which == "figures":
        from monitor.eval import figures as module
    else:
        from monitor.eval import articles as module
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main())
