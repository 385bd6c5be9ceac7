"""Relative dates resolved against the article's day: real sentences of the shared data
(Telegram posts of gazeta.uz / podrobno.uz and their Uzbek translations, uznews.uz), one
sentence per case, and the forms that must be left out."""

from __future__ import annotations

from datetime import date

import pytest

from midweek.editorial import relative_date
from midweek.text.dates import day_and_month, resolve_relative_dates

MON_3_APRIL = date(2023, 4, 3)


@pytest.mark.parametrize(
    ("lang", "sentence", "expected"),
    [
        # podrobno.uz (posted on 21 April 2022; dated here as if on 3 April)
        (
            "ru",
            "Сегодня глава государства посетит кластер и фермерское хозяйство.",
            "3 апреля глава государства посетит кластер и фермерское хозяйство.",
        ),
        (
            "ru",
            "Сегодня сервис Yandex Go заработал в Коканде.",
            "3 апреля сервис Yandex Go заработал в Коканде.",
        ),
        # "вчера" is always a day; the part of the day stays ("вчера вечером")
        (
            "ru",
            "Вчера вечером в Ташкенте прошёл дождь.",
            "2 апреля вечером в Ташкенте прошёл дождь.",
        ),
        # after a preposition the genitive date still fits: "на завтра" → "на 4 апреля"
        ("ru", "Заседание перенесли на завтра.", "Заседание перенесли на 4 апреля."),
        # Uzbek: the ordinal date, with the case ending the word had
        (
            "uz-Latn",
            "Bugun ijtimoiy tarmoqlarda Toshkentda uch farzandli ona to'qqiz qavatli uydan "
            "tashlab ketilgani haqida xabar tarqaldi.",
            "3-aprel ijtimoiy tarmoqlarda Toshkentda uch farzandli ona to'qqiz qavatli uydan "
            "tashlab ketilgani haqida xabar tarqaldi.",
        ),
        (
            "uz-Latn",
            "Kechagi yig'ilishda qaror qabul qilindi.",
            "2-apreldagi yig'ilishda qaror qabul qilindi.",
        ),
        # uznews.uz (a forecast of its day)
        (
            "uz-Cyrl",
            "Пойтахтда бугун ва дам олиш кунлари ёғингарчилик кузатилмайди.",
            "Пойтахтда 3-апрель ва дам олиш кунлари ёғингарчилик кузатилмайди.",
        ),
        # English: "on <day> <month>", without "on" after a preposition
        (
            "en",
            "The central bank raised its key interest rate again today.",
            "The central bank raised its key interest rate again on 3 April.",
        ),
        ("en", "Today, the minister resigned.", "On 3 April, the minister resigned."),
        ("en", "The talks will continue until tomorrow.", "The talks will continue until 4 April."),
    ],
)
def test_relative_words_resolved(lang: str, sentence: str, expected: str) -> None:
    assert relative_date(sentence, lang) is not None  # the checker flags the original
    resolved = resolve_relative_dates(sentence, MON_3_APRIL, lang)
    assert resolved == expected
    assert relative_date(resolved, lang) is None  # ... and passes what replaces it


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        # "nowadays", not a day (gazeta.uz posts): no event verb beside "сегодня"
        (
            "ru",
            "Сегодня ежегодная потребность в картофеле в Узбекистане составляет почти 4 "
            "миллиона тонн.",
        ),
        ("uz-Latn", "Bugungi kunda bizning temir yo'l stantsiyalarimiz bir-biriga juda o'xshash."),
        # an adjective form has no safe replacement
        ("ru", "На сегодняшний день выполнено уже больше 15 авиарейсов."),
        ("en", "Tonight's match was cancelled."),
        # a speaker's words are not rewritten
        (
            "ru",
            "«На сегодня ни в одной стране мира не существует технологий, которые могли бы "
            "спрогнозировать дату землетрясения», — подчеркнули в МЧС.",
        ),
    ],
)
def test_unsafe_forms_are_left_out(lang: str, sentence: str) -> None:
    assert resolve_relative_dates(sentence, MON_3_APRIL, lang) is None


