"""The review page's cached frame: one rendering shared by readers, never their own parts."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from sqlalchemy import update

from midweek.errors import MidweekError
from midweek.models import Review
from midweek.render.jsonout import review_to_dict
from midweek.store import Store, schema
from midweek.store.site import RatingSummary, rate_review
from midweek.web.pagecache import RATING_SLOT, FrameKey, ReviewFrames, SummaryCache
from midweek.web.runtime import render_html
from web.sitehelpers import NOW, SLUG, Client, make_app, set_status

PAGE = f"/reviews/{SLUG}"
RATE = f"{PAGE}/rating"


def _token(html: str) -> str:
    """The rating form's token on a page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _reader(client: Client) -> str:
    """The reader id of the client's signed cookie."""
    cookie = client.http.cookies.get("mw_reader")
    assert cookie is not None
    return cookie.split(".")[0]


def _frames(client: Client) -> ReviewFrames:
    frames: ReviewFrames = client.app.state.site.review_frames
    return frames


def test_readers_share_the_frame_but_never_a_token_or_a_vote(demo_store: Store) -> None:
    app = make_app(demo_store)
    alice, bob, carol = Client(app), Client(app), Client(app)
    try:
        alice_token = _token(alice.get(PAGE).text)
        assert alice.post(RATE, data={"csrf": alice_token, "stars": "4"}).status_code == 303
        bob_page = bob.get(PAGE)  # a new reader: served right after Alice's vote
        bob_token = _token(bob_page.text)
        alice_page = alice.get(PAGE).text
        carol_token = _token(carol.get(PAGE).text)
        bob_again = bob.get(PAGE).text
        info = _frames(alice).info()
        signer = app.state.site.signer
        readers = {_reader(alice), _reader(bob), _reader(carol)}
        bob_id = _reader(bob)
    finally:
        for client in (alice, bob, carol):
            client.close()
    assert len(readers) == 3
    # each page holds its own reader's token, and only that
    assert len({alice_token, bob_token, carol_token}) == 3
    for client_token, html in ((alice_token, alice_page), (bob_token, bob_again)):
        assert re.findall(r'name="csrf" value="([^"]+)"', html) == [client_token]
    assert bob_token == signer.csrf_token(bob_id)
    assert "Your rating: 4 of 5" in alice_page and 'aria-pressed="true"' in alice_page
    assert "Your rating" not in bob_again and "aria-pressed" not in bob_again
    assert "Your rating" not in bob_page.text
    # the count is everyone's: Bob sees Alice's vote counted, not as his own
    assert "4.0 · 1 rating<" in bob_again
    # the shared part was rendered once and then reused for every reader
    assert info.misses == 1 and info.hits >= 4


def test_a_stolen_token_does_not_work_for_another_reader(client: Client) -> None:
    victim_token = _token(client.get(PAGE).text)
    other = Client(client.app)
    try:
        other.get(PAGE)  # the attacker's own cookie
        refused = other.post(RATE, data={"csrf": victim_token, "stars": "1"})
    finally:
        other.close()
    assert refused.status_code == 403


def test_an_edit_or_unpublishing_shows_at_once(client: Client, demo_store: Store) -> None:
    assert client.get(PAGE).status_code == 200
    stored = demo_store.get_review(SLUG)
    assert stored is not None
    body = dict(stored.body)
    body["intro"] = "An intro written by another process."
    with demo_store.engine.begin() as conn:  # as the command line would, behind the site
        conn.execute(
            update(schema.reviews).where(schema.reviews.c.id == stored.id).values(body=body)
        )
    assert "An intro written by another process." in client.get(PAGE).text
    set_status(demo_store, SLUG, "draft")
    assert client.get(PAGE).status_code == 404
    set_status(demo_store, SLUG, "published")
    assert "An intro written by another process." in client.get(PAGE).text


def test_stored_text_cannot_forge_the_rating_slot(client: Client, demo_store: Store) -> None:
    stored = demo_store.get_review(SLUG)
    assert stored is not None
    body = dict(stored.body)
    body["intro"] = f"{RATING_SLOT} and more"
    body["title"] = RATING_SLOT
    with demo_store.engine.begin() as conn:
        conn.execute(
            update(schema.reviews).where(schema.reviews.c.id == stored.id).values(body=body)
        )
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.text.count('<section class="rating" id="rating">') == 1
    assert RATING_SLOT not in page.text and "&lt;!--midweek:rating--&gt;" in page.text


