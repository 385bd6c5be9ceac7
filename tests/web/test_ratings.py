"""Ratings: one per reader (unique key + upsert), averages from rows, CSRF, throttles, XFF."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from midweek.store import Store, open_store
from midweek.store.site import (
    parse_body,
    rate_review,
    rating_summary,
    reader_stars,
    review_for_reader,
)
from midweek.store.site_schema import ratings
from midweek.web.security import TokenBucket
from web.sitehelpers import NOW, SLUG, Client, loosen_throttles, make_app, set_status

RATE = f"/reviews/{SLUG}/rating"


def _token(client: Client, slug: str = SLUG) -> str:
    """Load the review page (which sets the reader cookie) and read the form's token."""
    html = client.get(f"/reviews/{slug}").text
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ratings)) or 0)


def _save_review(store: Store, slug: str = SLUG) -> int:
    """A minimal stored review (for the PostgreSQL runs, which have no demo ingest)."""
    body = {"slug": slug, "title": "A week", "sections": [], "teasers": [], "intro": "Intro."}
    review_id = store.save_review(
        slug=slug,
        title="A week",
        lang="en",
        window_start=NOW - timedelta(days=7),
        window_end=NOW,
        created_at=NOW,
        body=body,
    )
    set_status(store, slug, "published")  # readers rate published reviews only
    return review_id


@pytest.fixture
def any_store(store_url: str) -> Iterator[Store]:
    """An empty store holding one review, on SQLite and on PostgreSQL."""
    store = open_store(store_url)
    _save_review(store)
    yield store
    store.close()


def test_no_ratings_yet_then_one_vote_that_a_second_vote_replaces(
    client: Client, demo_store: Store
) -> None:
    assert "no ratings yet" in client.get(f"/reviews/{SLUG}").text
    token = _token(client)
    first = client.post(RATE, data={"csrf": token, "stars": "4"})
    assert first.status_code == 303 and first.headers["location"] == f"/reviews/{SLUG}#rating"
    page = client.get(f"/reviews/{SLUG}").text
    assert "4.0 · 1 rating<" in page and "Your rating: 4 of 5" in page
    assert client.post(RATE, data={"csrf": token, "stars": "2"}).status_code == 303
    assert _rows(demo_store) == 1
    assert "2.0 · 1 rating<" in client.get(f"/reviews/{SLUG}").text
    assert "2.0 · 1 rating" in client.get("/").text


def test_the_page_script_gets_the_readers_new_rating_block(
    client: Client, demo_store: Store
) -> None:
    token = _token(client)
    fragment = {"X-Midweek-Fragment": "rating"}
    answer = client.post(RATE, data={"csrf": token, "stars": "5"}, headers=fragment)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    block = answer.text
    assert '<section class="rating" id="rating">' in block and "<html" not in block
    assert "5.0 · 1 rating<" in block and "Your rating: 5 of 5" in block
    assert f'name="csrf" value="{token}"' in block  # this reader's token, to vote again
    assert re.search(r'value="5"[^>]*aria-pressed="true"', block)
    # another reader's block carries their own token and no vote of theirs
    other = Client(client.app)
    try:
        theirs = other.post(RATE, data={"csrf": _token(other), "stars": "1"}, headers=fragment).text
    finally:
        other.close()
    assert token not in theirs and "3.0 · 2 ratings<" in theirs
    assert "Your rating: 1 of 5" in theirs
    # refusals stay refusals (no block for a forged token)
    assert client.post(RATE, data={"csrf": "x", "stars": "5"}, headers=fragment).status_code == 403


def test_posts_without_a_valid_token_or_cookie_are_refused(
    client: Client, demo_store: Store
) -> None:
    stranger = Client(client.app)
    try:
        # a cross-site POST: no cookie at all (SameSite=Lax withholds it), no token
        assert stranger.post(RATE, data={"stars": "5"}).status_code == 403
        other_token = _token(stranger)
    finally:
        stranger.close()
    token = _token(client)
    assert client.post(RATE, data={"stars": "5"}).status_code == 403
    assert client.post(RATE, data={"csrf": "", "stars": "5"}).status_code == 403
    assert client.post(RATE, data={"csrf": token[:-2] + "xx", "stars": "5"}).status_code == 403
    assert client.post(RATE, data={"csrf": other_token, "stars": "5"}).status_code == 403
    # a forged cookie: right shape, wrong signature
    forged = Client(client.app)
    try:
        forged.http.cookies.set("mw_reader", "0" * 32 + ".AAAA")
        assert forged.post(RATE, data={"csrf": token, "stars": "5"}).status_code == 403
    finally:
        forged.close()
    assert _rows(demo_store) == 0
    assert client.post(RATE, data={"csrf": token, "stars": "5"}).status_code == 303


