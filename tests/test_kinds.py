"""Article kinds: rules per kind and language, the real-weeks floors, stories, bad input."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from midweek.cluster import group_stories
from midweek.kinds import (
    ADVERT,
    DIGEST,
    KINDS,
    NEWS,
    OPINION,
    SERVICE,
    article_kind,
    classify_kind,
    count_kinds,
    is_news,
)
from midweek.models import Article
from midweek.pipeline import set_aside_articles
from midweek.store import ArticleRow, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from real_weeks import filter_scores, load_weeks, predicted_kinds
from real_weeks_kinds import gold_posts, other_sets, records

# Short examples written for these tests (not third-party text), ru / uz-Latn / uz-Cyrl / en.
SYNTHETIC = [
    (ADVERT, "Новый тариф для студентов: интернет без лимита (на правах рекламы)."),
    (ADVERT, "Bank yangi omonat turini taqdim etdi (reklama huquqi asosida)."),
    (ADVERT, "Банк янги омонат турини тақдим этди (реклама ҳуқуқи асосида)."),
    (ADVERT, "Sponsored: the new phone lasts three days on one charge."),
    (ADVERT, "Партнёрский материал. Как выбрать квартиру в новом доме."),
    (ADVERT, "Скидка 20% на все туры до конца месяца! Успейте забронировать по ссылке."),
    (DIGEST, "ГЛАВНЫЕ НОВОСТИ К УТРУ 3 МАЯ:\n\nВ городе открыли мост\n\nЦены на хлеб выросли"),
    (DIGEST, "Мост открыт\nЦены выросли\nЧитайте об этом и многом другом в обзоре дня."),
    (DIGEST, "Kunning asosiy yangiliklari:\n\nKo'prik ochildi\n\nNon narxi oshdi"),
    (DIGEST, "Куннинг асосий янгиликлари:\n\nКўприк очилди\n\nНон нархи ошди"),
    (DIGEST, "Morning briefing: a bridge opens, bread prices rise, and more."),
    (SERVICE, "В столице сегодня дождь. Ветер 5-10 м/с. Температура 8-10° тепла."),
    (SERVICE, "O'zgidromet ma'lum qilishicha, ertaga yomg'ir yog'adi."),
    (SERVICE, "Ўзгидромет маълумотига кўра, эртага қор ёғади."),
    (SERVICE, "Курсы валют, установленные Центральным банком с 5 мая."),
    (SERVICE, "Valyuta kurslari: dollar 12 500 so'm."),
    (SERVICE, "В двух районах на сутки приостановлено газоснабжение из-за ремонта."),
    (SERVICE, "Гороскоп на неделю для всех знаков."),
    (SERVICE, "Подписывайтесь на наш канал, чтобы не пропустить главное."),
    (SERVICE, "Exchange rates for Tuesday: the dollar is flat."),
    (OPINION, "Мнение: почему городу нужны велодорожки"),
    (OPINION, "Fikr: nega shaharga velosiped yo'laklari kerak"),
    (OPINION, "Интервью: архитектор о новом генплане"),
    (NEWS, "Президент подписал указ о создании новой академии."),
    (NEWS, "Prezident yangi akademiya tashkil etish to'g'risidagi farmonni imzoladi."),
    (NEWS, "Президент янги академия ташкил этиш тўғрисидаги фармонни имзолади."),
    (NEWS, "Подтопления в городе возникли из-за старых коллекторов, заявили в хокимияте."),
    (NEWS, "В интервью агентству министр заявил о новых пошлинах."),
    # uz-Latn / uz-Cyrl as translators (and machine translation) write them
    (ADVERT, "Bank yangi kartasini taqdim etdi (reklama huquqi bilan)."),
    (ADVERT, "Банк янги картасини тақдим этди (реклама ҳуқуқи билан)."),
    (DIGEST, "3 APREL KUNI ERTALAB O'ZBEKISTONNING ASOSIY YANGILIKLARI:\n\nKo'prik ochildi"),
    (DIGEST, "3 АПРЕЛЬ КУНИ ЭРТАЛАБ ЎЗБЕКИСТОННИНГ АСОСИЙ ЯНГИЛИКЛАРИ:\n\nКўприк очилди"),
    (
        DIGEST,
        "Ko'prik ochildi\nNon narxi oshdi\nBu va boshqa ko'p narsalar haqida sharhimizda o'qing",
    ),
    (SERVICE, "Bugun kechqurun Toshkentda kuchli yomg'ir yog'ishi kutilmoqda."),
    (SERVICE, "Бугун кечқурун Тошкентда кучли ёмғир ёғиши кутилмоқда."),
    (SERVICE, "Ta'mirlash ishlari munosabati bilan ikki tumanda gaz ta'minoti to'xtatildi."),
    (SERVICE, "Таъмирлаш ишлари муносабати билан икки туманда газ таъминоти тўхтатилди."),
    (SERVICE, "Конец осени будет дождливым: осадки начнутся в понедельник."),
    (ADVERT, "Новые туры в Дубай от 3,8 млн сумов. Бронируйте до 30 декабря!"),
    (OPINION, "Intervyu qahramonining aytishicha, u Toshkentga ko'chib o'tgan."),
    # news that mentions a cut, the weather, a sponsor, a giveaway or degrees
    (NEWS, "Прокурор попросил не отключать от газоснабжения кирпичный завод."),
    (NEWS, "Prokuror g'isht zavodini gaz ta'minotidan uzmaslikni so'radi."),
    (NEWS, "Во время ливня 2 апреля выпало до 33 мм осадков, сообщили в Узгидромете."),
    (NEWS, "Водителям приходилось искать пути объезда из-за пробок."),
    (NEWS, "The bill was co-sponsored by two senators."),
    (NEWS, "The glue guns run at 450°F (232°C)."),
    (NEWS, "В марте температура на севере была на 2,5°C выше нормы."),
    (NEWS, "В песне он поет, что влияет на курсы валют."),
]


@pytest.mark.parametrize(("kind", "text"), SYNTHETIC)
def test_each_kind_in_each_language(kind: str, text: str) -> None:
    """Every kind is recognised from its cue in ru, uz-Latn, uz-Cyrl and en."""
    assert classify_kind("", text).kind == kind


def test_gazeta_link_without_tracking_is_an_advert() -> None:
    """A gazeta.uz post linking a dated article with no utm_source is a paid post."""
    promo = "Компания открыла салон.\n\nhttps://www.gazeta.uz/ru/2023/01/02/salon/"
    news = promo.replace("salon/", "salon/?utm_source=push&utm_medium=telegram")
    assert classify_kind("", promo, outlet="gazeta.uz") == classify_kind(
        "", promo, outlet="gazeta.uz"
    )
    assert classify_kind("", promo, outlet="gazeta.uz").kind == ADVERT
    assert classify_kind("", news, outlet="gazeta.uz").kind == NEWS
    assert classify_kind("", promo, outlet="example.com").kind == NEWS  # the rule is the outlet's
    signed = f"{promo}\n\n➖ @gazetauz ➖"  # the desk's own post, signed by the channel
    assert classify_kind("", signed, outlet="gazeta.uz").kind == NEWS


@pytest.fixture(scope="module")
def weeks(shared_data: Path) -> dict[str, list[object]]:
    """The real-weeks gold joined with its posts."""
    return load_weeks(shared_data)  # type: ignore[return-value]


@pytest.mark.parametrize("kind", [ADVERT, DIGEST, SERVICE, NEWS])
def test_real_examples_of_each_kind(weeks: dict[str, list[object]], kind: str) -> None:
    """Most real gold posts of each kind get that kind (the first five of each window)."""
    posts = [g for items in weeks.values() for g in items if g.kind == kind]  # type: ignore[attr-defined]
    sample = posts[:5] + posts[-5:]
    got = [k for k, _ in predicted_kinds(sample)]  # type: ignore[arg-type]
    assert sum(k == kind for k in got) >= 8, got


def test_real_weeks_quality_floor(weeks: dict[str, list[object]]) -> None:
    """Setting aside advert/digest/service: measured P 1.000, R 0.907 (mean of W1-W3)."""
    precisions, recalls = [], []
    for posts in weeks.values():
        gold = [g.kind for g in posts]  # type: ignore[attr-defined]
        got = [k for k, _ in predicted_kinds(posts)]  # type: ignore[arg-type]
        p, r, *_ = filter_scores(gold, got)
        precisions.append(p)
        recalls.append(r)
    assert min(precisions) >= 0.95 and sum(precisions) / 3 >= 0.97, precisions
    assert min(recalls) >= 0.82 and sum(recalls) / 3 >= 0.87, recalls


@pytest.fixture(scope="module")
def gold_rows(shared_data: Path) -> list[dict[str, object]]:
    """The real-weeks gold with each post's Russian text and Uzbek machine translation."""
    return gold_posts(shared_data)


