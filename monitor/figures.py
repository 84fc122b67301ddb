"""Figures: the quantities an article states (people, cases, money, percentages), with their context.

``find_figures(text, language, hits)`` reads every number in the text (digits in every local style,
number words in en/uk/ru, vague quantities such as "thousands of"), drops what the labelling guide says is
not a figure (years, dates, times, ages, law article numbers, ordinals, phone numbers, page counts,
durations), and for each figure finds its qualifier, what it counts, the period or rate, who claims it
and the topic of the sentence. docs/figures.md describes the rules; monitor/eval/figures.py scores them.

Pure and linear: each sentence is scanned by regexes without nested quantifiers, every look-around window
is bounded, and pymorphy3 is called only for the few words after a figure.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.numbers import DIGITS, MULTIPLIER_AFTER, morph, multiplier_value, parse_digits, word_table
from monitor.text import normalize, sentence_spans
from monitor.types import Figure, Hit, Qualifier

__all__ = ["find_figures"]

_I = re.IGNORECASE
_CYR = re.compile(r"[а-яіїєґ]", _I)
_WORD = re.compile(r"[^\W\d_]+(?:’[^\W\d_]+)*")

# ------------------------------------------------------------------------------------ vocabulary

_MONTHS_EN = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
)
_MONTHS_GEN = (
    r"січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня"
    r"|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
)
_DATE_AFTER = re.compile(r"\s*(?:" + _MONTHS_EN + "|" + _MONTHS_GEN + r")\b", _I)
_DATE_BEFORE = re.compile(r"(?:" + _MONTHS_EN + r")\s*$", _I)
_YEAR_AFTER = re.compile(
    r"\s*(?:years?\b|р\.|рр\.|г\.|гг\.|рік\b|року\b|році\b|роком\b|роки\b|років\b|год\b|года\b|году\b|годом\b"
    r"|годы\b|годов\b|[-–—]\s*\d)",
    _I,
)
_TIME_PREP_EN = re.compile(
    r"\b(?:in|since|by|until|till|from|during|before|after|of|through|between|and|to|early|late|mid)\s*$", _I
)
_LEGAL_BEFORE = re.compile(
    r"(?:\b(?:article|articles|art\.|part|parts|paragraph|paragraphs|clause|clauses|section|sections"
    r"|chapter|item|no\.|nos\.|number|bill|law|resolution|decree|order|page|pages|pp?\.|brigade|battalion"
    r"|regiment|division|corps|unit|room|flight|route|level|grade|phase|stage|tier|category|platoon|company"
    r"|статт[іяюе]|статтею|статтями|статтях|статтям|статей|статья|статьи|статье|статьей|статью|статьям|статьями"
    r"|статьях|ст\.|ст|частин[аиуіою]|частиною|частинами|частинах|част[ьи]|частью|частями|частях|ч\."
    r"|пункт[уаиі]?|пунктом|п\.|пп\.|підпункт\w*|подпункт\w*|абзац\w*|розділ\w*|раздел\w*|глав[аиуіе]"
    r"|законопро[єе]кт\w*|закон[уаі]?|постанов[аиіуою]|указ[уа]?|наказ[уа]?|приказ[уа]?|сторінк\w*|страниц\w*"
    r"|стор\.|бригад[аиуіою]|батальйон\w*|батальон\w*|полк[уаі]?|дивізі[їяю]|дивизи[июя]|корпус[уа]?|рот[аиі]"
    r"|військов\w+ частин\w+|воинск\w+ част\w+|в/ч|рейс\w*|маршрут\w*|палат\w*|кімнат\w*|аудитор\w*)"
    r"|[№#])\s*$",
    _I,
)
# Cheap guards (last word before the number) so the end-anchored regexes run only when they can match.
_LEGAL_WORDS = frozenset(
    """article articles art. part parts paragraph paragraphs clause clauses section sections chapter item no.
    nos. number bill law resolution decree order page pages p. pp. brigade battalion regiment division corps
    unit room flight route level grade phase stage tier category platoon company ст. ст ч. п. пп. в/ч № # стор.
    no nr nr.
    рота роти роту роті ротою""".split()
)
_LEGAL_PREFIXES = (
    "статт", "статей", "стать", "частин", "пункт", "підпункт", "подпункт", "абзац", "розділ", "раздел", "глав",
    "законопро", "закон", "постанов", "указ", "наказ", "приказ", "сторінк", "страниц", "бригад", "батальйон",
    "батальон", "полк", "дивізі", "дивизи", "корпус", "рейс", "маршрут", "палат", "кімнат", "аудитор", "№", "#",
    "військов", "воинск", "ст.",
)  # fmt: skip
_AGE_WORDS = frozenset("aged age ages віком віку вік возрасте возраста возраст".split())
_LEGAL_AFTER = re.compile(
    r"\s*(?:of the (?:criminal|administrative|civil)\b|(?:КК|ККУ|КУпАП|КоАП|УК|ЦК|ГК)\b"
    r"|(?-i:(?:Кримінальн\w+|Уголовн\w+|Кодекс\w*|Criminal Code)\b))"
)
_CHAIN = re.compile(r"\s*(?:,|and|or|і|й|та|и|або|или|[-–—])\s*$", _I)
# A time unit as the counted noun, in every case form: "five years", "к пяти годам", "через семь дней",
# "в течение 20 дней", "протягом 15 календарних днів". The number is a duration, never a figure.
_DURATION_AFTER = re.compile(
    r"\s*(?:(?:and a half|с половиной|з половиною|із половиною)\s+)?"
    r"(?:(?:more|less|additional|extra|further|consecutive|straight|full|calendar|working|business)\s+"
    r"|(?:календарн|робоч|рабоч|полн|повн|ціл|цел|довг|долг|останн|последн|наступн|следующ|ближч|ближайш"
    r"|коротк|трудов|служб)\w*\s+)?"
    r"(?:days?|weeks?|months?|years?|hours?|minutes?|seconds?|decades?|centuries|nights?|times"
    r"|дн(?:і|ів|я|ям|ями|ях|ей|ю)|день|діб|доб(?:а|и|у|ою|ам|ами|ах)|сут(?:ки|ок|кам|ками|ках)"
    r"|тижн(?:і|ів|я|ям|ями|ях|ю|ем)|тиждень"
    r"|недел(?:я|и|ь|ю|е|ям|ями|ях)|місяц(?:і|ів|я|ь|ям|ями|ях|ю|ем)|месяц(?:а|ев|ы|у|ем|ам|ами|ах|е)?"
    r"|рок(?:и|ів|у|ом|ам|ами|ах)|рік|лет|летам|год(?:а|у|ом|ам|ами|ах)?"
    r"|годин(?:и|а|у|ам|ами|ах|ою)?|час(?:а|ов|ам|ами|ах|у|ом)?|хвилин(?:и|а|у|ам|ами|ах|ою)?"
    r"|минут(?:ы|а|у|ам|ами|ах|ой)?|секунд\w*|десятиліт\w*|десятилет\w*"
    r"|раз(?:а|и|ів)?|min|mins|хв|мин"
    r"|pages?|сторін\w*|страниц\w*"
    # fractions: "two thirds", "дві третини", "две трети", "three quarters"
    r"|thirds|quarters|fifths|третин[иау]?|трет(?:и|ей|ям|ями)|чверт(?:і|ей)|четверт(?:и|ей))\b",
    _I,
)
_AGE_BEFORE = re.compile(
    r"\b(?:aged|age of|ages of|ages|age|віком|віку|вік|возрасте|возраста|возраст)"
    r"\s+(?:(?:from|between|of|від|от|с|з|до)\s+)?$",
    _I,
)
# "the draft age was lowered from 27 to 25", "мобілізаційний вік знизили до 25"
_AGE_NEAR = re.compile(r"\b(?:age|вік|віку|возраст|возраста)\b[^\d.;]{0,30}$", _I)
# An age word earlier in the clause and a bound preposition right before the number (checked only for a
# number 16-70 with no counted noun): "The age at which men can be mobilized was lowered from 27 to 25".
_AGE_FAR = re.compile(
    r"\b(?:age|ages|вік|віку|віком|возраст|возраста|возрасте)\b[^.;!?]{0,80}"
    r"\b(?:from|to|between|and|з|із|до|від|на|с|со|от|по|і|й|и)\s+(?:\d{1,2}\s+(?:to|до|по)\s+)?$",
    _I,
)
# An age band that names a scheme: "the 18-24 contracts", "контракти 18–24", "по контрактам 18–24".
_AGE_BAND_AFTER = re.compile(r"\s+(?:contracts?|programm?e?s?|scheme)\b", _I)
_AGE_BAND_BEFORE = re.compile(r"(?:контракт\w*|програм\w*|contracts?|programm?e?s?)\s+$", _I)
# "Men between 25 and 60", "чоловіки від 18 до 60", "men over 60": ages, when no noun follows.
_PEOPLE_BEFORE = re.compile(
    r"\b(?:men|women|people|citizens|those|anyone|чоловік\w*|жін\w*|громадян\w*|осіб|особи|мужчин\w*|женщин\w*"
    r"|граждан\w*|лиц|людей|люди)\s+(?:(?:are|is|who are|aged|between|from|over|under|older than|younger than"
    r"|від|віком|от|в возрасте|старше|молодше|младше)\s+)*$",
    _I,
)
# A capitalised word (not sentence-initial) right before the number: "«Контракт 18-24»", "Leopard 2".
_NAME_BEFORE = re.compile(
    r"(?<=[\w,;:«\"“(] )(?!(?:"
    + _MONTHS_EN
    + r")\b)[A-ZА-ЯІЇЄҐ][\w’'-]*\s$|(?<=[«\"“])[A-ZА-ЯІЇЄҐ][\w’'-]*\s$"
)
_CURRENCY_BEFORE = re.compile(r"\b(UAH|USD|EUR|RUB|GBP|грн\.?|руб\.?|дол\.)\s?$")
_OF_THEM = re.compile(r"\s+(?:of them|з них|із них|из них)\b", _I)
_TIME_AFTER = re.compile(r"\s?(?:a\.m\.|p\.m\.|am\b|pm\b|o’clock|год\.|годині|ранку|вечора|утра|вечера)", _I)
_PHONE_WORDS = frozenset(
    "tel phone hotline телефон телефону телефоном телефони тел номер номеру номером номери лінії линии".split()
)
# "Телефон довіри ДПСУ: 1598.", "hotline 1598", "гаряча лінія … 1545": a phone word among the last few
# words, and nothing counted after the number (it ends the clause).
_PHONE_NEAR = frozenset(
    """tel tel. phone phones hotline helpline телефон телефону телефоном телефони тел. тел номер номеру
    номером гаряча гарячої гарячу гарячій горячая горячей горячую довіри доверия""".split()
)
_CLAUSE_END = re.compile(r"\s*(?:[.;,)»\"”!?]|$)")
_CURRENCY_SYMBOL = "$€£₴₽"
# One anchored pattern for everything that rules a number out from the text right after it, and one for
# the text right before it (a single match per number instead of a dozen searches).
_POST_EXCLUDE = re.compile(
    r"-[^\W\d_]|[:/.,]\d|\)\s?\d|[\s-]\d{2,4}[\s-]\d{2,4}\b"
    r"|" + _TIME_AFTER.pattern + "|" + _DURATION_AFTER.pattern + "|" + _LEGAL_AFTER.pattern,
    _I,
)
# Ukrainian/Russian unit numbers written as cardinals: "47 ОМБр", "93 окрема механізована бригада",
# "155 бригада" (singular: the 155th; the plural "47 бригад" is a count).
_UNIT_AFTER = (
    r"|\s+(?:[ОO]\w{0,4}Бр|ОМБ|ОМСБр?|ОШБ|ОДШБр?|ОПБр|ОАБр|ОТБр|ОШП|ОМПБ|АК|ОК|ОА|МСД|ВДД|ДШБр|ОМСД|ГСК|ОБр|ОБ)\b"
    r"|\s+(?:окрем\w+|отдельн\w+|гвардійськ\w+|гвардейск\w+)\s"
    r"|\s+(?:бригада|бригади|бригаді|бригадою|бригаду|бригады|бригадой|полк|полку|полком|корпус|корпусу|армія|армії"
    r"|армия|армии|дивізія|дивізії|дивизия|дивизии|батальйон|батальйону|батальон|батальона)\b(?!\s+(?:з|із|с|со)\b)"
)
_POST_EXCLUDE = re.compile(_POST_EXCLUDE.pattern + _UNIT_AFTER, _I)
_PRE_EXCLUDE = re.compile(r"(?:[^\W\d_]-|\d[:/.,]|\d\s?\(|\(\d{2,5}\)\s?|\d[\s-]\d{1,4}[\s-]|\+\s?)$")
_PERCENT_AFTER = re.compile(r"\s?(%|percent\b|per cent\b|відсот\w*|процент\w*)", _I)
_OR_MORE = re.compile(
    r"\s*(?:or more|and more|і більше|й більше|та більше|и более|або більше|или более)\b", _I
)
_POST_QUALIFIER = (
    (re.compile(r"\s*(?:or more|and more|і більше|и более|або більше|или более)\b", _I), Qualifier.AT_LEAST),
    (re.compile(r"\s*(?:or so)\b", _I), Qualifier.APPROX),
    (re.compile(r"(?:\+|-plus\b|\s+plus\b|\s+з гаком\b|\s+с лишним\b|\s+с небольшим\b)", _I), Qualifier.OVER),
)

# Qualifiers written right before the number. The longest match wins, so "no more than" (up_to) beats
# "more than" (over) and "не менше" (at_least) beats "менше" (under).
_QUALIFIERS = (
    (
        Qualifier.UP_TO,
        r"up to|as many as|as much as|no more than|not more than|a maximum of|maximum of|at most"
        r"|не більше ніж|не більше як|не більше за|не більше|не більш ніж|не більш як|щонайбільше|максимум"
        r"|не более чем|не более|не больше чем|не больше|до",
    ),
    (
        Qualifier.AT_LEAST,
        r"at least|a minimum of|no fewer than|no less than|not less than|not fewer than|minimum of"
        r"|щонайменше|не менше ніж|не менше як|не менше за|не менше|не менш ніж|не менш як|як мінімум|мінімум"
        r"|принаймні|не менее чем|не менее|не меньше чем|не меньше|по меньшей мере|как минимум|минимум"
        r"|по крайней мере",
    ),
    (
        Qualifier.UNDER,
        r"fewer than|less than|under|below|nearly|almost|just under|just below|close to|менше ніж|менш ніж"
        r"|менше як|менш як|менше за|менше|майже|ледь не|трохи менше|почти|менее чем|менее|меньше чем|меньше"
        r"|без малого|чуть менее|чуть меньше|неполных",
    ),
    (
        Qualifier.APPROX,
        r"about|around|approximately|approx\.|roughly|some|an estimated|estimated|circa|an average of"
        r"|on average|average of|averaging|близько|приблизно|орієнтовно|у середньому|в середньому|біля"
        r"|около|примерно|порядка|приблизительно|ориентировочно|в среднем|где-то",
    ),
    (
        Qualifier.OVER,
        r"more than|over|above|in excess of|upwards of|exceeded|exceeding|exceeds|exceed|surpassed|surpassing"
        r"|surpasses|topped|tops|passed|upward of|понад|більше ніж|більш ніж|більше як|більш як|більше за|більше"
        r"|перевищ\w*|свыше|более чем|более|больше чем|больше|превыс\w*|превыша\w*|чуть более|чуть больше",
    ),
)
# Phrase → qualifier, looked up on the last words before the number (a dict look-up instead of five
# end-anchored regex searches per number); stems such as "перевищ\w*" are matched by prefix.
_QUALIFIER_PHRASES = {
    phrase: q for q, alternatives in _QUALIFIERS for phrase in alternatives.split("|") if "\\" not in phrase
}
_QUALIFIER_STEMS = tuple(
    (phrase.split("\\")[0], q)
    for q, alternatives in _QUALIFIERS
    for phrase in alternatives.split("|")
    if "\\" in phrase
)
_TAIL_WORDS = re.compile(r"[\w’'.-]+")
# "зросла до 1 900", "выросло до 640", "rose to": after a verb of change, до means "to" (guide §2).
_CHANGE_VERB = re.compile(
    r"\b(?:зр[оі]с\w*|збільш\w*|скорот\w*|зменш\w*|зниз\w*|впа[вл]\w*|вирос\w*|підвищ\w*|підня\w*|дійш\w*"
    r"|дос?ягл\w*|вырос\w*|вырас\w*|сократ\w*|сниз\w*|увелич\w*|уменьш\w*|упа[вл]\w*|повыс\w*|подскоч\w*"
    r"|подня\w*|достиг\w*|дошл\w*|дош[её]л|довед\w*|доведен\w*|rose|risen|rise|grew|grown|fell|fallen|dropped"
    r"|increased|decreased|declined|climbed|jumped|reduced|raised|cut|lowered|lifted|boosted|hiked|increase"
    r"|raise|lower|reduce|rises|grows|falls)\b[^:;!?]{0,80}$",
    _I,
)
# A unit written after both bounds: "20 percent to 30 percent", "від 5 тис. грн до 15 тис. грн".
# Where a new clause starts: a verb of change before it does not govern the number after it ("Виплати
# підвищили, тож тепер військові отримують до 120 тисяч": up_to).
_CLAUSE_START = re.compile(
    r"(?:[,—–]\s+(?:а|але|проте|однак|но|однако|тож|тому|поэтому|і|й|та|и|що|что|щоб|чтобы|де|где|коли|когда"
    r"|як|как|який|яка|яке|які|котр\w+|котор\w+|хто|кто|якщо|если|тепер|теперь|зараз|сейчас|while|but|and|so"
    r"|which|who|where|when|now|while|whereas)\b)",
    _I,
)


def _change_before(pre: str, lang: str | None = None) -> bool:
    """A verb of change governs the number: in the same clause, at most 80 characters before it. With ``lang``
    (uk/ru), another finite verb in between takes over ("зросла на 30%, до ТЦК надійшло до 5 тисяч")."""
    cut = 0
    for m in _CLAUSE_START.finditer(pre):
        cut = m.end()
    verb = _CHANGE_VERB.search(pre, cut)
    if verb is None:
        return False
    if lang in ("uk", "ru"):
        between = _SPEECH_WORD.findall(verb.group())[1:]
        if any(len(w) > 2 and "VERB" in _parse(lang, w.lower())[0].tag for w in between):
            return False
    return True


_REPEATED_UNIT = re.compile(
    r"\s?(?:%|percent\b|per cent\b|відсотк\w*|процент\w*|грн\b\.?|гривень\b|гривні\b|руб\b\.?|рублей\b|рублів\b"
    r"|доларів\b|долларов\b|дол\.|dollars\b|euros?\b|євро\b|евро\b|hryvnias?\b|r[ou]+bles\b|[$€£₴₽])",
    _I,
)
# A currency sign or code before the high bound: "between $5,000 and $15,000", "від ₴5 000 до ₴15 000".
_CURRENCY_TAIL = re.compile(r"\s*(?:[$€£₴₽]|(?:UAH|USD|EUR|RUB|GBP)\s?)$")
_RANGE_START = re.compile(r"\b(?:between|from|від|од|з|із|зі|от|с|со|між|между)\s*$", _I)

_VAGUE = re.compile(
    r"\b(?:(?:several|a few|a couple of|many|some)\s+(?:thousand|hundred|dozen|million)(?:\s+(?:thousand|million))?"
    r"|(?:tens|hundreds)\s+of\s+(?:thousands|millions)|thousands|hundreds|dozens|millions|tens(?=\s+of\b)"
    r"|(?:кілька|декілька|кількох|декількох|багато|кількасот|несколько|нескольких|многие|многих)\s+"
    r"(?:тисяч\w*|сотень|десятків|мільйонів|тысяч\w*|сотен|десятков|миллионов)"
    r"(?:\s+(?:тисяч\w*|тысяч\w*|мільйон\w*|миллион\w*))?"
    r"|(?:десятк(?:и|ів|ам|ами|ах|ов)|сот(?:ні|ень|ням|нями|нях|ни|ен|нями)|тисяч(?:і|ами|ам|ах)"
    r"|тысяч(?:и|ами|ам|ах)|мільйон(?:и|ів)|миллион(?:ы|ов))"
    r"(?:\s+(?:тисяч\w*|тысяч\w*|мільйон\w*|миллион\w*))?"
    r"|кількасот)(?!\w)",
    _I,
)
# Forms that are also genitive singular ("більше тисячі" = more than 1,000): a qualifier before them
# makes them a number, otherwise they are the vague plural ("тисячі чоловіків").
_SINGULAR_TOO = {"тисячі": 1000, "тысячи": 1000, "сотні": 100, "сотни": 100}

_EN_STOP = frozenset(
    """a an the and or but nor of in on at to for from by with without into onto over under about after
    before during since than as per each every more less not no so such very also only just up down out off
    all both many much most some any other another same own then too where when while whether if because
    although though how what why here now this that these those there their its his her our your my which
    who whom whose is are was were be been being have has had will would could should may might can do does
    did said say says told according reported claimed stated alone each ago last next first second third
    them us him it me go goes went gone come came left leave face faces faced take took make made get
    remain remains remained abandon abandoned have signed returned joined fled were are being get got
    a day a month a year per cent percent month months year years day days week weeks""".split()
)
_EN_IRREGULAR = {"men": "man", "women": "woman", "children": "child", "people": "people", "police": "police"}
_PRONOUNS = frozenset(
    "he she they it we his her their its він вона вони воно ми його її їх їхніми їхніх он она они оно мы его ее "
    "их".split()
)
_EN_WORD_AFTER = re.compile(r" ([A-Za-z][\w’'-]*)")
_CYR_WORD_AFTER = re.compile(r"\s+([«\"]?[^\W\d_][\w’'-]*[»\"]?)")
_LATIN = re.compile(r"[a-z]", _I)
# A count or a percentage inside a would-be source: "Fifty-one percent say", "A further 69,000 … said".
_NUMBER_IN_SOURCE = re.compile(r"(?<![\d.,])\d{2,3}(?![\d.,\w-])|\d{5,}|%|\bper ?cent\b|відсот|процент", _I)
_PERSON_PRONOUNS = frozenset(
    "he she they him her them його її їх він вона вони его ее её их он она они".split()
)
_PERSONAL_PRONOUNS = frozenset("he she they it we він вона вони воно ми он она они оно мы".split())
_NOT_A_SOURCE = frozenset("a an the new latest recent further separate similar other another same".split())
_LEADING_CONJUNCTIONS = frozenset(
    "and but though although while so because а але проте однак и но однако хотя хоча".split()
)
_NOT_A_SOURCE_START = frozenset(
    """i i’m i’ve it’s that’s there’s here’s you we’re how what why when where which if whether""".split()
)
_CITING = re.compile(r"\s(?:з посиланням на|со ссылкой на)\s", _I)
_CYR_SOURCE_TAIL = re.compile(
    r"\s+(?:(?:в|у|во|на|під час|во время|в ході|в ходе|в рамках|у рамках)\s+(?:ефір|эфир|сво[єеї]\w*|інтерв|интервью"
    r"|брифінг|брифинг|коментар|комментар|телеграм|Telegram|Facebook|Фейсбу|соцмереж|соцсет|пресконференц"
    r"|пресс-конференц|прес-конференц|розмов|разговор|бесід|беседе|звернен|обращени)|під час|во время).*$",
    _I,
)
_EN_SOURCE_TAIL = re.compile(
    r"\s+(?:(?:on|last|this|earlier|late)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week"
    r"|month|year|night|morning|evening)\b|in (?:a|an|its|his|her|their)\s|who\s|which\s|that\s).*$"
)
_PRONOUN = "<pronoun>"  # marks a pronoun source ("за його словами", "He estimated") until it is resolved
_CYR_PREP_COUNTED = frozenset({"про", "о", "об", "щодо"})
# Prepositions and conjunctions that pymorphy3 also reads as (indeclinable) nouns: "до" (the note), "с".
_CYR_FUNCTION = frozenset(
    "до по на з із зі с со в у во к від от за і й та и а але но або или чи що что як как для при під под".split()
)
_CYR_STOP = frozenset(
    "уже вже ще також тоже также лише лишь только тільки майже почти вже теж навіть даже вновь знову".split()
)

_SPEECH_EN = (
    r"said|says|stated|states|claimed|claims|reported|reports|told|noted|notes|wrote|writes|estimated"
    r"|estimates|calculated|announced|announces|added|alleged|alleges|confirmed|confirms|explained|insisted"
    r"|warned|revealed|reveals|indicated|suggested|argued|counted|disclosed|tallied|say|believe|believes"
    r"|estimate|report|claim|note|write|tell|argue|suggest|confirm|explain|warn"
    r"|put (?:the|its|his|her|their) (?:[\w-]+ ){0,2}(?:figure|number|total|tally|count|toll|estimate)s? at"
)
_SPEECH_CYR = (
    r"заяв(?:ив|ила|или|ило|ляє|ляють)|повідом(?:ив|ила|или|ило|ляє|ляють|ляється)|сказа(?:в|ла|ли|но)"
    r"|стверджу(?:є|ють|вав|вала)|пиш(?:е|уть)|написа(?:в|ла|ли|ло)|підрахува(?:в|ла|ли|ло)|зазначи(?:в|ла|ли|ло)"
    r"|наголоси(?:в|ла|ли)|розпові(?:в|ла|ли|дає)|дода(?:в|ла|ли)|ка(?:же|жуть)|вважа(?:є|ють)|свідч(?:ать|ить)"
    r"|оціни(?:в|ла|ли)|оцінюють|уточни(?:в|ла|ли)|підтверди(?:в|ла|ли)|йдеться|ідеться|зауважи(?:в|ла)"
    r"|заяв(?:ил|ила|или|ило|ляет|ляют)|сообщ(?:ил|ила|или|ило|ает|ают|ается)|сказа(?:л|ла|ли|но)"
    r"|утвержда(?:ет|ют|л|ла)|пиш(?:ет|ут)|написа(?:л|ла|ли|ло)|подсчита(?:л|ла|ли|ло)|отмети(?:л|ла|ли|ло)"
    r"|рассказа(?:л|ла|ли)|рассказывает|добави(?:л|ла|ли)|счита(?:ет|ют)|оцени(?:л|ла|ли)|оценивают"
    r"|уточни(?:л|ла|ли)|говорится|подтверди(?:л|ла|ли)|переда(?:ет|ют)|указа(?:л|ла|ли)|признал|признала"
    r"|свидетельству(?:ют|ет)"
    r"|нагада(?:в|ла|ли|ло|ує|ують)|поясни(?:в|ла|ли|ло)|поясню(?:є|ють)|наголошу(?:є|ють)|повідомля(?:в|ла|ли|ло)"
    r"|заявля(?:в|ла|ли|ло)|напомни(?:л|ла|ли|ло)|объясни(?:л|ла|ли|ло)|говор(?:ит|ят|ил|ила|или|ило)"
    r"|заявля(?:л|ла|ли|ло)|сообща(?:л|ла|ли|ло)|подчеркну(?:л|ла|ли)|підкресли(?:в|ла|ли)|рассказали"
)
_LEAD_ATTRIBUTION = re.compile(
    r"(?:\b(?:according to|as reported by|cited by|data from)"
    r"|(?<!\w)(?:за даними|за словами|за інформацією|за оцінками|за оцінкою|за підрахунками|згідно з даними"
    r"|згідно з інформацією|як повідоми\w*|як заяви\w*|як зазначи\w*|як повідомля\w*|як пише|як пишуть"
    r"|по данным|по словам|по информации|по оценкам|по оценке|по подсчетам|согласно данным|как сообщил\w*"
    r"|как заяви\w*|как сообщает|как пишет|как отметил\w*|з посиланням на|со ссылкой на|следует из данных"
    r"|как рассказал\w*|как рассказывает|как уточнил\w*|как подчеркнул\w*|как пояснил\w*|як розповів\w*"
    r"|як розповіла|як розповіли|як уточни\w*|як пояснив\w*|як пояснила|як наголоси\w*|як підкресли\w*"
    r"|из данных|з даних|із даних|випливає з даних))\s+([^,.;:()—]+?)"
    r"(?=\s*(?:[,.;:()—]|$))",
    _I,
)
_VERB_FIRST_TAIL = re.compile(
    r"[,—–][»\"”]?\s*[—–]?\s*(?:"
    + _SPEECH_EN
    + "|"
    + _SPEECH_CYR
    + r")\s+(?:(?:в|у|во)\s+)?([^,;:()]{2,120}?)(?P<apposition>,\s*[^,;:()]{2,80})?\s*[.!?»\"”]*$",
    _I,
)
_SUBJECT_TAIL = re.compile(
    r",\s*([^,;:()]{2,120}?)\s+(?:(?:has|have|had|also|further)\s+)?(?:show|shows|showed|"
    + _SPEECH_EN
    + "|"
    + _SPEECH_CYR
    + r")"
    r"(?:\s+(?:in|on|at|last|this|earlier|yesterday|today|local|state|reporters|journalists|media|news|the|a|an"
    r"|during|after|via|parliament|lawmakers)\b[^,;]{0,40})?\s*[.!?»\"”]*$",
    _I,
)
_SPEECH = re.compile(r"(?<!\w)(?:" + _SPEECH_EN + "|" + _SPEECH_CYR + r")(?!\w)", _I)


def _split_top(pattern: str) -> list[str]:
    """Split a regex alternation at its top-level bars."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(pattern):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _expand(alternative: str) -> set[str]:
    """The words an alternative of the speech patterns matches: "заяв(?:ив|ила)" → {"заявив", "заявила"}. For
    anything more complex ("put (?:the|its) …"), its leading literal word, which is enough for a gate."""
    m = re.fullmatch(r"([^\W\d_]*)(?:\(\?:([^()]*)\))?", alternative)
    if m is None:
        leading = re.match(r"[^\W\d_]*", alternative)  # always matches (possibly empty)
        return {leading.group() if leading else alternative}
    stem, group = m.groups()
    return {stem + end for end in group.split("|")} if group is not None else {stem}