def test_only_plain_forms_with_stars_in_range_are_taken(client: Client, demo_store: Store) -> None:
    token = _token(client)
    # JSON sent as text/plain or as JSON is not a form (FastAPI CVE-2021-32677)
    as_text = client.post(
        RATE, content=f'{{"csrf": "{token}", "stars": 5}}', headers={"content-type": "text/plain"}
    )
    assert as_text.status_code == 400
    assert client.post(RATE, json={"csrf": token, "stars": "5"}).status_code == 400
    for stars in ("0", "6", "-1", "4.5", "", "٣", "99999999999999999999"):
        assert client.post(RATE, data={"csrf": token, "stars": stars}).status_code == 400, stars
    padded = {"csrf": token, "stars": "5", "pad": "x" * 5000}
    assert client.post(RATE, data=padded).status_code == 400
    missing = client.post("/reviews/nope/rating", data={"csrf": token, "stars": "3"})
    assert missing.status_code == 404
    assert _rows(demo_store) == 0


def test_forged_forwarded_for_is_not_a_new_reader(client: Client, demo_store: Store) -> None:
    loosen_throttles(client.app)
    token = _token(client)
    for i in range(5):
        headers = {"X-Forwarded-For": f"203.0.113.{i}", "X-Real-IP": f"198.51.100.{i}"}
        response = client.post(RATE, data={"csrf": token, "stars": str(i + 1)}, headers=headers)
        assert response.status_code == 303
    assert _rows(demo_store) == 1
    anonymous = Client(client.app)
    try:
        refused = anonymous.post(
            RATE, data={"csrf": token, "stars": "1"}, headers={"X-Forwarded-For": "203.0.113.9"}
        )
    finally:
        anonymous.close()
    assert refused.status_code == 403 and _rows(demo_store) == 1


def test_votes_are_throttled_per_reader_and_per_address(client: Client, demo_store: Store) -> None:
    clock = [1000.0]
    site = client.app.state.site
    client.app.state.site = replace(site, monotonic=lambda: clock[0])
    token = _token(client)
    codes = [client.post(RATE, data={"csrf": token, "stars": "3"}).status_code for _ in range(7)]
    assert codes[:5] == [303] * 5 and codes[5:] == [429, 429]
    throttled = client.post(RATE, data={"csrf": token, "stars": "3"})
    assert throttled.headers["retry-after"] == "10" and "Too many votes" in throttled.text
    clock[0] += 10.0  # one token back after the refill period
    assert client.post(RATE, data={"csrf": token, "stars": "3"}).status_code == 303
    # per address: new readers from one address, each with a forged X-Forwarded-For
    client.app.state.site = replace(
        client.app.state.site,
        reader_throttle=TokenBucket(100, 1.0, 100),
        address_throttle=TokenBucket(3, 60.0, 100),
    )
    codes = []
    for i in range(5):
        reader = Client(client.app)
        try:
            reader_token = _token(reader)
            headers = {"X-Forwarded-For": f"203.0.113.{i}"}
            data = {"csrf": reader_token, "stars": "5"}
            codes.append(reader.post(RATE, data=data, headers=headers).status_code)
        finally:
            reader.close()
    assert codes == [303, 303, 303, 429, 429]


def test_cookies_are_httponly_lax_and_secure_over_https(demo_store: Store) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = Client(make_app(demo_store), base_url=base)
        try:
            cookie = client.get(f"/reviews/{SLUG}", params={"lang": "en"}).headers.get_list(
                "set-cookie"
            )
        finally:
            client.close()
        assert len(cookie) == 2
        for value in cookie:
            lowered = value.lower()
            assert "httponly" in lowered and "samesite=lax" in lowered
            assert ("; secure" in lowered) is secure