def test_uzbek_translations_quality_floor(gold_rows: list[dict[str, object]]) -> None:
    """On the posts' uz-Latn translations: measured P 1.000, R 0.877; 2 of 283 kinds differ.

    main's rules (before the Uzbek cues) had R 0.411 and 37 of 283 differing.
    """
    rows = [r for r in gold_rows if r["uz"]]
    got = {
        lang: [classify_kind("", str(r[lang]), outlet=str(r["outlet"])).kind for r in rows]
        for lang in ("ru", "uz")
    }
    recalls, precisions = [], []
    for week in ("W1", "W2", "W3"):
        idx = [i for i, r in enumerate(rows) if r["week"] == week]
        p, r, *_ = filter_scores([str(rows[i]["kind"]) for i in idx], [got["uz"][i] for i in idx])
        precisions.append(p)
        recalls.append(r)
    assert min(precisions) >= 0.95 and sum(precisions) / 3 >= 0.97, precisions
    assert min(recalls) >= 0.78 and sum(recalls) / 3 >= 0.82, recalls
    differ = sum(1 for a, b in zip(got["ru"], got["uz"], strict=True) if a != b)
    assert differ <= 8, differ


@pytest.mark.parametrize("kind", [ADVERT, DIGEST, SERVICE, NEWS])
def test_real_uzbek_examples_of_each_kind(gold_rows: list[dict[str, object]], kind: str) -> None:
    """Real uz-Latn translations of gold posts get their kind (the first and last five)."""
    rows = [r for r in gold_rows if r["kind"] == kind and r["uz"]]
    sample = rows[:5] + rows[-5:]
    got = [classify_kind("", str(r["uz"]), outlet=str(r["outlet"])).kind for r in sample]
    assert sum(k == kind for k in got) >= 8, got


