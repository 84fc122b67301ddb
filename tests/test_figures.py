"""find_figures: number forms, qualifiers, non-figures, context (labelling guide §2) and hostile input."""

from __future__ import annotations

import pytest

from monitor.eval.figures import load_examples, score_example
from monitor.figures import find_figures
from monitor.text import normalize
from monitor.types import Hit, Qualifier, TermMatch
from tests.conftest import DATA

EXAMPLES = load_examples(DATA / "labels")


def values(text: str, lang: str | None) -> list[tuple[int | None, int | None, int | None, str]]:
    return [(f.value, f.low, f.high, str(f.qualifier)) for f in find_figures(text, lang)]


def only(text: str, lang: str | None):
    figures = find_figures(text, lang)
    assert len(figures) == 1, figures
    return figures[0]


# ------------------------------------------------------------------------------------ labelled examples


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_labelled_example(example: dict) -> None:
    predicted = find_figures(example["sentence_or_paragraph"], example["lang"])
    counts = score_example(example, predicted)
    shown = [(f.value, f.low, f.high, str(f.qualifier), f.counted) for f in predicted]
    assert counts.matched == counts.gold, shown
    assert counts.strict == counts.gold, shown
    assert counts.predicted == counts.gold, shown
    assert counts.not_figures == 0, shown
    for figure in predicted:
        assert figure.sentence in example["sentence_or_paragraph"]


# ------------------------------------------------------------------------------------ number forms

NUMBER_FORMS = [
    ("en", "Prosecutors opened 21,600 cases.", 21600),
    ("en", "Prosecutors opened 21 600 cases.", 21600),
    ("en", "Prosecutors opened 21\u00a0600 cases.", 21600),
    ("en", "Prosecutors opened 21\u2009600 cases.", 21600),
    ("en", "Prosecutors opened 21\u202f600 cases.", 21600),
    ("uk", "Відкрито 21.600 справ.", 21600),
    ("uk", "Відкрито 21,6 тис. справ.", 21600),
    ("en", "The figure reached 21.6 thousand cases.", 21600),
    ("en", "Over 1.5 million men updated their data.", 1500000),
    ("uk", "Вилучили 1,5 млн гривень.", 1500000),
    ("ru", "Около 30 тыс. человек подписали контракт.", 30000),
    ("en", "The unit lost 11k soldiers.", 11000),
    ("en", "The fund paid $2bn to families.", 2000000000),
    ("en", "Eleven thousand conscripts were called up.", 11000),
    ("en", "A hundred and sixty thousand men were mobilized.", 160000),
    ("en", "Twenty-one soldiers were detained.", 21),
    ("en", "Half a million men left the country.", 500000),
    ("uk", "Одинадцять тисяч засуджених підписали контракти.", 11000),
    ("uk", "Двадцять одна тисяча військових повернулася.", 21000),
    ("uk", "Понад ста шістдесяти тисяч чоловіків бракує.", 160000),
    ("uk", "Понад п'ятсот чоловіків затримали.", 500),
    ("uk", "Двоє військових загинули.", 2),
    ("uk", "Суд оштрафував його на тисячу гривень.", 1000),
    ("ru", "Тридцать тысяч человек призваны.", 30000),
    ("ru", "Не хватает тридцати тысяч военных.", 30000),
    ("ru", "Два миллиона рублей выплатили семье.", 2000000),
    ("ru", "Полторы тысячи человек уехали.", 1500),
    ("ru", "Более полутора миллионов рублей выплачивают в Москве.", 1500000),
    ("ru", "Еще около двухсот человек находятся под следствием.", 200),
    ("en", "Some 12% of conscripts refused.", 12),
    ("uk", "Не менше 70 відсотків справ закривають.", 70),
    ("en", "A court fined a man 25,500 hryvnias.", 25500),
]


@pytest.mark.parametrize(("lang", "text", "value"), NUMBER_FORMS)
def test_number_forms(lang: str, text: str, value: int) -> None:
    assert only(text, lang).value == value


