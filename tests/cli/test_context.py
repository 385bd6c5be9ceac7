"""The global options travel in the click context, never in a module global (issue 14 item 2).

``--db`` given to one run of the app reaches that run's command and no other: a command run
later in the same process without midweek's callback (a test's own app) reads the
workspace's default store, not the one an earlier run named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from midweek.cli import app
from midweek.cli.context import GlobalOptions
from midweek.cli.site import users_app

PASSWORD = "correct horse battery"


def _names(output: str) -> list[str]:
    """The editors' names in ``users list --json`` output."""
    return [user["name"] for user in json.loads(output)]


def test_db_reaches_its_own_run_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIDWEEK_DATABASE_URL", raising=False)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    runner = CliRunner()
    added = runner.invoke(
        app, ["--db", other, "users", "add", "ana", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["--db", other, "users", "list", "--json"])
    assert _names(listed.output) == ["ana"]
    # the same commands on an app without the callback: the defaults, ./midweek.db
    alone = typer.Typer()
    alone.add_typer(users_app, name="users")
    default = runner.invoke(alone, ["users", "list", "--json"])
    assert default.exit_code == 0, default.output
    assert _names(default.output) == [] and (tmp_path / "midweek.db").is_file()
    # and options handed in as the context's obj are the ones the command reads
    given = runner.invoke(alone, ["users", "list", "--json"], obj=GlobalOptions(db=other))
    assert _names(given.output) == ["ana"]


def test_the_options_are_frozen() -> None:
    options = GlobalOptions(db="sqlite:///x.db")
    with pytest.raises(AttributeError):
        options.db = "sqlite:///y.db"  # type: ignore[misc]
