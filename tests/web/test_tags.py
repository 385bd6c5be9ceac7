"""Tag pages: one canonical entity, the reviews that name it, its names, its feed."""

from __future__ import annotations

import feedparser

from midweek.store import Store
from web.sitehelpers import SLUG, Client


def _tags(store: Store) -> list[dict[str, str]]:
    stored = store.get_review(SLUG)
    assert stored is not None
    return list(stored.body["tags"])


def test_review_tags_are_canonical_entities_linked_to_their_pages(
    client: Client, demo_store: Store
) -> None:
    tags = _tags(demo_store)
    assert tags and all(set(t) == {"name", "slug", "entity_id"} for t in tags)
    assert {"name": "United States", "slug": "united-states"}.items() <= next(
        t for t in tags if t["slug"] == "united-states"
    ).items()
    page = client.get(f"/reviews/{SLUG}")
    assert 'href="/tags/united-states" rel="tag">United States</a>' in page.text


def test_tag_page_lists_the_review_and_names_the_entity_in_every_script(
    client: Client, demo_store: Store
) -> None:
    title = demo_store.get_review(SLUG).title.replace("'", "&#39;")  # type: ignore[union-attr]
    page = client.get("/tags/united-states")
    assert page.status_code == 200
    assert title in page.text
    assert "США" in page.text and "AQSh" in page.text  # ru and uz-Latn names
    in_russian = client.get("/tags/united-states?lang=ru")
    assert "<h1>США</h1>" in in_russian.text


def test_unknown_tag_is_404(client: Client) -> None:
    assert client.get("/tags/no-such-entity").status_code == 404
    assert client.get("/tags/no-such-entity/feed.atom").status_code == 404
    assert client.get("/tags/%3Cscript%3E").status_code == 404


def test_tag_feed_is_valid_atom(client: Client) -> None:
    response = client.get("/tags/united-states/feed.atom")
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 1
    assert parsed.feed.links[-1].href.endswith("/tags/united-states/feed.atom")