def test_no_date_no_language_and_nothing_to_do() -> None:
    sentence = "Вчера вечером в Ташкенте прошёл дождь."
    assert resolve_relative_dates(sentence, None, "ru") is None
    assert resolve_relative_dates(sentence, MON_3_APRIL, "de") is None
    assert resolve_relative_dates("Дождь прошёл.", MON_3_APRIL, "de") == "Дождь прошёл."
    assert resolve_relative_dates("Kecha-kunduz ishlaydi.", MON_3_APRIL, "uz") == (
        "Kecha-kunduz ishlaydi."
    )
    dated = "Бугун, 7 ноябрь куни Буюк Британия санкциялар рўйхатини янгилади."
    assert resolve_relative_dates(dated, MON_3_APRIL, "uz-Cyrl") == dated
    assert day_and_month(date(2023, 12, 31), "ru") == "31 декабря"
    assert day_and_month(date(2023, 12, 31), "uz-Latn") == "31-dekabr"
    assert day_and_month(date(2023, 12, 31), "en") == "31 December"


@pytest.mark.parametrize(
    ("lang", "sentence", "expected"),
    [
        # podrobno.uz (W2, posted the day after the meeting) and its Uzbek translation
        (
            "ru",
            "Об этом накануне рассказал Шавкат Мирзиёев в ходе встречи с членами "
            "Конституционной комиссии.",
            "Об этом 2 апреля рассказал Шавкат Мирзиёев в ходе встречи с членами "
            "Конституционной комиссии.",
        ),
        (
            "uz-Latn",
            "Shavkat Mirziyoyev bu haqda bir kun oldin Konstitutsiyaviy komissiya a'zolari "
            "bilan uchrashuvda ma'lum qildi.",
            "Shavkat Mirziyoyev bu haqda 2-aprel kuni Konstitutsiyaviy komissiya a'zolari "
            "bilan uchrashuvda ma'lum qildi.",
        ),
        (
            "uz-Cyrl",
            "Шавкат Мирзиёев бу ҳақда бир кун олдин Конституциявий комиссия аъзолари билан "
            "учрашувда маълум қилди.",
            "Шавкат Мирзиёев бу ҳақда 2-апрель куни Конституциявий комиссия аъзолари билан "
            "учрашувда маълум қилди.",
        ),
        # "накануне" before a verb, a part of the day, at the clause's end
        (
            "ru",
            "Накануне вечером в ряде популярных Телеграм-каналов появились ролики.",
            "2 апреля вечером в ряде популярных Телеграм-каналов появились ролики.",
        ),
        (
            "ru",
            "По делу о событиях в Нукусе продолжаются прения, начавшиеся накануне.",
            "По делу о событиях в Нукусе продолжаются прения, начавшиеся 2 апреля.",
        ),
        ("uz-Latn", "Ikki kun oldin sel keldi.", "1-aprel kuni sel keldi."),
    ],
)
def test_a_day_before_is_resolved(lang: str, sentence: str, expected: str) -> None:
    assert relative_date(sentence, lang) is not None  # the checker flags the original
    resolved = resolve_relative_dates(sentence, MON_3_APRIL, lang)
    assert resolved == expected
    assert relative_date(resolved, lang) is None


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        # a preposition: "on the eve of" an event, no date of its own (gazeta.uz posts)
        ("ru", "Накануне визита президента в Ферганскую область фермер обратился к хокиму."),
        ("ru", "Накануне Дня памяти и почестей компания поздравила ветеранов."),
        # days counted from an event the sentence names, not from the article's day
        ("uz-Latn", "Siyosatchi parlament saylovlaridan ikki kun oldin mitingda otib tashlangan."),
    ],
)
def test_a_day_before_something_else_is_no_relative_date(lang: str, sentence: str) -> None:
    assert relative_date(sentence, lang) is None
    assert resolve_relative_dates(sentence, MON_3_APRIL, lang) == sentence


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("uz-Latn", "Bir necha kun oldin o'zbek eksportchilari gilos eksport qila boshladi."),
        ("ru", "На днях в социальных сетях появилось видео, где водитель нарушает правила."),
        ("ru", "«Мы говорили об этом накануне», — сказал министр."),
    ],
)
def test_some_days_before_names_no_day_and_is_left_out(lang: str, sentence: str) -> None:
    assert relative_date(sentence, lang) is not None
    assert resolve_relative_dates(sentence, MON_3_APRIL, lang) is None