# Every form the speech patterns can match, lower-cased: a set look-up per word gates the (slow, big) speech
# regexes, which stay the judge of what matches.
_SPEECH_WORDS = frozenset(w for alt in _split_top(_SPEECH_EN + "|" + _SPEECH_CYR) for w in _expand(alt) if w)
_SPEECH_WORD = re.compile(r"[^\W\d_]+")


_SPEECH_GATE = _SPEECH_WORDS | {"show", "shows", "showed"}  # _SUBJECT_TAIL also takes "data showed"


def _speech_words_in(text: str) -> bool:
    return not _SPEECH_WORDS.isdisjoint(_SPEECH_WORD.findall(text.lower()))


_LEAD_ADVERBS = re.compile(
    r"(?:\s+(?:further|also|earlier|previously|then|later|again|had|has|have|still|now|already|також|также"
    r"|раніше|ранее|нещодавно|недавно|тепер|теперь|вже|уже))+$",
    _I,
)
# Substrings one of which every attribution needs: a cheap test before the regexes above.
_SOURCE_HINTS = (
    "accord", "reported by", "cited by", "data from", "за ", "згідно", "як ", "по ", "согласно", "как ",
    "said", "says", "show", "stat", "claim", "report", "told", "note", "wrote", "write", "estimat", "calculat", "announc",
    "added", "alleg", "confirm", "explain", "insist", "warn", "reveal", "indicat", "suggest", "argu", "count",
    "disclos", "tall", "заяв", "повідом", "сказа", "стверджу", "пиш", "написа", "підрахува", "зазначи", "наголоси",
    "розпов", "дода", "каж", "вважа", "оцін", "уточни", "підтверди", "йдеться", "ідеться", "зауважи", "сообщ",
    "утвержда", "подсчита", "свідч", "свидетельств", "отмети", "рассказ", "добави", "счита", "оцени", "говорится", "переда", "указа", "призна",
    "say", "believe", "put ", "нагада", "поясн", "наголош", "напомни", "объясни", "говор", "подчеркну", "підкресли",
    "даних", "данных",
)  # fmt: skip
# Substrings one of which _LEAD_ATTRIBUTION needs.
_LEAD_KEYS = (
    "accord", "reported by", "cited by", "data from", "за ", "згідно", "як ", "по ", "согласно", "как ",
    "з посиланням", "со ссылкой", "из данных", "з даних", "із даних",
)  # fmt: skip
_SOURCE_HINT = re.compile("|".join(map(re.escape, _SOURCE_HINTS)))
_INTRO = re.compile(
    r"^(?:on|in|at|last|earlier|meanwhile|however|but|and|also|yet|then|у|в|на|раніше|ранее|тим часом"
    r"|між тим|между тем|однак|однако|проте)\b|^\d|\d{4}|(?:" + _MONTHS_EN + "|" + _MONTHS_GEN + r")\W*\d",
    _I,
)
_TITLES = frozenset(
    """general gen. colonel col. lieutenant lt. major maj. captain capt. sergeant sgt. admiral minister
    defence defense foreign interior president prime deputy chief commander spokesman spokeswoman
    spokesperson secretary senator mayor governor ombudsman correspondent then-defence then-defense mr.
    mrs. ms. dr. head director""".split()
)
_SUBJECT_NAME = re.compile(
    r"((?:[A-ZА-ЯІЇЄҐ][\w’'.-]+\s+){1,3}[A-ZА-ЯІЇЄҐ][\w’'-]+),?\s+(?:[a-zа-яіїєґ][\w’'-]*\s+)?"
    r"(?:[a-zа-яіїєґ])"
)
_NAME_ONLY = re.compile(r"(?:[A-ZА-ЯІЇЄҐ][\w’'.-]+\s){1,3}[A-ZА-ЯІЇЄҐ][\w’'-]+")
_ABOUT_THIS = re.compile(
    r"(?:Про це|Об этом|Это|Це|This was|That was|The figures? (?:was|were))\s+(?:\w+\s+)?(?:"
    + _SPEECH_EN
    + "|"
    + _SPEECH_CYR
    + r"|reported by|announced by|stated by)\s+(?:(?:в|у|во|на|by)\s+)?([^,;:()]{2,80}?)\s*(?:[,(]|[.!»\"”]*$)",
)
_AGENCY = re.compile(
    r"^the (agency|newspaper|outlet|channel|publication|broadcaster|paper)(’s|'s)?\b(.*)$", _I
)
_AGENCY_NAME = re.compile(
    r"\b(?:news agency|agency|newspaper|outlet|channel|publication|broadcaster|paper)\s+"
    r"((?:[A-Z][\w’'-]*)(?:\s+[A-Z][\w’'-]*)*)"
)

