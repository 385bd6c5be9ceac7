"""``midweek serve`` (the reader-facing site on uvicorn) and ``midweek users add|list|remove``
(the editors who may log in to ``/editor/``).

The secret that signs reader cookies is the ``secret_key`` setting, else one generated
once in the workspace. Behind a reverse proxy (``--proxy``) the forwarded headers are
believed only from the ``trusted_proxies`` setting's addresses.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from midweek.cli.context import global_options, now, out
from midweek.errors import ConfigError
from midweek.settings import Settings
from midweek.workspace import open_store, site_app

__all__ = ["serve", "serve_site", "users_add", "users_app", "users_list", "users_remove"]

users_app = typer.Typer(help="Manage the editors who may log in to the desk at /editor/.")


def serve(
    ctx: typer.Context,
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
    serve_site(global_options(ctx).settings(), host=host, port=port, proxy=proxy)


def serve_site(settings: Settings, *, host: str, port: int, proxy: bool = False) -> None:
    """Build the site's app from the settings and serve it until interrupted.

    Args:
        settings: The workspace's settings (store, secret, site name, limits, proxies).
        host: Address to listen on.
        port: Port to listen on.
        proxy: Believe the forwarded headers of the ``trusted_proxies`` addresses.

    Raises:
        ConfigError: ``proxy`` without any ``trusted_proxies``.
    """
    import uvicorn

    if proxy and not settings.trusted_proxies:
        raise ConfigError(
            "--proxy needs the trusted_proxies setting: the addresses of your reverse "
            'proxies, e.g. trusted_proxies = ["127.0.0.1"] in midweek.toml'
        )
    store = open_store(settings)
    try:
        app = site_app(settings, store, proxy=proxy)
        out.print(f"serving http://{host}:{port}/ (Ctrl-C to stop)")
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


def _read_password(from_stdin: bool) -> str:
    """The new password: one line of stdin, or typed twice without echo."""
    if from_stdin:
        line = typer.get_text_stream("stdin").readline()
        password = line.rstrip("\r\n")
        if not password:
            raise ConfigError("no password on stdin")
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command(
    "add",
    epilog="Examples: midweek users add dilnoza · "
    "printf '%s\\n' \"$PASS\" | midweek users add dilnoza --password-stdin",
)
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ @ -).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of stdin.")
    ] = False,
) -> None:
    """Add an editor; the password is asked twice, hidden (or read from stdin)."""
    from midweek.store import users  # the store (and argon2) only when a command runs

    password = _read_password(password_stdin)
    store = open_store(global_options(ctx).settings())
    try:
        user = users.add_user(store, name, password, now=now())
    finally:
        store.close()
    out.print(f"added editor {user.name}")


@users_app.command("list")
def users_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List the editors."""
    from midweek.store import users  # the store (and argon2) only when a command runs

    store = open_store(global_options(ctx).settings())
    try:
        found = users.list_users(store)
    finally:
        store.close()
    if as_json:
        rows = [
            {"name": u.name, "created_at": u.created_at.isoformat(), "disabled": u.disabled}
            for u in found
        ]
        out.print_json(json.dumps(rows))
        return
    table = Table("name", "created", "disabled")
    for u in found:
        table.add_row(u.name, u.created_at.strftime("%Y-%m-%d %H:%M"), "yes" if u.disabled else "")
    out.print(table)


@users_app.command("remove")
def users_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Login name.")]
) -> None:
    """Remove an editor and end their sessions (their audit entries stay)."""
    from midweek.store import users  # the store (and argon2) only when a command runs

    store = open_store(global_options(ctx).settings())
    try:
        removed = users.remove_user(store, name)
    finally:
        store.close()
    if not removed:
        raise ConfigError(f"no user named {name!r}")
    out.print(f"removed editor {name}")
