"""Topic matching: title + text + configured topics -> hits, each with its terms, offsets and snippet.

The model (docs/matching.md explains it with examples):

* A **term** is one or more words written in dictionary form. Every word is compared by its
  dictionary forms (``monitor.text.lemmas``), so "мобілізований" matches "мобілізованих".
* The words of a **phrase** must appear in order, in one sentence, with at most ``MAX_GAP`` other
  words between neighbours ("самовільне залишення частини" matches "самовільного залишення
  військової частини"); numbers and number words do not count ("recruited up to 180,000
  prisoners"). Words written with a hyphen ("call-up") must be hyphenated in the text too. A verb in
  a phrase also matches its participles ("вручить повестку" ~ "повестка вручена").
* A word written in **capitals** (СЗЧ, ТЦК, AWOL) is an abbreviation: it is compared as written, case
  sensitive, and also matches the head of a hyphenated or suffixed form ("СЗЧ-шників", "ТЦКшники").
* An **exclusion** is a phrase of the same kind. One that shares a word with its topic's terms is a
  *sense* exclusion and vetoes the term matches it overlaps ("повестка дня" vetoes "повестку", not
  "мобилизации" in the same sentence). One that shares no word with them is a *context* exclusion
  and vetoes every match of its topic in its sentence and the sentences either side
  (``CONTEXT_SENTENCES``): "divorce" vetoes "desertion".
* Each sentence is matched in its own language (``monitor.text.detect_language``): that language's
  terms, the ``any`` terms, and English terms on Latin words everywhere.

All lookups go through one dict per language from a word's dictionary form to the phrases anchored
on it (each phrase on its rarest-looking word), so the cost per word does not grow with the number of
terms, and a sentence without an anchor word costs one dict lookup per word. Pure: no I/O except
reading the packaged default topics.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from monitor import text as textmod
from monitor.types import Hit, TermMatch, TopicSpec

__all__ = [
    "CONTEXT_SENTENCES",
    "MAX_GAP",
    "MAX_MATCHES_KEPT",
    "CompiledTopics",
    "compile_topics",
    "load_default_topics",
    "match_topics",
    "topics_from_mapping",
]

LANGUAGES = ("en", "uk", "ru")
TERM_KEYS = (*LANGUAGES, "any")
# Words allowed between two neighbouring words of a phrase. 2 (not 1) because the labelled set and
# real reports put an adjective and a preposition in: "recruited approximately 11,000 prisoners",
# "уклонение от прохождения военной службы" vs the term "уклонение от службы".
MAX_GAP = 2
# A context exclusion ("divorce") speaks for its sentence and this many sentences either side: a
# divorce-law story says "desertion" in the sentences around the one that names the divorce.
CONTEXT_SENTENCES = 1
_SNIPPET_MAX = 400
# Hit.matches keeps the first this many occurrences (count still counts all): a hostile page that
# repeats a term a million times must not become a million rows downstream.
MAX_MATCHES_KEPT = 1000
# Abbreviation keys live in the same dicts as lemmas; the prefix keeps them from ever equalling one.
_ABBR = "\x01"
_RU_LETTERS = frozenset("ыэъЫЭЪ")
_UK_LETTERS = frozenset("іїєґІЇЄҐ")
_CYRILLIC = re.compile("[а-яА-ЯіїєґІЇЄҐёЁ]")


@dataclass(frozen=True)
class _Word:
    keys: frozenset[str]
    hyphen_next: bool  # the next word follows after a hyphen, with nothing between


@dataclass(frozen=True)
class _Pattern:
    topic: int
    term: str
    words: tuple[_Word, ...]
    exclusion: bool
    # an exclusion sharing no word with its topic's terms ("divorce") speaks for its sentence and
    # its neighbours; one that shares a word ("повестка дня") only vetoes the matches it overlaps
    context: bool = False
    # the word the pattern is looked up by (see _anchor); the others are matched around it
    anchor: int = 0


@dataclass(frozen=True)
class CompiledTopics:
    """Topics ready for matching: per language, anchor-word key -> the patterns anchored on it."""

    names: tuple[str, ...]
    index: Mapping[str, Mapping[str, tuple[_Pattern, ...]]]
    lemmatizer: str = "auto"
    # per language, every key any pattern word can match: a text word's keys are cut down to these
    # once, so the words no term uses (nearly all) cost one dict lookup in _word_cache from then on
    vocabulary: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # the first three letters of every key, or the whole of shorter ones (see _token_keys)
    prefixes: frozenset[str] = frozenset()
    # the first four letters of every key of four letters or more (see _worth_lookup)
    prefixes4: frozenset[str] = frozenset()
    # uk, ru: every form of the paradigms of the vocabulary's keys (see _worth_lookup)
    forms: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # per sentence language, word as written -> its _Entry (language, keys, quantity, anchor)
    _word_cache: dict[str | None, dict[str, tuple]] = field(default_factory=dict, compare=False, repr=False)


def _is_abbreviation(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


def _word_keys(word: str, lang: str, lemmatizer: str) -> frozenset[str]:
    word = textmod.fold_confusables(word)
    if _is_abbreviation(word):
        return frozenset({_ABBR + word})
    if textmod.script_of(word) is None:  # a number: compared as written
        return frozenset({word.lower()})
    keys = textmod.lemmas(word, lang, lemmatizer)
    if lang in ("uk", "ru") and lemmatizer in ("auto", "pymorphy"):
        keys = keys | frozenset(p for k in keys for p in _participles(k, lang))
    return keys


@functools.lru_cache(maxsize=4096)
def _participles(lemma: str, lang: str) -> frozenset[str]:
    """The participles of the verb ``lemma``, as the dictionary forms the text's words reduce to.

    Participles are their own lemma (``monitor.text.lemmas``: *мобилизованных* -> мобилизованный), so
    that the participle can be a term alone while the bare verb is not. Inside a phrase the verb stands
    for its participles too: "вручить повестку" matches *врученная повестка*, *повестка вручена*;
    the exclusion "мобілізувати кошти" vetoes *мобілізовані кошти*. Compile time only.
    """
    analyzer = textmod.morph_analyzer(lang)
    out: set[str] = set()
    if lang == "ru":
        for parse in analyzer.parse(lemma):  # type: ignore[attr-defined]
            if parse.tag.POS != "INFN" or parse.normal_form != lemma:
                continue
            for form in parse.lexeme:
                tag = form.tag
                if tag.POS == "PRTF" and "sing" in tag and "masc" in tag and "nomn" in tag:
                    out.add(form.word.replace("ё", "е"))
        return frozenset(out)
    # The Ukrainian dictionary lists participles as adjectives, not in the verb's paradigm: build the
    # regular candidates (-увати -> -ований, -ити -> -ений, -ати -> -аний, -нути -> -нутий) and keep
    # the ones the dictionary knows as a participle.
    if not lemma.endswith("ти"):
        return frozenset()
    candidates = {lemma[:-2] + "тий"}
    if lemma.endswith(("увати", "ювати")):
        stem = lemma[:-5]
        candidates |= {stem + "ований", stem + "йований", stem + "ьований"}
    if lemma.endswith(("ити", "іти", "їти")):
        candidates |= {lemma[:-3] + "ений", lemma[:-3] + "єний"}
    if lemma.endswith(("ати", "яти")):
        candidates.add(lemma[:-2] + "ний")
    for cand in candidates:
        spelled = cand.replace("’", "'")  # the dictionary's apostrophe
        if not analyzer.word_is_known(spelled):  # type: ignore[attr-defined]
            continue
        for parse in analyzer.parse(spelled):  # type: ignore[attr-defined]
            tag = parse.tag
            if parse.normal_form == spelled and tag.POS == "ADJF" and ("pssv" in tag or "actv" in tag):
                out.add(cand)
    return frozenset(out)


def _compile_phrase(phrase: str, lang: str, lemmatizer: str) -> tuple[_Word, ...]:
    norm = textmod.normalize(phrase.strip())
    spans = textmod.word_spans(norm)
    words = []
    for i, (s, e) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else None
        hyphen = nxt is not None and nxt == e + 1 and norm[e] in "-‐‑–"
        words.append(_Word(_word_keys(norm[s:e], lang, lemmatizer), hyphen))
    return tuple(words)


def _anchor(words: tuple[_Word, ...]) -> int:
    """The word a phrase is looked up by: the one whose shortest key is longest (the first such).

    Long words are rare words: "be mobilized" is found from *mobilized*, not from every *is* and
    *was*, so most sentences hold no anchor at all and are never split into positioned tokens.
    """
    return max(range(len(words)), key=lambda i: (min(len(k.lstrip(_ABBR)) for k in words[i].keys), -i))


def _add(table: dict[str, list[_Pattern]], pattern: _Pattern) -> None:
    for k in pattern.words[pattern.anchor].keys:
        table.setdefault(k, []).append(pattern)


def compile_topics(topics: Sequence[TopicSpec], *, lemmatizer: str = "auto") -> CompiledTopics:
    """Turn topic specs into lookup tables; do it once per configuration and reuse the result.

    ``lemmatizer`` names an entry of ``monitor.text.LEMMATIZERS``; only the measurement in
    docs/matching.md uses anything but "auto". Raises ValueError for a term with no words.
    """
    index: dict[str, dict[str, list[_Pattern]]] = {lang: {} for lang in LANGUAGES}
    for t, spec in enumerate(topics):
        term_keys: set[str] = set()
        exclusions: list[tuple[str, tuple[_Word, ...], str]] = []
        for kind, table in (("terms", spec.terms), ("exclude", spec.exclusions)):
            for key, phrases in table.items():
                if key not in TERM_KEYS:
                    raise ValueError(f"topic {spec.name!r}: {kind}: unknown language {key!r}")
                for lang in LANGUAGES if key == "any" else (key,):
                    for phrase in phrases:
                        words = _compile_phrase(phrase, lang, lemmatizer)
                        if not words:
                            raise ValueError(f"topic {spec.name!r}: {kind}.{key}: {phrase!r} has no words")
                        if kind == "exclude":
                            exclusions.append((phrase, words, lang))
                            continue
                        term_keys.update(k for w in words for k in w.keys)
                        _add(index[lang], _Pattern(t, phrase, words, False, anchor=_anchor(words)))
        for phrase, words, lang in exclusions:
            context = not any(w.keys & term_keys for w in words)
            _add(index[lang], _Pattern(t, phrase, words, True, context, _anchor(words)))
    frozen = {lang: {k: tuple(v) for k, v in table.items()} for lang, table in index.items()}
    vocabulary = {
        lang: frozenset(k for patterns in table.values() for p in patterns for w in p.words for k in w.keys)
        for lang, table in index.items()
    }
    prefixes = frozenset(k.lstrip(_ABBR)[:3].lower() for keys in vocabulary.values() for k in keys)
    forms = {}
    if lemmatizer == "auto":
        forms = {lang: _paradigm_forms(vocabulary[lang], lang) for lang in ("uk", "ru")}
    prefixes4 = frozenset(k[:4] for keys in vocabulary.values() for k in keys if len(k) >= 4)
    return CompiledTopics(
        tuple(spec.name for spec in topics), frozen, lemmatizer, vocabulary, prefixes, prefixes4, forms
    )


def _paradigm_forms(keys: Iterable[str], lang: str) -> frozenset[str]:
    """Every form (lower case, normalised) of every pymorphy3 paradigm that holds one of ``keys``.

    A word the dictionary knows reduces to a key only if it is a form of a paradigm the key belongs
    to, so a known word outside this set needs no lookup (_worth_lookup). ~0.1 s per language.
    """
    analyzer = textmod.morph_analyzer(lang)
    out: set[str] = set()
    for key in keys:
        if key.startswith(_ABBR) or textmod.script_of(key) != "cyrillic":
            continue
        spelled = key.replace("’", "'") if lang == "uk" else key  # the dictionary's apostrophe
        for parse in analyzer.parse(spelled):  # type: ignore[attr-defined]
            out.update(textmod.normalize(form.word.lower()) for form in parse.lexeme)
    return frozenset(out)


@functools.lru_cache(maxsize=1)
def _english_dictionary() -> Callable[[str], str | None] | None:
    """A lookup in simplemma's English form -> lemma table, or None.

    The table is simplemma's low-memory one (``low_memory=True``, as ``text._simplemma`` uses): its
    compressed stream with a sparse index, ~6 MB, where the plain dict of its 181,000 forms takes ~27 MB
    in every process that holds it. A lookup costs ~15 µs instead of ~0.3; it is made once per new word
    (the word cache remembers the answer), about 0.3 s of CPU per worker on the benchmark's 5,000 pages.
    """
    try:
        from simplemma.strategies.dictionaries import LOW_MEMORY_DICTIONARY_FACTORY

        table = LOW_MEMORY_DICTIONARY_FACTORY.get_dictionary("en")
    except Exception:  # noqa: BLE001 - another simplemma version: fall back to the prefix test
        return None
    return table.get


def _spec_key(spec: TopicSpec) -> tuple:
    def freeze(table: Mapping[str, Iterable[str]]) -> tuple:
        return tuple(sorted((k, tuple(v)) for k, v in table.items()))

    return (spec.name, freeze(spec.terms), freeze(spec.exclusions))


_COMPILED: dict[tuple, CompiledTopics] = {}


def _compile_cached(specs: tuple[TopicSpec, ...]) -> CompiledTopics:
    """compile_topics for callers that pass specs: keyed on their content (specs hold dicts)."""
    key = tuple(_spec_key(s) for s in specs)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= 16:
            _COMPILED.clear()
        compiled = _COMPILED[key] = compile_topics(specs)
    return compiled


# --- Matching ---------------------------------------------------------------------------------------


@dataclass
class _Found:
    pattern: _Pattern
    start: int
    end: int
    sentence: int  # index into the field's sentence list


def _sentence_language(sentence: str, default: str | None) -> str | None:
    """The sentence's language; a Cyrillic sentence without і ї є ґ / ы э ъ keeps the article's."""
    lang = textmod.detect_language(sentence)
    # detect_language says "ru" when it sees Cyrillic but none of the letters that decide.
    if lang == "ru" and default == "uk" and not any(ch in _RU_LETTERS for ch in sentence[:20000]):
        return "uk"
    if lang is None:
        return default
    return lang


def _may_match(word: str, prefixes: frozenset[str]) -> bool:
    low = word[:3].lower().replace("ё", "е")
    return low in prefixes or low[:2] in prefixes


@functools.lru_cache(maxsize=65536)
def _is_known(word: str, lang: str) -> bool:
    """``text.is_known``, remembered: _worth_lookup and the other-language check both ask."""
    return textmod.is_known(word, lang)


def _worth_lookup(word: str, lang: str, compiled: CompiledTopics) -> bool:
    """Whether ``word`` (in ``lang``) may reduce to a vocabulary key, decided without the lemmatizer.

    A lemmatizer call is the cost of the first pass over new text (pymorphy3 ~70 µs, simplemma ~15–40 µs
    a word with its low-memory table); nearly all words have no key. Exact for words the dictionaries know:
    - uk, ru: a known word has a key only if it is a form of a key's paradigm (``compiled.forms``);
      the dictionary check costs ~10 µs;
    - en: simplemma's table gives the lemma of a known word in one lookup (~15 µs in its stream).
    A word the dictionary does not know (guessed by analogy: *ухилянтів*, *evaders*) is looked up when
    its first three letters begin some key ("being" -> be: or its first two letters are a whole key).
    With another lemmatizer than "auto" (measurements only) the prefix test alone decides for words
    longer than four letters; irregular forms whose start differs are short ("were", "men").
    """
    low = word.lower().replace("ё", "е")
    prefixes = compiled.prefixes
    if compiled.lemmatizer != "auto":
        return len(low) <= 4 or _may_match(low, prefixes)
    if lang == "en":
        if "’" in low:
            low = low.split("’", 1)[0]
        lookup = _english_dictionary()
        if lookup is None:
            return len(low) <= 4 or _may_match(low, prefixes)
        lemma = lookup(low)
        vocabulary = compiled.vocabulary["en"]
        if lemma is None:
            # Unknown to simplemma: it returns the word itself, or a suffix rule's output that keeps
            # all but the last letters ("busifications" -> busification): the first four stay.
            if len(low) <= 4:
                return low in vocabulary or low[:-1] in vocabulary
            return low[:4] in compiled.prefixes4
        lemma = lemma.lower()
        # text._simplemma also tries the word without a plural -s when the lemma is the word itself
        plural = lemma == low and len(low) > 3 and low.endswith("s") and not low.endswith("ss")
        return lemma in vocabulary or low in vocabulary or (plural and low[:-1] in vocabulary)
    forms = compiled.forms.get(lang)
    if forms is None:
        return len(low) <= 4 or _may_match(low, prefixes)
    if low in forms:
        return True
    if len(low) > 4 and not _may_match(low, prefixes):
        return False
    return not _is_known(low, lang)


def _token_keys(
    word: str, lang: str | None, compiled: CompiledTopics | None = None
) -> tuple[str | None, frozenset[str]]:
    """The word's language and keys (dictionary forms, plus the abbreviation key for capitals).

    With ``compiled``, a word that cannot reduce to any key of its vocabulary is not looked up at all
    (``_worth_lookup``) and gets no lemma keys.
    """
    word = textmod.fold_confusables(word)
    script = textmod.script_of(word)
    if script is None:
        return None, frozenset({word.lower()})
    if script == "latin":
        lang = "en"
    elif any(ch in _RU_LETTERS for ch in word):  # the word's own letters beat the sentence's language
        lang = "ru"
    elif any(ch in _UK_LETTERS for ch in word):
        lang = "uk"
    elif lang not in ("uk", "ru"):
        lang = "ru"
    if compiled is not None and not _worth_lookup(word, lang, compiled):
        keys: frozenset[str] = frozenset()
    else:
        keys = textmod.lemmas(word, lang, compiled.lemmatizer if compiled is not None else "auto")
    # Abbreviations: the whole word in capitals, or capitals followed by a lower-case suffix
    # ("ТЦКшники", "AWOLs"); a hyphenated suffix is a separate word anyway.
    head = 0
    while head < len(word) and word[head].isupper():
        head += 1
    if head >= 2 and (head == len(word) or word[head:].islower()):
        keys = keys | {_ABBR + word[:head]}
    return lang, keys


# Words remembered per sentence language before the cache starts over: ~110 bytes a word (the word and
# its slot; entries without keys are shared), so at most ~11 MB per sentence language (en, uk, ru, or not
# detected: four caches) in each worker.
_WORD_CACHE_MAX = 100_000

# A word's cache entry: (language, keys, quantity, anchor); language None for numbers, keys cut to the
# vocabulary; quantity is True for numbers and number words (see _step); anchor: some phrase is looked
# up by one of its keys (see _anchor).
_Entry = tuple["str | None", frozenset[str], bool, bool]
# A token: (start, end) + its word's entry.
_Token = tuple[int, int, "str | None", frozenset[str], bool, bool]

# Numbers and the words that scale them do not count as words between the words of a phrase: "вербує
# близько 30 тисяч контрактників", "recruited up to 180,000 prisoners". At most MAX_QUANTITY_WORDS of
# them are skipped per gap, so the window stays bounded.
MAX_QUANTITY_WORDS = 3
_QUANTITY_PREFIXES = (
    "тис", "тыс", "млн", "млрд", "мільйон", "мільярд", "миллион", "миллиард", "сотн", "сотен", "десят",
    "thousand", "million", "billion", "hundred", "dozen",
)  # fmt: skip


def _is_quantity(word: str) -> bool:
    return word[:1].isdigit() or word.lower().startswith(_QUANTITY_PREFIXES)


_NO_KEYS: frozenset[str] = frozenset()
_PLAIN_ENTRIES: dict[_Entry, _Entry] = {}


def _new_entry(word: str, lang: str | None, compiled: CompiledTopics) -> _Entry:
    """The cache entry for a word not seen before in a sentence of language ``lang``."""
    vocabulary = compiled.vocabulary
    tok_lang, keys = _token_keys(word, lang, compiled)
    if tok_lang is not None:  # numbers (no language) keep their one key, compared as written
        keys &= vocabulary[tok_lang]
    if (
        not keys
        and tok_lang in ("uk", "ru")
        and (len(word) <= 4 or _may_match(word, compiled.prefixes))
        and not _is_known(word.lower().replace("ё", "е"), tok_lang)
    ):
        # A word the sentence's language does not know, with no letter that tells: perhaps
        # the other language ("Мобилизация" quoted inside a Ukrainian sentence).
        other = "ru" if tok_lang == "uk" else "uk"
        other_lang, other_keys = _token_keys(word, other, compiled)
        other_keys &= vocabulary[other]
        if other_lang == other and other_keys:
            tok_lang, keys = other_lang, other_keys
    if not keys:
        # Nearly every word of a text: one shared entry per (language, quantity) instead of a new
        # tuple and an empty frozenset (~300 bytes) per cached word.
        plain = (tok_lang, _NO_KEYS, _is_quantity(word), False)
        return _PLAIN_ENTRIES.setdefault(plain, plain)
    anchors = compiled.index.get(tok_lang, {}) if tok_lang is not None else {}
    return tok_lang, keys, _is_quantity(word), any(k in anchors for k in keys)


def _tokens(
    text: str, start: int, end: int, lang: str | None, compiled: CompiledTopics
) -> tuple[list[_Token], list[int]]:
    """The sentence's tokens, and the indices of those that may anchor a phrase.

    The hot loop of matching. First the words alone (one C-level ``findall`` and one dict lookup per
    word once the cache is warm); only a sentence holding an anchor word (a minority) is scanned again
    for positions. A sentence without one returns no tokens.
    """
    cache = compiled._word_cache.get(lang)
    if cache is None:
        cache = compiled._word_cache[lang] = {}
    get = cache.get
    entries = []
    anchored = False
    for word in textmod.WORD_PATTERN.findall(text, start, end):
        entry = get(word)
        if entry is None:
            entry = _new_entry(word, lang, compiled)
            if len(cache) >= _WORD_CACHE_MAX:
                cache.clear()
            cache[word] = entry
        anchored = anchored or entry[3]
        entries.append(entry)
    if not anchored:
        return [], []
    tokens = [
        m.span() + entry
        for m, entry in zip(textmod.WORD_PATTERN.finditer(text, start, end), entries, strict=True)
    ]
    return tokens, [i for i, entry in enumerate(entries) if entry[3]]


def _span(pattern: _Pattern, tokens: list[_Token], i: int, text: str) -> tuple[int, int] | None:
    """Indices of the first and last tokens of ``pattern`` with its anchor word at token ``i``, or None.

    The words after the anchor are matched forwards, those before it backwards, each with the nearest
    token that fits: at most MAX_GAP other words between neighbours (numbers and number words not
    counted, up to MAX_QUANTITY_WORDS), and nothing but a hyphen where the term has one.
    """
    words = pattern.words
    j = i
    for n in range(pattern.anchor + 1, len(words)):
        j = _step(words[n].keys, words[n - 1].hyphen_next, tokens, j, 1, text)
        if j < 0:
            return None
    last = j
    j = i
    for n in range(pattern.anchor - 1, -1, -1):
        j = _step(words[n].keys, words[n].hyphen_next, tokens, j, -1, text)
        if j < 0:
            return None
    return j, last


def _step(keys: frozenset[str], hyphen: bool, tokens: list[_Token], j: int, step: int, text: str) -> int:
    """The nearest token from ``j`` in direction ``step`` (+1/-1) that carries one of ``keys``; -1."""
    if hyphen:  # the two words are joined by a hyphen and nothing else
        k = j + step
        if not 0 <= k < len(tokens) or not (keys & tokens[k][3]):
            return -1
        left, right = (tokens[j], tokens[k]) if step > 0 else (tokens[k], tokens[j])
        if right[0] != left[1] + 1 or text[left[1]] not in "-‐‑–":
            return -1
        return k
    gap = quantities = 0
    k = j + step
    while 0 <= k < len(tokens):
        if keys & tokens[k][3]:
            return k
        if tokens[k][4] and quantities < MAX_QUANTITY_WORDS:
            quantities += 1
        else:
            gap += 1
            if gap > MAX_GAP:
                return -1
        k += step
    return -1


def _find(
    text: str,
    compiled: CompiledTopics,
    doc_lang: str | None,
    found: list[_Found],
    sentences: list[tuple[int, int]],
) -> None:
    for sent_no, (s, e) in enumerate(textmod.sentence_spans(text)):
        sentences.append((s, e))
        sentence = text[s:e]
        # Only Cyrillic words need the sentence's language (Latin ones are English, numbers none).
        lang = _sentence_language(sentence, doc_lang) if _CYRILLIC.search(sentence) else doc_lang
        tokens, keyed = _tokens(text, s, e, lang, compiled)
        for i in keyed:
            _start, _end, tok_lang, keys, _qty, _anchor_word = tokens[i]
            table = compiled.index.get(tok_lang, {})  # type: ignore[arg-type]
            seen: set[int] = set()
            for key in keys:
                for pattern in table.get(key, ()):
                    if id(pattern) in seen:
                        continue
                    seen.add(id(pattern))
                    span = _span(pattern, tokens, i, text)
                    if span is not None:
                        found.append(_Found(pattern, tokens[span[0]][0], tokens[span[1]][1], sent_no))


def _apply_exclusions(found: list[_Found]) -> list[_Found]:
    """Drop term matches vetoed by an exclusion (see the module docstring).

    Matches are grouped by (topic, sentence) and sorted, so a hostile text full of terms and
    exclusions costs n log n, not n² (sentences are at most 2,000 characters).
    """
    by_sentence: dict[tuple[int, int], list[_Found]] = {}
    for f in found:
        if not f.pattern.exclusion:
            by_sentence.setdefault((f.pattern.topic, f.sentence), []).append(f)
    longest = max((f.end - f.start for group in by_sentence.values() for f in group), default=0)
    starts: dict[tuple[int, int], list[int]] = {}
    for key, group in by_sentence.items():
        group.sort(key=lambda f: f.start)
        starts[key] = [f.start for f in group]
    vetoed_sentences: set[tuple[int, int]] = set()
    vetoed: set[int] = set()
    for ex in found:
        if not ex.pattern.exclusion:
            continue
        topic = ex.pattern.topic
        if ex.pattern.context:
            for n in range(ex.sentence - CONTEXT_SENTENCES, ex.sentence + CONTEXT_SENTENCES + 1):
                vetoed_sentences.add((topic, n))
            continue
        key = (topic, ex.sentence)
        candidates = by_sentence.get(key)
        if not candidates:
            continue
        # matches overlapping [ex.start, ex.end): they start before ex.end and end after ex.start;
        # no match is longer than ``longest``, so the scan can start there
        i = bisect.bisect_left(starts[key], ex.start - longest)
        while i < len(candidates) and candidates[i].start < ex.end:
            if candidates[i].end > ex.start:
                vetoed.add(id(candidates[i]))
            i += 1
    kept = [
        f
        for key, group in by_sentence.items()
        if key not in vetoed_sentences
        for f in group
        if id(f) not in vetoed
    ]
    # One occurrence per span and term (a phrase found from two readings of its anchor word).
    unique = {(f.pattern.topic, f.pattern.term, f.start, f.end): f for f in kept}
    return sorted(unique.values(), key=lambda f: (f.start, f.end))


def _snippet(text: str, span: tuple[int, int]) -> str:
    sentence = " ".join(text[span[0] : span[1]].split())
    if len(sentence) > _SNIPPET_MAX:
        sentence = sentence[: _SNIPPET_MAX - 1].rstrip() + "…"
    return sentence


def match_topics(
    title: str | None,
    text: str,
    topics: CompiledTopics | Sequence[TopicSpec],
    language: str | None = None,
) -> list[Hit]:
    """The topics that ``title``/``text`` talk about, in the order of ``topics``.

    ``language`` is the article's language as reported by the page or feed ("en", "uk", "ru"); it
    only decides sentences whose letters do not (a Cyrillic sentence without і/ї/є/ґ or ы/э/ъ).
    Offsets in the returned matches index ``title`` or ``text`` exactly as passed.

    Score: occurrences + 2 per distinct term + 3 if the title matches; a number to sort hits by
    how much evidence they carry, not a probability.
    """
    if not isinstance(topics, CompiledTopics):
        compiled = _compile_cached(tuple(topics))
    else:
        compiled = topics
    title = title or ""
    text = text or ""
    norm_title, norm_text = textmod.normalize(title), textmod.normalize(text)
    # The article's Cyrillic language decides sentences whose letters do not; English articles skip it.
    code = (language or "").strip().lower()[:2]  # "uk-UA", "RU" -> uk, ru
    hint = code if code in ("uk", "ru") else None
    doc_lang = hint
    if _CYRILLIC.search(norm_title) or _CYRILLIC.search(norm_text):
        doc_lang = _sentence_language(norm_title + "\n" + norm_text, hint)
        if doc_lang not in ("uk", "ru"):
            doc_lang = hint

    per_field: dict[str, tuple[str, list[_Found], list[tuple[int, int]]]] = {}
    for name, original, norm in (("title", title, norm_title), ("body", text, norm_text)):
        found: list[_Found] = []
        sentences: list[tuple[int, int]] = []
        if norm.strip():
            _find(norm, compiled, doc_lang, found, sentences)
        per_field[name] = (original, _apply_exclusions(found), sentences)

    hits = []
    for t, topic in enumerate(compiled.names):
        matches: list[TermMatch] = []
        by_field: dict[str, list[_Found]] = {}
        for name, (original, found, _sentences) in per_field.items():
            mine = [f for f in found if f.pattern.topic == t]
            by_field[name] = mine
            matches.extend(
                TermMatch(f.pattern.term, original[f.start : f.end], name, f.start, f.end) for f in mine
            )
        if not matches:
            continue
        fields = [name for name in ("title", "body") if by_field[name]]
        keywords = tuple(dict.fromkeys(m.surface for m in matches))
        terms = tuple(dict.fromkeys(m.term for m in matches))
        snippet_field = "body" if by_field["body"] else "title"
        original, _found, sentences = per_field[snippet_field]
        per_sentence: dict[int, set[str]] = {}
        for f in by_field[snippet_field]:
            per_sentence.setdefault(f.sentence, set()).add(f.pattern.term)
        best = max(per_sentence, key=lambda n: (len(per_sentence[n]), -n))
        score = len(matches) + 2 * len(terms) + (3 if by_field["title"] else 0)
        hits.append(
            Hit(
                topic=topic,
                keywords=keywords,
                terms=terms,
                field="+".join(fields),
                count=len(matches),
                snippet=_snippet(original, sentences[best]),
                score=float(score),
                matches=tuple(matches[:MAX_MATCHES_KEPT]),
            )
        )
    return hits


# --- Configuration ----------------------------------------------------------------------------------


def topics_from_mapping(data: Mapping) -> tuple[TopicSpec, ...]:
    """The ``topics:`` mapping (name -> {terms: {lang: [...]}, exclude: {lang: [...]}}) as specs.

    Raises ValueError naming the topic and key when the shape is wrong.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"topics: expected a mapping of topic name -> terms, got {type(data).__name__}")
    specs = []
    for name, body in data.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"topics: topic names must be non-empty strings, got {name!r}")
        if not isinstance(body, Mapping):
            raise ValueError(f"topic {name!r}: expected a mapping with 'terms' (and 'exclude')")
        unknown = set(body) - {"terms", "exclude"}
        if unknown:
            raise ValueError(
                f"topic {name!r}: unknown key(s) {sorted(map(str, unknown))}; use 'terms', 'exclude'"
            )
        terms = _language_table(name, "terms", body.get("terms"))
        if not any(terms.values()):
            raise ValueError(f"topic {name!r}: 'terms' must list at least one term")
        exclusions = _language_table(name, "exclude", body.get("exclude") or {})
        specs.append(TopicSpec(name=name, terms=terms, exclusions=exclusions))
    return tuple(specs)


