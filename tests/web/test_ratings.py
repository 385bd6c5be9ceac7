"""Ratings: one per reader (unique key + upsert), averages from rows, CSRF, throttles, XFF,
reader ages and per-network limits."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
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
from midweek.web.security import AbuseLimits, ReaderSigner, TokenBucket
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
    body = {
        "slug": slug,
        "rubric": "Review",
        "title": "A week",
        "sections": [],
        "teasers": [],
        "intro": "Intro.",
        "window_start": (NOW - timedelta(days=7)).isoformat(),
        "window_end": NOW.isoformat(),
        "created_at": NOW.isoformat(),
    }
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
    # per network: new readers from one address, each with a forged X-Forwarded-For
    client.app.state.site = replace(
        client.app.state.site,
        reader_throttle=TokenBucket(100, 1.0, 100),
        network_throttle=TokenBucket(3, 60.0, 100),
    )
    codes = []
    for i in range(5):
        reader = Client(client.app)
        try:
            reader_token = _token(reader)
            headers = {"X-Forwarded-For": f"203.0.113.{i}"}
            data = {"csrf": reader_token, "stars": "5"}
            response = reader.post(RATE, data=data, headers=headers)
            codes.append(response.status_code)
        finally:
            reader.close()
    assert codes == [303, 303, 303, 429, 429]
    assert response.headers["x-midweek-refused"] == "network-votes"


@dataclass
class Clock:
    """Both of the site's clocks, moved by the test."""

    wall: datetime = NOW
    mono: float = 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


def _clocked_app(store: Store, clock: Clock, **limits: float) -> FastAPI:
    """The site with the real limits (or those given) on the test's clocks."""
    return make_app(
        store,
        now=lambda: clock.wall,
        monotonic=lambda: clock.mono,
        limits=AbuseLimits(**limits),  # type: ignore[arg-type]
    )


def _peer(app: FastAPI, host: str) -> Client:
    """A client whose requests come from ``host``."""
    client = Client(app)
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    client.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    return client


def test_a_vote_needs_a_reader_that_has_existed_for_a_while(demo_store: Store) -> None:
    clock = Clock()
    app = _clocked_app(demo_store, clock)
    client = Client(app)
    try:
        token = _token(client)  # the reader is minted now
        clock.advance(10)
        plain = client.post(RATE, data={"csrf": token, "stars": "4"})
        assert plain.status_code == 429 and plain.headers["retry-after"] == "20"
        assert plain.headers["x-midweek-refused"] == "reader-too-new"
        assert "spent a little time on the site" in plain.text
        fragment = {"X-Midweek-Fragment": "rating"}
        in_place = client.post(RATE, data={"csrf": token, "stars": "4"}, headers=fragment)
        assert in_place.status_code == 429  # rating.js falls back to the form: same answer
        assert _rows(demo_store) == 0
        clock.advance(20)  # 30 s old: the default age
        assert client.post(RATE, data={"csrf": token, "stars": "4"}).status_code == 303
        block = client.post(RATE, data={"csrf": token, "stars": "5"}, headers=fragment)
        assert block.status_code == 200 and 'id="rating"' in block.text
        assert reader_stars(demo_store, _review_id(demo_store), _reader(client)) == 5
    finally:
        client.close()


def _review_id(store: Store) -> int:
    stored = store.get_review(SLUG)
    assert stored is not None
    return stored.id


def _reader(client: Client) -> str:
    cookie = client.http.cookies.get("mw_reader")
    assert cookie is not None
    return cookie.split(".")[0]


