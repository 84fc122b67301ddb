"""Topic matching: title + text + configured topics -> hits, each with its terms, offsets and snippet.

The model (docs/matching.md explains it with examples):

* A **term** is one or more words written in dictionary form. Every word is compared by its
  dictionary forms (``monitor.text.lemmas``), so "мобілізований" matches "мобілізованих".
* The words of a **phrase** must appear in order, in one sentence, with at most ``MAX_GAP`` other
  words between neighbours ("самовільне залишення частини" matches "самовільного залишення
  військової частини"). Words written with a hyphen ("call-up") must be hyphenated in the text too.
* A word written in **capitals** (СЗЧ, ТЦК, AWOL) is an abbreviation: it is compared as written, case
  sensitive, and also matches the head of a hyphenated or suffixed form ("СЗЧ-шників", "ТЦКшники").
* An **exclusion** is a phrase of the same kind. One that shares a word with its topic's terms is a
  *sense* exclusion and vetoes the term matches it overlaps ("повестка дня" vetoes "повестку", not
  "мобилизации" in the same sentence). One that shares no word with them is a *context* exclusion
  and vetoes every match of its topic in its sentence and the sentences either side
  (``CONTEXT_SENTENCES``): "divorce" vetoes "desertion".
* Each sentence is matched in its own language (``monitor.text.detect_language``): that language's
  terms, the ``any`` terms, and English terms on Latin words everywhere.

All lookups go through one dict per language from a word's dictionary form to the phrases starting
with it, so the cost per word does not grow with the number of terms. Pure: no I/O except reading the
packaged default topics.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
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


@dataclass(frozen=True)
class CompiledTopics:
    """Topics ready for matching: per language, first-word key -> the patterns starting with it."""

    names: tuple[str, ...]
    index: Mapping[str, Mapping[str, tuple[_Pattern, ...]]]
    lemmatizer: str = "auto"
    # per language, every key any pattern word can match: a text word's keys are cut down to these
    # once, so the words no term uses (nearly all) cost one dict lookup in _word_cache from then on
    vocabulary: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # the first three letters of every key, or the whole of shorter ones (see _token_keys)
    prefixes: frozenset[str] = frozenset()
    _word_cache: dict[tuple[str, str | None], tuple[str | None, frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False
    )


def _is_abbreviation(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


def _word_keys(word: str, lang: str, lemmatizer: str) -> frozenset[str]:
    word = textmod.fold_confusables(word)
    if _is_abbreviation(word):
        return frozenset({_ABBR + word})
    if textmod.script_of(word) is None:  # a number: compared as written
        return frozenset({word.lower()})
    return textmod.lemmas(word, lang, lemmatizer)


def _compile_phrase(phrase: str, lang: str, lemmatizer: str) -> tuple[_Word, ...]:
    norm = textmod.normalize(phrase.strip())
    spans = textmod.word_spans(norm)
    words = []
    for i, (s, e) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else None
        hyphen = nxt is not None and nxt == e + 1 and norm[e] in "-‐‑–"
        words.append(_Word(_word_keys(norm[s:e], lang, lemmatizer), hyphen))
    return tuple(words)


def _add(table: dict[str, list[_Pattern]], pattern: _Pattern) -> None:
    for k in pattern.words[0].keys:
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
                        _add(index[lang], _Pattern(t, phrase, words, exclusion=False))
        for phrase, words, lang in exclusions:
            context = not any(w.keys & term_keys for w in words)
            _add(index[lang], _Pattern(t, phrase, words, exclusion=True, context=context))
    frozen = {lang: {k: tuple(v) for k, v in table.items()} for lang, table in index.items()}
    vocabulary = {
        lang: frozenset(k for patterns in table.values() for p in patterns for w in p.words for k in w.keys)
        for lang, table in index.items()
    }
    prefixes = frozenset(k.lstrip(_ABBR)[:3].lower() for keys in vocabulary.values() for k in keys)
    return CompiledTopics(tuple(spec.name for spec in topics), frozen, lemmatizer, vocabulary, prefixes)


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


def _token_keys(
    word: str, lang: str | None, lemmatizer: str, prefixes: frozenset[str] | None = None
) -> tuple[str | None, frozenset[str]]:
    """The word's language and keys (dictionary forms, plus the abbreviation key for capitals).

    With ``prefixes``, a word longer than four letters is not looked up at all unless its first three
    letters begin some vocabulary key or its first two letters are a whole key ("being" -> be):
    inflection keeps the start of a word, and the irregular forms that do not are short ("were",
    "men"). A new word costs pymorphy3 ~0.2 ms; this cuts the first pass over new text by a third
    (bench/match_cost.py). The default topics hold no suppletive pairs like люди/человек; a topic that
    needs one must write the irregular form out as its own term.
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
    if prefixes is not None and len(word) > 4 and not _may_match(word, prefixes):
        keys: frozenset[str] = frozenset()
    else:
        keys = textmod.lemmas(word, lang, lemmatizer)
    # Abbreviations: the whole word in capitals, or capitals followed by a lower-case suffix
    # ("ТЦКшники", "AWOLs"); a hyphenated suffix is a separate word anyway.
    head = 0
    while head < len(word) and word[head].isupper():
        head += 1
    if head >= 2 and (head == len(word) or word[head:].islower()):
        keys = keys | {_ABBR + word[:head]}
    return lang, keys