@pytest.mark.parametrize(
    ("lang", "text", "low", "high"),
    [
        ("uk", "Штраф становить від 17 000 до 25 500 гривень.", 17000, 25500),
        ("ru", "Штрафы составят от 10 до 30 тысяч рублей.", 10000, 30000),
        ("uk", "Щомісяця мобілізують 25–30 тис. осіб до ЗСУ.", 25000, 30000),
        ("en", "Each convict is paid 200,000-250,000 rubles a month.", 200000, 250000),
        ("en", "Between 15,000 and 20,000 men fled.", 15000, 20000),
        ("en", "They recruit 450,000 to 500,000 more troops.", 450000, 500000),
        ("ru", "Выплаты выросли до 2–2,5 млн рублей.", 2000000, 2500000),
    ],
)
def test_ranges_share_the_multiplier(lang: str, text: str, low: int, high: int) -> None:
    figure = only(text, lang)
    assert (figure.value, figure.low, figure.high, figure.qualifier) == (low, low, high, Qualifier.RANGE)


def test_change_from_to_is_two_exact_figures() -> None:
    assert values("Desertions rose from 7,000 to 25,000 last year.", "en") == [
        (7000, None, None, "exact"),
        (25000, None, None, "exact"),
    ]
    assert values("Штрафы для уклонистов выросли с 3 тыс. до 30 тыс. рублей.", "ru") == [
        (3000, None, None, "exact"),
        (30000, None, None, "exact"),
    ]


# ------------------------------------------------------------------------------------ qualifiers

QUALIFIERS = [
    ("en", "About 300 men were detained.", "approx"),
    ("en", "Approximately 300 men were detained.", "approx"),
    ("en", "An estimated 300 men were detained.", "approx"),
    ("en", "More than 300 men were detained.", "over"),
    ("en", "The total exceeded 300 cases.", "over"),
    ("en", "Fewer than 300 men showed up.", "under"),
    ("en", "Almost 300 men showed up.", "under"),
    ("en", "Up to 300 men desert each week.", "up_to"),
    ("en", "As many as 300 men deserted.", "up_to"),
    ("en", "No more than 300 men deserted.", "up_to"),
    ("en", "At least 300 men deserted.", "at_least"),
    ("en", "A minimum of 300 men deserted.", "at_least"),
    ("en", "The number of cases reached 300 in June.", "exact"),
    ("uk", "Близько 300 чоловіків затримали.", "approx"),
    ("uk", "Понад 300 чоловіків затримали.", "over"),
    ("uk", "Більше ніж 300 чоловіків затримали.", "over"),
    ("uk", "Кількість справ перевищила 300 тисяч.", "over"),
    ("uk", "Менше ніж 300 чоловіків прийшли.", "under"),
    ("uk", "Майже 300 чоловіків прийшли.", "under"),
    ("uk", "Щомісяця до 300 бійців йдуть у СЗЧ.", "up_to"),
    ("uk", "Не більше 300 бійців повернулися.", "up_to"),
    ("uk", "Щонайменше 300 ухилянтів затримали.", "at_least"),
    ("uk", "Не менше ніж 300 ухилянтів затримали.", "at_least"),
    ("uk", "Як мінімум 300 ухилянтів затримали.", "at_least"),
    ("uk", "Кількість справ зросла до 1 900.", "exact"),
    ("uk", "Особовий склад скоротився до 2,4 тис.", "exact"),
    ("uk", "Більше тисячі чоловіків отримали повістки.", "over"),
    ("ru", "Около 300 человек задержали.", "approx"),
    ("ru", "Примерно 300 человек задержали.", "approx"),
    ("ru", "Порядка 300 человек задержали.", "approx"),
    ("ru", "Более 300 человек задержали.", "over"),
    ("ru", "Свыше 300 человек задержали.", "over"),
    ("ru", "Число дел превысило 300.", "over"),
    ("ru", "Менее 300 человек пришли.", "under"),
    ("ru", "Почти 300 человек пришли.", "under"),
    ("ru", "Армия теряет до 300 военных в месяц.", "up_to"),
    ("ru", "Не более 300 человек вернулись.", "up_to"),
    ("ru", "Не менее 300 человек задержали.", "at_least"),
    ("ru", "По меньшей мере 300 человек задержали.", "at_least"),
    ("ru", "Число приговоров выросло до 640.", "exact"),
    ("ru", "Около тысячи человек уехали.", "approx"),
]


@pytest.mark.parametrize(("lang", "text", "qualifier"), QUALIFIERS)
def test_qualifiers(lang: str, text: str, qualifier: str) -> None:
    assert only(text, lang).qualifier == qualifier