def test_an_old_cookie_is_re_signed_and_waits_its_age(demo_store: Store) -> None:
    import hashlib
    import hmac

    from midweek.web.security import _b64
    from web.sitehelpers import SECRET

    clock = Clock()
    app = _clocked_app(demo_store, clock)
    client = Client(app)
    rid = "cd" * 16
    key = hmac.new(SECRET.encode(), b"midweek reader-id v1", hashlib.sha256).digest()
    client.http.cookies.set(
        "mw_reader", f"{rid}.{_b64(hmac.new(key, rid.encode(), 'sha256').digest())}"
    )
    legacy = client.http.cookies["mw_reader"]
    direct = Client(app)
    direct.http.cookies.set("mw_reader", legacy)
    try:  # a vote straight from the old cookie: not yet, and here is a cookie born now
        token = ReaderSigner(SECRET).csrf_token(rid)  # the form token is bound to the id
        refused = direct.post(RATE, data={"csrf": token, "stars": "2"})
        assert refused.status_code == 429
        assert refused.headers["x-midweek-refused"] == "reader-too-new"
        assert refused.cookies["mw_reader"].startswith(rid + ".")
    finally:
        direct.close()
    try:
        page = client.get(f"/reviews/{SLUG}")  # the page re-signs the cookie: born now
        resigned = page.cookies["mw_reader"]
        assert resigned.startswith(rid + ".") and resigned.count(".") == 2
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match is not None
        token = match.group(1)
        client.http.cookies.clear()
        client.http.cookies.set("mw_reader", resigned)
        assert client.post(RATE, data={"csrf": token, "stars": "2"}).status_code == 429
        clock.advance(30)
        assert client.post(RATE, data={"csrf": token, "stars": "2"}).status_code == 303
    finally:
        client.close()
    assert _rows(demo_store) == 1


def test_eighty_fresh_readers_from_one_address_cannot_cast_sixty_votes(
    any_store: Store,
) -> None:
    clock = Clock()
    app = _clocked_app(any_store, clock)  # the default limits
    readers = [_peer(app, "192.0.2.44") for _ in range(80)]
    try:
        tokens = [_token(r) for r in readers]  # 80 pages: 60 new readers (the burst), 20 not
        clock.advance(31)  # all old enough
        codes = [
            r.post(RATE, data={"csrf": t, "stars": "5"}).status_code
            for r, t in zip(readers, tokens, strict=True)
        ]
        clock.advance(60)  # a minute later: two more votes' worth for the network
        codes += [
            r.post(RATE, data={"csrf": t, "stars": "5"}).status_code
            for r, t in zip(readers[:10], tokens[:10], strict=True)
        ]
    finally:
        for r in readers:
            r.close()
    assert codes.count(303) == 20 + 2  # network_votes_burst, then one per 30 s
    assert codes[60:80] == [403] * 20  # past the new-reader burst: no cookie, no vote
    assert set(codes) == {303, 403, 429}
    assert rating_summary(any_store, _review_id(any_store)).count == 20
    # a neighbour in the same /24 shares the limit; a reader elsewhere does not
    neighbour, elsewhere = _peer(app, "192.0.2.200"), _peer(app, "198.51.100.3")
    try:
        near, far = _token(neighbour), _token(elsewhere)
        clock.advance(31)
        assert neighbour.post(RATE, data={"csrf": near, "stars": "1"}).status_code == 303
        assert neighbour.post(RATE, data={"csrf": near, "stars": "1"}).status_code == 429
        assert elsewhere.post(RATE, data={"csrf": far, "stars": "1"}).status_code == 303
    finally:
        neighbour.close()
        elsewhere.close()


def test_new_readers_are_limited_per_network(demo_store: Store) -> None:
    clock = Clock()
    app = _clocked_app(demo_store, clock, new_readers_burst=3.0, new_readers_refill_s=60.0)
    got = []
    for host in ("2001:db8:5:5::1", "2001:db8:5:5::2", "2001:db8:5:5:ffff::3", "2001:db8:5:5::4"):
        reader = _peer(app, host)
        try:
            page = reader.get(f"/reviews/{SLUG}")
            assert page.status_code == 200  # reading is never refused
            got.append("mw_reader" in page.cookies)
        finally:
            reader.close()
    assert got == [True, True, True, False]  # one /64: three new readers, then none
    other = _peer(app, "2001:db8:5:6::1")
    try:
        assert "mw_reader" in other.get(f"/reviews/{SLUG}").cookies
    finally:
        other.close()
    clock.advance(60)
    late = _peer(app, "2001:db8:5:5::9")
    try:
        page = late.get(f"/reviews/{SLUG}")
        assert "mw_reader" in page.cookies  # the bucket refilled
    finally:
        late.close()


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
