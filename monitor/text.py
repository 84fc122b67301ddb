"""Shared text tools: normalisation, sentence spans and language guessing. Pure, no I/O.

All functions are linear in the input (no backtracking regexes) so that hostile 5 MB texts stay cheap.
"""

from __future__ import annotations

import re

__all__ = [
    "LEMMATIZERS",
    "WORD_PATTERN",
    "detect_language",
    "fold_confusables",
    "is_known",
    "lemmas",
    "normalize",
    "script_of",
    "sentence_at",
    "sentence_spans",
    "word_spans",
]

# Apostrophes used in Ukrainian (’ ʼ ` ') are unified to U+2019 so that "з'явився" and "з’явився"
# are one word; ё is folded to е because Russian writers use them interchangeably.
_APOSTROPHE_CHARS = ("'", "ʼ", "`", "‘")


def normalize(text: str) -> str:
    """Same-length normalisation (offsets stay valid): apostrophes unified, ё→е, NUL → space."""
    # str.replace per character is ~10x faster than str.translate with a dict table on long texts
    for src in _APOSTROPHE_CHARS:
        if src in text:
            text = text.replace(src, "’")
    return text.replace("ё", "е").replace("Ё", "Е").replace("\x00", " ")


# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) and whitespace, when the
# next visible character starts a sentence: an upper-case letter, a digit, an opening quote or a dash.
# Every line break ends one too: trafilatura writes one paragraph (or heading) per line.
# "21,6 тис. військових" and "Gen. Smith"-style lower-case continuations therefore do not split.
_BOUNDARY = re.compile(r"[.!?…]+[\"»”’)\]]*\s+(?=[\"«“„(\[—–-]?[^\W\d_a-zа-яіїєґё]|\d)|\n")
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
        if word and m.group().startswith(".") and word[0].lower().lstrip('(«"') in _ABBREVIATIONS:
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


_CYRILLIC = re.compile("[а-яА-ЯіїєґІЇЄҐёЁ]")  # ы э ъ (and Ы Э Ъ) lie inside а-я / А-Я
_LATIN = re.compile("[a-zA-Z]")
_UK_LETTERS = re.compile("[іїєґІЇЄҐ]")
_RU_LETTERS = re.compile("[ыэъёЫЭЪЁ]")


def detect_language(text: str, sample: int = 20000) -> str | None:
    """Guess en/uk/ru from the script and the letters only one of the two Cyrillic languages uses.

    Ukrainian has і ї є ґ, Russian has ы э ъ ё: counting them decides between the two far more reliably
    on news text than a general-purpose model, and costs one pass over a sample. Latin text is "en";
    text with too few letters is None.
    """
    # Counted with C-speed regex scans, not a Python loop over characters: this runs for every sentence of
    # every article (a Python loop cost ~1.5 ms per 10,000 characters, a sixth of monitor's own CPU per page).
    head = text[:sample]
    cyr = len(_CYRILLIC.findall(head))
    lat = len(_LATIN.findall(head))
    uk = len(_UK_LETTERS.findall(head))
    ru = len(_RU_LETTERS.findall(head))
    if cyr + lat < 3:
        return None
    if cyr >= lat:
        if uk == ru == 0:
            return "ru" if cyr > 0 else None
        return "uk" if uk >= ru else "ru"
    return "en"


# --- Words and their dictionary forms -------------------------------------------------------------
#
# Matching (monitor/match.py) compares words by their dictionary form, so a topic term written once
# ("мобілізований", "deserter") matches every inflected form in the text. The choice of tool per
# language was measured on tests/data/labels/topics.jsonl; docs/matching.md has the table:
# - uk, ru: pymorphy3 (OpenCorpora / VESUM dictionaries). Snowball has no Ukrainian stemmer, and the
#   Russian one merges words the topics must keep apart (it cuts "мобилизационной" and "мобилизованных"
#   to one stem family with "мобильный"-like collisions on short stems).
# - en: simplemma (a lemma dictionary). Snowball English stems "desertion" to "desert" and
#   "mobilization" to "mobil" (= "mobile"), exactly the collisions the labelling guide warns about.

