"""``midweek serve``: the reader-facing site on uvicorn.

The secret that signs reader cookies is the ``secret_key`` setting, else one generated
once in the workspace.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from midweek.web.security import load_or_create_secret

logger = logging.getLogger(__name__)

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    proxy: Annotated[
        bool,
        typer.Option(
            "--proxy/--no-proxy",
            help="Behind a reverse proxy on this machine: trust its X-Forwarded-Proto/-For "
            "(from 127.0.0.1 only) for https detection and per-address throttling.",
        ),
    ] = False,
) -> None:
    """Serve the site: reviews, stories, search, archive, Atom feed, ratings and the JSON API."""
    import uvicorn

    from midweek.cli import _open_store, out, state
    from midweek.web.app import create_app

    settings = state.settings()
    secret = settings.secret_key or load_or_create_secret(settings.workspace)
    store = _open_store(settings)
    app = create_app(
        store,
        secret_key=secret,
        site_name=settings.site_name,
        base_url=settings.site_url or None,
        language=settings.language,
    )
    out.print(f"serving http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=proxy,
            forwarded_allow_ips="127.0.0.1",
            server_header=False,
            log_level="warning",
        )
    finally:
        store.close()
