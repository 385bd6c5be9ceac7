"""The JSON API against its own OpenAPI schema: generated requests never get a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from midweek.store import open_store
from web.sitehelpers import make_app

# schemathesis builds its tests at import time, before fixtures exist, so the app gets a
# store of its own here: an empty one, where 404 and 422 are answers and 5xx are faults.
# Pages and the API on real data are exercised by the other site tests.
_store = open_store(f"sqlite:///{Path(tempfile.mkdtemp(prefix='midweek-api-')) / 'api.db'}")
schema = schemathesis.openapi.from_asgi("/api/openapi.json", make_app(_store))


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code)