def test_returning_reader_gets_an_etag_and_a_304_until_the_page_changes(client: Client) -> None:
    first = client.get(PAGE)  # a new reader: the cookie is being set, nothing may keep it
    assert first.headers["cache-control"] == "private, no-store" and "etag" not in first.headers
    page = client.get(PAGE)
    etag = page.headers["etag"]
    assert page.headers["cache-control"] == "private, no-cache"
    assert "Cookie" in page.headers["vary"]
    same = client.get(PAGE, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    assert client.get(PAGE, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.post(RATE, data={"csrf": _token(page.text), "stars": "5"}).status_code == 303
    changed = client.get(PAGE, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "5.0 · 1 rating<" in changed.text


def test_another_readers_etag_never_yields_a_304(client: Client) -> None:
    client.get(PAGE)
    etag = client.get(PAGE).headers["etag"]
    other = Client(client.app)
    try:
        other.get(PAGE)
        theirs = other.get(PAGE, headers={"If-None-Match": etag})
        new = Client(client.app)
        anonymous = new.get(PAGE, headers={"If-None-Match": etag})
        new.close()
    finally:
        other.close()
    assert theirs.status_code == 200 and theirs.headers["etag"] != etag
    assert anonymous.status_code == 200 and "set-cookie" in anonymous.headers


def test_language_and_host_are_part_of_the_frame(client: Client) -> None:
    client.get(PAGE)
    english = client.get(PAGE).text
    russian = client.get(PAGE, params={"lang": "ru"}).text
    assert 'lang="ru"' in russian and 'lang="en"' in english
    other_host = client.get(PAGE, headers={"Host": "news.example"}).text
    assert 'href="http://news.example/reviews/' in other_host
    assert 'href="http://testserver/reviews/' not in other_host


def test_a_template_without_the_slot_is_refused() -> None:
    frames = ReviewFrames(lambda *_args, **_kwargs: "<p>no slot</p>", "midweek")
    key = FrameKey(1, "s", "T", "en", "{}", "en", "http://x/reviews/s", "http://x/f", ())
    with pytest.raises(MidweekError):
        frames.get(key)


def test_frames_render_the_real_template_once_per_key() -> None:
    frames = ReviewFrames(render_html, "midweek", maxsize=2)
    body = json.dumps(review_to_dict(Review("s", "Review", "T", (), "", (), NOW, NOW, NOW)))
    key = FrameKey(1, "s", "T", "en", body, "en", "http://x/reviews/s", "http://x/f", ())
    frame = frames.get(key)
    assert frames.get(key) is frame
    html = frame.join("<section>rating</section>")
    assert html.startswith("<!DOCTYPE html>") and "<section>rating</section>" in html
    frames.clear()
    assert frames.info().currsize == 0


def _vote_elsewhere(store: Store, reader: int, stars: int) -> None:
    """A vote recorded by another process (straight into the store)."""
    stored = store.get_review(SLUG)
    assert stored is not None
    rate_review(store, review_id=stored.id, reader_id=f"{reader:032x}", stars=stars, now=NOW)


def test_few_ratings_are_counted_on_every_request(client: Client, demo_store: Store) -> None:
    client.get(PAGE)
    _vote_elsewhere(demo_store, 1, 5)
    assert "5.0 · 1 rating<" in client.get(PAGE).text
    _vote_elsewhere(demo_store, 2, 1)
    assert "3.0 · 2 ratings<" in client.get(PAGE).text


def test_a_much_rated_review_keeps_its_count_briefly_but_never_the_voters_own(
    demo_store: Store,
) -> None:
    clock = [100.0]
    app = make_app(demo_store)
    app.state.site = replace(
        app.state.site, monotonic=lambda: clock[0], summaries=SummaryCache(1.0, 2, 16)
    )
    client = Client(app)
    try:
        _vote_elsewhere(demo_store, 1, 5)
        _vote_elsewhere(demo_store, 2, 3)
        token = _token(client.get(PAGE).text)
        assert "4.0 · 2 ratings<" in client.get(PAGE).text
        _vote_elsewhere(demo_store, 3, 1)  # another process: shown within the second
        clock[0] += 0.5
        assert "4.0 · 2 ratings<" in client.get(PAGE).text
        clock[0] += 0.6
        assert "3.0 · 3 ratings<" in client.get(PAGE).text
        clock[0] += 0.1
        assert client.post(RATE, data={"csrf": token, "stars": "3"}).status_code == 303
        shown = client.get(PAGE).text  # this process's vote: counted at once
    finally:
        client.close()
    assert "3.0 · 4 ratings<" in shown and "Your rating: 3 of 5" in shown


def test_summary_cache_keeps_only_much_rated_reviews_and_not_past_a_vote() -> None:
    cache = SummaryCache(ttl_s=1.0, exact_below=10, max_keys=2)
    many, few = RatingSummary(10, 4.0), RatingSummary(9, 4.0)
    cache.put("few", few, 0.0)
    assert cache.get("few", 0.1) is None
    cache.put("a", many, 0.0)
    assert cache.get("a", 0.9) == many and cache.get("a", 1.0) is None
    cache.forget("a", 5.0)  # a vote at 5.0: a count begun at 4.9 may miss it
    cache.put("a", many, 4.9)
    assert cache.get("a", 5.1) is None
    cache.put("a", many, 5.2)
    assert cache.get("a", 5.3) == many
    cache.put("b", many, 5.2)
    cache.put("c", many, 5.2)  # bounded: the least recently used goes
    assert cache.get("a", 5.3) is None and cache.get("c", 5.3) == many