@pytest.mark.parametrize(
    ("lang", "text", "count"),
    [
        ("en", "Thousands of men fled, and hundreds more hid.", 2),
        ("en", "Tens of thousands of soldiers are missing.", 1),
        ("en", "Dozens of draft dodgers were caught.", 1),
        ("en", "Several thousand convicts signed contracts.", 1),
        ("uk", "Тисячі чоловіків переховуються, десятки тисяч виїхали.", 2),
        ("uk", "Кілька тисяч чоловіків отримали повістки.", 1),
        ("ru", "Тысячи мобилизованных остаются на фронте, а сотни родственников вышли на пикеты.", 2),
        ("ru", "Несколько тысяч человек уехали.", 1),
    ],
)
def test_vague_quantities_have_no_value(lang: str, text: str, count: int) -> None:
    assert values(text, lang) == [(None, None, None, "vague")] * count


# ------------------------------------------------------------------------------------ not figures

NOT_FIGURES = [
    ("en", "Under Article 407 of the Criminal Code, a soldier who leaves his unit for more than three days "
     "faces up to five years in prison."),
    ("en", "The 47th Mechanised Brigade was formed in 2022; its 25-year-old commander spoke on 3 March."),
    ("en", "The 68-page report is available from the hotline at 0 800 500 410."),
    ("en", "His detention was extended for 90 days."),
    ("en", "Men aged 18 to 60 cannot leave the country."),
    ("en", "Men between 25 and 60 can be mobilized."),
    ("en", "The draft age was lowered from 27 to 25."),
    ("en", "Articles 336 and 337 apply, and Part 5 of Article 407 too."),
    ("en", "The meeting started at 10:30 and ended at 3 p.m. on December 18, 2023."),
    ("en", "Call +380 44 123 45 67 or see page 12."),
    ("en", "The F-16 and Su-34 jets flew over the 3rd Assault Brigade."),
    ("en", "He served 2 years and 3 months."),
    ("en", "The law No. 3633 entered into force in May 2024."),
    ("en", "Since the 2022 invasion the rules changed."),
    ("en", "Visit example.com/2024/05/report-123 for details."),
    ("uk", "Згідно з частиною 5 статті 407 Кримінального кодексу, за СЗЧ загрожує від п’яти до десяти років "
     "позбавлення волі."),
    ("uk", "24 лютого 2022 року 45-річний чоловік пішов добровольцем."),
    ("uk", "У 2024-му бригада відзначила річницю."),
    ("uk", "Він перебував у СЗЧ 120 днів, а суд дав йому 5 років."),
    ("uk", "Закон №3633-IX набув чинності 18 травня."),
    ("uk", "Чоловіки віком від 18 до 60 років не можуть виїхати."),
    ("uk", "Справу розглядають за ч. 4 ст. 408 КК України."),
    ("uk", "Для них діє програма «Контракт 18-24»."),
    ("ru", "Статья 338 УК РФ («Дезертирство») предусматривает до семи лет лишения свободы; 19-летнего "
     "призывника задержали 5 мая 2024 года."),
    ("ru", "В 3-й мотострелковой дивизии прошли учения."),
    ("ru", "Военкомат работает с 9:00 до 18:00, телефон 8 (495) 777-77-77."),
    ("ru", "Он провел в части двое суток."),
    ("ru", "Выплаты выросли в 2,5 раза."),
    ("ru", "Статьи 337 и 338 УК РФ применяются чаще."),
    ("ru", "С 1 января 2024 года призывной возраст поднят до 30 лет."),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text"), NOT_FIGURES)
def test_not_figures(lang: str, text: str) -> None:
    assert find_figures(text, lang) == []


def test_a_year_is_the_period_not_a_figure() -> None:
    figure = only("У 2024-му бригада отримала 300 новобранців.", "uk")
    assert (figure.value, figure.period) == (300, "2024")
    figure = only("In 2023, over 15,000 cases were opened.", "en")
    assert (figure.value, figure.qualifier, figure.period) == (15000, Qualifier.OVER, "2023")


# ------------------------------------------------------------------------------------ context

CONTEXT = [
    # text, lang, counted, period, rate, attributed_to
    ("Up to 30,000 soldiers abandon their units each month, General Valery Gerasimov claimed in December.",
     "en", "soldiers", None, "per month", "Valery Gerasimov"),
    ("Nearly 20,000 soldiers have returned, Defence Minister Rustem Umerov said.",
     "en", "soldiers", None, None, "Rustem Umerov"),
    ("According to the Prosecutor General's Office, 21,600 criminal cases were opened in October.",
     "en", "criminal cases", "October", None, "Prosecutor General’s Office"),
    ("Around 1,000 men a day are being mobilized, according to a source in the General Staff.",
     "en", "men", None, "per day", "a source in the General Staff"),
    ("As many as 600 inmates joined the army, the rights group Russia Behind Bars said.",
     "en", "inmates", None, None, "Russia Behind Bars"),
    ("За даними Офісу генпрокурора, у жовтні відкрито 21,6 тис. кримінальних проваджень.",
     "uk", "кримінальних проваджень", "у жовтні", None, "Офісу генпрокурора"),
    ("Від початку року зареєстровано понад 180 тис. справ про СЗЧ, повідомив депутат Олексій Гончаренко.",
     "uk", "справ про СЗЧ", "Від початку року", None, "Олексій Гончаренко"),
    ("Щомісяця близько 30 тисяч чоловіків отримують повістки, підрахували журналісти.",
     "uk", "чоловіків", None, "щомісяця", "журналісти"),
    ("Около 30 тыс. человек подписали контракт в январе, заявил зампред Совбеза Дмитрий Медведев.",
     "ru", "человек", "в январе", None, "Дмитрий Медведев"),
    ("Порядка 100 тыс. заключенных завербовала группа Вагнера, по данным Ольги Романовой.",
     "ru", "заключенных", None, None, "Ольги Романовой"),
    ("Ежедневно в военкоматы приходят около 1,6 тыс. добровольцев, сообщил мэр Сергей Собянин.",
     "ru", "добровольцев", None, "ежедневно", "Сергей Собянин"),
    ("С начала года суды вынесли более 4 тысяч приговоров, подсчитала «Медиазона».",
     "ru", "приговоров", "С начала года", None, "Медиазона"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "lang", "counted", "period", "rate", "source"), CONTEXT)
def test_context(text: str, lang: str, counted: str, period, rate, source) -> None:
    figure = only(text, lang)
    assert (figure.counted, figure.period, figure.rate, figure.attributed_to) == (
        counted,
        period,
        rate,
        source,
    )


@pytest.mark.parametrize(
    ("lang", "counted", "lemma"),
    [
        ("en", "criminal cases", "criminal case"),
        ("en", "men", "man"),
        ("uk", "кримінальних проваджень", "кримінальне провадження"),
        ("uk", "чоловіків призовного віку", "чоловік призовного віку"),
        ("ru", "уголовных дел", "уголовное дело"),
        ("ru", "случаев СОЧ", "случай СОЧ"),
    ],
)
def test_counted_lemma_groups_inflected_forms(lang: str, counted: str, lemma: str) -> None:
    text = {
        "en": f"They counted 500 {counted}.",
        "uk": f"Зафіксовано 500 {counted}.",
        "ru": f"Возбуждено 500 {counted}.",
    }
    assert only(text[lang], lang).counted_lemma == lemma


def test_offsets_point_at_the_number_phrase() -> None:
    text = "First sentence here. Officials said 1,5 млн гривень were seized."
    figure = only(text, "en")
    assert text[figure.start : figure.end] == "1,5 млн"
    assert figure.sentence == "Officials said 1,5 млн гривень were seized."


def test_pronoun_and_surname_attribution_come_from_earlier_sentences() -> None:
    text = (
        "Die Welt correspondent Christoph Vanner wrote about the army. "
        "According to Vanner, 21,600 soldiers deserted in October alone. "
        "General Valery Gerasimov spoke on Monday. He further claimed that over 160,000 cases had been opened."
    )
    first, second = find_figures(text, "en")
    assert first.attributed_to == "Christoph Vanner"
    assert second.attributed_to == "Valery Gerasimov"


@pytest.mark.parametrize(
    ("lang", "text", "source"),
    [
        ("uk", "У жовтні відкрито 21 600 проваджень. Про це повідомили в Офісі генпрокурора.", "Офісі генпрокурора"),
        ("ru", "В январе контракт подписали 30 тыс. человек. Об этом сообщил Дмитрий Медведев.", "Дмитрий Медведев"),
        ("uk", "Понад 300 ухилянтів затримали, повідомляє Укрінформ з посиланням на ДПСУ.", "ДПСУ"),
        ("ru", "Суды рассмотрели более 7 тысяч дел о СОЧ, подсчитало издание «Медиазона».", "Медиазона"),
        ("en", "Up to 100,000 prisoners were recruited, the group's founder, Yevgeny Prigozhin, claimed.", "Yevgeny Prigozhin"),
        ("en", "An estimated 20,000 recruits are former prisoners, analysts say.", "analysts"),
    ],
)  # fmt: skip
def test_more_attribution_forms(lang: str, text: str, source: str) -> None:
    assert find_figures(text, lang)[0].attributed_to == source


def test_a_headline_line_does_not_borrow_the_next_lines_source() -> None:
    text = "У жовтні зафіксували понад 21 тисячу випадків СЗЧ\n7 листопада 2025\nЗа даними Офісу генпрокурора, відкрито 21 602 провадження."
    headline, body = find_figures(text, "uk")
    assert (headline.value, headline.qualifier, headline.attributed_to) == (21000, Qualifier.OVER, None)
    assert (body.value, body.attributed_to) == (21602, "Офісу генпрокурора")


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("ru", "Он получил 5 лет по ст.ст. 337, 338 УК РФ. Ему выплатили 300 рублей.", [300]),
        ("uk", "Бійці 47 ОМБр затримали 12 ухилянтів.", [12]),
        ("uk", "93 окрема механізована бригада втратила 300 бійців.", [300]),
        ("uk", "Створено 47 бригад.", [47]),
        ("en", "An estimated 20 percent to 30 percent of recruits are former prisoners.", [20]),
        ("ru", "Материал 18+. Выплаты составили 195 тыс. рублей.", [195000]),
        ("en", "Two soldiers, 25 and 31, were detained.", [2]),
        ("en", "Of the 1,200 men, 400, or a third, returned.", [1200, 400]),
    ],
)
def test_unit_numbers_split_references_and_ratings(lang: str, text: str, expected: list[int]) -> None:
    assert [f.value for f in find_figures(text, lang)] == expected