def _language_table(topic: str, key: str, table: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, Mapping):
        raise ValueError(f"topic {topic!r}: {key!r} must map a language ({', '.join(TERM_KEYS)}) to a list")
    out: dict[str, tuple[str, ...]] = {}
    for lang, phrases in table.items():
        if lang not in TERM_KEYS:
            raise ValueError(f"topic {topic!r}: {key}.{lang}: unknown language (use {', '.join(TERM_KEYS)})")
        if phrases is None:
            phrases = []
        if isinstance(phrases, str) or not isinstance(phrases, Sequence):
            raise ValueError(f"topic {topic!r}: {key}.{lang}: expected a list of strings, got {phrases!r}")
        for phrase in phrases:
            if not isinstance(phrase, str) or not textmod.word_spans(phrase):
                raise ValueError(f"topic {topic!r}: {key}.{lang}: {phrase!r} is not a word or phrase")
        out[lang] = tuple(p.strip() for p in phrases)
    return out


@functools.lru_cache(maxsize=1)
def load_default_topics() -> tuple[TopicSpec, ...]:
    """The packaged topics (monitor/data/default_topics.yaml): desertion and conscription."""
    import yaml  # type: ignore[import-untyped]

    raw = resources.files("monitor").joinpath("data/default_topics.yaml").read_text(encoding="utf-8")
    # libyaml's loader where PyYAML has it: the pure-Python one takes ~0.1 s on this file at every start
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return topics_from_mapping(yaml.load(raw, Loader=loader))  # noqa: S506 - a safe loader