def _item(data: Path, folder: str, key: str, value: str) -> tuple[str, str]:
    """(title, text) of the record of ``folder`` whose ``key`` is ``value``."""
    for rec in records(data / folder / "articles.jsonl.gz"):
        if rec[key] == value:
            return str(rec.get("title") or ""), str(rec.get("text") or "")
    raise AssertionError(f"{value} not in {folder}")


# Real uz-Cyrl items of uznews.uz: two forecasts and a gas outage notice (service), and
# real news that main's rules set aside (a degree, a wind speed, "co-sponsored by", a
# song about exchange rates, a prize draw of the tax office's cashback app).
REAL_ITEMS = [
    ("news-uz-kunuz-uznews-samples", "id", "4ad93a8b98823915", SERVICE),
    ("news-uz-kunuz-uznews-samples", "id", "2ddbc2d8e53ba274", SERVICE),
    ("news-uz-kunuz-uznews-samples", "id", "cf9cccaad4d593d2", SERVICE),
    ("news-uz-kunuz-uznews-samples", "id", "9a00f29a7186d086", NEWS),
    ("demo-wikinews-en-2019-2020", "id", "enwikinews:a89fd72937f3", NEWS),
    ("demo-wikinews-en-2019-2020", "id", "enwikinews:f4b88d36c596", NEWS),
    ("demo-wikinews-en-2019-2020", "id", "enwikinews:be9ee7fd4e36", NEWS),
    ("demo-wikinews-en-2019-2020", "id", "enwikinews:875a0d06784e", NEWS),
    ("news-ru-uz-uplz", "id", "63571", NEWS),
    ("news-ru-uz-uplz", "id", "63255", NEWS),
    ("news-ru-uz-uplz", "id", "63718", NEWS),
    ("news-ru-uz-uplz", "id", "63727", NEWS),
]


@pytest.mark.parametrize(("folder", "key", "value", "kind"), REAL_ITEMS)
def test_real_items_of_other_sets(
    shared_data: Path, folder: str, key: str, value: str, kind: str
) -> None:
    """Real uz-Cyrl service posts are service; real news that mentions weather is news."""
    title, text = _item(shared_data, folder, key, value)
    assert classify_kind(title, text).kind == kind, (title, text[:200])


# Real Telegram posts an editor reads as news, which main's rules set aside as service.
NEWS_POSTS = [
    "podrobnouz-2022-12-09 22:52:04-0",  # prosecutor asks not to cut a factory off gas
    "gazetauz-2022-12-13 21:28:03-0",  # a blogger's case about a gas shortage
    "gazetauz-2022-12-21 00:05:20-0",  # traffic jams: drivers looked for a way round
    "gazetauz-2023-04-03 17:33:03-0",  # Uzhydromet on how much rain fell in the flood
]