def test_topic_comes_from_hits_in_the_same_or_a_neighbouring_sentence() -> None:
    text = "Desertion is rising. Officials counted 5,000 cases. The weather was fine. Rain fell on 300 towns."
    start = text.index("Desertion")
    hit = Hit(
        topic="desertion",
        keywords=("Desertion",),
        terms=("desertion",),
        field="body",
        count=1,
        snippet="Desertion is rising.",
        score=1.0,
        matches=(TermMatch("desertion", "Desertion", "body", start, start + 9),),
    )
    near, far = find_figures(text, "en", [hit])
    assert (near.value, near.topic) == (5000, "desertion")
    assert (far.value, far.topic) == (300, None)


# ------------------------------------------------------------------------------------ seed article


@pytest.fixture(scope="module")
def seed_figures():
    body = (DATA / "seed-article.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    return body, find_figures(body, "en")


def test_seed_core_figures(seed_figures) -> None:
    _, figures = seed_figures
    by_value = {f.value: f for f in figures if f.value is not None}
    expected = {
        11000: ("approx", "prisoners", "start of 2024", None, "unnamed source"),
        30000: ("up_to", "soldiers", None, "per month", "Valery Gerasimov"),
        160000: ("over", "criminal cases", None, None, "Valery Gerasimov"),
        21600: ("exact", "soldiers", "October", None, "Christoph Vanner"),
        180000: ("over", "deserters", "since the beginning of the year", None, "Christoph Vanner"),
    }
    assert set(by_value) == set(expected)
    for value, (qualifier, counted, period, rate, source) in expected.items():
        f = by_value[value]
        assert (str(f.qualifier), f.counted, f.period, f.rate) == (qualifier, counted, period, rate), f
        assert source in (f.attributed_to or ""), f
    assert "RIA" in by_value[11000].attributed_to


def test_seed_vague_figures_and_no_dates(seed_figures) -> None:
    body, figures = seed_figures
    vague = [f for f in figures if f.value is None]
    assert all(f.qualifier == Qualifier.VAGUE for f in vague)
    assert "convicts" in [f.counted for f in vague]
    assert "personnel" in [f.counted for f in vague]
    surfaces = {body[f.start : f.end] for f in figures}
    assert not surfaces & {"2024", "2023", "18", "9", "December 18", "November 9"}


# ------------------------------------------------------------------------------------ hostile input


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9" * 10_000,
        "Soldiers: " + "9" * 10_000 + " men deserted.",
        ",".join(str(i % 10) for i in range(200_000)) + ",…",
        "\x00" * 1000 + "About 5,000 men\x00 deserted.\x00",
        "Тисячі soldiers 5 тис. men and сто шістдесят thousand, 1,5 млн $ and тысяча rubles. " * 200,
        "-".join(["12"] * 50_000),
        "word " * 200_000,
        "один два три four five " * 20_000,
        "\u202f\u00a0\u2009" * 10_000 + "1" + "\u00a0000" * 3000,
    ],
    ids=["empty", "10k digits", "10k digits in text", "digit list", "NUL bytes", "mixed scripts", "dashes",
         "no punctuation", "number words", "separators"],
)  # fmt: skip
def test_hostile_input_does_not_crash(text: str) -> None:
    figures = find_figures(text, None)
    for f in figures:
        assert 0 <= f.start <= f.end <= len(text)
        assert f.value is None or f.value < 10**16


