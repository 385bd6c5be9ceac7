"""The review's frame in its language and script: headings, teasers, title, sentences.

The articles are written for these tests (Russian, Uzbek Latin, Uzbek Cyrillic, German),
in the manner of the outlets' Telegram posts: no titles, as kun.uz and Telegram give none.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import pytest

from midweek.compose import HEADLINE_MAX_CHARS, compose_review, shorten_headline
from midweek.models import Article, Review, Story
from midweek.rank import RankedStory
from midweek.render import REVIEW_JSON_SCHEMA, render_html, render_json, render_markdown
from midweek.text.lang import detect_language
from midweek.text.translit import cyrl_to_latn, latn_to_cyrl, to_uzbek_script

START = datetime(2022, 11, 28, tzinfo=UTC)
END = datetime(2022, 11, 30, 12, tzinfo=UTC)
NOW = datetime(2022, 11, 30, 13, tzinfo=UTC)

RU_GAS = (
    "Президенты Казахстана и России обсудили создание тройственного газового союза с "
    "Узбекистаном. Пресс-секретарь президента уточнил, что речь идёт о поставках газа через "
    "территорию трёх стран."
)
UZ_GAS = (
    "Qozogʻiston va Rossiya prezidentlari Oʻzbekiston bilan uch tomonlama gaz ittifoqi "
    "tuzishni muhokama qildi. Prezident matbuot kotibi gap uch davlat hududi orqali gaz "
    "yetkazib berish haqida ketayotganini aniqlashtirdi."
)
RU_INSPECTOR = (
    "В Ташкенте в результате нападения скончался инспектор профилактики, прибывший по вызову "
    "в одну из махаллей Алмазарского района. Подозреваемый задержан сотрудниками милиции."
)
UZ_INSPECTOR = (
    "Toshkentning Olmazor tumanida chaqiruv boʻyicha kelgan profilaktika inspektori hujum "
    "natijasida vafot etdi. Gumonlanuvchi militsiya xodimlari tomonidan ushlandi."
)
DE_ONLY = (
    "Der Stadtrat von Samarkand hat am Montag neue Regeln für den Busverkehr beschlossen. "
    "Die Fahrpreise steigen ab Januar um zehn Prozent für alle Linien der Stadt."
)


def _article(article_id: int, text: str, lang: str, script: str, outlet: str) -> Article:
    """An untitled post of one outlet."""
    return Article(
        url=f"https://t.me/{outlet}/{article_id}",
        title="",
        text=text,
        published=datetime(2022, 11, 28, 9, article_id, tzinfo=UTC),
        lang=lang,
        script=script,
        outlet=outlet,
        id=article_id,
    )


def _story(key: str, ids: tuple[int, ...], headlines: tuple[tuple[str, str], ...] = ()) -> Story:
    """A story of the given articles and stored headlines (none: untitled posts)."""
    return Story(
        key=key,
        headline=headlines[0][1] if headlines else "",
        article_ids=ids,
        first_seen=START,
        last_seen=END,
        headlines=headlines,
        independent_articles=len(ids),
    )


def _compose(stories: list[Story], articles: list[Article], lang: str, **kw: str) -> Review:
    by_id = {a.id: a for a in articles if a.id is not None}
    ranked = [RankedStory(story=s, score=1.0 - i / 10, parts={}) for i, s in enumerate(stories)]
    return compose_review(
        ranked, by_id, window_start=START, window_end=END, now=NOW, lang=lang, **kw
    )


def _ru_uz_week() -> tuple[list[Story], list[Article]]:
    articles = [
        _article(1, RU_GAS, "ru", "Cyrl", "gazetauz"),
        _article(2, UZ_GAS, "uz", "Latn", "gazetauz-uz"),
        _article(3, RU_INSPECTOR, "ru", "Cyrl", "gazetauz"),
        _article(4, UZ_INSPECTOR, "uz", "Latn", "gazetauz-uz"),
    ]
    return [_story("s-1", (1, 2)), _story("s-2", (3, 4))], articles


def _language(text: str) -> tuple[str | None, str | None]:
    return detect_language(text)


def test_untitled_posts_give_no_empty_heading_or_teaser() -> None:
    stories, articles = _ru_uz_week()
    for lang in ("ru", "uz-Latn", "uz-Cyrl", "en"):
        review = _compose(stories, articles, lang)
        assert len(review.sections) == 2
        assert all(s.heading.strip() for s in review.sections), lang
        assert review.teasers and all(t.strip() for t in review.teasers), lang
        assert all(len(s.heading) <= HEADLINE_MAX_CHARS for s in review.sections)
        assert review.title.strip()
        if lang != "en":  # the top story names the week; en has no English heading
            assert review.title == review.sections[0].heading
        markdown = render_markdown(review)
        assert "\n## \n" not in markdown and "\n- \n" not in markdown


def test_uz_cyrl_review_of_russian_and_uzbek_latin_sources_is_uzbek_cyrillic() -> None:
    stories, articles = _ru_uz_week()
    review = _compose(stories, articles, "uz-Cyrl")
    for section in review.sections:
        assert _language(section.heading) == ("uz", "Cyrl"), section.heading
        assert section.heading_lang == ""
        assert section.sentences
        for sentence in section.sentences:
            assert _language(sentence.text) == ("uz", "Cyrl"), sentence.text
            assert sentence.lang == ""
    assert _language(review.title) == ("uz", "Cyrl")
    assert "Ўзбекистон" in review.sections[0].sentences[0].text


def test_uz_latn_review_of_ru_uz_sources_has_uzbek_headings_not_russian() -> None:
    stories, articles = _ru_uz_week()
    # the store holds a Russian headline and an Uzbek Cyrillic one for the first story
    titled = _story(
        "s-1",
        (1, 2),
        (
            ("ru", "Токаев и Путин обсудили газовый союз"),
            ("uz-Cyrl", "Тоқаев ва Путин газ иттифоқини муҳокама қилди"),
        ),
    )
    review = _compose([titled, stories[1]], articles, "uz-Latn")
    assert review.sections[0].heading == "Toqayev va Putin gaz ittifoqini muhokama qildi"
    for section in review.sections:
        assert _language(section.heading) == ("uz", "Latn"), section.heading
        assert section.heading_lang == ""
    assert review.teasers[0] == review.sections[0].heading
    ru = _compose([titled, stories[1]], articles, "ru")
    assert ru.sections[0].heading == "Токаев и Путин обсудили газовый союз"
    assert _language(ru.sections[1].heading)[0] == "ru"


def test_story_without_uzbek_in_uz_cyrl_is_a_marked_quotation() -> None:
    articles = [_article(1, RU_GAS, "ru", "Cyrl", "gazetauz")]
    review = _compose([_story("s-1", (1,))], articles, "uz-Cyrl")
    (section,) = review.sections
    assert section.heading and section.heading_lang == "ru"
    assert all(s.lang == "ru" for s in section.sentences)
    markdown = render_markdown(review)
    assert "_(ru)_" in markdown and "“Президенты" in markdown
    html = render_html(review)
    assert '<q lang="ru">' in html and '<h2 lang="ru">' in html
    document = json.loads(render_json(review))
    assert document["sections"][0]["heading_lang"] == "ru"
    assert {x["lang"] for x in document["sections"][0]["sentences"]} == {"ru"}
    validator = jsonschema.Draft202012Validator(REVIEW_JSON_SCHEMA)
    validator.validate(document)  # the marks are part of the schema
    assert not validator.is_valid(
        dict(document, sections=[dict(document["sections"][0], heading_lang="")])
    )
    # the title is not a foreign heading: the dated default stands in
    assert review.title.startswith("Ҳафта шарҳи")


def test_source_in_a_language_the_review_does_not_know() -> None:
    articles = [_article(9, DE_ONLY, "de", "Latn", "dpa"), *_ru_uz_week()[1][:2]]
    review = _compose([_story("s-9", (9,)), _story("s-1", (1, 2))], articles, "uz-Latn")
    german = review.sections[0]
    assert german.heading.startswith("Der Stadtrat") and german.heading_lang == "de"
    assert all(s.lang == "de" for s in german.sentences)
    assert review.title == review.sections[1].heading  # the top heading is foreign


def test_rubric_intro_and_author_are_configurable_with_translated_defaults() -> None:
    stories, articles = _ru_uz_week()
    default = _compose(stories, articles, "uz-Latn")
    assert default.rubric == "Sharh"
    assert default.author == "midweek tahririyati"
    assert default.intro.startswith("Haftaning asosiy voqealari qisqacha, 28–30 noyabr 2022")
    custom = _compose(
        stories,
        articles,
        "uz-Latn",
        rubric="Midweek",
        intro="Hafta oʻrtasidagi sharh: {range}.",
        author="Ozod Musayev",
    )
    assert (custom.rubric, custom.author) == ("Midweek", "Ozod Musayev")
    assert custom.intro == "Hafta oʻrtasidagi sharh: 28–30 noyabr 2022."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saylov", "Saylov"),  # one word: kept whole
        ("Выборы.", "Выборы"),
        ("  ", ""),
        ("x" * 150, "x" * (HEADLINE_MAX_CHARS - 1) + "…"),
    ],
)
def test_shorten_headline_edges(text: str, expected: str) -> None:
    assert shorten_headline(text) == expected


def test_long_heading_is_cut_at_a_clause() -> None:
    text = (
        "Президенты Казахстана и России обсудили создание тройственного газового союза, "
        "в который может войти Узбекистан, о чём сообщил пресс-секретарь президента."
    )
    short = shorten_headline(text)
    assert len(short) <= HEADLINE_MAX_CHARS and short.endswith("…")
    assert short.startswith("Президенты Казахстана и России обсудили создание")
    assert not short.endswith(",…")


def test_cut_heading_never_leaves_a_quote_open() -> None:
    text = (
        "Qozogʻiston Prezidentining matbuot kotibi Qosim-Jomart Toqayev va Vladimir Putin "
        '"uch tomonlama gaz ittifoqi" tashkil etilishini muhokama qilganini aniqladi.'
    )
    short = shorten_headline(text)
    assert short.count('"') % 2 == 0 and short.endswith("Putin…")
    assert shorten_headline("«" + "Слово " * 30 + "»").startswith("«")  # opens at 0: kept


def test_transliteration_both_ways_and_apostrophe_family() -> None:
    for mark in "ʻ‘'`’":
        assert latn_to_cyrl(f"O{mark}zbekiston bog{mark}i") == "Ўзбекистон боғи"
    assert latn_to_cyrl("ma'no") == "маъно"
    # letters the Uzbek alphabet lacks, in a brand name the call half converts
    assert latn_to_cyrl("UZTELECOM roumingni taklif etadi") == "УЗТЕЛЕКОМ роумингни таклиф этади"
    assert latn_to_cyrl("Mercedes") == "Мерседес"
    assert cyrl_to_latn("Ўзбекистон маъно") == "Oʻzbekiston maʼno"
    # line breaks survive (UzTransliterator alone returns " \n ")
    assert cyrl_to_latn("Бу яхши.\n– Ҳа.") == "Bu yaxshi.\n– Ha."
    assert cyrl_to_latn("«Тошкент» шаҳри") == "«Toshkent» shahri"
    assert to_uzbek_script("Toshkent", "Latn") == "Toshkent"
    with pytest.raises(ValueError):
        to_uzbek_script("Toshkent", "Arab")
