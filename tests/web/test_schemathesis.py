"""The JSON API against its own OpenAPI schema: generated requests never get a 5xx.

The app runs on the demo store (a real ingest, its stories and its published review), and
half of the generated path parameters and search queries are swapped for values that exist
in it (review slugs, story keys, article ids, words of stored titles), so the requests
reach the code that reads and serialises stored rows: a 5xx that only data can trigger is
found here, not only the 404 and 422 of an empty store.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from midweek.store import Store, open_store
from web.sitehelpers import make_app

# at most this many stored values of each kind are offered to the generator
SAMPLED_VALUES = 30


def _stored_values(store: Store) -> dict[str, list[Any]]:
    """Path parameters and query words that exist in ``store``, by parameter name."""
    with store.engine.connect() as conn:
        slugs = [r[0] for r in conn.exec_driver_sql("SELECT slug FROM reviews ORDER BY id")]
        keys = [r[0] for r in conn.exec_driver_sql("SELECT key FROM stories ORDER BY id")]
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM articles ORDER BY id")]
        titles = [r[0] for r in conn.exec_driver_sql("SELECT title FROM articles ORDER BY id")]
    words = sorted({w for t in titles for w in re.findall(r"\w{4,}", t)})
    return {
        "slug": slugs[:SAMPLED_VALUES],
        "key": keys[:SAMPLED_VALUES],
        "article_id": ids[:SAMPLED_VALUES] + ids[-3:],
        "q": words[:: max(1, len(words) // SAMPLED_VALUES)],
    }


def _mixed(generated: dict[str, Any] | None, stored: dict[str, list[Any]]) -> Any:
    """A strategy: the generated parameters as they are, or with stored values put in."""
    if not generated:
        return st.just(generated)
    names = [n for n in generated if stored.get(n)]
    if not names:
        return st.just(generated)
    swapped = st.fixed_dictionaries({n: st.sampled_from(stored[n]) for n in names})
    return st.one_of(st.just(generated), swapped.map(lambda real: {**generated, **real}))


# schemathesis builds its tests at import time, before fixtures exist, so the schema is
# read from the app on an empty store of its own (the schema does not depend on the data);
# every request goes to the app on the demo store the fixture below builds, and the
# generators draw the stored values that fixture puts here. (The lazy route,
# ``schemathesis.pytest.from_fixture``, fails under pytest 9 in schemathesis 4.32: it
# sets ``node._nodeid``, which pytest no longer has.)
_empty = open_store(f"sqlite:///{Path(tempfile.mkdtemp(prefix='midweek-api-')) / 'api.db'}")
schema = schemathesis.openapi.from_asgi("/api/openapi.json", make_app(_empty))
_stored: dict[str, list[Any]] = {}
_answered: list[int] = []  # the status codes of the current operation's requests


@schema.hook
def flatmap_path_parameters(ctx: Any, path_parameters: dict[str, Any] | None) -> Any:
    return _mixed(path_parameters, _stored)


@schema.hook
def flatmap_query(ctx: Any, query: dict[str, Any] | None) -> Any:
    return _mixed(query, _stored)


@pytest.fixture
def seeded_app(demo_store: Store) -> Iterator[FastAPI]:
    """The site on a copy of the demo store; its stored values offered to the generators."""
    stored = _stored_values(demo_store)
    # the guard: a seeding that stored nothing would make this an empty-store test again
    assert all(stored.values()), {name: len(values) for name, values in stored.items()}
    _stored.update(stored)
    _answered.clear()
    yield make_app(demo_store)
    _stored.clear()
    # the other guard: every operation answered 200 at least once, so the stored rows were
    # read and serialised (for /reviews/{slug} and the like only a stored value does that)
    assert any(200 <= code < 300 for code in _answered), sorted(set(_answered))


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case: schemathesis.Case, seeded_app: FastAPI) -> None:
    response = case.call(app=seeded_app)
    _answered.append(response.status_code)
    assert response.status_code < 500, (case.method, case.path, response.status_code)