def test_five_megabytes_of_text() -> None:
    paragraph = (
        "Ukrainian prosecutors opened 21,600 criminal cases for desertion in October alone, according to the "
        "Prosecutor General's Office. The weather in Kyiv was mild and the markets were calm that week. "
    )
    text = (paragraph * (5_000_000 // len(paragraph) + 1))[:5_000_000]
    figures = find_figures(text, "en")
    assert len(figures) == text.count("21,600")
    assert all(f.value == 21600 for f in figures)


def test_normalised_apostrophes_and_yo_are_read() -> None:
    assert only("Понад п’ятсот чоловіків затримали.", "uk").value == 500
    assert only("Двое мобилизованных задержаны, ещё трое — в розыске.", "ru").value == 2
    assert normalize("п'ять") == "п’ять"


# ------------------------------------------------------------------------------------ rule classes (whole articles)
# Each class below was found on whole articles; the sentences here are worded differently on purpose.

DURATIONS_AND_REFERENCES = [
    # a time unit as the counted noun, in every case form, is a duration
    ("ru", "Военный суд приговорил контрактника к шести годам колонии общего режима."),
    ("ru", "Суд назначил ему два с половиной года колонии-поселения."),
    ("ru", "Повестка считается полученной спустя семь суток, а прийти нужно в течение десяти дней."),
    ("ru", "Обучение новобранцев длится всего 30 дней."),
    ("uk", "Суд призначив йому покарання у вигляді чотирьох років позбавлення волі."),
    ("uk", "Навчання новобранців триває лише 30 днів, а оновити дані треба протягом 60 календарних днів."),
    ("uk", "Військового засудили до двох з половиною років ув’язнення."),
    ("en", "Recruits now train for just 30 days and must report within seven days."),
    ("en", "He was jailed for five and a half years."),
    # law references in brackets and short forms
    ("uk", "Кількість справ про дезертирство (стаття 408 ККУ) зросла, як і за (ч. 2 ст. 336)."),
    ("ru", "Дела о неявке (ч. 2 ст. 338 УК) рассматривают редко (статья 339)."),
    ("en", "Cases under desertion law (Article 408) are rare."),
    # "N or more" as a legal criterion
    ("en", "Fathers of three or more children are exempt from the draft."),
    ("ru", "Отсрочку получают отцы трех и более детей."),
    ("uk", "Відстрочку мають батьки трьох і більше дітей."),
    # ages after a verb of change, far from the word "age"
    ("en", "The minimum age for mobilisation was reduced this spring from 27 to 25."),
    ("uk", "Граничний вік перебування на службі минулого року підвищили з 60 до 65."),
    ("ru", "Предельный возраст пребывания в запасе власти подняли с 65 до 70."),
    # hotlines
    ("en", "Relatives can call the hotline: 1545."),
    ("ru", "Телефон горячей линии Минобороны: 122."),
    ("uk", "Гаряча лінія для родин військових: 1512."),
    # year ranges
    ("ru", "С 2014 по 2016 год он служил в Донбассе."),
    ("uk", "З 2015 по 2018 рік він служив у ЗСУ."),
    ("en", "From 2014 through 2016 he served in Donbas."),
    # a number in quotes is a label
    ("en", 'The "25-35" scheme was dropped.'),
    ("uk", 'Програма "18-24" стартувала взимку.'),
    # ... and an age band naming a scheme without quotes
    ("en", "The 18-24 contract scheme was extended."),
    ("uk", "Контракти 18–24 стали популярнішими."),
    ("ru", "Украина расширила контракты 18–24 на новые специальности."),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text"), DURATIONS_AND_REFERENCES)
def test_durations_references_criteria_ages_hotlines_are_not_figures(lang: str, text: str) -> None:
    assert find_figures(text, lang) == []


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # a cardinal with a case ending after a hyphen is a count, an ordinal is not
        ("uk", "Суд відмовив у 12-ти справах, а 47-ї бригади це не стосується.", [(12, None, None, "exact")]),
        ("ru", "Нарушения выявлены в 15-ти военкоматах и в 3-х больницах.",
         [(15, None, None, "exact"), (3, None, None, "exact")]),
        # trillions, also with a shared multiplier
        ("ru", "Военный бюджет превысит 13 трлн рублей.", [(13 * 10**12, None, None, "over")]),
        ("uk", "Видатки на оборону — 2,2 трлн гривень.", [(2_200_000_000_000, None, None, "exact")]),
        ("en", "Washington approved a $1.2 trillion package.", [(1_200_000_000_000, None, None, "exact")]),
        ("ru", "На армию потратят от 3 до 4 трлн рублей.",
         [(3 * 10**12, 3 * 10**12, 4 * 10**12, "range")]),
        # a currency sign on both bounds
        ("en", "Bonuses vary from €2,000 to €3,500.", [(2000, 2000, 3500, "range")]),
        ("en", "Fines run between £300 and £900 per case.", [(300, 300, 900, "range")]),
        ("uk", "Виплата становить від ₴10 000 до ₴20 000.", [(10000, 10000, 20000, "range")]),
        ("uk", "Штраф — від 5 тис. грн до 15 тис. грн.", [(5000, 5000, 15000, "range")]),
        ("en", "The dollar gained 0.5% to $1,200.", [(1200, None, None, "exact")]),
        ("en", "Some 20-30 contracts are signed daily.", [(20, 20, 30, "range")]),
        # several hundred thousand is vague, not 100 000
        ("en", "Several hundred thousand men fled abroad.", [(None, None, None, "vague")]),
        ("uk", "Кілька сотень тисяч чоловіків виїхали.", [(None, None, None, "vague")]),
        ("ru", "Несколько сотен тысяч мужчин уехали.", [(None, None, None, "vague")]),
        # a count of thousands (millions) and the rest
        ("uk", "Суд стягнув із засудженого 8 тис. 400 грн.", [(8400, None, None, "exact")]),
        ("ru", "Долг перед семьей составил 1 млн 300 тыс. рублей.", [(1300000, None, None, "exact")]),
        # halves and the singular "сотня"
        ("uk", "Країну залишили пів мільйона чоловіків.", [(500000, None, None, "exact")]),
        ("ru", "Страну покинули полмиллиона мужчин.", [(500000, None, None, "exact")]),
        ("uk", "Поліція затримала понад сотню ухилянтів.", [(100, None, None, "over")]),
        # a verb of change shares the multiplier of "с 50 до 70 тысяч"
        ("ru", "Зарплату штурмовикам подняли с 50 до 70 тысяч рублей.",
         [(50000, None, None, "exact"), (70000, None, None, "exact")]),
    ],
)  # fmt: skip
def test_case_endings_scales_currency_ranges_and_vague(lang: str, text: str, expected: list) -> None:
    assert values(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text", "qualifier"),
    [
        # a preposition between the hedge and the number
        ("uk", "Кількість скарг зросла майже на 40 %.", "under"),
        ("uk", "Порушення виявили приблизно у 200 випадках.", "approx"),
        ("ru", "Число дел сократилось приблизно на 30 %.", "approx"),
        ("ru", "Нарушения нашли более чем в 60 регионах.", "over"),
        ("en", "The army paid about $4,000 to each family.", "approx"),
        ("en", "Fines of up to UAH 17,000 were imposed.", "up_to"),
        # a verb of change far before "до" in the same clause: "to", exact
        ("ru", "Власти подняли региональную выплату добровольцам до 1 млн рублей.", "exact"),
        ("uk", "Уряд збільшив одноразову виплату родинам загиблих до 15 млн гривень.", "exact"),
        ("uk", "Штраф для ухилянтів зріс у 2 рази — до 34 тис. грн.", "exact"),
        ("ru", "Выплата выросла вдвое, до 1,5 млн рублей.", "exact"),
        # ... but not across a clause boundary
        ("ru", "Выплаты увеличили, и теперь контрактники получают до 200 тысяч рублей.", "up_to"),
        ("uk", "Виплати підвищили, тож тепер військові отримують до 120 тисяч гривень.", "up_to"),
        ("uk", "Кількість скарг зросла, до омбудсмана щомісяця надходить до 900 звернень.", "up_to"),
        ("uk", "Навантаження зросло: щомісяця до 20 тисяч військових залишають частини.", "up_to"),
    ],
)
def test_qualifier_rules_from_whole_articles(lang: str, text: str, qualifier: str) -> None:
    assert only(text, lang).qualifier == qualifier


@pytest.mark.parametrize(
    ("lang", "text", "source"),
    [
        ("uk", "Законопроєкт підготувало Міноборони. Про це повідомив заступник міністра Олег Петренко. "
               "За його словами, звільнити можуть до 100 тисяч військових.", "Олег Петренко"),
        ("ru", "Об этом рассказал глава фонда Иван Петров. По его оценкам, помощь получили около 2 тыс. семей.",
         "Иван Петров"),
        ("uk", "За її словами, борг перед чоловіком становив 50 тисяч гривень.", "її"),
        ("ru", "В Минобороны заявили, что за неделю контракт подписали 5 тысяч человек.", "Минобороны"),
        ("uk", "У Генштабі нагадали, що щомісяця мобілізують близько 30 тисяч осіб.", "Генштабі"),
        ("en", "Bonuses reached 3 million roubles, according to a tally of regional decrees by the news site "
               "Verstka.", "Verstka"),
        ("en", "The centre signs up to 25 recruits a week, its spokesman told reporters.", "its spokesman"),
        ("en", '"Most of them come back," said Ivan Petrenko, a defence lawyer in Lviv. He estimated that about '
               "3,000 soldiers returned.", "Ivan Petrenko"),
        ("ru", "По официальным данным, призвали 134 тысячи человек.", "официальным данным"),
        ("uk", "За неофіційними даними, виїхали понад 600 тисяч чоловіків.", "неофіційними даними"),
        ("ru", "В первом полугодии поступило 7 тысяч дел, следует из данных Судебного департамента.",
         "Судебного департамента"),
        ("uk", "Як повідомили в ДПСУ, за тиждень затримали 300 порушників. З них 40 намагалися перепливти Тису.",
         "ДПСУ"),
        ("en", "Officials later put the total at more than 9,000.", "Officials"),
        ("ru", "Правозащитники «Гражданского контроля» говорят, что к ним обратились 800 призывников.",
         "Гражданского контроля"),
        ("uk", "У жовтні повернулися 20 тисяч військових. Про це заявив міністр оборони Олег Петренко в ефірі "
               "телемарафону.", "Олег Петренко"),
        ("ru", "В сентябре контракт подписали 30 тыс. человек. Об этом сообщает РБК со ссылкой на источники в "
               "Минобороны.", "источники в Минобороны"),
    ],
)  # fmt: skip
def test_attribution_rules_from_whole_articles(lang: str, text: str, source: str) -> None:
    assert source in (find_figures(text, lang)[-1].attributed_to or "")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Fifty-one percent say 2,000 troops are enough."),
        ("en", "How can officials say that 500 recruits are enough?"),
        ("en", "Running the test for two days, we saw a write speed of 2,890 megabytes per second."),
    ],
)
def test_no_attribution_from_polls_questions_or_we(lang: str, text: str) -> None:
    assert all(f.attributed_to is None for f in find_figures(text, lang))
