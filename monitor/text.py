"""Shared text tools: normalisation, sentence spans and language guessing. Pure, no I/O.

All functions are linear in the input (no backtracking regexes) so that hostile 5 MB texts stay cheap.
"""

from __future__ import annotations

import re

__all__ = ["detect_language", "normalize", "sentence_spans", "sentence_at"]

# Apostrophes used in Ukrainian (’ ʼ ` ') are unified to U+2019 so that "з'явився" and "з’явився"
# are one word; ё is folded to е because Russian writers use them interchangeably.
_APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’", "`": "’", "‘": "’"})


def normalize(text: str) -> str:
    """Same-length normalisation (offsets stay valid): apostrophes unified, ё→е, NUL → space."""
    return text.translate(_APOSTROPHES).replace("ё", "е").replace("Ё", "Е").replace("\x00", " ")


# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) and whitespace, when the
# next visible character starts a sentence: an upper-case letter, a digit, an opening quote or a dash.
# "21,6 тис. військових" and "Gen. Smith"-style lower-case continuations therefore do not split.
_BOUNDARY = re.compile(r"[.!?…]+[\"»”’)\]]*\s+(?=[\"«“„(\[—–-]?[^\W\d_a-zа-яіїєґё]|\d)|\n\s*\n|\n(?=\s*[-•*])")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr gen lt col maj capt sgt st jr sr vs no art etc inc corp co u.s u.k "
    "ст ч п пп р рр т тис млн млрд ген полк ім им г гг".split()
)
_MAX_SENTENCE = 2000


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (whitespace trimmed, empty ones dropped)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        # Do not split after a known abbreviation ("Gen. Smith", "ст. 407").
        word = text[max(start, m.start() - 6) : m.start()].rsplit(None, 1)[-1:] if m.start() > start else []
        if word and m.group().startswith(".") and word[0].lower().lstrip("(«\"") in _ABBREVIATIONS:
            continue
        _add_span(text, start, m.start() + len(m.group().rstrip()), spans)
        start = m.end()
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # Text with no punctuation at all (a 5 MB blob) is cut into bounded pieces so downstream
    # per-sentence work stays bounded.
    while end - start > _MAX_SENTENCE:
        cut = text.rfind(" ", start, start + _MAX_SENTENCE)
        cut = cut if cut > start else start + _MAX_SENTENCE
        spans.append((start, cut))
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    if end > start:
        spans.append((start, end))


def sentence_at(text: str, offset: int, spans: list[tuple[int, int]] | None = None) -> tuple[int, int]:
    """The span of the sentence containing ``offset``."""
    for s, e in spans if spans is not None else sentence_spans(text):
        if s <= offset < e:
            return s, e
    return offset, offset


_UK_ONLY = frozenset("іїєґІЇЄҐ")
_RU_ONLY = frozenset("ыэъёЫЭЪЁ")


def detect_language(text: str, sample: int = 20000) -> str | None:
    """Guess en/uk/ru from the script and the letters only one of the two Cyrillic languages uses.

    Ukrainian has і ї є ґ, Russian has ы э ъ ё: counting them decides between the two far more reliably
    on news text than a general-purpose model, and costs one pass over a sample. Latin text is "en";
    text with too few letters is None.
    """
    cyr = lat = uk = ru = 0
    for ch in text[:sample]:
        if "а" <= ch.lower() <= "я" or ch in _UK_ONLY or ch in _RU_ONLY:
            cyr += 1
            if ch in _UK_ONLY:
                uk += 1
            elif ch in _RU_ONLY:
                ru += 1
        elif "a" <= ch.lower() <= "z":
            lat += 1
    if cyr + lat < 3:
        return None
    if cyr >= lat:
        if uk == ru == 0:
            return "ru" if cyr > 0 else None
        return "uk" if uk >= ru else "ru"
    return "en"
