"""Browsing the site: paged cross-script search, the story and tag indexes, the API index
and docs, Accept-Language, and dates written one way everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from midweek import dedupe
from midweek.models import Article, Story
from midweek.store import Store, open_store
from midweek.store.browse import fts5_query, list_story_page, search_page
from midweek.store.db import ArticleRow
from midweek.text.translit import term_variants
from midweek.web.apidocs import schema_type
from midweek.web.i18n import negotiate_language
from midweek.web.views import highlight, pager, parse_page
from web.sitehelpers import NOW, SLUG, Client, make_app

# More articles than one search page holds (30), so page 2 exists; a third in Latin script.
CYRILLIC_ARTICLES = 40
LATIN_ARTICLES = 20


def _rows(
    start: int, count: int, title: str, text: str, lang: str, script: str
) -> list[ArticleRow]:
    """Generated articles, each with its own URL and text."""
    rows = []
    for i in range(start, start + count):
        article = Article(
            url=f"https://news.example/{i}",
            title=f"{title} {i}",
            text=f"{text} Raqam {i}. <script>alert({i})</script>",
            published=NOW - timedelta(hours=i),
            lang=lang,
            script=script,
            outlet="news.example",
        )
        rows.append(
            ArticleRow(
                article=article,
                key=dedupe.dedupe_key(None, article.url, article.title, article.text, "x"),
                canonical_url=dedupe.canonical_url_key(article.url),
                content_hash=dedupe.content_hash(article.title, article.text),
            )
        )
    return rows


@pytest.fixture
def filled(store_url: str) -> Iterator[Store]:
    """A store (SQLite, then PostgreSQL) with Cyrillic and Latin articles and their stories."""
    store = open_store(store_url)
    ids = store.add_articles(
        _rows(0, CYRILLIC_ARTICLES, "Мирзиёев", "Президент Мирзиёев выступил.", "uz", "Cyrl")
        + _rows(
            CYRILLIC_ARTICLES, LATIN_ARTICLES, "Mirziyoyev", "Prezident Mirziyoyev.", "uz", "Latn"
        ),
        NOW,
    )
    known = [i for i in ids if i is not None]
    assert len(known) == CYRILLIC_ARTICLES + LATIN_ARTICLES
    store.save_stories(
        [
            Story(
                key=f"s-{n}",
                headline=f"Story {n}",
                article_ids=(known[n],),
                first_seen=NOW - timedelta(days=n, hours=2),
                last_seen=NOW - timedelta(days=n),
                languages=("uz-Cyrl",),
                outlets=("news.example",),
                independent_articles=1,
            )
            for n in range(35)
        ]
    )
    yield store
    store.close()


def test_query_terms_get_both_scripts() -> None:
    assert term_variants("Mirziyoyev") == (("Mirziyoyev", "Мирзиёев"),)
    assert term_variants("Мирзиёев") == (("Мирзиёев", "Mirziyoyev"),)
    assert term_variants("Путин") == (("Путин", "Putin"),)
    assert term_variants('"') == (('"',),)  # nothing to transliterate: the term alone
    assert fts5_query((("a", "б"), ('x"y',))) == '("a" OR "б") AND "x""y"'
    assert fts5_query(()) == ""


@pytest.mark.parametrize("query", ["Mirziyoyev", "Мирзиёев", "MIRZIYOYEV"])
def test_search_pages_count_and_cross_scripts(filled: Store, query: str) -> None:
    terms = term_variants(query)
    first = search_page(filled, terms, limit=30)
    second = search_page(filled, terms, limit=30, offset=30)
    total = CYRILLIC_ARTICLES + LATIN_ARTICLES
    assert first.total == second.total == total  # both scripts, whichever was typed
    assert len(first.hits) == 30 and len(second.hits) == total - 30
    ids = [h.article.id for h in first.hits + second.hits]
    assert len(set(ids)) == total  # page 2 is the next page, not the first again
    scripts = {h.article.script for h in first.hits + second.hits}
    assert scripts == {"Cyrl", "Latn"}
    with_story = [h for h in first.hits + second.hits if h.story_key]
    assert len(with_story) == 35 and all(re.fullmatch(r"s-\d+", h.story_key) for h in with_story)


def test_search_of_nothing_and_of_punctuation(filled: Store) -> None:
    assert search_page(filled, term_variants(""), limit=10).total == 0
    for nasty in ('"', "AND OR", "(", "*", "NEAR(a b)", "'; --"):
        found = search_page(filled, term_variants(nasty), limit=10)
        assert found.total >= 0 and len(found.hits) <= 10, nasty


def test_story_index_pages_newest_first(filled: Store) -> None:
    page = list_story_page(filled, limit=30)
    rest = list_story_page(filled, limit=30, offset=30)
    assert page.total == rest.total == 35
    keys = [s.key for s in page.stories + rest.stories]
    assert keys == [f"s-{n}" for n in range(35)]  # s-0 was active last


def test_snippet_escapes_then_marks() -> None:
    text = "<b>x</b> " + "word " * 80 + "Президент Мирзиёев выступил <script>." + " tail" * 80
    html = str(highlight(text, term_variants("mirziyoyev")))
    assert "<mark>Мирзиёев</mark>" in html
    assert "<script>" not in html and "<b>" not in html and "&lt;script&gt;" in html
    assert html.startswith("…") and html.endswith("…") and len(html) < 400
    assert str(highlight("<i>nothing</i>", term_variants("zzz"))) == "&lt;i&gt;nothing&lt;/i&gt;"


def test_pager_and_page_parameter() -> None:
    middle = pager("/search", [("q", "a b")], 2, 3)
    assert middle.previous_href == "/search?q=a+b"
    assert middle.next_href == "/search?q=a+b&page=3"
    assert pager("/stories", [], 1, 1).next_href is None
    assert [parse_page(v, 10) for v in ("", "0", "2", "99", "-1", "²", "1e3", None)] == [
        1,
        1,
        2,
        10,
        1,
        1,
        1,
        1,
    ]


class _Links(HTMLParser):
    """Every href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if k == "href" and v]


