"""Helpers of the site's tests: an in-process client, the test key, a fixed clock."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from midweek.store import Store
from midweek.web.app import create_app
from midweek.web.security import AbuseLimits, TokenBucket

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
SECRET = "test-secret-key-of-forty-characters-long"
SLUG = "review-2020-01-05-to-2020-01-11"


class Client:
    """A synchronous face on ``httpx.AsyncClient`` over ``ASGITransport`` (in process)."""

    def __init__(self, app: FastAPI, base_url: str = "http://testserver") -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.http.get(url, **kwargs))  # type: ignore[no-any-return]

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.http.post(url, **kwargs))  # type: ignore[no-any-return]

    def close(self) -> None:
        self.run(self.http.aclose())
        self.loop.close()


# The clock of make_app stands still, so a reader never ages: the reader-age rule is off
# unless a test passes limits (and a clock) of its own (tests/web/test_ratings.py).
AGELESS = AbuseLimits(rating_min_reader_age_s=0.0)


def make_app(store: Store, **kwargs: Any) -> FastAPI:
    """The site on ``store`` with the test key and a fixed clock."""
    kwargs.setdefault("limits", AGELESS)
    kwargs.setdefault("now", lambda: NOW)
    return create_app(store, secret_key=SECRET, **kwargs)


def loosen_throttles(app: FastAPI) -> None:
    """Let a test send many votes (the throttle has tests of its own)."""
    big = 1e9
    app.state.site = replace(
        app.state.site,
        new_readers=TokenBucket(big, 1.0, 10),
        reader_throttle=TokenBucket(big, 1.0, 10),
        network_throttle=TokenBucket(big, 1.0, 10),
    )


def set_status(store: Store, slug: str, status: str) -> None:
    """Publish or take back to draft a stored review, as the desk does."""
    from midweek.store.desk import set_review_status

    stored = store.get_review(slug)
    assert stored is not None, slug
    set_review_status(store, stored.id, status, user_name="test", now=NOW)