# ------------------------------------------------------------------------------------ period, rate

_PERIOD_PATTERNS = (
    r"\bsince the (?:beginning|start) of (?:the |this |last )?(?:year|month|war|full-scale invasion|invasion|\d{4})\b",
    r"\bsince (?:the )?(?:\d{4} )?(?:full-scale )?(?:invasion|war|mobili[sz]ation)\b",
    r"\bsince (?:early |late |mid-)?(?:" + _MONTHS_EN + r"|\d{4})(?: \d{1,2},?)?(?: \d{4})?\b",
    r"\b(?:start|beginning|end|middle) of (?:the |this |last )?(?:year|\d{4}|" + _MONTHS_EN + r")\b",
    r"\b(?:first|second|third|fourth|last|past) (?:half|quarter|week|month|year)(?: of (?:the |this |last )?(?:year|\d{4}))?\b",
    r"\b(?:autumn|spring|summer|winter)(?: (?:of )?\d{4}| round| conscription| call-up| draft)?\b|\bfall of \d{4}\b",
    r"(?<!said in )(?<!claimed in )(?<!stated in )(?<!told in )(?<!reported in )(?<!wrote in )(?<!noted in )"
    r"\b(?:January|February|March|April|June|July|August|September|October|November|December)(?: \d{4})?"
    r"(?! \d{1,2}\b)\b",
    r"\b(?:so far this year|this year|last year|last month|this month|year to date)\b",
    r"(?<=\bin )\d{4}\b(?!\s*[-–])",
    r"(?:від|з) початку (?:року|\d{4} року|війни|повномасштабного вторгнення|повномасштабної війни|вторгнення"
    r"|мобілізації|великої війни)",
    r"(?<!\w)(?:у|в) (?:січні|лютому|березні|квітні|травні|червні|липні|серпні|вересні|жовтні|листопаді|грудні)"
    r"(?: \d{4} року)?",
    r"(?<!\w)за (?:січень|лютий|березень|квітень|травень|червень|липень|серпень|вересень|жовтень|листопад|грудень)"
    r"(?: \d{4} року)?",
    r"(?<!\w)(?:перш|друг|трет|четверт|минул|останн)\w* (?:тиждень|тижня|місяць|місяця|квартал\w*|півріччя"
    r"|півроку|рік|року)(?!\w)",
    r"(?<!\w)(?:торік|цього року|минулого року|за рік|навесні|восени|влітку|взимку)(?!\w)",
    r"(?<=[уУвВ] )\d{4}(?=-му| році| р\.)",
    r"(?<=за )\d{4} р[іо]к\w*",
    r"(?<!\w)(?:с|со) начала (?:года|лета|осени|весны|зимы|войны|СВО|мобилизации|вторжения|спецоперации"
    r"|\d{4} года)",
    r"(?<!\w)(?:в|во) (?:январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)"
    r"(?: \d{4} года)?",
    r"(?<!\w)за (?:январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|октябрь|ноябрь|декабрь)",
    r"(?<!\w)(?:перв|втор|трет|четверт|прошл|последн)\w* (?:квартал|полугодие|месяц|неделю|недели|год|года)(?!\w)",
    r"(?<=за )\d{4} год",
    r"(?<!\w)(?:весной|осенью|летом|зимой|в прошлом году|в этом году|за год)(?!\w)",
    r"(?<=[вВ] )\d{4}(?= году| г\.)",
)
_MONTH_STEMS_EN = tuple(
    m.lower()
    for m in ("January February March April June July August September October November December").split()
)
# Substrings a sentence must hold for each period pattern to be tried (cheap C-level tests first).
_PERIOD_GUARDS = (
    ("since",), ("since",), ("since",), ("start of", "beginning of", "end of", "middle of"),
    ("half", "quarter", "week", "month", "year"), ("autumn", "spring", "summer", "winter", "fall of"),
    _MONTH_STEMS_EN, ("this year", "last year", "last month", "this month", "year to date"), ("in 1", "in 2"),
    ("початку",),
    ("січні", "лютому", "березні", "квітні", "травні", "червні", "липні", "серпні", "вересні", "жовтні",
     "листопаді", "грудні"),
    ("за ",), ("тиж", "місяц", "квартал", "півріч", "півроку", "рік", "року"),
    ("торік", "цього року", "минулого року", "за рік", "навесні", "восени", "влітку", "взимку"),
    ("році", "-му", " р."), ("за ",), ("начала",),
    ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре", "ноябре",
     "декабре"),
    ("за ",), ("квартал", "полугод", "месяц", "недел", "год"), ("за ",),
    ("весной", "осенью", "летом", "зимой", "прошлом году", "этом году", "за год"), ("году", " г."),
)  # fmt: skip
_PERIOD_RULES = tuple(zip(_PERIOD_GUARDS, (re.compile(p, _I) for p in _PERIOD_PATTERNS), strict=True))
_PERIOD_EN = tuple(
    rule for rule, p in zip(_PERIOD_RULES, _PERIOD_PATTERNS, strict=True) if not _CYR.search(p)
)
_PERIOD_CYR = tuple(rule for rule, p in zip(_PERIOD_RULES, _PERIOD_PATTERNS, strict=True) if _CYR.search(p))
_RATE_EN = re.compile(
    r"\b(?:(?:each|every|per|a) (day|week|month|year)\b(?! ago| earlier| later| before| after)"
    r"|(daily|weekly|monthly|annually|yearly))\b",
    _I,
)
_RATE_EN_WORD = {"daily": "day", "weekly": "week", "monthly": "month", "annually": "year", "yearly": "year"}
_RATE_CYR = re.compile(
    r"(?<!\w)(щомісяця|щомісячно|щодня|щоденно|щотижня|щотижнево|щороку|щорічно|ежемесячно|ежедневно"
    r"|еженедельно|ежегодно|каждый (?:день|месяц|год)|кожного (?:дня|місяця|року)|кожен (?:день|місяць)"
    r"|на (?:місяць|день|добу|тиждень|рік)|за добу|на (?:месяц|день|сутки|неделю)|в (?:месяц|сутки|неделю)"
    r"|у (?:місяць)|за сутки)(?!\w)",
    _I,
)
_COUNT_OF_HINTS = (
    "number of", "total of", "share of", "count of", "proportion of", "percentage of", "кількість", "число",
    "количество", "частка", "доля",
)  # fmt: skip
_COUNT_OF = re.compile(
    r"\b(?:number|total|share|count|proportion|percentage) of ([\w’' -]{2,60}?)\s+(?:has|have|had|is|was|were"
    r"|reached|rose|fell|grew|stood|exceeded|surpassed|amounted|totall?ed|increased|decreased|dropped|climbed"
    r"|jumped|doubled)\b"
    r"|(?<!\w)(?:кількість|число|количество|частка|доля) ([\w’' -]{2,60}?)\s+(?:у|в|за|на|зросла|зросло|зріс"
    r"|виросла|скоротилася|скоротилось|сягнула|склала|становить|становила|перевищила|досягла|выросло|выросла"
    r"|вырос|составило|составила|составляет|достигло|достигла|сократилось|увеличилось|превысило)(?!\w)",
    _I,
)

