"""What each process loads: the import-time and memory choices bench/README.md measures, held in place."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_cli_module_is_light():
    """Every extraction worker imports the main module again (multiprocessing does, for `-m monitor.cli` and
    for the `monitor` script alike): the CLI module must not pull in the config, network or database stack."""
    loaded = _modules_after("import monitor.cli")
    assert not loaded & {"pydantic", "httpx", "sqlite_utils", "asyncio", "trafilatura", "feedparser", "yaml"}


def test_unchanged_poll_path_does_not_load_the_extraction_stack():
    loaded = _modules_after("import monitor.cli, monitor.scheduler, monitor.pipeline")
    assert not loaded & {
        "trafilatura",
        "lxml",
        "pymorphy3",
        "simplemma",
        "justext",
        "apscheduler",
        "numpy",
        "sqlite_utils",
    }


def test_justext_fallback_scores_against_monitors_languages_only():
    from monitor.extract import JUSTEXT_LANGUAGES, load_trafilatura

    trafilatura = load_trafilatura()
    stoplist = trafilatura.external.JT_STOPLIST
    assert JUSTEXT_LANGUAGES == ("English", "Ukrainian", "Russian")
    # the union of the three (~9,300 words), not of all 100 justext languages (~154,000 words, ~27 MB)
    assert 5_000 < len(stoplist) < 20_000
    assert {"the", "що", "что"} <= set(stoplist)