def test_two_hundred_concurrent_posts_from_one_reader_leave_one_row(any_store: Store) -> None:
    app = make_app(any_store)
    loosen_throttles(app)
    client = Client(app)
    try:
        token = _token(client)

        async def burst() -> list[int]:
            posts = [
                client.http.post(RATE, data={"csrf": token, "stars": str(1 + i % 5)})
                for i in range(200)
            ]
            return [r.status_code for r in await asyncio.gather(*posts)]

        codes = client.run(burst())
    finally:
        client.close()
    assert codes == [303] * 200
    assert _rows(any_store) == 1


def test_concurrent_upserts_on_the_store_leave_one_row(any_store: Store) -> None:
    review = any_store.get_review(SLUG)
    assert review is not None

    def vote(i: int) -> None:
        rate_review(any_store, review_id=review.id, reader_id="r" * 32, stars=1 + i % 5, now=NOW)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(vote, range(200)))
    assert _rows(any_store) == 1
    assert reader_stars(any_store, review.id, "r" * 32) in {1, 2, 3, 4, 5}
    summary = rating_summary(any_store, review.id)
    assert summary.count == 1


def test_average_over_three_hundred_readers_is_sql_avg(any_store: Store) -> None:
    review = any_store.get_review(SLUG)
    assert review is not None
    assert rating_summary(any_store, review.id).average is None
    rng = random.Random(7)
    given = {f"{i:032x}": rng.randint(1, 5) for i in range(300)}
    for reader, stars in given.items():
        rate_review(any_store, review_id=review.id, reader_id=reader, stars=stars, now=NOW)
    with any_store.engine.connect() as conn:
        sql_avg = conn.scalar(select(func.avg(ratings.c.stars)))
    summary = rating_summary(any_store, review.id)
    assert summary.count == 300
    assert summary.average == pytest.approx(float(sql_avg))
    assert summary.average == pytest.approx(sum(given.values()) / 300)
    client = Client(make_app(any_store))
    try:
        shown = client.get(f"/reviews/{SLUG}").text
    finally:
        client.close()
    assert f"{summary.average:.1f} · 300 ratings" in shown


def test_the_page_query_agrees_with_the_separate_queries(any_store: Store) -> None:
    review = any_store.get_review(SLUG)
    assert review is not None
    fresh = review_for_reader(any_store, SLUG, None)
    assert fresh is not None and fresh.summary.count == 0 and fresh.summary.average is None
    assert parse_body(fresh.body_text) == review.body
    for i, stars in enumerate((5, 2, 4)):
        rate_review(any_store, review_id=review.id, reader_id=f"{i:032x}", stars=stars, now=NOW)
    for reader in (f"{0:032x}", f"{2:032x}", "f" * 32, None):
        found = review_for_reader(any_store, SLUG, reader)
        assert found is not None and found.id == review.id and found.slug == SLUG
        assert found.summary == rating_summary(any_store, review.id)
        assert found.mine == (reader_stars(any_store, review.id, reader) if reader else None)
    assert review_for_reader(any_store, "no-such-review", None) is None
    set_status(any_store, SLUG, "draft")
    assert review_for_reader(any_store, SLUG, f"{0:032x}") is None


def test_store_refuses_out_of_range_stars(any_store: Store) -> None:
    review = any_store.get_review(SLUG)
    assert review is not None
    for stars in (0, 6, -3):
        with pytest.raises(ValueError, match="stars"):
            rate_review(any_store, review_id=review.id, reader_id="a" * 32, stars=stars, now=NOW)
    with pytest.raises(ValueError, match="reader"):
        rate_review(any_store, review_id=review.id, reader_id="", stars=3, now=NOW)
    assert _rows(any_store) == 0


def test_migration_adds_and_removes_the_ratings_table(store_url: str) -> None:
    from importlib import resources

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    store = open_store(store_url)
    try:
        found = inspect(store.engine)
        assert "ratings" in found.get_table_names()
        uniques = [u["column_names"] for u in found.get_unique_constraints("ratings")]
        assert ["review_id", "reader_id"] in uniques
        config = Config()
        location = resources.files("midweek.store") / "migrations"
        config.set_main_option("script_location", str(location))
        with store.engine.connect().execution_options(midweek_write=True) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
            conn.commit()
        assert "ratings" not in inspect(store.engine).get_table_names()
    finally:
        store.close()
    open_store(store_url).close()  # and back up again
