"""The Atom feed (valid whatever the text holds) and the read-only JSON API (no 5xx)."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import timedelta
from typing import get_type_hints

import feedparser
import pytest

from midweek.store import Store, StoredReview
from midweek.web.api import REVIEW_COLUMNS, ReviewOut, ReviewSummaryOut
from midweek.web.feed import strip_xml_forbidden
from web.sitehelpers import NOW, SLUG, Client, set_status

# A title with characters XML 1.0 forbids (vertical tab, escape, NUL-adjacent controls,
# a lone surrogate, U+FFFE) among allowed ones (tab, newline).
DIRTY = "Bad\x0b title\x01 with\x1b controls\ud800 and\ufffe end\tok"


def _dirty_review(store: Store) -> None:
    citation = {"article_id": 1, "url": "https://a.example/x", "title": DIRTY, "outlet": DIRTY}
    body = {
        "slug": "dirty",
        "rubric": "Review",
        "title": DIRTY,
        "teasers": [DIRTY],
        "intro": DIRTY,
        "sections": [
            {
                "heading": DIRTY,
                "story_key": "s-x",
                "sentences": [{"text": DIRTY, "citations": [citation]}],
            }
        ],
        "window_start": NOW.isoformat(),
        "window_end": (NOW + timedelta(days=7)).isoformat(),
        "created_at": NOW.isoformat(),
        "author": DIRTY,
        "credits": DIRTY,
    }
    store.save_review(
        slug="dirty",
        title=DIRTY.replace("\ud800", ""),  # a text column cannot hold a lone surrogate
        lang="en",
        window_start=NOW,
        window_end=NOW + timedelta(days=7),
        created_at=NOW,
        body=body,
    )
    set_status(store, "dirty", "published")


def test_feed_parses_without_bozo_and_lists_the_review(client: Client, demo_store: Store) -> None:
    response = client.get("/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    review = demo_store.get_review(SLUG)
    assert review is not None
    [entry] = parsed.entries
    assert entry.title == review.title
    assert entry.link == f"http://testserver/reviews/{SLUG}"
    assert review.body["sections"][0]["heading"].split()[0] in entry.content[0].value


def test_feed_strips_characters_xml_forbids(client: Client, demo_store: Store) -> None:
    _dirty_review(demo_store)
    parsed = feedparser.parse(client.get("/feed.atom").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = [e.title for e in parsed.entries]
    assert "Bad title with controls and end\tok" in titles  # newest window first
    assert titles[0].startswith("Bad")


def test_strip_xml_forbidden_keeps_what_xml_allows() -> None:
    assert strip_xml_forbidden("a\x00b\x08c\td\ne\rf\ud7ffg\ue000h\U0001f600") == (
        "abc\td\ne\rf\ud7ffg\ue000h\U0001f600"
    )


def test_feed_of_an_empty_site_is_valid(any_empty_client: Client) -> None:
    parsed = feedparser.parse(any_empty_client.get("/feed.atom").content)
    assert not parsed.bozo and parsed.entries == []


def test_openapi_schema_is_served_and_every_route_answers(
    client: Client, demo_store: Store
) -> None:
    schema = client.get("/api/openapi.json").json()
    review = demo_store.get_review(SLUG)
    assert review is not None
    story = review.body["sections"][0]["story_key"]
    article = review.body["sections"][0]["sentences"][0]["citations"][0]["article_id"]
    good = {"slug": SLUG, "key": story, "article_id": str(article)}
    bad = {"slug": "no-such-review", "key": "no-such-story", "article_id": "999999"}
    paths = [p for p in schema["paths"] if p.startswith("/api/")]
    assert set(paths) == set(schema["paths"])  # the API only: no HTML route
    assert "``" not in json.dumps(schema)  # no docstring markup leaks into descriptions
    assert set(paths) == {
        "/api/",
        "/api/reviews",
        "/api/reviews/{slug}",
        "/api/stories/{key}",
        "/api/articles/{article_id}",
        "/api/search",
    }
    for path in paths:
        assert "get" in schema["paths"][path] and len(schema["paths"][path]) == 1  # read-only
        ok = client.get(path.format(**good), params={"q": "nobel"})
        assert ok.status_code == 200, path
        if "{" in path:
            assert client.get(path.format(**bad)).status_code == 404, path
    for odd in ("0", "-1", "abc", str(2**31), str(2**70)):
        assert client.get(f"/api/articles/{odd}").status_code == 422, odd
    assert client.get("/api/reviews", params={"limit": 10**9}).status_code == 422


def test_api_bodies(client: Client, demo_store: Store) -> None:
    listed = client.get("/api/reviews").json()
    assert [r["slug"] for r in listed] == [SLUG]
    assert listed[0]["rating"] == {"count": 0, "average": None}
    assert listed[0]["status"] == "published"
    one = client.get(f"/api/reviews/{SLUG}").json()
    assert one["body"]["title"] == one["title"] and one["url"].endswith(f"/reviews/{SLUG}")
    found = client.get("/api/search", params={"q": "Nobel physics"}).json()
    assert found["results"] and "text" not in found["results"][0]


@pytest.fixture
def any_empty_client(tmp_path):  # type: ignore[no-untyped-def]
    from midweek.store import open_store
    from web.sitehelpers import make_app

    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    client = Client(make_app(store))
    yield client
    client.close()
    store.close()


def test_pages_and_api_survive_characters_xml_forbids(client: Client, demo_store: Store) -> None:
    _dirty_review(demo_store)
    for path in ("/reviews/dirty", "/", "/archive", "/api/reviews", "/api/reviews/dirty"):
        assert client.get(path).status_code == 200, path


def test_the_api_review_is_the_stored_record_less_its_id_and_body() -> None:
    # one record per review: the API's schema names the stored record's columns, typed alike
    stored = get_type_hints(StoredReview)
    names = [f.name for f in fields(StoredReview)]
    assert names[0] == "id" and names[-1] == "body" and tuple(names[1:-1]) == REVIEW_COLUMNS
    assert list(ReviewSummaryOut.model_fields) == [*REVIEW_COLUMNS, "url", "rating"]
    assert list(ReviewOut.model_fields) == [*REVIEW_COLUMNS, "url", "rating", "body"]
    for column in (*REVIEW_COLUMNS, "body"):
        assert ReviewOut.model_fields[column].annotation == stored[column], column