_WORD_CACHE_MAX = 200_000

# A token: (start, end, language, keys); language None for numbers, keys cut to the vocabulary.
_Token = tuple[int, int, "str | None", frozenset[str]]


def _tokens(text: str, start: int, end: int, lang: str | None, compiled: CompiledTopics) -> list[_Token]:
    cache = compiled._word_cache
    vocabulary = compiled.vocabulary
    out = []
    for s, e in textmod.word_spans(text[start:end]):
        word = text[start + s : start + e]
        entry = cache.get((word, lang))
        if entry is None:
            prefixes = compiled.prefixes
            tok_lang, keys = _token_keys(word, lang, compiled.lemmatizer, prefixes)
            if tok_lang is not None:  # numbers (no language) keep their one key, compared as written
                keys &= vocabulary[tok_lang]
            if (
                not keys
                and tok_lang in ("uk", "ru")
                and (len(word) <= 4 or _may_match(word, prefixes))
                and not textmod.is_known(word, tok_lang)
            ):
                # A word the sentence's language does not know, with no letter that tells: perhaps
                # the other language ("Мобилизация" quoted inside a Ukrainian sentence).
                other = "ru" if tok_lang == "uk" else "uk"
                other_lang, other_keys = _token_keys(word, other, compiled.lemmatizer, prefixes)
                other_keys &= vocabulary[other]
                if other_lang == other and other_keys:
                    tok_lang, keys = other_lang, other_keys
            entry = (tok_lang, keys)
            if len(cache) >= _WORD_CACHE_MAX:
                cache.clear()
            cache[(word, lang)] = entry
        out.append((start + s, start + e, entry[0], entry[1]))
    return out


def _extend(pattern: _Pattern, tokens: list[_Token], i: int, text: str) -> int | None:
    """Index of the last token of ``pattern`` matched from token ``i``, or None."""
    j = i
    for w_prev, w in zip(pattern.words, pattern.words[1:], strict=False):
        if w_prev.hyphen_next:
            k = j + 1
            if k >= len(tokens) or tokens[k][0] != tokens[j][1] + 1 or not (w.keys & tokens[k][3]):
                return None
            if text[tokens[j][1]] not in "-‐‑–":
                return None
            j = k
            continue
        for k in range(j + 1, min(j + 2 + MAX_GAP, len(tokens))):
            if w.keys & tokens[k][3]:
                j = k
                break
        else:
            return None
    return j


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
        tokens = _tokens(text, s, e, lang, compiled)
        for i, (start, _end, tok_lang, keys) in enumerate(tokens):
            if tok_lang is None or not keys:
                continue
            table = compiled.index.get(tok_lang, {})
            seen: set[int] = set()
            for key in keys:
                for pattern in table.get(key, ()):
                    if id(pattern) in seen:
                        continue
                    seen.add(id(pattern))
                    j = _extend(pattern, tokens, i, text)
                    if j is not None:
                        found.append(_Found(pattern, start, tokens[j][1], sent_no))


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
    # One occurrence per span and term (a phrase found from two readings of its first word).
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
    return topics_from_mapping(yaml.safe_load(raw))