# A word: letters joined by apostrophes (Ukrainian "ув’язнених"); numbers with their separators
# ("11,000", "21.6") are one token so a phrase window is not eaten by the pieces of a number.
# Hyphens split words: "СЗЧ-шників" -> "СЗЧ", "шників"; match.py remembers the hyphen.
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:’[^\W\d_]+)*")
# The same pattern for callers that scan part of a text in place (``WORD_PATTERN.finditer(text, s, e)``).
WORD_PATTERN = _WORD


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words (and numbers) of ``text``; linear, no backtracking."""
    return [m.span() for m in _WORD.finditer(text)]


def script_of(word: str) -> str | None:
    """ "latin", "cyrillic" or None (digits, other scripts), by the first letter that decides."""
    for ch in word:
        low = ch.lower()
        if "a" <= low <= "z":
            return "latin"
        if "а" <= low <= "я" or ch in _UK_ONLY or ch in _RU_ONLY:
            return "cyrillic"
    return None


# Latin letters that look like Cyrillic ones: "CЗЧ" typed with a Latin C is still СЗЧ.
_LATIN_TO_CYRILLIC = str.maketrans("ABCEHKMOPTXYaceopxyi", "АВСЕНКМОРТХУасеорхуі")


_ASCII_LETTER = re.compile("[A-Za-z]")


def fold_confusables(word: str) -> str:
    """Map Latin look-alikes to Cyrillic inside a word that mixes the two scripts; others unchanged."""
    if word.isascii() or not _ASCII_LETTER.search(word):  # one script (the usual case): a C-speed exit
        return word
    has_lat = has_cyr = False
    for ch in word:
        low = ch.lower()
        if "a" <= low <= "z":
            has_lat = True
        elif "а" <= low <= "я" or ch in _UK_ONLY or ch in _RU_ONLY:
            has_cyr = True
    return word.translate(_LATIN_TO_CYRILLIC) if has_lat and has_cyr else word


_MORPH: dict[str, object] = {}


def morph_analyzer(lang: str):  # -> pymorphy3.MorphAnalyzer
    """The one pymorphy3 analyser per language (uk, ru) for the whole process: ~1 s and ~15 MB to load,
    so matching and figure extraction share it."""
    analyzer = _MORPH.get(lang)
    if analyzer is None:
        import pymorphy3  # type: ignore[import-untyped]

        analyzer = _MORPH[lang] = pymorphy3.MorphAnalyzer(lang=lang)
    return analyzer


def _pymorphy(word: str, lang: str) -> frozenset[str]:
    if lang == "en":  # no pymorphy dictionary for English
        return _simplemma(word, lang)
    analyzer = morph_analyzer(lang)
    # The Ukrainian dictionary spells the apostrophe as ASCII "'", normalize() as "’": without this
    # every "ув’язнених", "в’язні" would be an unknown word, guessed by analogy.
    word = _dictionary_spelling(word, lang)
    # Every normal form of every parse: "части" is both часть and частить; a term matches if it is one
    # of the readings (recall), and exclusions take care of the senses we do not want.
    forms = set()
    for p in analyzer.parse(word):  # type: ignore[attr-defined]
        form = p.normal_form
        # The Russian dictionary folds participles into the verb ("мобилизованных" -> мобилизовать);
        # the Ukrainian one keeps them apart (мобілізований). Keep them apart in both, so that the
        # participle (nearly always military) can be a term while the verb ("мобилизовать силы") is not.
        if p.tag.POS in ("PRTF", "PRTS"):
            participle = p.inflect({"PRTF", "sing", "masc", "nomn"})
            form = participle.word if participle is not None else form
        forms.add(form.replace("ё", "е").replace("'", "’"))
    return frozenset(forms)


def _dictionary_spelling(word: str, lang: str) -> str:
    return word.replace("’", "'") if lang == "uk" else word


def is_known(word: str, lang: str) -> bool:
    """Whether the Ukrainian or Russian dictionary lists ``word`` (False for other languages)."""
    if lang not in ("uk", "ru"):
        return False
    analyzer = morph_analyzer(lang)
    low = _dictionary_spelling(word.lower().replace("ё", "е"), lang)
    return bool(analyzer.word_is_known(low))  # type: ignore[attr-defined]


def _simplemma(word: str, lang: str) -> frozenset[str]:
    import simplemma

    # low_memory: the stream-backed table (~6 MB for English) instead of a dict (~27 MB) in every worker;
    # match._english_dictionary reads the same one.
    lemma = simplemma.lemmatize(word, lang=lang, low_memory=True).lower()
    forms = {lemma}
    # simplemma returns unknown English words unchanged; a plain plural still has to meet its singular
    # ("evaders" -> "evader").
    if lang == "en" and lemma == word and len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])
    return frozenset(forms)


_STEMMERS: dict[str, object] = {}


def _snowball(word: str, lang: str) -> frozenset[str]:
    name = {"en": "english", "ru": "russian"}.get(lang)
    if name is None:  # Snowball has no Ukrainian algorithm
        return _simplemma(word, lang)
    stemmer = _STEMMERS.get(name)
    if stemmer is None:
        import Stemmer  # type: ignore[import-not-found]

        stemmer = _STEMMERS[name] = Stemmer.Stemmer(name)
    return frozenset({stemmer.stemWord(word)})  # type: ignore[attr-defined]


def _auto(word: str, lang: str) -> frozenset[str]:
    return _simplemma(word, lang) if lang == "en" else _pymorphy(word, lang)


LEMMATIZERS = {"auto": _auto, "pymorphy": _pymorphy, "simplemma": _simplemma, "snowball": _snowball}
_LEMMA_CACHE: dict[tuple[str, str, str], frozenset[str]] = {}
_LEMMA_CACHE_MAX = 500_000


def lemmas(word: str, lang: str, method: str = "auto") -> frozenset[str]:
    """The dictionary forms of ``word`` (lower-cased) in ``lang`` ("en", "uk", "ru"); cached.

    ``method`` picks the tool ("auto" = simplemma for English, pymorphy3 for Ukrainian and Russian);
    the others exist to re-run the measurement in docs/matching.md. English possessives are dropped
    ("Britain’s" -> "britain"). Words longer than 40 characters are returned as they are: no
    dictionary holds them and hostile input should not reach the analysers.
    """
    low = word.lower().replace("ё", "е")
    if lang == "en" and "’" in low:
        low = low.split("’", 1)[0]
    key = (low, lang, method)
    cached = _LEMMA_CACHE.get(key)
    if cached is not None:
        return cached
    if len(low) > 40 or not low or lang not in ("en", "uk", "ru"):
        result = frozenset({low})
    else:
        result = LEMMATIZERS[method](low, lang) or frozenset({low})
    if len(_LEMMA_CACHE) >= _LEMMA_CACHE_MAX:
        _LEMMA_CACHE.clear()
    _LEMMA_CACHE[key] = result
    return result