# ------------------------------------------------------------------------------------ reading numbers


@dataclass
class _Num:
    start: int  # offsets in the sentence
    end: int
    value: float | None  # None for vague
    kind: str  # "digits", "words", "vague"
    mult: int = 1  # multiplier written after the number (1 if none)
    plain: str = ""  # digits without separators
    grouped: bool = False
    decimal: bool = False
    skip: bool = False  # not a figure (decided while reading)
    year: bool = False
    legal: bool = False
    extra: dict[str, object] = field(default_factory=dict)


_MAX_VALUE = 10**16  # "999 999 999 трлн" is garbage, not a quantity

# Case endings of cardinals written after a hyphen (ordinals end in -й, -го, -ї, -му…, and stay excluded).
_CARDINAL_CASE = re.compile(r"-(ти|ми|ох|ьох|ех|ёх|ма|ома|тью|х)(?![^\W\d_])", _I)


def _read_digits(s: str, lang: str) -> list[_Num]:
    out: list[_Num] = []
    for m in DIGITS.finditer(s):
        end = m.end()
        mm = MULTIPLIER_AFTER.match(s, end)
        mult = 1
        if mm and not (end + len(mm.group()) < len(s) and s[end + len(mm.group())].isalpha()):
            word = mm.group("glued") or mm.group("word")
            glued_money = (
                word in ("m", "mn", "bn", "tn") and m.start() > 0 and s[m.start() - 1] in _CURRENCY_SYMBOL
            )
            if word not in ("m", "mn", "tn") or glued_money:
                mult = multiplier_value(word)
                end = mm.end()
        if mult == 1 and end < len(s) and s[end] == "-":
            case = _CARDINAL_CASE.match(s, end)
            if case and (case.group(1) != "х" or m.group() in ("2", "3", "4")):
                end = case.end()  # "у 46-ти випадках", "в 20-ти регионах", "2-х": a count, not an ordinal
        reading = parse_digits(m.group(), lang, mult > 1)
        if reading is None or reading.value * mult >= _MAX_VALUE:
            out.append(_Num(m.start(), end, None, "digits", skip=True))
            continue
        out.append(
            _Num(
                m.start(),
                end,
                reading.value * mult,
                "digits",
                mult=mult,
                plain=reading.plain,
                grouped=reading.grouped,
                decimal=reading.decimal,
            )
        )
    return out


def _join_compounds(s: str, nums: list[_Num]) -> list[_Num]:
    """ "12 тис. 500 грн", "1 млн 200 тис. рублей": a count of thousands (millions…) and the rest, one number."""
    out: list[_Num] = []
    for n in nums:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == n.kind == "digits"
            and prev.mult > 1
            and prev.value is not None
            and n.value is not None
            and not prev.skip
            and not n.skip
            and n.value < prev.mult
            and not n.decimal
            and s[prev.end : n.start].isspace()
            and len(s[prev.end : n.start]) == 1
        ):
            prev.value += n.value
            prev.end = n.end
            continue
        out.append(n)
    return out


