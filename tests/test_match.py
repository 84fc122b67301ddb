"""Topic matching: hand-written positives and hard negatives beyond the labelled set, the Hit fields,
configuration errors and hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.match import (
    CompiledTopics,
    compile_topics,
    load_default_topics,
    match_topics,
    topics_from_mapping,
)
from monitor.types import TopicSpec

DATA = Path(__file__).parent / "data"
D, C = "desertion", "conscription"


@pytest.fixture(scope="module")
def topics() -> CompiledTopics:
    return compile_topics(load_default_topics())


def names(
    text: str, topics: CompiledTopics, language: str | None = None, title: str | None = None
) -> set[str]:
    return {h.topic for h in match_topics(title, text, topics, language)}


# (language, text, expected topics). Written as the rules of the labelling guide read, not from its
# examples: other inflections, other word orders, words between the words of a phrase.
CASES = [
    # --- English, desertion
    ("en", "Two soldiers deserted from the army last week and were caught near the border.", {D}),
    ("en", "He is accused of deserting his unit in the Donetsk region.", {D}),
    ("en", "The number of deserters has doubled since spring.", {D}),
    ("en", "Thousands of troops have gone AWOL, officials admit.", {D}),
    ("en", "He was absent without official leave for a month.", {D}),
    ("en", "The men left their assigned units without permission during the retreat.", {D}),
    ("en", "The village was deserted after the flood.", set()),
    ("en", "Tourists crossed the Gobi desert on foot.", set()),
    ("en", "The restaurant is famous for its chocolate dessert.", set()),
    ("en", "Two senators deserted the governing party over the budget.", set()),
    ("en", "She filed for divorce, citing desertion and cruelty.", set()),
    ("en", "Desertion from the party ranks worried the leadership.", set()),
    ("en", "The goalkeeper went AWOL before the cup final.", set()),
    # --- English, conscription
    ("en", "Russia announced a partial mobilisation of reservists.", {C}),
    ("en", "Tens of thousands of men were mobilized in the autumn.", {C}),
    ("en", "Officers handed call-up papers to men at a shopping centre.", {C}),
    ("en", "Draft dodgers are fleeing across the Tisza.", {C}),
    ("en", "Prisoners recruited by Wagner were promised a pardon.", {C}),
    ("en", "The conscripts will serve for twelve months.", {C}),
    ("en", "The defence ministry plans to mobilize 160,000 more troops.", {C}),
    ("en", "Volunteers who sign a contract with the Defence Ministry receive a bonus.", {C}),
    ("en", "The committee sent the draft bill back for a second reading.", set()),
    ("en", "He was the first overall pick in the NFL draft.", set()),
    ("en", "The winger received a late call-up to the national team.", set()),
    ("en", "Activists mobilized supporters ahead of the vote.", set()),
    ("en", "The bank is recruiting graduates for its new branch.", set()),
    ("en", "She called up her sister to tell the news.", set()),
    # --- Ukrainian, desertion
    ("uk", "Слідчі відкрили справи щодо двох СЗЧ-шників з Житомирщини.", {D}),
    ("uk", "Суд розглянув справу про самовільне залишення військової частини.", {D}),
    ("uk", "Солдат самовільно залишив свою частину і повернувся додому.", {D}),
    ("uk", "Кількість дезертирів зросла восени.", {D}),
    ("uk", "Командир доповів про самовільне залишення місця служби.", {D}),
    ("uk", "Чоловік самовільно залишив лікарню до завершення лікування.", set()),
    ("uk", "Фірма залишила частину працівників у Києві.", set()),
    ("uk", "Політолог назвав депутата політичним дезертиром.", set()),
    # --- Ukrainian, conscription
    ("uk", "Уряд продовжив строк мобілізації.", {C}),
    ("uk", "Працівники ТЦК затримали чоловіка на блокпосту.", {C}),
    ("uk", "Двох ухилянтів затримали біля кордону.", {C}),
    ("uk", "Йому вручили повістку на вулиці.", {C}),
    ("uk", "Призовників викликають до військкомату.", {C}),
    ("uk", "Депутати обговорили ухилення від військової служби.", {C}),
    ("uk", "Мобілізованим виплатять компенсацію.", {C}),
    ("uk", "Громада мобілізувала кошти на ремонт школи.", set()),
    ("uk", "Призовий фонд чемпіонату зріс удвічі.", set()),
    ("uk", "Адвокат отримав повістку до суду.", set()),
    ("uk", "Оператори мобільного зв’язку підвищили тарифи.", set()),
    # --- Russian, desertion
    ("ru", "Военного обвинили в самовольном оставлении воинской части.", {D}),
    ("ru", "Суд вынес приговор дезертиру из Бурятии.", {D}),
    ("ru", "Число дел о СОЧ выросло вдвое.", {D}),
    ("ru", "Рядовой самовольно оставил часть и уехал к семье.", {D}),
    ("ru", "Депутат обвинил коллегу в политическом дезертирстве.", set()),
    ("ru", "Директор оставил часть прибыли на развитие.", set()),
    # --- Russian, conscription
    ("ru", "Осенний призыв продлится до конца декабря.", {C}),
    ("ru", "Военкоматы начали рассылать повестки.", {C}),
    ("ru", "Мобилизованных отправили на фронт без подготовки.", {C}),
    ("ru", "Его призвали в армию прямо из общежития.", {C}),
    ("ru", "Против уклонистов ввели новые ограничения.", {C}),
    ("ru", "Вербовка заключенных продолжается.", {C}),
    ("ru", "Президент выступил с призывом к миру.", set()),
    ("ru", "Этот вопрос внесли в повестку дня.", set()),
    ("ru", "Суд рассмотрит дело об уклонении от уплаты налогов.", set()),
    ("ru", "Власти мобилизовали все ресурсы для ликвидации паводка.", set()),
    ("ru", "Призовой фонд составил миллион рублей.", set()),
    ("ru", "Вербовщик обещал девушкам работу за границей.", set()),
    ("ru", "Он получил повестку в военкомат.", {C}),
    ("ru", "Его призвали по мобилизации в сентябре.", {C}),
    ("ru", "Главной темой информационной повестки стали выборы.", set()),
    ("ru", "Призывы ООН к перемирию остались без ответа.", set()),
    ("ru", "Закон, призванный решить проблему жилья, приняли в первом чтении.", set()),
    ("ru", "На тушение были мобилизованы все силы МЧС.", set()),
    ("uk", "Він не підлягає призову за станом здоров’я.", {C}),
    ("uk", "Команда отримала призову суму за перемогу.", set()),
    ("uk", "Слідчий надіслав свідку повістку про виклик на допит.", set()),
    ("en", "Funds were mobilized for the victims of the flood.", set()),
    ("en", "He earned a maiden call-up to the England squad.", set()),
    ("en", "A spouse may seek a divorce on the grounds of desertion.", set()),
]


# Inflected forms (cases, numbers, tenses, participles) of terms written once in dictionary form.
INFLECTIONS = {
    "en": "desertions deserters conscripts conscription mobilisations demobilized demobilising "
    "draft-dodgers call-ups busification",
    "uk": "дезертирства дезертирів дезертирами дезертирували мобілізованих мобілізованому мобілізації "
    "мобілізацію призову призовом призовників призовниками повісток "
    "повістками ухилянтам ухилянтами військкоматі бусифікацію демобілізації військовозобов’язаних "
    "призвали призваних строковиків",
    "ru": "дезертирства дезертиров дезертировал дезертировавших мобилизованным мобилизации "
    "мобилизованы призывников призывнику призывного военкомата военкоматах "
    "уклонистам уклонистов демобилизации военнообязанных срочников бусификации",
}
FRAMES = {
    "en": "They talked about {} today.",
    "uk": "Сьогодні говорили про {} знову.",
    "ru": "Сегодня говорили про {} снова.",
}


@pytest.mark.parametrize(
    ("language", "word"), [(lang, w) for lang, words in INFLECTIONS.items() for w in words.split()]
)
def test_inflected_forms_match(language: str, word: str, topics: CompiledTopics) -> None:
    assert names(FRAMES[language].format(word), topics, language)


@pytest.mark.parametrize(("language", "text", "expected"), CASES, ids=[c[1][:40] for c in CASES])
def test_cases(language: str, text: str, expected: set[str], topics: CompiledTopics) -> None:
    assert names(text, topics, language) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        # A Ukrainian article quoting Russian: each sentence in its own language.
        ("Російські ЗМІ цитують заяву: «Мобилизованных отправили на фронт». Коментарів не було.", "uk"),
        # A wrong hint: the letters of the sentence decide.
        ("Військовий омбудсман заявив про нових мобілізованих у Львові.", "ru"),
        ("Военкомат прислал повестку студенту.", "en"),
        ("Військовий омбудсман заявив про нових мобілізованих.", "uk-UA"),
        # Russian words with no telling letter inside a Ukrainian sentence.
        ("Він процитував пропагандистів: «Мобилизация продолжается, военкомат работает».", "uk"),
        # English in a Cyrillic article.
        ("Західні медіа пишуть про mobilization у Росії.", "uk"),
    ],
)
def test_mixed_and_wrong_language(text: str, hint: str, topics: CompiledTopics) -> None:
    assert names(text, topics, hint) == {C}


def test_abbreviations_are_case_sensitive_and_match_suffixed_forms(topics: CompiledTopics) -> None:
    assert names("Понад 100 СЗЧ-шників повернулися.", topics, "uk") == {D}
    assert names("ТЦКшники знову на вулицях.", topics, "uk") == {C}
    assert names("Понад 100 сзч у районі.", topics, "uk") == set()
    assert names("The minister was awol from the debate.", topics, "en") == set()
    # a Latin C typed for Cyrillic С
    assert names("Справу про CЗЧ передали до суду.", topics, "uk") == {D}
    # "СОЧИ" in a capitals headline is the city, not СОЧ
    assert names("В СОЧИ ОТКРЫЛСЯ ФЕСТИВАЛЬ", topics, "ru") == set()


def test_phrase_words_must_stay_in_order_and_close(topics: CompiledTopics) -> None:
    assert names("Самовільне залишення частини карається законом.", topics, "uk") == {D}
    # in order but too far apart: three words between "залишення" and "частини"
    assert names("Самовільне залишення позицій однієї сусідньої бойової частини.", topics, "uk") == set()
    # out of order
    assert names("Частина залишення самовільне.", topics, "uk") == set()


def test_hit_fields_offsets_and_snippet(topics: CompiledTopics) -> None:
    title = "Deserters return to the front"
    text = "The weather was fine. Courts heard 40 cases of desertion and AWOL in May. Nothing else."
    [hit] = match_topics(title, text, topics, "en")
    assert hit.topic == D
    assert hit.field == "title+body"
    assert hit.keywords == ("Deserters", "desertion", "AWOL")
    assert set(hit.terms) == {"deserter", "desertion", "AWOL"}
    assert hit.count == 3
    assert hit.snippet == "Courts heard 40 cases of desertion and AWOL in May."
    for m in hit.matches:
        source = title if m.field == "title" else text
        assert source[m.start : m.end] == m.surface
    assert hit.score > 0


def test_offsets_survive_normalisation_of_apostrophes_and_yo(topics: CompiledTopics) -> None:
    text = "Суд над ув'язненими: «вербовка осуждённых» идёт. Вербовка заключённых продолжается."
    [hit] = match_topics(None, text, topics, "ru")
    for m in hit.matches:
        assert text[m.start : m.end] == m.surface
    assert "заключённых" in hit.keywords[-1]


def test_phrase_match_spans_the_words_between(topics: CompiledTopics) -> None:
    text = "Йому закидають самовільного залишення військової частини."
    [hit] = match_topics(None, text, topics, "uk")
    assert hit.keywords == ("самовільного залишення військової частини",)
    assert hit.terms == ("самовільне залишення частини",)


def test_hits_follow_topic_order_and_body_snippet_preferred(topics: CompiledTopics) -> None:
    hits = match_topics(
        "Mobilization and desertion", "Desertion grew after mobilization began.", topics, "en"
    )
    assert [h.topic for h in hits] == [D, C]
    assert all(h.snippet == "Desertion grew after mobilization began." for h in hits)


def test_title_only_hit_uses_the_title_as_snippet(topics: CompiledTopics) -> None:
    [hit] = match_topics("Conscription debate resumes", "Lawmakers met on Monday.", topics, "en")
    assert hit.field == "title"
    assert hit.snippet == "Conscription debate resumes"


def test_exclusion_vetoes_only_what_it_overlaps(topics: CompiledTopics) -> None:
    # "повестка дня" vetoes "повестку", not "мобилизации" in the same sentence
    text = "В повестку дня включили законопроект о мобилизации."
    [hit] = match_topics(None, text, topics, "ru")
    assert hit.terms == ("мобилизация",)


def test_seed_article_matches_both_topics(topics: CompiledTopics) -> None:
    title, _, body = (DATA / "seed-article.txt").read_text(encoding="utf-8").partition("\n")
    hits = match_topics(title, body, topics, "en")
    assert [h.topic for h in hits] == [D, C]


def test_specs_can_be_passed_directly() -> None:
    spec = TopicSpec("awol", {"any": ("AWOL",)}, {})
    [hit] = match_topics(None, "He went AWOL.", [spec])
    assert hit.topic == "awol"


# --- configuration --------------------------------------------------------------------------------


def test_topics_from_mapping_builds_specs() -> None:
    [spec] = topics_from_mapping(
        {
            "strikes": {
                "terms": {"en": ["strike", "walkout"], "any": ["ВЛК"]},
                "exclude": {"en": ["lucky strike"]},
            }
        }
    )
    assert spec.name == "strikes"
    assert spec.terms == {"en": ("strike", "walkout"), "any": ("ВЛК",)}
    assert spec.exclusions == {"en": ("lucky strike",)}
    [hit] = match_topics(None, "Dockers went on strike. Workers are striking.", [spec])
    assert hit.count == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "mapping"),
        ({"x": ["a"]}, "'x'"),
        ({"x": {"terms": {}}}, "'x'"),
        ({"x": {"terms": {"de": ["a"]}}}, "terms.de"),
        ({"x": {"terms": {"en": "desertion"}}}, "terms.en"),
        ({"x": {"terms": {"en": ["ok", 3]}}}, "terms.en"),
        ({"x": {"terms": {"en": ["ok"]}, "exclude": {"en": ["--"]}}}, "exclude.en"),
        ({"x": {"terms": {"en": ["ok"]}, "excludes": {}}}, "excludes"),
    ],
)
def test_topics_from_mapping_rejects_bad_shapes(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        topics_from_mapping(data)  # type: ignore[arg-type]


def test_default_topics_are_the_two_topics() -> None:
    assert [s.name for s in load_default_topics()] == [D, C]


# --- hostile input --------------------------------------------------------------------------------


def test_empty_and_none(topics: CompiledTopics) -> None:
    assert match_topics(None, "", topics) == []
    assert match_topics("", "   \n\n  ", topics, "uk") == []
    assert match_topics("AWOL", "", topics) != []


def test_nul_bytes_and_mixed_scripts(topics: CompiledTopics) -> None:
    text = "desertion\x00\x00 ТЦК\x00мобілізація ✓ 中文 العربية desеrtion \u200b AWOL\ufeff"
    hits = match_topics("\x00", text, topics, None)
    assert {h.topic for h in hits} == {D, C}
    for h in hits:
        for m in h.matches:
            assert text[m.start : m.end] == m.surface


@pytest.mark.slow
def test_five_megabytes_do_not_crash(topics: CompiledTopics) -> None:
    sentence = "Армія шукає 100 СЗЧ-шників without punctuation deserted desert "
    text = sentence * (5_000_000 // len(sentence))
    hits = match_topics(None, text, topics, "uk")
    assert {h.topic for h in hits} == {D}
    # no punctuation at all, one long word, and a regex-hostile run of separators
    assert match_topics(None, "а" * 5_000_000, topics) == []
    assert match_topics(None, "1," * 2_000_000 + "x", topics) == []
    assert match_topics(None, "-’" * 2_000_000, topics) == []