def _hrefs(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def test_search_page_pages_and_links_to_stories(filled: Store) -> None:
    client = Client(make_app(filled))
    try:
        one = client.get("/search", params={"q": "Mirziyoyev"})
        assert one.status_code == 200
        assert "60 results" in one.text
        assert "alert(" in one.text and "<script>alert" not in one.text  # escaped text
        hrefs = _hrefs(one.text)
        assert any(h.startswith("/stories/s-") for h in hrefs)
        assert "/search?q=Mirziyoyev&page=2" in [h.replace("&amp;", "&") for h in hrefs]
        two = client.get("/search", params={"q": "Mirziyoyev", "page": "2"})
        titles = re.compile(r'class="snippet"')
        assert len(titles.findall(one.text)) == 30 and len(titles.findall(two.text)) == 30
        assert set(re.findall(r"Raqam (\d+)", one.text)).isdisjoint(
            re.findall(r"Raqam (\d+)", two.text)
        )
        assert 'start="31"' in two.text
        both = one.text + two.text  # either script is marked, whichever page it ranks on
        assert "<mark>Мирзиёев</mark>" in both and "<mark>Mirziyoyev</mark>" in both
        ru = client.get("/search", params={"q": "Мирзиёев", "lang": "ru"})
        assert "60 результатов" in ru.text
        stories = client.get("/stories")
        assert stories.status_code == 200 and "/stories?page=2" in stories.text
        assert client.get("/stories?page=2").text.count('href="/stories/s-') == 5
        assert client.get("/stories?page=3").status_code == 404
        assert (
            client.get("/api/search", params={"q": "Mirziyoyev", "offset": 50}).json()["total"]
            == 60
        )
    finally:
        client.close()


def test_api_search_pages_with_story_urls(client: Client) -> None:
    found = client.get("/api/search", params={"q": "Nobel", "limit": 2}).json()
    assert found["total"] >= len(found["results"]) and found["offset"] == 0
    assert found["results"] and all("story_key" in r for r in found["results"])
    linked = [r for r in found["results"] if r["story_key"]]
    assert all(r["story_url"].endswith(f"/stories/{r['story_key']}") for r in linked)


def test_navigation_links_the_indexes(client: Client) -> None:
    hrefs = _hrefs(client.get("/").text)
    assert {"/archive", "/stories", "/tags", "/api/"} <= set(hrefs)


def test_tag_index_lists_every_tag_with_counts(client: Client, demo_store: Store) -> None:
    review = demo_store.get_review(SLUG)
    assert review is not None
    slugs = {t["slug"] for t in review.body["tags"]}
    assert slugs
    page = client.get("/tags")
    assert page.status_code == 200
    listed = {h.removeprefix("/tags/") for h in _hrefs(page.text) if h.startswith("/tags/")}
    assert slugs <= listed
    assert "1 review" in page.text
    for slug in slugs:
        assert client.get(f"/tags/{slug}").status_code == 200
    cyrillic = client.get("/tags", params={"lang": "uz-Cyrl"}).text
    names = re.findall(r'rel="tag">([^<]+)</a>', cyrillic)
    assert names and all(not re.search("[A-Za-z]", n) for n in names), names


def test_tag_index_of_an_empty_site(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    client = Client(make_app(store))
    try:
        assert "No tags yet." in client.get("/tags").text
        assert "No stories yet." in client.get("/stories").text
    finally:
        client.close()
        store.close()


def test_api_index_and_docs(client: Client) -> None:
    index = client.get("/api/").json()
    paths = {e["path"] for e in index["endpoints"]}
    assert {"/api/reviews", "/api/search", "/api/stories/{key}"} <= paths
    assert index["docs"].endswith("/api/docs") and index["openapi"].endswith("/api/openapi.json")
    assert all(e["summary"] and "``" not in e["summary"] for e in index["endpoints"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "<script" not in docs.text and "style=" not in docs.text  # the CSP holds
    assert "cdn" not in docs.text.lower()
    for path in paths:
        assert path in docs.text
    assert 'id="model-ReviewOut"' in docs.text and "``" not in docs.text
    assert "'unsafe-inline'" not in docs.headers["content-security-policy"]
    schema = client.get("/api/openapi.json").json()
    assert not [p for p in schema["paths"] if not p.startswith("/api/")]


def test_schema_types_read_plainly() -> None:
    assert schema_type({"type": "integer", "minimum": 1, "maximum": 5}) == "integer (≥ 1, ≤ 5)"
    assert schema_type({"type": "array", "items": {"$ref": "#/components/schemas/X"}}) == (
        "array of X"
    )
    assert schema_type({"anyOf": [{"type": "string"}, {"type": "null"}]}) == "string | null"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("de-DE,uz-Cyrl-UZ;q=0.5", "uz-Cyrl"),
        ("uz", "uz-Latn"),
        ("fr, en;q=0", None),
        ("en;q=0.1, ru;q=0.2", "ru"),
        ("en;q=abc, ru", "ru"),
        ("*", None),
        ("", None),
        ("x" * 10_000, None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert negotiate_language(header) == expected


def test_accept_language_chooses_the_interface(client: Client) -> None:
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in page.text and "Accept-Language" in page.headers["vary"]
    # a language cookie or ?lang= still wins
    assert '<html lang="en">' in client.get("/?lang=en", headers={"Accept-Language": "ru"}).text
    cookie = client.get("/", headers={"Accept-Language": "ru", "Cookie": "mw_lang=uz-Latn"})
    assert '<html lang="uz-Latn">' in cookie.text


def test_dates_rubric_and_byline_agree(client: Client, demo_store: Store) -> None:
    review = demo_store.get_review(SLUG)
    assert review is not None
    home = client.get("/").text
    assert "Covers" not in home and "5–11 January 2020" in home  # as the title writes it
    assert "2020-01-12" not in home  # the exclusive window end is not a covered day
    ru = client.get(f"/reviews/{SLUG}?lang=ru").text
    assert '<p class="rubric">Обзор' in ru  # the generated rubric follows the interface
    assert "Author:" not in ru and "The midweek desk · <time" in ru  # the review's author
    assert "29 ноября 2026" in ru or re.search(r"\d+ [а-я]+ \d{4}</time>", ru)
    assert "5–11 января 2020" in client.get("/?lang=ru").text


def test_rating_error_page_links_languages_to_the_review(client: Client) -> None:
    refused = client.post(f"/reviews/{SLUG}/rating", data={"stars": "5"})  # no reader cookie
    assert refused.status_code == 403
    links = [h for h in _hrefs(refused.text) if "lang=" in h]
    assert len(links) == 4
    assert all(h.startswith(f"/reviews/{SLUG}?") for h in links), links
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200
