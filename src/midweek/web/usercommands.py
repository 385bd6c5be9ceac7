"""CLI commands ``users add|list|remove``: the editors who may log in to ``/editor/``.

Register in ``midweek.cli``::

    from midweek.web import usercommands
    app.add_typer(usercommands.users_app, name="users")
"""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["users_add", "users_app", "users_list", "users_remove"]

out = Console(markup=False)  # user and third-party text: brackets print as typed

users_app = typer.Typer(help="Manage the editors who may log in to the desk at /editor/.")


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
    name: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ @ -).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of stdin.")
    ] = False,
) -> None:
    """Add an editor; the password is asked twice, hidden (or read from stdin)."""
    from midweek.cli import _now, _open_store, state
    from midweek.store import editor  # the store (and argon2) only when a command runs

    password = _read_password(password_stdin)
    store = _open_store(state.settings())
    try:
        user = editor.add_user(store, name, password, now=_now())
    finally:
        store.close()
    out.print(f"added editor {user.name}")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the editors."""
    from midweek.cli import _open_store, state
    from midweek.store import editor  # the store (and argon2) only when a command runs

    store = _open_store(state.settings())
    try:
        found = editor.list_users(store)
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
def users_remove(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Remove an editor and end their sessions (their audit entries stay)."""
    from midweek.cli import _open_store, state
    from midweek.store import editor  # the store (and argon2) only when a command runs

    store = _open_store(state.settings())
    try:
        removed = editor.remove_user(store, name)
    finally:
        store.close()
    if not removed:
        raise ConfigError(f"no user named {name!r}")
    out.print(f"removed editor {name}")
