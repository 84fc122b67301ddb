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

# Rule classes added after the first round of whole-article checks; each with its own wording, in
# every language where the class exists.
CASES_2 = [
    # --- a multi-word exclusion matches every inflection of each of its words
    ("uk", "Сесія почалася з того, що депутати затвердили повістку денну.", set()),
    ("uk", "До повістки денної засідання внесли сім питань.", set()),
    ("uk", "Питання про ремонт доріг вилучили з повісток денних.", set()),
    ("ru", "Из повестки дня исключили вопрос о тарифах.", set()),
    ("ru", "Депутаты спорили о повестках дня всю неделю.", set()),
    ("en", "The ministry mobilised funds for the victims of the floods.", set()),
    # --- a verb in a phrase also matches its participles (the participle is its own lemma)
    ("ru", "Повестка была вручена ему под роспись.", {C}),
    ("ru", "Врученные повестки вернули в военный комиссариат.", {C}),
    ("ru", "Гражданин, самовольно покинувший расположение, задержан.", {D}),
    ("ru", "Полицейские нашли сбежавшего из части солдата.", {D}),
    ("uk", "Мобілізовані кошти громада спрямує на ремонт лікарні.", set()),
    ("uk", "Мобілізовані ресурси області допомогли пережити зиму.", set()),
    # --- numbers and number words do not count as words between the words of a phrase
    ("en", "Russia recruited up to 180,000 prisoners into the army.", {C}),
    ("uk", "Кремль щомісяця вербує до 30 тисяч контрактників.", {C}),
    ("ru", "Минобороны завербовало более 100 тысяч заключенных.", {C}),
    # --- recruitment of convicts and prisoners
    ("en", "Some 170,000 convicted criminals have been recruited to fight, officials say.", {C}),
    ("en", "Thousands of inmates signed up to fight in exchange for a pardon.", {C}),
    ("en", "The ministry is enlisting prisoners from penal colonies.", {C}),
    ("en", "Recruiters visited penal colonies to recruit convicts for Storm Z.", {C}),
    ("uk", "Росія завербувала в колоніях тисячі ув’язнених.", {C}),
    ("uk", "Засуджених, звільнених умовно-достроково для проходження служби, відправили на навчання.", {C}),
    ("uk", "Він подав заяву на УДЗ для проходження військової служби.", {C}),
    ("uk", "Бійці підрозділу «Шторм-Z» відмовилися йти в атаку.", {C}),
    # Ukrainian words with an apostrophe are read with the dictionary's spelling of it (’ vs ')
    ("uk", "В’язні колонії поїхали на фронт ще навесні.", {C}),
    ("uk", "Військовозобов’язаним нагадали про облік.", {C}),
    ("ru", "Вербовка зеков в колониях Свердловской области продолжается.", {C}),
    ("ru", "Около 40 тысяч осужденных набрала ЧВК.", {C}),
    # ...and what is not
    ("en", "Teenagers are recruited by criminal gangs to sell drugs.", set()),
    ("en", "Prisoners signed up for a distance-learning course.", set()),
    ("uk", "Засуджених після звільнення працевлаштовують на заводі.", set()),
    ("ru", "Вербовщики заманивали мигрантов на стройки.", set()),
    ("en", "Several inmates were recruited by a drug cartel while in jail.", set()),
    ("en", "The government launched a prison officer recruitment campaign.", set()),
    ("uk", "Слідчі викрили вербування ув’язнених до терористичних угруповань.", set()),
    ("ru", "Заключенных вербовали в экстремистскую ячейку прямо в колонии.", set()),
    # --- contract soldiers: their recruitment (not the procurement contract)
    ("en", "Regions raised the bonus for contract soldiers again.", {C}),
    ("uk", "Набір контрактників у Росії сповільнився.", {C}),
    ("ru", "Выплаты контрактникам в регионах выросли вдвое.", {C}),
    ("en", "The firm signed a contract with the Defence Ministry to supply drones.", set()),
    ("uk", "Завод уклав контракт із Міноборони на постачання бронежилетів.", set()),
    ("ru", "Завод заключил контракт с Минобороны на поставку касок.", set()),
    ("en", "A contract soldier was sentenced for deserting his post.", {D}),
    # --- other constructions of the guide
    ("en", "Officers handed out draft notices at the market.", {C}),
    ("en", "He was granted an exemption from military service.", {C}),
    ("en", "Soldiers fled their unit near Pokrovsk.", {D}),
    ("en", "Two marines left their positions without permission.", {D}),
    ("en", "Residents fled as the army approached the town.", set()),
    ("uk", "Чоловіка мобілізували навесні.", {C}),
    ("uk", "Він мобілізував волонтерів на прибирання парку.", set()),
    ("uk", "Чоловіка бусифікували просто біля магазину.", {C}),
    ("uk", "Уряд продовжив бронювання працівників енергетики.", {C}),
    ("uk", "Він отримав відстрочку від служби як студент.", {C}),
    ("uk", "Працівники РТЦК та СП перевіряли документи.", {C}),
    ("uk", "Військовий комісар області подав у відставку.", {C}),
    ("uk", "Двоє бійців самовільно покинули позиції.", {D}),
    ("uk", "Він утік з армії через місяць.", {D}),
    ("uk", "Бронювання номерів у готелях подорожчало.", set()),
    ("uk", "Банк надав відстрочку платежу за кредитом.", set()),
    ("ru", "Военком района пообещал проверить жалобу.", {C}),
    ("ru", "Студентов не будут призывать в армию до окончания учебы.", {C}),
    ("ru", "Мужчин мобилизовали осенью 2022 года.", {C}),
    ("ru", "Они мобилизовали волонтеров на уборку парка.", set()),
    ("ru", "Солдат сбежал с фронта и спрятался у родственников.", {D}),
    ("ru", "Трое военных самовольно оставили позиции.", {D}),
    ("ru", "Повестки военкомата приходят теперь через портал.", {C}),
    ("ru", "Водителю пришла повестка из суда по делу о ДТП.", set()),
    ("uk", "Свідкові прийшла повістка з суду.", set()),
    ("uk", "Громадяни призивного віку мають оновити дані.", {C}),
    ("uk", "Вона кинула на нього призивний погляд.", set()),
    ("uk", "Навідник залишив військову частину без дозволу командира.", {D}),
    ("ru", "Сержант покинул часть без разрешения и уехал домой.", {D}),
    ("ru", "Более тысячи добровольцев подписали контракт на участие в СВО.", {C}),
    ("en", "Their head coach admitted the winger had gone AWOL again.", set()),
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


@pytest.mark.parametrize(
    ("language", "text", "expected"), CASES + CASES_2, ids=[c[1][:40] for c in CASES + CASES_2]
)
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
    assert names("Самовільне залишення будинку однієї сусідньої бойової частини.", topics, "uk") == set()
    # out of order
    assert names("Частина залишення самовільне.", topics, "uk") == set()


def test_numbers_between_phrase_words_are_bounded(topics: CompiledTopics) -> None:
    # up to three numbers / number words are skipped on top of the two other words...
    assert names("Officials recruited some 12 thousand prisoners.", topics, "en") == {C}
    assert names("Вони завербували понад 3 тисячі ув’язнених.", topics, "uk") == {C}
    # ...more count as words between
    assert names("Officials recruited 1 2 3 4 5 6 prisoners.", topics, "en") == set()


def test_phrases_are_found_from_their_rarest_word(topics: CompiledTopics) -> None:
    # "be mobilized" is looked up from "mobilized" and matched backwards to "were" / "been"
    [hit] = match_topics(None, "Thousands of men were quickly mobilized in the autumn.", topics, "en")
    assert hit.keywords == ("were quickly mobilized",)
    # a hyphen before the anchor is checked backwards too
    assert names("He received a call-up notice.", topics, "en") == {C}
    assert names("They called up the notice board.", topics, "en") == set()


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
    # numbers between the words of a phrase: the skip per gap is bounded
    assert match_topics(None, "recruited " + "1 " * 2_000_000 + "prisoners", topics) == []