def _read_words(s: str) -> list[_Num]:
    table = word_table()
    # Only number words (and "and") are kept: a word between two of them shows up in the gap and breaks
    # the sequence, exactly as if every token were listed.
    tokens = []
    for m in _WORD.finditer(s.lower()):
        w = m.group()
        if w in table or w == "and":
            tokens.append((m.start(), m.end(), w))
    out: list[_Num] = []
    i = 0
    while i < len(tokens):
        start, _, w = tokens[i]
        nw = table.get(w)
        if nw is None:
            i += 1
            continue
        seq = [(i, nw)]
        j = i + 1
        while j < len(tokens):
            gap = s[tokens[j - 1][1] : tokens[j][0]]
            nxt = table.get(tokens[j][2])
            if tokens[j][2] == "and" and gap == " " and j + 1 < len(tokens) and table.get(tokens[j + 1][2]):
                if seq[-1][1].kind in ("hundred", "mult") and s[tokens[j][1] : tokens[j + 1][0]] == " ":
                    j += 1
                    continue
            if nxt is None or gap not in (" ", "-", "\u00a0") or nxt.kind == "a" and tokens[j][2] != "a":
                break
            if nxt.kind == "a" and not (
                j + 1 < len(tokens) and table.get(tokens[j + 1][2], nxt).kind in ("mult",)
            ):
                break
            seq.append((j, nxt))
            j += 1
        i = j
        # Leading "a"/"half" only count before hundred/thousand/million.
        while (
            seq
            and seq[0][1].kind == "a"
            and not (len(seq) > 1 and seq[1][1].kind in ("hundred", "mult", "a"))
        ):
            seq.pop(0)
        if not seq or all(nw.kind == "a" for _, nw in seq):
            continue
        kinds = [nw.kind for _, nw in seq]
        # A lone multiplier or "hundreds"/"dozens" is left to the vague reader, except a singular-only
        # form ("тисячу гривень", "a thousand" is handled by "a").
        if len(seq) == 1 and kinds[0] in ("mult", "hundred"):
            only = seq[0][1]
            if only.plural or kinds[0] == "hundred" or tokens[seq[0][0]][2].isascii():
                continue  # "several thousand" is vague; "тисячу гривень" is 1,000
        total = 0.0
        current = 0.0
        half = False
        for _, nw in seq:
            if nw.kind == "a":
                if nw.value == 0.5:
                    half = True
                continue
            if nw.kind == "unit" or nw.kind == "hundreds":
                current += nw.value
            elif nw.kind == "hundred":
                current = (current or 1) * nw.value
            else:  # mult
                total += (current or (0.5 if half else 1)) * nw.value
                current = 0.0
                half = False
        value = total + current
        first = tokens[seq[0][0]]
        last = tokens[seq[-1][0]]
        num = _Num(first[0], last[1], value, "words")
        if value == 1 and len(seq) == 1 or value >= _MAX_VALUE:
            num.skip = True  # "one of", "один із": not a count
        out.append(num)
    return out


def _read_vague(s: str, taken: list[tuple[int, int]]) -> list[_Num]:
    out: list[_Num] = []
    for m in _VAGUE.finditer(s):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        word = m.group().lower()
        if word in _SINGULAR_TOO and _qualifier_before(s, m.start())[0] is not None:
            out.append(_Num(m.start(), m.end(), float(_SINGULAR_TOO[word]), "words"))
            continue
        out.append(_Num(m.start(), m.end(), None, "vague"))
    return out


# ------------------------------------------------------------------------------------ classification


# A preposition between a hedge and its number: "приблизно на 70 %", "примерно в 1 700 случаях",
# "близько у 300 випадках", "более чем в 40 регионах", "about in 300 cases".
_HEDGE_PREPOSITIONS = frozenset("на в у во з із зі с со по к in on by at for".split())


def _qualifier_before(s: str, start: int) -> tuple[Qualifier | None, str]:
    """The qualifier written right before ``start`` (the longest phrase wins: "no more than" > "more than")."""
    pre = s[max(0, start - 50) : start]
    if pre and (pre[-1] in _CURRENCY_SYMBOL or pre[-1] == " " and pre[-2:-1].isupper()):
        sign = _CURRENCY_TAIL.search(pre)
        if sign:
            pre = pre[: sign.start()] + " "  # "about $5,000", "up to UAH 17,000"
    if pre and not pre[-1].isspace() and pre[-1] not in "~≈<>":
        return None, ""
    words = _TAIL_WORDS.findall(pre.lower())[-5:]
    if not words or not pre.rstrip().lower().endswith(words[-1]):
        return None, ""
    q, phrase = _qualifier_phrase(words[-4:])
    if q is None and len(words) > 1 and words[-1] in _HEDGE_PREPOSITIONS:
        q, phrase = _qualifier_phrase(words[-5:-1])
        if q is not None and phrase == "до":
            return None, ""
    return q, phrase


def _qualifier_phrase(words: list[str]) -> tuple[Qualifier | None, str]:
    for k in range(len(words), 0, -1):
        phrase = " ".join(words[-k:])
        q = _QUALIFIER_PHRASES.get(phrase)
        if q is not None:
            return q, phrase
    for stem, q in _QUALIFIER_STEMS:
        if words[-1].startswith(stem):
            return q, words[-1]
    return None, ""


def _is_year(s: str, n: _Num, lang: str) -> bool:
    if n.kind != "digits" or n.mult != 1 or n.grouped or n.decimal or len(n.plain) != 4:
        return False
    if not 1800 <= int(n.plain) <= 2100:
        return False
    post = s[n.end : n.end + 30]
    if _YEAR_AFTER.match(post) or (n.start and s[n.start - 1] in "-–—"):
        return True
    qualifier, word = _qualifier_before(s, n.start)
    if qualifier is not None and word not in ("до", "to", "over", "under", "some", "passed"):
        return False
    m = _WORD.match(post.lstrip()) if post[:1] == " " else None
    if m is None:
        return True
    word = m.group()
    if lang == "en" or not _CYR.search(word):
        # English writes counts of 1,000+ with a comma; a bare 1800-2100 is a year ("the 2022 invasion")
        # unless hedged and followed by a noun ("about 2000 soldiers").
        if qualifier is None or word[0].isupper() or word.lower() in _EN_STOP:
            return True
        return bool(_TIME_PREP_EN.search(s[max(0, n.start - 12) : n.start]))
    if word[0].isupper():
        return True
    # A count of 5+ governs the genitive plural ("2000 військових", "до 2000 чоловіків"); "в 2023 гарнизонные
    # суды" (nominative) or a verb after the number means it is a year.
    return not any(
        {"NOUN", "ADJF", "PRTF"} & set(p.tag.grammemes) and p.tag.case == "gent" for p in _parse(lang, word)
    )


_YEAR_LINK = re.compile(r"\s*(?:по|до|to|through|until|till|and|і|й|та|и|[-–—])\s*", _I)


def _year_ranges(s: str, nums: list[_Num]) -> None:
    """A year bound makes its partner a year too: "с 2019 по 2022 год", "from 2019 to 2022", "з 2019 по 2022 рік"
    ("по" links only years)."""
    for a, b in zip(nums, nums[1:], strict=False):
        if a.year == b.year or not (a.kind == b.kind == "digits"):
            continue
        m = _YEAR_LINK.fullmatch(s[a.end : b.start])
        if not m:
            continue
        other = b if a.year else a
        if (
            other.mult == 1
            and not other.grouped
            and not other.decimal
            and len(other.plain) == 4
            and 1800 <= int(other.plain) <= 2100
        ):
            other.year = True


def _excluded(s: str, start: int, end: int, n: _Num, context: str = "") -> bool:
    """Not a figure: ids, codes, dates, times, ages, law references, durations (guide §2, Not figures).

    ``context`` is the text just before the sentence: a sentence split after an abbreviation the splitter
    does not know ("ст.ст. 337") must not hide the word that rules the number out."""
    if n.skip:
        return True
    before = s[start - 1] if start else ""
    after = s[end] if end < len(s) else ""
    pre = s[max(0, start - 40) : start] if start >= 40 else (context + " " + s[:start])[-40:]
    post = s[end : end + 60]
    if n.kind != "vague":
        if before.isalpha() or (before and before in "#№+_/\\=&@~") or after.isalpha():
            return True  # A1234, #5, №560, +380, URL paths; 47th, 11x
        if _PRE_EXCLUDE.search(pre[-14:]) or _POST_EXCLUDE.match(post):
            return True  # F-16, 10:30, 24/7, 18.12.2023, phones; 3-й, 25-year-old; durations; "407 КК"
        if n.kind == "digits" and (n.plain[:1] == "0" and len(n.plain) > 1):
            return True
        if after == "+" and n.value in (0, 6, 12, 16, 18, 21):
            return True  # an age rating ("18+")
        if n.value is not None and n.value < 10 and n.mult == 1 and _OR_MORE.match(post):
            return True  # "вбивство двох і більше осіб", "three or more children": a legal criterion
        if n.value is not None and n.value <= 31 and n.mult == 1 and not n.decimal:
            if _DATE_AFTER.match(post) or _DATE_BEFORE.search(pre[-16:]):
                return True
        tail = pre[-32:].lower().split()
        last = tail[-1].lstrip("([«\"“„'") if tail else ""  # "(стаття 408)", "(ч. 5 ст. 407 ККУ)"
        if (last in _LEGAL_WORDS or last.startswith(_LEGAL_PREFIXES)) and _LEGAL_BEFORE.search(pre):
            return True
        if last.rstrip(":.") in _PHONE_WORDS:
            return True
        if (
            n.kind == "digits"
            and n.mult == 1
            and not n.decimal
            and _CLAUSE_END.match(post)
            and any(w.strip("([«\"“„':,") in _PHONE_NEAR for w in pre.lower().split()[-6:])
        ):
            return True  # "Телефон довіри ДПСУ: 1598."
        if set(tail[-3:]) & _AGE_WORDS and _AGE_BEFORE.search(pre):
            return True
        if n.value is not None and n.value < 100 and ("age" in pre or "вік" in pre or "возраст" in pre):
            if _AGE_NEAR.search(pre):
                return True
    return False