def test_real_news_posts_are_not_set_aside(shared_data: Path) -> None:
    """The brief's false 'outage'/'service' verdicts, and the flood report, are news."""
    wanted = set(NEWS_POSTS)
    posts = [
        p
        for p in records(shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz")
        if p["id"] in wanted
    ]
    assert len(posts) == len(wanted)
    for post in posts:
        for field in ("text_ru", "text_uz_mt"):
            verdict = classify_kind("", str(post[field] or ""), outlet=str(post["channel"]))
            assert verdict.kind == NEWS, (post["id"], field, verdict)


def test_other_news_sets_keep_their_news(shared_data: Path) -> None:
    """Few items of the news sets are set aside.

    Measured: Wikinews 0 of 291, upl.uz 0 of 153, kun.uz uz-Cyrl 0 of 25; kun.uz uz-Latn 37
    of 696, 32 labelled "Reklama huquqi asosida" and 5 promos read as adverts (a bank's
    offer, a shoe sale, an air conditioner deal, "Murojaat uchun" contact blocks).
    """
    sets = other_sets(shared_data)
    verdicts = {
        name: [classify_kind(title, text, outlet=outlet) for title, text, outlet in items]
        for name, items in sets.items()
    }
    aside = {
        name: [v for v in found if v.kind in {ADVERT, DIGEST, SERVICE}]
        for name, found in verdicts.items()
    }
    assert len(aside["Wikinews demo en"]) <= 1
    assert len(aside["upl.uz news sections"]) + len(aside["upl.uz misli (opinion)"]) <= 1
    assert len(aside["kun.uz uz-cyrl"]) == 0
    labelled = [v for v in aside["kun.uz uz-latn"] if v.rule == "advert_label"]
    assert len(aside["kun.uz uz-latn"]) - len(labelled) <= 8


def _article(i: int, text: str, hours: int) -> Article:
    """A dated test article."""
    return Article(
        url=f"https://example.com/{i}",
        title="",
        text=text,
        published=datetime(2024, 5, 6, tzinfo=UTC) + timedelta(hours=hours),
        lang="ru",
        outlet="example.com",
        id=i,
    )


def test_digest_and_advert_never_reach_stories() -> None:
    """A digest naming two unrelated stories, and an advert, are in no story."""
    bridge = "В Ташкенте открыли новый мост через канал Анхор после ремонта."
    bread = "Цены на хлеб в Самарканде выросли на десять процентов за неделю."
    articles = [
        _article(1, bridge, 0),
        _article(2, f"ГЛАВНЫЕ НОВОСТИ К ВЕЧЕРУ:\n\n{bridge}\n\n{bread}", 1),
        _article(3, bread, 2),
        _article(4, f"{bridge} Скидка на проезд (на правах рекламы).", 3),
        _article(5, bridge.replace("открыли", "торжественно открыли"), 4),
    ]
    stories = group_stories(articles)
    members = {i for s in stories for i in s.article_ids}
    assert 2 not in members and 4 not in members
    assert {1, 3, 5} <= members
    assert not any({1, 3} <= set(s.article_ids) for s in stories)
    aside = set_aside_articles(
        articles, articles[0].published, articles[-1].published + timedelta(1)
    )  # type: ignore[operator]
    assert {(s.kind, s.count) for s in aside} == {(DIGEST, 1), (ADVERT, 1)}
    assert all(e[1] in {"digest_header", "advert_label"} for s in aside for e in s.examples)


BAD = [
    "https://example.com/only-a-link",
    "🔥🔥🔥 😀😀",
    "#новости #узбекистан #tashkent",
    "",
    " слово" * 50_000,
    "\u200b\ufeff",
]


@pytest.mark.parametrize("text", BAD)
def test_bad_input_never_crashes(text: str) -> None:
    """A link, emoji, hashtags, nothing, 50,000 words, zero-width marks: a kind, no crash."""
    verdict = classify_kind(text[:10], text)
    assert verdict.kind in KINDS
    undated = Article(url="u", title="", text=text, id=1)
    assert group_stories([undated]) == [] or is_news(undated)
    assert (
        set_aside_articles(
            [undated], datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
        )
        == ()
    )


def test_stored_kind_wins_and_is_saved(store_url: str) -> None:
    """The store saves the classifier's kind; a stored kind is what article_kind returns."""
    advert = _article(0, "Новый тариф (на правах рекламы).", 0)
    assert article_kind(advert) == ADVERT
    assert (
        article_kind(Article(url="u", title="", text="Новый тариф (на правах рекламы).", kind=NEWS))
        == NEWS
    )
    store = open_store(store_url)
    try:
        store.add_articles(
            [
                ArticleRow(
                    article=replace(advert, id=None),
                    key="k",
                    canonical_url="https://example.com/0",
                    content_hash="h",
                )
            ],
            now=datetime(2024, 5, 7, tzinfo=UTC),
        )
        (stored,) = store.articles_between(
            datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 8, tzinfo=UTC)
        )
    finally:
        store.close()
    assert stored.kind == ADVERT
    assert not is_news(stored)


def test_count_kinds_lists_every_kind() -> None:
    """Counts have every kind, zeros included."""
    assert count_kinds([NEWS, ADVERT, NEWS]) == {
        NEWS: 2,
        ADVERT: 1,
        DIGEST: 0,
        SERVICE: 0,
        OPINION: 0,
    }
