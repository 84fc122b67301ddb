"""What each process loads: the import-time and memory choices bench/README.md measures, held in place."""

from __future__ import annotations

import subprocess
import sys

import pytest


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


def test_english_matching_uses_simplemmas_low_memory_table():
    """simplemma's plain English table is a dict of 181,000 forms (~27 MB in every worker); matching and
    lemmatizing read its stream-backed low-memory table (~6 MB) instead."""
    code = (
        "from monitor.match import compile_topics, load_default_topics, match_topics\n"
        "from monitor.text import lemmas\n"
        "hits = match_topics(None, 'Thousands of soldiers deserted; evaders were drafted.',"
        " compile_topics(load_default_topics()), 'en')\n"
        "assert {h.topic for h in hits} >= {'desertion'}, hits\n"
        "assert lemmas('deserters', 'en') == {'deserter'}\n"
        "from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY as full\n"
        "cache = getattr(full, '_get_dictionary', None)\n"
        "print('FULL', cache.cache_info().currsize if hasattr(cache, 'cache_info') else 'unknown')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    if "FULL unknown" in out:
        pytest.skip("simplemma's dictionary cache is laid out differently in this version: check by hand")
    assert "FULL 0" in out


def test_word_cache_shares_the_entries_of_words_without_keys():
    from monitor.match import compile_topics, load_default_topics, match_topics

    compiled = compile_topics(load_default_topics())
    match_topics(None, "The weather was mild and the harvest plentiful this autumn.", compiled, "en")
    (cache,) = compiled._word_cache.values()  # one sentence language
    assert cache["weather"] is cache["harvest"] is cache["autumn"]
    assert not cache["weather"][1]


def test_worker_preload_freezes_what_it_loaded():
    """Objects the forkserver loads are moved out of the collector's sight (gc.freeze), so the workers'
    collections do not write to them and copy the pages they share."""
    out = subprocess.run(
        [sys.executable, "-c", "import gc, monitor.worker_preload; print(gc.get_freeze_count())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert int(out) > 10_000