def _units(s: str, nums: list[_Num]) -> list[tuple[_Num, _Num | None, Qualifier | None]]:
    """Pair numbers into ranges; returns (low, high or None, forced qualifier)."""
    out: list[tuple[_Num, _Num | None, Qualifier | None]] = []
    i = 0
    while i < len(nums):
        a = nums[i]
        b = nums[i + 1] if i + 1 < len(nums) else None
        if b is not None and a.kind != "vague" and b.kind != "vague" and not a.year and not b.year:
            gap = s[a.end : b.start]
            word = gap.strip().lower()
            unit = _REPEATED_UNIT.match(gap)
            if unit:  # "20 percent to 30 percent", "20%–30%": the unit is repeated, the link is what follows
                word = gap[unit.end() :].strip().lower()
                gap = word
            sign = (
                _CURRENCY_TAIL.search(gap) if gap[-1:] in _CURRENCY_SYMBOL or gap[-4:-1].isupper() else None
            )
            if sign and sign.start() > 0:  # "between $5,000 and $15,000": the sign is repeated
                gap = gap[: sign.start()]
                word = gap.strip().lower()
                if unit and "%" in unit.group() or not (a.start and s[a.start - 1] in _CURRENCY_SYMBOL):
                    word = "|"  # "up 0.05% to $1.1075": different units, no range
            pre = s[max(0, a.start - 120) : a.start]
            sign = (
                _CURRENCY_TAIL.search(pre) if pre[-1:] in _CURRENCY_SYMBOL or pre[-4:-1].isupper() else None
            )
            if sign:
                pre = pre[: sign.start()] + " "  # "between $5,000", "від ₴5 000", "from USD 500"
            dash = word in ("-", "–", "—", "−") and len(gap) <= 3
            if dash and gap == word and (re.match(r"-\d", s[b.end : b.end + 2]) or re.search(r"\d-$", pre)):
                a.skip = b.skip = True  # 044-123-45-67: a code, not a range
            linked = (
                dash
                or (word == "to" and not _change_before(pre))
                or (
                    word in ("and", "і", "й", "та", "и")
                    and re.search(r"\b(?:between|між|между)\s*$", pre[-12:], _I)
                )
                or (word == "до" and _RANGE_START.search(pre[-12:]) and not _change_before(pre))
            )
            if linked:
                a.extra["partner"] = b  # "from 27 to 25" after "age": both ends share the exclusion
                b.extra["partner"] = a
            if linked and not a.skip and not b.skip and a.value is not None and b.value is not None:
                low = a.value
                if a.mult == 1 and b.mult > 1 and low * b.mult <= b.value:
                    low *= b.mult  # "від 10 до 30 тисяч", "25–30 тис.": the multiplier is shared
                if low < b.value:
                    a.value = low
                    out.append((a, b, Qualifier.RANGE))
                    i += 2
                    continue
            if word in ("до", "to") and _RANGE_START.search(pre[-12:]) and _change_before(pre):
                # "зросла з 300 до 640": two exact figures; "подняли с 50 до 70 тысяч": the multiplier is shared
                if (
                    a.mult == 1
                    and b.mult > 1
                    and a.value
                    and b.value
                    and 0.1 <= a.value * b.mult / b.value <= 10
                ):
                    a.value *= b.mult
                out.append((a, None, Qualifier.EXACT))
                out.append((b, None, Qualifier.EXACT))
                i += 2
                continue
        out.append((a, None, None))
        i += 1
    return out


def _qualifier(
    s: str, low: _Num, high: _Num | None, forced: Qualifier | None, lang: str | None = None
) -> Qualifier:
    if forced is not None:
        return forced
    if low.kind == "vague":
        return Qualifier.VAGUE
    post = s[(high or low).end : (high or low).end + 20]
    q, word = _qualifier_before(s, low.start)
    if q is None:
        for rx, pq in _POST_QUALIFIER:
            if rx.match(post):
                return pq
        return Qualifier.EXACT
    if word == "до":
        pre = s[max(0, low.start - 120) : low.start]
        if _change_before(pre[: pre.lower().rfind("до")], lang):
            return Qualifier.EXACT
    return q


# ------------------------------------------------------------------------------------ counted


def _counted(s: str, n: _Num, start: int, end: int, lang: str) -> str | None:
    post = s[end : end + 160]
    head = ""
    pm = _PERCENT_AFTER.match(post)
    if pm:
        head = pm.group(1)
        post = post[pm.end() :]
    elif start and s[start - 1] in _CURRENCY_SYMBOL:
        return s[start - 1]
    else:
        code = _CURRENCY_BEFORE.search(s[max(0, start - 8) : start])
        if code:
            return code.group(1)
    if s[end - 1 : end] == "." and re.match(r"\s+[A-ZА-ЯІЇЄҐ][a-zа-яіїєґ’]", post):
        return head or None
    cyr = lang in ("uk", "ru") or bool(_CYR.search(post[:20]))
    words = _counted_cyr(post, lang) if cyr else _counted_en(post, vague=n.kind == "vague" or bool(head))
    if head and words:
        return f"{head} {words}" if cyr else f"{head} of {words}"
    if words:
        return words
    prefix = s[: max(0, start)]
    low = prefix.lower()
    m = _COUNT_OF.search(prefix) if any(map(low.__contains__, _COUNT_OF_HINTS)) else None
    found = (m.group(1) or m.group(2)) if m else None
    if found:
        found = re.split(
            r"\s+(?:since|in|during|at|for|from|over|by|across|у|в|за|з|із|від|с|со|от)\s", found
        )[0]
    if head:
        return f"{head} of {found}" if found and not cyr else head
    return found


def _counted_en(post: str, vague: bool) -> str | None:
    if vague and re.match(r"\s*more\b(?!\s+of\b)", post, _I):
        return None  # "hundreds more were detained"
    post = re.sub(
        r"^\s*(?:more\s+)?(?:of\s+(?:the\s+|their\s+|its\s+|these\s+|those\s+)?)?", " ", post, flags=_I
    )
    words: list[str] = []
    for m in _EN_WORD_AFTER.finditer(post):
        if m.start() != sum(len(w) + 1 for w in words):
            break
        w = m.group(1)
        lw = w.lower()
        if lw in _EN_STOP or len(words) >= 3:
            break
        if lw.endswith(("ed", "ing", "ly")):
            nxt = _EN_WORD_AFTER.match(post, m.end())
            if (
                not nxt
                or nxt.group(1).lower() in _EN_STOP
                or nxt.group(1).lower().endswith(("ed", "ing", "ly"))
            ):
                break
        words.append(w)
    return " ".join(words) or None


@lru_cache(maxsize=65536)
def _parse(lang: str, word: str) -> tuple:  # tuple[pymorphy3.analyzer.Parse, ...]
    """pymorphy3 readings of a word, cached: news vocabulary repeats, and a parse costs ~0.25 ms."""
    return tuple(morph(lang if lang in ("uk", "ru") else "ru").parse(word.replace("’", "'")))


def _counted_cyr(post: str, lang: str) -> str | None:
    words: list[str] = []
    state = 0  # 0: before the head noun, 1: after it, 2: after "про"
    genitive = 0
    for m in _CYR_WORD_AFTER.finditer(post):
        if m.start() != sum(len(w) + 1 for w in words) or len(words) >= 5:
            break
        w = m.group(1)
        bare = w.strip('«»"')
        if state == 2:
            words.append(w)
            break
        if bare.isupper() and len(bare) >= 2:
            words.append(w)
            if state == 1:
                break
            state = 1
            continue
        if state == 1 and bare.lower() in _CYR_PREP_COUNTED:
            words.append(w)
            state = 2
            continue
        if bare.lower() in _CYR_STOP or bare.lower() in _CYR_FUNCTION:
            break
        options = _parse(lang, bare)
        grammemes = set(options[0].tag.grammemes)
        if state == 1 and not {"gent"} & grammemes:
            genitive_parse = next((p for p in options if "gent" in p.tag), None)
            if genitive_parse is not None:
                grammemes = set(genitive_parse.tag.grammemes)
        if state == 0:
            if {"ADJF", "PRTF"} & grammemes or ({"NPRO"} & grammemes and "gent" in grammemes):
                words.append(w)
                continue
            if "NOUN" in grammemes:
                words.append(w)
                state = 1
                continue
            break
        if (
            "gent" in grammemes
            and ({"ADJF", "NOUN"} & grammemes)
            and ({"ADJF", "NOUN"} & set(options[0].tag.grammemes))
            and len(bare) > 2
            and genitive < 2
        ):
            words.append(w)
            genitive += 1
            if "NOUN" in grammemes:
                break
            continue
        break
    if state == 2 and words and words[-1].lower() in _CYR_PREP_COUNTED:
        words.pop()
    return " ".join(words).strip('«»"') or None


def _agrees(lang: str, word: str, noun_word: str) -> bool:
    """Can ``word`` be an adjective agreeing in case with some common-noun reading of ``noun_word``?"""
    cases = {
        p.tag.case
        for p in _parse(lang, noun_word.strip('«»"'))
        if "NOUN" in p.tag and not {"Name", "Surn", "Patr"} & set(p.tag.grammemes)
    }
    return any(
        {"ADJF", "PRTF", "NPRO"} & set(p.tag.grammemes) and p.tag.case in cases
        for p in _parse(lang, word.strip('«»"'))
    )


def _lemma(counted: str | None, lang: str) -> str | None:
    if not counted:
        return None
    if counted in _CURRENCY_SYMBOL:
        return {"$": "dollar", "€": "euro", "£": "pound", "₴": "гривня", "₽": "рубль"}[counted]
    if not _CYR.search(counted):
        words = counted.lower().split()
        if words and words[0] in ("percent", "per") and "of" in words:
            return "percent of " + " ".join(words[words.index("of") + 1 :])
        last = words[-1]
        if last in _EN_IRREGULAR:
            last = _EN_IRREGULAR[last]
        elif last.endswith("ies") and len(last) > 4:
            last = last[:-3] + "y"
        elif last.endswith(("ches", "shes", "sses", "xes")):
            last = last[:-2]
        elif last.endswith("s") and not last.endswith(("ss", "us")) and len(last) > 3:
            last = last[:-1]
        return " ".join([*words[:-1], last])
    words = counted.split()
    parses = []
    for w in words:
        options = _parse(lang, w.strip('«»"'))
        # Prefer a noun reading ("чоловіків" is also the possessive adjective "husband's").
        parses.append(next((p for p in options if "NOUN" in p.tag), options[0]))
    head = next(
        (i for i, w in enumerate(words) if not w.isupper() and "NOUN" in _parse(lang, w.strip('«»"'))[0].tag),
        None,
    )
    first = _parse(lang, words[0].strip('«»"'))
    noun_gent = any("NOUN" in p.tag and p.tag.case == "gent" for p in first)
    adj_gent = any({"ADJF", "PRTF"} & set(p.tag.grammemes) and p.tag.case == "gent" for p in first)
    if (
        head is not None
        and head > 0
        and ((noun_gent and not adj_gent) or not _agrees(lang, words[0], words[head]))
    ):
        head = 0  # "чоловіків призовного віку": the first word is the noun, the rest a genitive
    if head is None:
        head = next((i for i, p in enumerate(parses) if "NOUN" in p.tag and not words[i].isupper()), None)
    if head is not None:
        options = _parse(lang, words[head].strip('«»"'))
        parses[head] = next((p for p in options if "NOUN" in p.tag), parses[head])
        for i in range(head):
            options = _parse(lang, words[i].strip('«»"'))
            parses[i] = next((p for p in options if {"ADJF", "PRTF"} & set(p.tag.grammemes)), parses[i])
    out: list[str] = []
    for i, (w, p) in enumerate(zip(words, parses, strict=True)):
        if "NPRO" in p.tag and head is not None and i < head:
            continue  # "таких справ" groups with "справа"
        if w.isupper() or (head is not None and i > head):
            out.append(w if w.isupper() else w.lower())
        elif {"ADJF", "PRTF"} & set(p.tag.grammemes) and (head is None or i < head):
            # Agree with the head noun; substantivised adjectives ("засуджених") go to nominative plural.
            gender = None
            if head is not None:
                lemma_parses = _parse(lang, parses[head].normal_form)
                gender = next((q.tag.gender for q in lemma_parses if "NOUN" in q.tag), None)
            wanted = {"nomn", gender} if gender else {"nomn", "plur"}
            form = p.inflect(wanted) or p.inflect(wanted | {"sing"})
            out.append((form.word if form else p.normal_form).lower())
        else:
            out.append(p.normal_form.lower())
    return " ".join(out).replace("'", "’").replace("ё", "е")


