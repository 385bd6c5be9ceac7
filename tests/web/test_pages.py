"""The reader's pages on a store filled by the demo path: content, layout, XSS, i18n, size."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midweek.models import Article, Story
from midweek.render.jsonout import review_to_dict
from midweek.store import ArticleRow, Store
from midweek.store.site import rate_review
from midweek.web.i18n import LANGUAGES, MESSAGES, format_rating, normalize_language
from web.sitehelpers import NOW, SLUG, Client, make_app, set_status

SCRIPT = "<script>alert(1)</script>"
JS_URL = "javascript:alert(document.cookie)"
# The task's page budget for a review: HTML + CSS + JS.
PAGE_BUDGET_BYTES = 100 * 1024


class _Links(HTMLParser):
    """Collects every tag's attributes, to check hrefs and rels."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Links()
    parser.feed(html)
    return parser.tags


def test_every_page_answers_and_shows_the_review(client: Client, demo_store: Store) -> None:
    review = demo_store.get_review(SLUG)
    assert review is not None
    title = review.title.replace("'", "&#39;")  # the top story's headline, escaped
    story_key = review.body["sections"][0]["story_key"]
    headline = review.body["sections"][0]["heading"]
    for path in ("/", f"/reviews/{SLUG}", "/archive"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert title in response.text, path
    story = client.get(f"/stories/{story_key}")
    assert story.status_code == 200 and headline.replace("'", "&#39;") in story.text
    assert '<ol class="timeline">\n<li>' in story.text  # the story's articles, oldest first
    word = headline.split()[1]
    found = client.get("/search", params={"q": word})
    assert found.status_code == 200 and headline.split()[0] in found.text
    assert review.title in client.get("/feed.atom").text  # XML text: no escape needed


def test_review_page_has_the_midweek_layout(client: Client, demo_store: Store) -> None:
    body = demo_store.get_review(SLUG).body  # type: ignore[union-attr]
    html = client.get(f"/reviews/{SLUG}").text
    assert f'<p class="rubric">{body["rubric"]}' in html
    assert len(body["teasers"]) == 3
    for teaser in body["teasers"]:
        assert f"<li>{teaser}</li>".replace("'", "&#39;") in html
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    for section in body["sections"]:
        assert section["heading"].replace("'", "&#39;") in headings
        assert f'href="/stories/{section["story_key"]}"' in html
    # each cited sentence links to its sources, never without rel
    cited = [(t, a) for t, a in _tags(html) if t == "a" and "wikinews.org" in (a["href"] or "")]
    assert len(cited) >= len(body["sections"])
    assert all(a.get("rel") == "noopener noreferrer" for _, a in cited)
    assert body["credits"] in html and "CC BY 2.5" in html
    # the byline names the review's author (review_author; default "The midweek desk")
    assert body["author"] == "The midweek desk" and "Author:" not in html
    assert re.search(r"<footer class=\"byline\">\n<p>The midweek desk · <time", html)
    assert 'data-status="published"' in html and '<span class="status">draft</span>' not in html
    assert "no ratings yet" in html
    assert '<meta property="og:title"' in html and 'name="twitter:card"' in html
    assert f'<link rel="canonical" href="http://testserver/reviews/{SLUG}">' in html


def test_share_links_are_plain_and_encoded(demo_store: Store) -> None:
    client = Client(make_app(demo_store, base_url="https://news.example/"))
    try:
        html = client.get(f"/reviews/{SLUG}").text
    finally:
        client.close()
    canonical = f"https://news.example/reviews/{SLUG}"
    hrefs = [a["href"] or "" for t, a in _tags(html) if t == "a"]
    for host, param in (("t.me", "url"), ("www.facebook.com", "u"), ("x.com", "url")):
        [href] = [h for h in hrefs if urlsplit(h).netloc == host]
        assert parse_qs(urlsplit(href).query)[param] == [canonical], host
    [whatsapp] = [h for h in hrefs if urlsplit(h).netloc == "wa.me"]
    assert parse_qs(urlsplit(whatsapp).query)["text"][0].endswith(canonical)
    [mail] = [h for h in hrefs if h.startswith("mailto:")]
    assert "%20" in mail and " " not in mail
    # one script, ours (the rating form's enhancement), and nothing inline
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/rating.js" defer>']
    assert f'<meta property="og:url" content="{canonical}">' in html


def test_every_stored_body_reads_back_as_the_same_json(demo_store: Store) -> None:
    stored = demo_store.list_reviews()
    assert stored, "the demo stores a review"
    for row in stored:
        assert review_to_dict(row.review) == row.body
        assert row.review.slug == row.slug and row.review.title == row.title


def test_home_lists_the_newest_window_first(client: Client, demo_store: Store) -> None:
    for slug, days in (("older", -400), ("newer", 400)):
        demo_store.save_review(
            slug=slug,
            title=f"Review {slug}",
            lang="en",
            window_start=NOW + timedelta(days=days),
            window_end=NOW + timedelta(days=days + 7),
            created_at=NOW,
            body={
                "slug": slug,
                "rubric": "Review",
                "title": f"Review {slug}",
                "teasers": [],
                "intro": "",
                "sections": [],
                "window_start": (NOW + timedelta(days=days)).isoformat(),
                "window_end": (NOW + timedelta(days=days + 7)).isoformat(),
                "created_at": NOW.isoformat(),
            },
        )
        set_status(demo_store, slug, "published")
    html = client.get("/").text
    demo = demo_store.get_review(SLUG)
    assert demo is not None
    assert (
        html.index("Review newer")
        < html.index("Review older")
        < html.index(demo.title.replace("'", "&#39;"))
    )
    archive = client.get("/archive").text
    assert archive.index("Review newer") < archive.index("Review older")


def test_review_page_weight_is_under_budget(client: Client) -> None:
    page = client.get(f"/reviews/{SLUG}")
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    css = sum(len(client.get(href).content) for href in sheets)
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    js = sum(len(client.get(src).content) for src in scripts)
    assert sheets and scripts == ["/static/rating.js"]
    assert len(page.content) + css + js < PAGE_BUDGET_BYTES


def test_unknown_pages_are_404_in_html(client: Client) -> None:
    for path in ("/reviews/nope", "/stories/nope", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Page not found." in response.text


def _hostile(store: Store) -> str:
    """Store an article, a story and a review whose third-party strings are hostile."""
    article = Article(
        url=JS_URL,
        title=f"Quake {SCRIPT} zebrafish",
        text="Zebrafish quake text written for this test.",
        published=NOW - timedelta(days=1),
        outlet=f'Evil" onmouseover="x {SCRIPT}',
        lang="en",
    )
    row = ArticleRow(article, "key:evil", "evil.example/x", "f" * 64)
    [article_id] = store.add_articles([row], NOW)
    assert article_id is not None
    store.save_stories([Story("s-evil", f"Story {SCRIPT}", (article_id,), NOW, NOW)])
    citation = {"article_id": article_id, "url": JS_URL, "title": SCRIPT, "outlet": "x"}
    body = {
        "slug": "evil",
        "rubric": SCRIPT,
        "title": f"Title {SCRIPT}",
        "teasers": [SCRIPT],
        "intro": f'"><img src=x onerror=alert(1)> {SCRIPT}',
        "sections": [
            {
                "heading": f"Heading {SCRIPT}",
                "story_key": "s-evil",
                "sentences": [{"text": f"Said {SCRIPT}.", "citations": [citation]}],
                "status": "continuing",
                "new_since": NOW.isoformat(),
            }
        ],
        "dropped": [{"story_key": "s-gone", "heading": f"Gone {SCRIPT}", "reason": "outranked"}],
        "window_start": NOW.isoformat(),
        "window_end": NOW.isoformat(),
        "created_at": NOW.isoformat(),
        "lang": "en",
        "tags": [SCRIPT],
        "author": SCRIPT,
        "status": "draft",
        "credits": SCRIPT,
    }
    store.save_review(
        slug="evil",
        title=f"Title {SCRIPT}",
        lang="en",
        window_start=NOW,
        window_end=NOW + timedelta(days=1),
        created_at=NOW,
        body=body,
    )
    set_status(store, "evil", "published")
    return "evil"


def test_hostile_strings_render_escaped_and_unlinked(client: Client, demo_store: Store) -> None:
    slug = _hostile(demo_store)
    pages = [f"/reviews/{slug}", "/stories/s-evil", "/", "/archive", "/search?q=zebrafish"]
    for path in pages:
        html = client.get(path).text
        assert "<script>" not in html, path
        assert "&lt;script&gt;" in html, path
        assert "<img" not in html and "javascript:" not in html.lower(), path
        for tag, attrs in _tags(html):
            assert not any(name.startswith("on") for name in attrs), (path, tag, attrs)
            if tag == "a":
                href = attrs["href"] or ""
                assert href.startswith(("/", "?", "http://", "https://", "mailto:")), href
                if href.startswith("http"):
                    assert attrs.get("rel") == "noopener noreferrer", href


def test_continuing_and_dropped_stories_are_marked(client: Client, demo_store: Store) -> None:
    slug = _hostile(demo_store)
    html = client.get(f"/reviews/{slug}").text
    since = NOW.date().isoformat()
    assert f'<p class="continuing">Continuing story: new since {since}</p>' in html
    assert '<p class="dropped">From the last review, no longer covered: Gone &lt;script&gt;' in html
    plain = client.get(f"/reviews/{SLUG}").text  # the demo review: no previous review
    assert 'class="continuing"' not in plain and 'class="dropped"' not in plain


def test_every_response_carries_the_security_headers(client: Client) -> None:
    for path in ("/", f"/reviews/{SLUG}", "/nowhere", "/static/site.css", "/api/reviews"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


NASTY = [
    '"',
    '""',
    "'",
    "*",
    "NEAR(",
    "a OR",
    "AND OR NOT",
    "col:abc",
    "^start",
    "{a b}",
    "(((",
    "-",
    "a - b",
    "\\",
    "%",
    "'; DROP TABLE articles; --",
    "\x00",
    "x\x00y",
    "\u202e",
    "a" * 5000,
    " ".join(["w"] * 400),
]


@pytest.mark.parametrize("query", NASTY)
def test_search_survives_nasty_punctuation(client: Client, query: str) -> None:
    assert client.get("/search", params={"q": query}).status_code == 200
    assert client.get("/api/search", params={"q": query}).status_code in (200, 422)


def test_search_survives_raw_bad_encoding(client: Client) -> None:
    for raw in ("%ff%fe", "%00", "%ED%A0%80", "%22%2A%28", "a%20OR%20%22"):
        assert client.get(f"/search?q={raw}").status_code == 200
        assert client.get(f"/api/search?q={raw}").status_code == 200


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60))
def test_search_never_fails_on_any_text(client: Client, query: str) -> None:
    assert client.get("/search", params={"q": query}).status_code == 200
    assert client.get("/api/search", params={"q": query}).status_code == 200


def test_language_follows_query_then_cookie_then_review(client: Client) -> None:
    assert '<html lang="en">' in client.get(f"/reviews/{SLUG}").text
    ru = client.get(f"/reviews/{SLUG}", params={"lang": "ru"})
    assert '<html lang="ru">' in ru.text and "оценок пока нет" in ru.text
    assert "mw_lang=ru" in ru.headers["set-cookie"]
    again = client.get("/archive")  # the cookie remembers the choice
    assert '<html lang="ru">' in again.text and "Обзоры по неделям" in again.text
    cyrl = client.get("/", params={"lang": "uz-cyrl"})
    assert '<html lang="uz-Cyrl">' in cyrl.text and "Сўнгги шарҳлар" in cyrl.text
    latn = client.get("/search", params={"lang": "uz_Latn", "q": "nobel"})
    assert "“nobel” boʻyicha natijalar" in latn.text
    # the switcher keeps the other parameters
    assert 'href="/search?q=nobel&amp;lang=ru"' in latn.text
    assert client.get("/", params={"lang": "xx"}).status_code == 200


def test_every_language_has_every_message() -> None:
    keys = set(MESSAGES["en"])
    for lang in LANGUAGES:
        missing = keys - set(MESSAGES[lang]) - {"ratings_few"}
        assert not missing, (lang, missing)
    assert normalize_language("UZ") == "uz-Latn" and normalize_language("de") is None


@pytest.mark.parametrize(
    ("lang", "count", "average", "expected"),
    [
        ("en", 0, None, "no ratings yet"),
        ("en", 0, 4.0, "no ratings yet"),  # never a mean beside a count of 0
        ("en", 1, 4.0, "4.0 · 1 rating"),
        ("en", 27, 3.8148, "3.8 · 27 ratings"),
        ("ru", 21, 3.8, "3,8 · 21 оценка"),
        ("ru", 22, 3.8, "3,8 · 22 оценки"),
        ("ru", 12, 3.8, "3,8 · 12 оценок"),
        ("uz-Latn", 5, 4.25, "4,2 · 5 ta baho"),
        ("uz-Cyrl", 0, None, "ҳали баҳо йўқ"),
    ],
)
def test_rating_text(lang: str, count: int, average: float | None, expected: str) -> None:
    assert format_rating(lang, count, average) == expected


def test_every_page_links_the_favicon_that_is_served(client: Client) -> None:
    for path in ("/", f"/reviews/{SLUG}", "/archive", "/nowhere"):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in (
            client.get(path).text
        )
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg") and b"<script" not in icon.content


def test_pages_shared_by_every_reader_answer_304_when_unchanged(
    client: Client, demo_store: Store
) -> None:
    stored = demo_store.get_review(SLUG)
    assert stored is not None
    story_key = stored.body["sections"][0]["story_key"]
    for path in ("/", "/archive", f"/stories/{story_key}"):
        first = client.get(path)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "no-cache" and "set-cookie" not in first.headers
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"", path
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    home_etag = client.get("/").headers["etag"]
    rate_review(demo_store, review_id=stored.id, reader_id="a" * 32, stars=3, now=NOW)
    rated = client.get("/", headers={"If-None-Match": home_etag})
    assert rated.status_code == 200 and "3.0 · 1 rating" in rated.text
    switched = client.get("/", params={"lang": "ru"}, headers={"If-None-Match": home_etag})
    assert switched.status_code == 200 and "mw_lang=ru" in switched.headers["set-cookie"]
