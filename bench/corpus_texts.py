"""The corpus pages both cost scripts measure against: their extracted text, and what extracting it cost."""

from __future__ import annotations

import glob
import gzip
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

# ../shared beside the repository (the project's shared corpus; see its SOURCES.md)
DEFAULT_GLOB = str(
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages" / "*" / "html" / "*.html.gz"
)


def extract_corpus(
    pattern: str = DEFAULT_GLOB, clock: Callable[[], float] = time.perf_counter
) -> tuple[list[str], float]:
    """``trafilatura.extract`` on every gzip page matching ``pattern``: the texts and the seconds it took
    (the floor each cost script compares against, measured in the same run)."""
    texts: list[str] = []
    seconds = 0.0
    for path in sorted(glob.glob(pattern)):
        html = gzip.decompress(Path(path).read_bytes()).decode("utf-8", errors="replace")
        started = clock()
        texts.append(trafilatura.extract(html) or "")
        seconds += clock() - started
    return texts, seconds