# ------------------------------------------------------------------------------------ context


def _nearest(found: list[tuple[int, int, str]], start: int, end: int) -> str | None:
    """The match closest to the figure: a sentence may give one period per clause ("21,600 in October
    alone, and since the beginning of the year over 180,000")."""
    best: tuple[int, str] | None = None
    for a, b, value in found:
        distance = a - end if a >= end else start - b if b <= start else 0
        if best is None or max(distance, 0) < best[0]:
            best = (max(distance, 0), value)
    return best[1] if best else None


def _periods(s: str, lang: str) -> list[tuple[int, int, str]]:
    low = s.lower()
    found: list[tuple[int, int, str]] = []
    for guards, rx in _PERIOD_EN if lang == "en" else _PERIOD_CYR:
        if not any(map(low.__contains__, guards)):
            continue
        for m in rx.finditer(s):
            if not any(a < m.end() and m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), m.group()))
    return found


def _rates(s: str, lang: str) -> list[tuple[int, int, str]]:
    found = []
    if lang == "en":
        for m in _RATE_EN.finditer(s):
            unit = m.group(1) or _RATE_EN_WORD[m.group(2).lower()]
            found.append((m.start(), m.end(), f"per {unit.lower()}"))
    else:
        for m in _RATE_CYR.finditer(s):
            found.append((m.start(), m.end(), m.group(1).lower()))
    return found


def _clean_source(x: str, lang: str) -> str | None:
    quoted = re.search(r"[«“\"]([^«»“”\"]{2,60})[»”\"]?", x)
    if quoted and x[: quoted.start()].strip().islower():
        x = quoted.group(1)  # "издание «Медиазона»", "the newspaper “Die Welt”": the name
    x = re.sub(r"[«»\"“”„]", "", x).strip().strip("'’ ").lstrip("-–—•*( ").strip()
    words = x.split()
    if not words or len(words) > 10:
        return None
    if words[0].lower() in _PRONOUNS and (len(words) == 1 or words[0].lower() in _PERSONAL_PRONOUNS):
        return _PRONOUN + words[0]  # resolved from earlier sentences, else kept as written
    if len(words) <= 2 and words[-1].lower() in _NOT_A_SOURCE:
        return None  # "- A new", "The latest": no source
    while len(words) > 1 and words[0].lower() in _LEADING_CONJUNCTIONS:
        words = words[1:]  # "though officials say", "але в ТЦК"
        x = " ".join(words)
    first = words[0].lower()
    if first in _NOT_A_SOURCE_START or _NUMBER_IN_SOURCE.search(x):
        return None  # "How can universities say", "Fifty-one percent say", "a disorder in 2017"
    if not _CYR.search(x):
        # "Amnesty International on Tuesday", "Fadem in a Tuesday research report", "X who is the manager"
        if x[:1].isupper():
            x = _EN_SOURCE_TAIL.sub("", x)
            words = x.split()
    if _CYR.search(x):
        # "РБК со ссылкой на источники в Минобороны" → the cited source; "міністр Рустем Умєров в ефірі
        # телемарафону", "… в своем Telegram-канале", "… на брифінгу" → the speaker
        x = _CYR_SOURCE_TAIL.sub("", _CITING.split(x)[-1]).strip() or x
        words = x.split()
        caps = [i for i, w in enumerate(words) if w[:1].isupper()]
        if len(words) >= 3 and len(caps) >= 2 and caps[-1] == len(words) - 1 and caps[-2] == len(words) - 2:
            first = words[-2].strip('«»"')
            parse = _parse(lang, first)[0]
            if "Name" in parse.tag:
                return " ".join(words[-2:])
        return x
    # English: keep the trailing name of "the rights group Russia Behind Bars", "Defence Minister X Y".
    run = len(words)
    while run > 0 and (words[run - 1][:1].isupper()):
        run -= 1
    lower_part = [w.lower() for w in words[:run]]
    if (
        run < len(words)
        and not ({"in", "of", "at", "from", "for", "with"} & set(lower_part))
        and not any(c.isdigit() for w in lower_part for c in w)
    ):
        name = words[run:]
        while len(name) > 1 and name[0].lower() in _TITLES:
            name = name[1:]
        if len(name) >= 2 or run == 1 and lower_part == ["the"]:
            return " ".join(name)
    return x


_PRONOUN_LEAD = re.compile(
    r"(?<!\w)(?:за (його|її|їхніми|їх) (?:словами|даними|оцінками|підрахунками)"
    r"|по (его|ее|их) (?:словам|данным|оценкам|подсчетам)|according to (him|her|them))(?!\w)",
    _I,
)
# "За архівними даними", "По официальным данным", "за радянською статистикою": the adjective and the noun are
# the source when no name follows.
_DATA_ADJ = re.compile(
    r"(?<!\w)(?:за|по|згідно з|согласно)\s+([^\W\d_]+(?:ими|ою|ій|им|ым|ыми|ой|ей)\s+(?:даними|данным|статистикою"
    r"|статистике|оцінками|оценкам|підрахунками|подсчетам|інформацією|информации))(?=\s*[,.;:—]|\s+(?:у|в|на)\s)",
    _I,
)
# "У відомстві нагадали", "В Минобороны заявили", "У Генштабі повідомили": the institution said it.
_IN_INSTITUTION = re.compile(
    r"^(?:[уУвВ]|[вВ]о)\s+((?:[A-ZА-ЯІЇЄҐ][\w’'-]*|відомств\w*|міністерств\w*|ведомств\w*|министерств\w*|штаб\w*"
    r"|прокуратур\w*|уряд\w*|правительств\w*|служб\w*|поліці\w*|полици\w*|адміністраці\w*|администраци\w*"
    r"|управлін\w*|управлени\w*|мері\w*|мэри\w*|військкомат\w*|военкомат\w*|команд\w*|компані\w*|компани\w*"
    r"|організаці\w*|организаци\w*|суді|суде|посольств\w*|прес-служб\w*|пресс-служб\w*)(?:\s+[^\s,]+){0,4})$"
)
# "з них", "из них", "of them": the sentence continues the previous figure, and its source.
_OF_THEM_ANY = re.compile(r"(?<!\w)(?:з них|із них|из них|of them|of those)(?!\w)", _I)


def _find_source(sent: str, lang: str) -> str | None:
    low = sent.lower()
    if _SOURCE_HINT.search(low) is None:
        return None
    m = _PRONOUN_LEAD.search(sent)
    if m:
        return _PRONOUN + (m.group(1) or m.group(2) or m.group(3))
    m = _ABOUT_THIS.match(sent)
    if m:  # "Про це повідомив заступник міністра Іван Гаврилюк." (a source for the sentences around it)
        return _clean_source(re.sub(r"^(?:дані|даними|данные|data (?:from|of))\s+", "", m.group(1)), lang)
    m = _LEAD_ATTRIBUTION.search(sent) if any(map(low.__contains__, _LEAD_KEYS)) else None
    if m:
        lead = re.sub(
            r"^(?:data|figures|estimates|statistics|information|a report|reports?) (?:from|of|by) ",
            "",
            m.group(1),
            flags=_I,
        )
        # "according to a review of official announcements by the independent outlet Vazhnye Istorii"
        by = re.search(r"^(?:an?|the)\s+(?:[\w-]+\s+){0,6}?by\s+(.+)$", lead, _I)
        if by:
            lead = by.group(1)
        return _clean_source(lead, lang)
    m = _DATA_ADJ.search(sent) if ("дан" in low or "стат" in low or "оц" in low or "підрах" in low) else None
    if m:
        return m.group(1)
    if _SPEECH_GATE.isdisjoint(_SPEECH_WORD.findall(low)):
        return None  # every pattern below needs a speech verb
    tail = max(0, len(sent) - 320)  # the tail patterns are end-anchored and bounded: search the end only
    m = _VERB_FIRST_TAIL.search(sent, tail)
    # English inversion (", said Defence Minister X") needs a name or a determiner, not "claimed before …"
    if m and (
        # ", said Oleksandr Pavliuk, a military lawyer in Kyiv.": with an apposition, the source is a name
        re.match(r"[A-ZА-ЯІЇЄҐ]", m.group(1))
        if m.group("apposition")
        else _CYR.search(m.group(1)) or re.match(r"[A-Z]|(?:the|a|an|its|his|her|their)\b", m.group(1))
    ):
        return _clean_source(m.group(1), lang)
    if not _SPEECH_GATE.isdisjoint(_SPEECH_WORD.findall(low[-90:])):  # the verb ends the sentence
        m = _SUBJECT_TAIL.search(sent, tail)
        if m and len(m.group(1).split()) <= 8:
            return _clean_source(m.group(1), lang)
    # only a verb within the first 170 characters is used
    m = _SPEECH.search(sent, 2, 200) if _speech_words_in(sent[:200]) else None
    if m and m.start() <= 170:
        lead = _LEAD_ADVERBS.sub("", sent[: m.start()].rstrip())
        parts = [p.strip() for p in lead.split(",")]
        appositive = lead.rstrip().endswith(",") or (
            len(parts) > 1 and parts[-1][:1].isupper() and len(parts[-1].split()) > 3
        )
        parts = [p for p in parts if p]
        names = [p for p in parts if _NAME_ONLY.fullmatch(p) and not _INTRO.search(p)]
        if names:  # "…, the group's founder, Yevgeny Prigozhin, claimed", "X, Chief of …, stated"
            return _clean_source(names[-1], lang)
        if appositive and len(parts) > 1:
            parts = parts[:-1]
        if parts:
            inst = _IN_INSTITUTION.match(parts[-1])
            if inst and not _INTRO.search(inst.group(1)) and not re.search(r"\d", inst.group(1)):
                return _clean_source(inst.group(1), lang)  # "У відомстві нагадали", "В Минобороны заявили"
        for p in reversed(parts):
            if _INTRO.search(p):
                continue
            if len(p.split()) <= 8 and p.lower() not in ("a", "an", "the"):
                return _clean_source(p, lang)
            break
    return None


