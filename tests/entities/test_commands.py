"""The ``entities`` and ``tags`` commands, mounted on a test app as midweek.cli does."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from midweek.cli import entities as commands
from midweek.cli.context import GlobalOptions
from midweek.models import Article, Story
from midweek.store import open_store
from midweek.store.db import ArticleRow
from midweek.store.stories import UnknownStoryError

NOW = datetime(2025, 7, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def app() -> typer.Typer:
    """A Typer app with the two commands registered the way midweek.cli does."""
    test_app = typer.Typer()
    test_app.command("entities")(commands.entities)
    test_app.command("tags")(commands.tags)
    return test_app


def test_entities_json(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["entities", "Мирзиёев и ООН", "--lang", "ru", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["entity_id"], r["name"]) for r in rows] == [
        ("mw:person:shavkat-mirziyoyev", "Шавкат Мирзиёев"),
        ("Q1065", "ООН"),
    ]
    assert rows[0]["start"] == 0 and rows[0]["end"] == len("Мирзиёев")


def test_entities_table_from_file(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("The President of Kazakhstan met Putin.", "utf-8")
    result = CliRunner().invoke(app, ["entities", str(path), "--date", "2025-07-04", "--json"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["entity_id"] for line in result.output.splitlines()]
    assert ids == ["mw:person:kassym-jomart-tokayev", "Q7747"]
    table = CliRunner().invoke(app, ["entities", str(path)])
    assert table.exit_code == 0 and "Putin" in table.output


@pytest.mark.parametrize("args", [["--lang", "xx"], ["--date", "July"]])
def test_entities_bad_option_is_a_user_error(app: typer.Typer, args: list[str]) -> None:
    result = CliRunner().invoke(app, ["entities", "text", *args])
    assert result.exit_code != 0
    assert isinstance(result.exception, commands.ConfigError)


def _store_with_story(tmp_path: Path) -> str:
    """A SQLite store holding one two-article story; returns its URL."""
    url = f"sqlite:///{tmp_path / 'midweek.db'}"
    store = open_store(url)
    texts = [
        ("Mirziyoyev visits Baku", "Shavkat Mirziyoyev met Ilham Aliyev in Baku.", "en", None),
        ("Мирзиёев Бокуда", "Мирзиёев Алиев билан учрашди.", "uz", "Cyrl"),
    ]
    rows = [
        ArticleRow(
            Article(url=f"https://example.org/{k}", title=t, text=x, lang=lang, script=script,
                    published=NOW),
            key=f"k{k}", canonical_url=f"https://example.org/{k}", content_hash=f"h{k}",
        )
        for k, (t, x, lang, script) in enumerate(texts)
    ]  # fmt: skip
    ids = [i for i in store.add_articles(rows, NOW) if i is not None]
    store.save_stories([Story("baku-visit", "Mirziyoyev in Baku", tuple(ids), NOW, NOW)])
    store.close()
    return url


def test_tags_for_a_stored_story(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _store_with_story(tmp_path)
    monkeypatch.chdir(tmp_path)
    given = GlobalOptions(db=url)  # --db, as midweek's callback puts it in ctx.obj
    args = ["tags", "--story", "baku-visit", "--lang", "uz-Latn", "--json"]
    result = CliRunner().invoke(app, args, obj=given)
    assert result.exit_code == 0, result.output
    tags = {t["entity_id"]: t for t in json.loads(result.output)}
    assert tags["mw:person:shavkat-mirziyoyev"]["name"] == "Shavkat Mirziyoyev"
    assert tags["mw:person:shavkat-mirziyoyev"]["documents"] == 2
    assert tags["mw:person:ilham-aliyev"]["name"] == "Ilhom Aliyev"
    assert tags["Q9248"]["slug"] == "baku"
    table = CliRunner().invoke(app, ["tags", "--story", "1"], obj=given)
    assert table.exit_code == 0, table.output
    missing = CliRunner().invoke(app, ["tags", "--story", "nope"], obj=given)
    assert isinstance(missing.exception, UnknownStoryError)
