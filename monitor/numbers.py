"""Reading numbers as news writes them: digits in every local style and number words in en/uk/ru.

Pure and linear: the digit pattern has no nested quantifiers that can backtrack, and word numbers are
dictionary look-ups. The inflected forms of Ukrainian and Russian number words come from pymorphy3
lexemes, generated once (lazily) into a plain dict, so reading a text never calls the analyser per word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from monitor.text import morph_analyzer

__all__ = [
    "DIGITS",
    "MULTIPLIER_AFTER",
    "NumberWord",
    "morph",
    "parse_digits",
    "word_table",
]

# Digits with an optional thousands grouping (one kind of separator per number) and an optional
# decimal part. The look-behind stops a match from starting inside another number or word, so each
# position is tried once: linear even on a 10,000-digit run.
_SPACES = " \u00a0\u202f\u2009"
DIGITS = re.compile(
    r"(?<![\w.,])(?:\d{1,3}(?:(?:,\d{3})+|(?:\.\d{3})+|(?:[" + _SPACES + r"]\d{3})+)|\d+)(?:[.,]\d+)?"
)
_SPACE_RE = re.compile("[" + _SPACES + "]")
_SEP_RE = re.compile("[.,]")
_MAX_DIGITS = 15  # beyond this it is an id or garbage, not a count; also keeps int() cheap

# A multiplier written after digits: "21.6 thousand", "1,5 млн", "30 тыс.", "11k", "$2bn".
MULTIPLIER_AFTER = re.compile(
    r"(?:[" + _SPACES + r"]?(?P<glued>k|K|bn|mn|m|tn|млн|млрд|трлн|тис|тыс)\b\.?)"
    r"|(?:[" + _SPACES + r"](?P<word>thousands?|millions?|billions?|trillions?|тис\.|тис\b|тыс\.|тыс\b|млн\.?"
    r"|млрд\.?|трлн\.?|тисяч[іауеь]?\w*|тысяч\w*|мільйон\w*|миллион\w*|мільярд\w*|миллиард\w*|трильйон\w*"
    r"|триллион\w*))",
)
_MULTIPLIER_VALUES = (
    ("k", 1_000),
    ("thousand", 1_000),
    ("тис", 1_000),
    ("тыс", 1_000),
    ("mn", 1_000_000),
    ("m", 1_000_000),
    ("million", 1_000_000),
    ("млн", 1_000_000),
    ("мільйон", 1_000_000),
    ("миллион", 1_000_000),
    ("bn", 1_000_000_000),
    ("billion", 1_000_000_000),
    ("млрд", 1_000_000_000),
    ("мільярд", 1_000_000_000),
    ("миллиард", 1_000_000_000),
    ("tn", 1_000_000_000_000),
    ("trillion", 1_000_000_000_000),
    ("трлн", 1_000_000_000_000),
    ("трильйон", 1_000_000_000_000),
    ("триллион", 1_000_000_000_000),
)


def multiplier_value(word: str) -> int:
    w = word.lower().rstrip(".")
    for prefix, value in _MULTIPLIER_VALUES:
        if w == prefix or (len(prefix) > 2 and w.startswith(prefix)):
            return value
    return 1


@dataclass(frozen=True)
class DigitReading:
    value: float
    grouped: bool  # written with a thousands separator
    decimal: bool  # has a decimal part
    plain: str  # the digits without separators (for year / phone checks)


def parse_digits(raw: str, language: str | None, has_multiplier: bool) -> DigitReading | None:
    """Read ``raw`` (a DIGITS match). Decide what , and . mean from the groups, the language and
    whether a multiplier follows ("21,600" is 21600, "21,6 тис." is 21.6 thousand, "1,500 млн" is 1.5m
    in Ukrainian but 1,500m in English)."""
    s = _SPACE_RE.sub("", raw)
    if len(s) > _MAX_DIGITS + 4:  # digits plus at most a few separators
        return None
    seps = [c for c in s if c in ",."]
    if not seps:
        return DigitReading(float(s), s != raw, False, s)
    # One separator followed by exactly three digits is ambiguous: thousands unless a multiplier follows
    # (then decimal), except that an English comma is always a thousands separator.
    if len(seps) == 1:
        head, tail = _SEP_RE.split(s)
        sep = seps[0]
        if len(tail) == 3 and not (has_multiplier and not (sep == "," and language == "en")):
            return DigitReading(float(head + tail), True, False, head + tail)
        return DigitReading(float(f"{head}.{tail}"), False, True, head + tail)
    # Several separators: the repeated one groups thousands, a different last one is the decimal mark.
    first = seps[0]
    if seps[-1] != first:
        intpart, _, frac = s.rpartition(seps[-1])
        digits = intpart.replace(first, "")
        return DigitReading(float(f"{digits}.{frac}"), True, True, digits + frac)
    digits = s.replace(first, "")
    return DigitReading(float(digits), True, False, digits)


# ---------------------------------------------------------------------------------------------- words


@dataclass(frozen=True)
class NumberWord:
    value: float
    kind: str  # "unit" (1-99, 1.5, collectives), "hundred" (en "hundred": ×100), "hundreds" (200…900),
    # "mult" (thousand, million…), "a" (English article before hundred/thousand)
    plural: bool = False  # for "mult": the form can be plural ("тисячі", "thousands")
    singular: bool = True


_EN_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_MULT = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}

# Dictionary forms; every inflected form is generated from pymorphy3 lexemes.
_UK_UNITS = {
    "один": 1, "два": 2, "три": 3, "чотири": 4, "п'ять": 5, "шість": 6, "сім": 7, "вісім": 8,
    "дев'ять": 9, "десять": 10, "одинадцять": 11, "дванадцять": 12, "тринадцять": 13,
    "чотирнадцять": 14, "п'ятнадцять": 15, "шістнадцять": 16, "сімнадцять": 17, "вісімнадцять": 18,
    "дев'ятнадцять": 19, "двадцять": 20, "тридцять": 30, "сорок": 40, "п'ятдесят": 50,
    "шістдесят": 60, "сімдесят": 70, "вісімдесят": 80, "дев'яносто": 90,
    "двоє": 2, "троє": 3, "четверо": 4, "п'ятеро": 5, "шестеро": 6, "семеро": 7, "восьмеро": 8,
    "дев'ятеро": 9, "десятеро": 10,
}  # fmt: skip
_UK_HUNDREDS = {
    "сто": 100, "двісті": 200, "триста": 300, "чотириста": 400, "п'ятсот": 500, "шістсот": 600,
    "сімсот": 700, "вісімсот": 800, "дев'ятсот": 900,
}  # fmt: skip
_RU_UNITS = {
    "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8,
    "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13,
    "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19, "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50,
    "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80, "девяносто": 90,
    "двое": 2, "трое": 3, "четверо": 4, "пятеро": 5, "шестеро": 6, "семеро": 7, "восьмеро": 8,
    "девятеро": 9, "десятеро": 10,
}  # fmt: skip
_RU_HUNDREDS = {
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600,
    "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
_CYR_MULT = {
    "тисяча": 1_000, "мільйон": 1_000_000, "мільярд": 1_000_000_000,
    "тысяча": 1_000, "миллион": 1_000_000, "миллиард": 1_000_000_000,
    "трильйон": 1_000_000_000_000, "триллион": 1_000_000_000_000,
}  # fmt: skip
# Forms the lexemes miss or get wrong (checked against pymorphy3-dicts 2.4).
_EXTRA: dict[str, float] = {
    "ста": 100, "одна": 1, "одну": 1, "одне": 1, "одно": 1, "одной": 1, "одного": 1,
    "дві": 2, "две": 2, "двух": 2, "двох": 2, "трьох": 3, "трех": 3, "чотирьох": 4, "четырех": 4,
    "півтора": 1.5, "півтори": 1.5, "полтора": 1.5, "полторы": 1.5, "полутора": 1.5,
}  # fmt: skip
_HALVES: dict[str, float] = {
    "півмільйона": 500_000, "півмільярда": 500_000_000, "півтисячі": 500,
    "полмиллиона": 500_000, "полмиллиарда": 500_000_000, "полтысячи": 500,
    "сотня": 100, "сотню": 100, "сотнею": 100, "сотней": 100,
}  # fmt: skip
# Forms that are also common other words: "сьома" (seventh), "сорока" (magpie) is kept — rare in news.
_DROP = frozenset({"сьома", "оден"})


def morph(language: str):  # -> pymorphy3.MorphAnalyzer
    """The pymorphy3 analyser for uk/ru, shared with matching (text.morph_analyzer)."""
    return morph_analyzer(language)


def _apos(word: str) -> str:
    return word.replace("'", "’")


def _lexeme(language: str, word: str) -> list[tuple[str, bool]]:
    """All forms of ``word`` (as a numeral or noun) with whether each form is plural."""
    for p in morph(language).parse(word):
        if p.normal_form == word and {"NUMR", "NOUN"} & set(p.tag.grammemes):
            return [(f.word, "plur" in f.tag) for f in p.lexeme]
    return [(word, False)]


@lru_cache(maxsize=1)
def word_table() -> dict[str, NumberWord]:
    """Lower-case word (apostrophes as ’, ё as е) → its reading; en, uk and ru together (scripts differ)."""
    table: dict[str, NumberWord] = {}
    for w, v in _EN_UNITS.items():
        table[w] = NumberWord(v, "unit")
    for w, v in _EN_MULT.items():
        table[w] = NumberWord(v, "mult", plural=False)
        table[w + "s"] = NumberWord(v, "mult", plural=True, singular=False)
    table["hundred"] = NumberWord(100, "hundred")
    table["hundreds"] = NumberWord(100, "hundred", plural=True, singular=False)
    table["dozen"] = NumberWord(12, "hundred")
    table["dozens"] = NumberWord(12, "hundred", plural=True, singular=False)
    table["a"] = NumberWord(1, "a")
    table["half"] = NumberWord(0.5, "a")
    for language, units, hundreds in (("uk", _UK_UNITS, _UK_HUNDREDS), ("ru", _RU_UNITS, _RU_HUNDREDS)):
        for base, v in units.items():
            for form, _ in _lexeme(language, base):
                table.setdefault(_apos(form).replace("ё", "е"), NumberWord(v, "unit"))
        for base, v in hundreds.items():
            for form, _ in _lexeme(language, base):
                table.setdefault(_apos(form).replace("ё", "е"), NumberWord(v, "hundreds"))
        for base, v in _CYR_MULT.items():
            if (language == "uk") != (base in {"тисяча", "мільйон", "мільярд", "трильйон"}):
                continue
            forms: dict[str, set[bool]] = {}
            for form, plural in _lexeme(language, base):
                forms.setdefault(form.replace("ё", "е"), set()).add(plural)
            for form, numbers in forms.items():
                table[form] = NumberWord(v, "mult", plural=True in numbers, singular=False in numbers)
    for w, extra in _EXTRA.items():
        if w not in _DROP:
            table[w] = NumberWord(extra, "unit" if extra < 100 else "hundreds")
    # halves: "пів мільйона", "півмільйона", "полмиллиона", "полтысячи"; "сотня/сотню" (singular) is 100
    table["пів"] = NumberWord(0.5, "a")
    for half, half_value in _HALVES.items():
        table[half] = NumberWord(half_value, "unit")
    for w in _DROP:
        table.pop(w, None)
    # "сотня/сотні", "десяток" are vague nouns, handled by the figure finder, not number words.
    return table