def _resolve_source(
    text: str, spans: list[tuple[int, int]], idx: int, source: str | None, lang: str
) -> str | None:
    pronoun = None
    if source is not None and source.startswith(_PRONOUN):
        pronoun = source[len(_PRONOUN) :]
        source = None
        for k in range(idx - 1, max(-1, idx - 5), -1):
            sentence = normalize(text[spans[k][0] : spans[k][1]])
            earlier = _find_source(sentence, lang)
            if earlier is None:
                # "General Valery Gerasimov spoke on Monday. He further claimed ...": the named subject
                m = _SUBJECT_NAME.match(sentence)
                earlier = _clean_source(m.group(1), lang) if m else None
            if earlier and not earlier.startswith(_PRONOUN):
                source = earlier
                break
    elif source is None and idx > 0 and _OF_THEM_ANY.search(normalize(text[spans[idx][0] : spans[idx][1]])):
        # "…более 40 тысяч человек. Около 15 % из них не явились": the previous sentence's source
        earlier = _find_source(normalize(text[spans[idx - 1][0] : spans[idx - 1][1]]), lang)
        if earlier and not earlier.startswith(_PRONOUN):
            source = earlier
    if source is None and idx + 1 < len(spans):
        # "… 21 600 проваджень. Про це повідомили в Офісі генпрокурора." — the source follows
        m = _ABOUT_THIS.match(normalize(text[spans[idx + 1][0] : spans[idx + 1][1]]))
        if m:
            source = _clean_source(
                re.sub(r"^(?:дані|даними|данные|data (?:from|of))\s+", "", m.group(1)), lang
            )
    if source is None:
        # an unresolved pronoun for a person is kept as written ("за його словами" → "його", "He estimated")
        return pronoun if pronoun and pronoun.lower() in _PERSON_PRONOUNS else None
    m = _AGENCY.match(source)
    single = re.fullmatch(r"[A-ZА-ЯІЇЄҐ][\w’'-]+", source)
    if not m and not single:
        return source
    window = normalize(text[max(0, spans[idx][0] - 4000) : spans[idx][0]])
    if m:
        names = _AGENCY_NAME.findall(window)
        if names:
            return f"{names[-1]}{m.group(2) or ''}{m.group(3)}"
    if single:
        full = re.findall(r"((?:[A-ZА-ЯІЇЄҐ][\w’'-]+\s){1,2})" + re.escape(source) + r"\b", window)
        if full:
            return full[-1] + source
    return source


def _topic_at(pos: int, idx: int, spans: list[tuple[int, int]], matches: list[tuple[int, str]]) -> str | None:
    if not matches:
        return None
    starts = [m[0] for m in matches]
    for lo, hi in ((spans[idx][0], spans[idx][1]),):
        a, b = bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi)
        if a < b:
            return min(matches[a:b], key=lambda m: abs(m[0] - pos))[1]
    near = []
    for k in (idx - 1, idx + 1):
        if 0 <= k < len(spans):
            a, b = bisect.bisect_left(starts, spans[k][0]), bisect.bisect_left(starts, spans[k][1])
            near.extend(matches[a:b])
    return min(near, key=lambda m: abs(m[0] - pos))[1] if near else None


# ------------------------------------------------------------------------------------ public


def _split_lines(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Also end a sentence at a line break: trafilatura writes one paragraph (or headline, or dateline) per
    line, and a headline without a full stop must not lend its number to the next sentence's source."""
    out: list[tuple[int, int]] = []
    for s0, s1 in spans:
        cut = text.find("\n", s0, s1)
        if cut < 0:
            out.append((s0, s1))
            continue
        start = s0
        while cut >= 0:
            _append_trimmed(text, start, cut, out)
            start = cut + 1
            cut = text.find("\n", start, s1)
        _append_trimmed(text, start, s1, out)
    return out


def _append_trimmed(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))


def _is_money(s: str, start: int, end: int) -> bool:
    """A percentage or an amount after a currency sign."""
    return bool(_PERCENT_AFTER.match(s[end : end + 12])) or (start > 0 and s[start - 1] in _CURRENCY_SYMBOL)


_UK_LETTERS = re.compile(r"[іїєґ]", _I)
_RU_LETTERS = re.compile(r"[ыэъ]", _I)


def _sentence_language(sent: str, hint: str | None) -> str:
    """The sentence's own language: its script, then і/ї/є/ґ against ы/э/ъ (as text.detect_language does,
    but with C-level regex counts: this runs for every sentence holding a number)."""
    if not _CYR.search(sent):
        return "en" if _LATIN.search(sent) or hint is None else hint
    uk, ru = len(_UK_LETTERS.findall(sent)), len(_RU_LETTERS.findall(sent))
    if uk == ru == 0:
        return hint if hint in ("uk", "ru") else "ru"
    return "uk" if uk >= ru else "ru"


def find_figures(text: str, language: str | None = None, hits: Sequence[Hit] = ()) -> list[Figure]:
    """All figures stated in ``text`` (an article body), in text order.

    ``language`` is a hint for the whole article; each sentence's script decides in the end.
    ``hits`` give topic-term offsets (body field) used to set ``Figure.topic``.
    """
    if not text:
        return []
    # normalize() keeps offsets, so sentences are found on the raw text and only the sentences that hold a
    # number are normalised (saves a pass over long texts).
    spans = _split_lines(text, sentence_spans(text))
    matches = sorted((m.start, h.topic) for h in hits for m in h.matches if m.field == "body")
    figures: list[Figure] = []
    for idx, (s0, s1) in enumerate(spans):
        raw = text[s0:s1]
        lowered = raw.lower()
        has_digits = _DIGIT.search(raw) is not None
        has_words = _word_candidates(lowered)
        has_vague = _VAGUE_HINT.search(lowered) is not None
        if not (has_digits or has_words or has_vague):
            continue
        s = normalize(raw)
        context = normalize(text[max(0, s0 - 40) : s0]).rstrip() if s0 else ""
        lang = _sentence_language(s, language)
        nums = _read_digits(s, lang) if has_digits else []
        if has_words:
            nums.extend(_read_words(s))
        nums.sort(key=lambda n: (n.start, -n.end))
        kept: list[_Num] = []
        for n in nums:
            if kept and n.start < kept[-1].end:
                continue
            kept.append(n)
        nums = _join_compounds(s, kept)
        if has_vague:
            vague = _read_vague(s, [(n.start, n.end) for n in nums if n.kind == "digits"])
            # "several hundred thousand men": a vague phrase that starts before a word number swallows it;
            # "двадцять тисячами" (a word number starting first) keeps the number.
            nums = [n for n in nums if not any(v.start < n.start < v.end for v in vague)]
            vague = [v for v in vague if not any(n.start <= v.start < n.end for n in nums)]
            nums.extend(vague)
        nums.sort(key=lambda n: n.start)
        for n in nums:
            n.year = _is_year(s, n, lang)
        _year_ranges(s, nums)
        source: str | None = None
        periods: list[tuple[int, int, str]] = []
        rates: list[tuple[int, int, str]] = []
        source_done = False
        previous_excluded_end = -10
        for low, high, forced in _units(s, nums):
            start, end = low.start, (high or low).end
            if low.year:
                continue
            partner = low.extra.get("partner")
            if (
                _excluded(s, start, end, low, context)
                or (high is not None and _excluded(s, high.start, end, high, context))
                or (
                    high is None
                    and isinstance(partner, _Num)
                    and _excluded(s, partner.start, partner.end, partner, context)
                )
            ):
                previous_excluded_end = end
                continue
            if (
                previous_excluded_end >= 0
                and _CHAIN.fullmatch(s[previous_excluded_end:start])
                and not _counted(s, low, start, end, lang)
            ):
                previous_excluded_end = end  # "статей 407 і 408", "Articles 336, 337", "aged 30 and 34"
                continue
            qualifier = _qualifier(s, low, high, forced, lang)
            counted = _counted(s, low, start, end, lang)
            if (
                not counted
                and low.value is not None
                and ((high or low).value or 0) <= 100
                and _PEOPLE_BEFORE.search(s[max(0, start - 40) : start])
            ):
                continue  # an age bound, not a count
            if (
                not counted
                and low.value is not None
                and 16 <= low.value <= 70
                and ((high or low).value or 0) <= 70
                and _AGE_FAR.search(s[max(0, start - 100) : start])
            ):
                previous_excluded_end = end
                continue  # "the age at which men can be mobilized was lowered from 27 to 25": ages
            if (
                not counted
                and low.value is not None
                and low.value < 120
                and high is None
                and re.search(r"[^\W\d_],\s$", s[max(0, start - 3) : start])
                and re.match(r"(?:\s*(?:and|or|і|и|та)\s+\d{1,3})?\s*[,)]", s[end : end + 12])
            ):
                previous_excluded_end = end
                continue  # "John Smith, 45, was detained", "two soldiers, 25 and 31,": ages
            if start and end < len(s) and s[start - 1] in "\"«“„'" and s[end] in "\"»”'":
                continue  # '"18-24" contracts', «Контракт 18-24»: a label in quotes, not a count
            if (
                high is not None
                and low.value is not None
                and high.value is not None
                and 14 <= low.value < high.value <= 70
                and s[low.end : high.start] in ("-", "–", "—")
                and (
                    (_AGE_BAND_AFTER.match(s, end) and s[max(0, start - 4) : start].lower() == "the ")
                    or _AGE_BAND_BEFORE.search(s[max(0, start - 24) : start])
                )
            ):
                continue  # "the 18-24 contract program", "контракти 18–24": an age band naming a scheme
            if (
                not counted
                and _NAME_BEFORE.search(s[max(0, start - 30) : start])
                and not _is_money(s, start, end)
            ):
                continue  # "Контракт 18-24", "Leopard 2", "Patriot 3": part of a name
            is_money_or_percent = _is_money(s, start, end)
            if (
                low.kind != "vague"
                and low.value is not None
                and low.value < 10
                and high is None
                and not counted
                and not is_money_or_percent
                and qualifier == Qualifier.EXACT
                and not _OF_THEM.match(s[end : end + 12])
            ):
                continue  # a bare small number ("increased by 3", a list item) is not a stated count
            if not source_done:
                source = _resolve_source(text, spans, idx, _find_source(s, lang), lang)
                periods, rates = _periods(s, lang), _rates(s, lang)
                source_done = True
            value = None if low.value is None else int(low.value + 0.5)
            figures.append(
                Figure(
                    value=value,
                    low=value if high is not None else None,
                    high=int(high.value + 0.5) if high is not None and high.value is not None else None,
                    qualifier=qualifier,
                    counted=counted,
                    counted_lemma=_lemma(counted, lang),
                    period=_nearest(periods, start, end),
                    rate=_nearest(rates, start, end),
                    sentence=text[s0:s1],
                    start=s0 + start,
                    end=s0 + end,
                    attributed_to=source,
                    topic=_topic_at(s0 + start, idx, spans, matches),
                )
            )
    return figures


_LETTER_WORDS = re.compile(r"[a-zа-яіїєґё’'ʼ`]+")
_DIGIT = re.compile(r"\d")
_VAGUE_HINT = re.compile(
    r"thousand|hundred|dozen|million|tens|тисяч|тысяч|сот|десят|мільйон|миллион|кількасот"
)


def _word_candidates(low: str) -> bool:
    """Cheap pre-check (C-level findall + set intersection): does the lower-cased sentence hold a number word?"""
    table_words = _number_words()
    return not table_words.isdisjoint(_LETTER_WORDS.findall(low))


@lru_cache(maxsize=1)
def _number_words() -> frozenset[str]:
    words = {w for w, nw in word_table().items() if nw.kind != "a"}
    # the raw text is checked before normalisation: accept every apostrophe and ё spelling
    variants = {w.replace("’", a) for w in words if "’" in w for a in "'ʼ`"}
    variants |= {w.replace("е", "ё") for w in words if "е" in w}
    return frozenset(words | variants)
