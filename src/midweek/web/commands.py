"""``midweek serve``: the reader-facing site on uvicorn.

The secret that signs reader cookies is the ``secret_key`` setting, else one generated
once in the workspace. Behind a reverse proxy (``--proxy``) the forwarded headers are
believed only from the ``trusted_proxies`` setting's addresses.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from midweek.errors import ConfigError
from midweek.web.security import AbuseLimits, load_or_create_secret

logger = logging.getLogger(__name__)

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    proxy: Annotated[
        bool,
        typer.Option(
            "--proxy/--no-proxy",
            help="Behind a reverse proxy: believe X-Forwarded-Proto/-For from the "
            "trusted_proxies setting's addresses only (the right-most address not among "
            "them is the client), for https detection and per-network limits.",
        ),
    ] = False,
) -> None:
    """Serve the site: reviews, stories, search, archive, Atom feed, ratings and the JSON API."""
    import uvicorn

    from midweek.cli import _open_store, out, state
    from midweek.web.app import create_app

    settings = state.settings()
    if proxy and not settings.trusted_proxies:
        raise ConfigError(
            "--proxy needs the trusted_proxies setting: the addresses of your reverse "
            'proxies, e.g. trusted_proxies = ["127.0.0.1"] in midweek.toml'
        )
    secret = settings.secret_key or load_or_create_secret(settings.workspace)
    store = _open_store(settings)
    app = create_app(
        store,
        secret_key=secret,
        site_name=settings.site_name,
        base_url=settings.site_url or None,
        language=settings.language,
        limits=AbuseLimits.from_settings(settings),
        trusted_proxies=settings.trusted_proxies if proxy else (),
    )
    out.print(f"serving http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=False,  # the app's own middleware, with trusted_proxies
            server_header=False,
            log_level="warning",
        )
    finally:
        store.close()
