"""The newcomer's path (issue 13, items 3, 4, 6, 7; issue 14's markup bug).

Errors are one line with the fix, checked before anything is stored; every printed
third-party or user string keeps its brackets; progress shows count, rate and time left
on a terminal and stays off stdout; ``init`` writes a .gitignore; the demo's window
groups reports into stories.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from midweek import cli
from midweek.cli import context
from midweek.cli.workspace import WORKSPACE_GITIGNORE
from midweek.demo import DEMO_WINDOW, demo_corpus, grouped_window
from midweek.embed import HashingEmbedder
from midweek.models import Article, Failure, Source
from midweek.settings import load_settings
from midweek.store import open_store

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
# A window of the bundled corpus with several reports (2020-01-05: six, two of one story).
WINDOW = ["--from", "2020-01-05T00:00", "--to", "2020-01-12T00:00", "--tz", "UTC"]


def _main(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run the real entry point in-process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["midweek", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _error_line(err: str) -> str:
    """The one error line of stderr (other stderr lines are the window notes)."""
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace, made the current folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def corpus_workspace(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A workspace holding the bundled Wikinews corpus (no shared data needed)."""
    code, _, err = _main(["ingest", "--file", str(demo_corpus()), "--json"], monkeypatch, capsys)
    assert code == 0, err
    return workspace


def _reviews(workspace: Path) -> list[tuple[int, datetime, str]]:
    """(id, created_at, title) of every stored review."""
    store = open_store(load_settings(workspace).database_url)
    try:
        return [(r.id, r.created_at, json.dumps(r.body)) for r in store.list_reviews()]
    finally:
        store.close()


# -- markup: brackets in input, URLs and titles are printed as they are -------------------
@pytest.mark.parametrize("key", ["[/x]", "[bold]zz", "[red]a[/red]", "[link=x]"])
def test_a_story_key_with_brackets_is_one_verbatim_line(
    workspace: Path, key: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main(["story", key], monkeypatch, capsys)
    assert code == 1
    assert _error_line(err) == f"error: no story {key!r} (see `midweek stories`)"


def test_sources_with_brackets_are_listed_and_labelled(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(
        ["sources", "add", "https://e.example/[b]feed", "--kind", "feed"], monkeypatch, capsys
    )
    assert code == 0, err
    assert out.startswith("added: [feed] https://e.example/[b]feed")
    store = open_store(load_settings(workspace).database_url)
    store.add_source(Source(url="https://e.example/x[/a]", kind="feed", title="[bold]T"), NOW)
    store.close()
    for _ in range(2):  # it used to crash on every run once stored
        code, out, err = _main(["sources", "list"], monkeypatch, capsys)
        assert code == 0, err
        assert "https://e.example/x[/a]" in out and "[bold]T" in out
        assert "https://e.example/[b]feed" in out


def test_search_prints_titles_with_brackets_verbatim(
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = {
        "url": "https://news.example/[/a]",
        "title": "[bold]Harbour[/bold] reopens [/x]",
        "text": "The harbour reopened on Monday after a week of storms. " * 8,
        "published": "2025-07-08T10:00:00+00:00",
        "lang": "en",
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    code, out, err = _main(["ingest", "--file", str(path), "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["new"] == 1, err
    code, out, err = _main(["search", "harbour"], monkeypatch, capsys)
    assert code == 0, err
    assert "[bold]Harbour[/bold] reopens [/x]" in out and "https://news.example/[/a]" in out


# Every kind of user input the CLI echoes in an error, each holding Rich markup: the error
# line keeps the brackets as typed (markup off), and nothing is stored or traced back.
_WIN = ["--from", "2020-01-05T00:00", "--to", "2020-01-12T00:00"]
BRACKETED_INPUTS = [
    (
        ["review", *_WIN, "--lang", "[bold]x[/bold]"],
        "error: --lang: unknown language '[bold]x[/bold]'; use one of en, ru, uz-Latn, "
        "uz-Cyrl (uz is uz-Latn)",
    ),
    (["review", "--from", "[/x]", "--to", "2020-01-12T00:00"], None),
    (["review", *_WIN, "--format", "[red]pdf"], None),
    (["review", *_WIN, "--tz", "[/x]"], None),
    (["ingest", "--file", "missing[/x].jsonl"], None),
    (["sources", "add", "ftp://e.example/[/a]"], None),
    (["sources", "remove", "[link=x]"], "error: no source '[link=x]' (see `midweek sources list`)"),
    (["tags", "--story", "[/x]"], "error: no story with id or key '[/x]'"),
]


@pytest.mark.parametrize(
    ("args", "line"), BRACKETED_INPUTS, ids=[" ".join(a[:2]) for a, _ in BRACKETED_INPUTS]
)
def test_bracketed_input_is_echoed_verbatim_in_the_error(
    workspace: Path,
    args: list[str],
    line: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _main(args, monkeypatch, capsys)
    assert code == 1 and out == "", (out, err)
    error = _error_line(err)
    bracketed = next(a for a in args if "[" in a)
    assert bracketed in error, error  # as typed: no tag eaten, none added
    if line is not None:
        assert error == line


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["[/x]"], "No such command '[/x]'."),
        (["search", "x", "--[/x]"], "No such option: --[/x]"),
        (["search", "x", "--limit", "[bold]2"], "Invalid value for '--limit'"),
    ],
)
def test_bracketed_usage_errors_are_one_box_without_a_traceback(
    workspace: Path,
    args: list[str],
    shown: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _main(args, monkeypatch, capsys)
    assert code == 2 and out == ""
    assert "Traceback" not in err and shown in err, err


@pytest.mark.slow
def test_stories_story_and_failures_print_brackets_verbatim(
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    title = "[bold]Harbour[/bold] reopens [/x]"
    records = [
        {
            "url": f"https://news{i}.example/[/a]{i}",
            "title": title,
            "text": f"The harbour reopened on Monday after a week of storms, report {i}. " * 8,
            "published": f"2025-07-0{8 + i}T10:00:00+00:00",
            "lang": "en",
            "source": f"[red]Outlet {i}",
        }
        for i in range(2)
    ]
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, out, err = _main(["ingest", "--file", str(path), "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["new"] == 2, err
    code, _, err = _main(["cluster"], monkeypatch, capsys)
    assert code == 0, err
    code, out, err = _main(["stories", "--json"], monkeypatch, capsys)
    assert code == 0, err
    keys = [s["key"] for s in json.loads(out)]
    assert keys, out  # the guard: the stories below are read from this list
    code, out, err = _main(["stories"], monkeypatch, capsys)
    assert code == 0 and "Traceback" not in err, err
    assert "[bold]Harbour[/bold]" in out, out
    for key in keys:
        code, out, err = _main(["story", key], monkeypatch, capsys)
        assert code == 0, err
        assert title in out and "[/a]" in out, out
    store = open_store(load_settings(workspace).database_url)
    store.record_failures([Failure("fetch", "https://e.example/[/a]", "[bold]refused")], NOW)
    store.close()
    code, out, err = _main(["failures"], monkeypatch, capsys)
    assert code == 0, err
    assert "https://e.example/[/a]" in out and "[bold]refused" in out, out


# -- errors: one line with the fix, before any side effect ---------------------------------
def test_review_format_is_checked_before_anything(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(["review", *WINDOW, "--format", "pdf"], monkeypatch, capsys)
    assert code == 1 and out == ""
    assert _error_line(err) == "error: --format: unknown format 'pdf'; use one of md, html, json"
    assert not (workspace / "midweek.db").exists()  # not even the store was opened


@pytest.mark.parametrize(("option", "value"), [("review", "de"), ("stories", "xx")])
def test_unknown_languages_are_refused_with_the_list(
    workspace: Path,
    option: str,
    value: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _main([option, "--lang", value], monkeypatch, capsys)
    assert code == 1 and out == ""
    line = _error_line(err)
    assert f"unknown language {value!r}" in line and "en, ru, uz-Latn, uz-Cyrl" in line
    assert "uz is uz-Latn" in line


@pytest.mark.slow
def test_language_codes_are_one_spelling_in_any_case(
    corpus_workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    langs = []
    for value in ("UZ", "uz-latn", "Uz-Latn"):
        code, out, err = _main(
            ["review", *WINDOW, "--lang", value, "--format", "json"], monkeypatch, capsys
        )
        assert code == 0, err
        langs.append(json.loads(out)["lang"])
    assert langs == ["uz-Latn"] * 3
    code, _, err = _main(["stories", "--lang", "EN", "--json"], monkeypatch, capsys)
    assert code == 0, err


@pytest.mark.slow
def test_a_bad_out_never_touches_the_stored_draft(
    corpus_workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main(["review", *WINDOW], monkeypatch, capsys)
    assert code == 0, err
    before = _reviews(corpus_workspace)
    assert len(before) == 1
    a_file = corpus_workspace / "plain-file"
    a_file.write_text("x")
    cases = {
        "/nonexistent/dir/x.md": "folder /nonexistent/dir does not exist",
        f"{a_file}/x.md": f"folder {a_file} does not exist",
        str(corpus_workspace): "is a folder",
    }
    for target, message in cases.items():
        code, out, err = _main(
            ["review", *WINDOW, "--lang", "ru", "--out", target], monkeypatch, capsys
        )
        assert code == 1 and out == ""
        line = _error_line(err)
        assert line.startswith("error: --out: ") and message in line
    assert _reviews(corpus_workspace) == before


@pytest.mark.slow
def test_an_empty_default_window_names_it_and_the_stored_dates(
    corpus_workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(["review"], monkeypatch, capsys)
    assert code == 1 and out == ""
    line = _error_line(err)
    assert "no stories: the default window" in line
    assert re.search(r"stored articles are dated 2019-\d\d-\d\d to 2020-\d\d-\d\d", line)
    assert "--from/--to" in line
    assert _reviews(corpus_workspace) == []  # no empty draft


@pytest.mark.slow
def test_search_without_hits_says_so(
    corpus_workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(["search", "zzqqxx"], monkeypatch, capsys)
    assert code == 0 and out == ""
    assert "no stored article matches 'zzqqxx' (291 articles stored" in err


@pytest.mark.slow
def test_entities_reads_an_existing_path_and_refuses_a_missing_one(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Шавкат Мирзиёев встретился с Касым-Жомартом Токаевым в Ташкенте."
    path = workspace / "note.txt"
    path.write_text(text, encoding="utf-8")
    code, from_file, err = _main(
        ["entities", str(path), "--lang", "RU", "--json"], monkeypatch, capsys
    )
    assert code == 0, err
    code, from_text, _ = _main(["entities", text, "--lang", "ru", "--json"], monkeypatch, capsys)
    assert from_file == from_text and from_file.count("\n") >= 2
    for missing in ("/no/such/file", "./nope.txt", "notes.md"):
        code, out, err = _main(["entities", missing], monkeypatch, capsys)
        assert code == 1 and out == ""
        assert _error_line(err).startswith(f"error: no such file: {missing}")


def test_a_cluster_state_of_another_version_is_one_line(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from midweek.store.stories import save_cluster_run

    store = open_store(load_settings(workspace).database_url)
    save_cluster_run(store, header={"version": 99}, assignments={}, stories=[], now=NOW)
    store.close()
    code, _, _ = _main(["cluster"], monkeypatch, capsys)
    assert code == 0  # nothing new: the state is not even read
    assert _main(["ingest", "--file", str(demo_corpus())], monkeypatch, capsys)[0] == 0
    code, _, err = _main(["cluster"], monkeypatch, capsys)
    assert code == 1
    assert "clusterer state is version 99" in _error_line(err)


# -- progress and clean output ------------------------------------------------------------
def test_progress_shows_count_share_rate_and_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(context, "err", Console(file=screen, force_terminal=True, width=160))
    with context.progress(quiet=False) as progress:
        task = progress.add_task("articles", total=10)
        for _ in range(5):
            time.sleep(0.02)
            progress.advance(task, 1)
        progress.refresh()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "articles" in shown and "5/10" in shown and "50%" in shown
    assert re.search(r"\d+\.\d/s", shown)  # the rate
    assert re.search(r"\d:\d\d:\d\d", shown)  # elapsed and time left
    assert context.progress(quiet=True).disable


def test_the_progress_embedder_gives_the_same_rows_and_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inner = HashingEmbedder()
    texts = [
        f"report number {i} on the harbour" for i in range(context.EMBED_PROGRESS_BATCH * 2 + 3)
    ]
    progress = context.progress(quiet=False)
    wrapped = context.ProgressEmbedder(inner, progress)
    rows = wrapped.embed(texts)
    assert np.array_equal(rows, inner.embed(texts)) and wrapped.name == inner.name
    (task,) = progress.tasks
    assert task.completed == len(texts) == task.total and wrapped.seconds > 0


@pytest.mark.slow
def test_json_output_is_only_json_even_with_quiet(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["ingest", "--file", str(demo_corpus()), "--json"],
        ["-q", "cluster", "--json"],
        ["stories", "--json", "--limit", "2"],
    ):
        code, out, err = _main(args, monkeypatch, capsys)
        assert code == 0, err
        json.loads(out)  # nothing else on stdout
    code, out, _ = _main(["cluster", "--json"], monkeypatch, capsys)
    assert json.loads(out)["articles"] == 0  # resumed: nothing new


# -- item 7: the workspace keeps its own files ----------------------------------------------
def test_init_writes_a_gitignore_and_keeps_one_that_exists(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(["init"], monkeypatch, capsys)
    assert code == 0, err
    ignored = (workspace / ".gitignore").read_text().splitlines()
    assert {"midweek.db", ".midweek-secret", "embeddings.sqlite", ".midweek-llm-cache.json"} <= set(
        ignored
    )
    (workspace / ".gitignore").write_text("mine\n")
    code, out, _ = _main(["init"], monkeypatch, capsys)
    assert "exists; kept it" in out and (workspace / ".gitignore").read_text() == "mine\n"


def test_the_secret_is_made_in_the_workspace_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from midweek.web.security import SECRET_FILE, load_or_create_secret

    home, elsewhere = tmp_path / "ws", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    (home / "midweek.toml").write_text("")
    monkeypatch.chdir(elsewhere)
    settings = load_settings(config=home / "midweek.toml")
    secret = load_or_create_secret(settings.workspace)
    path = home / SECRET_FILE
    assert path.read_text().strip() == secret and not (elsewhere / SECRET_FILE).exists()
    assert path.stat().st_mode & 0o777 == 0o600
    assert SECRET_FILE in WORKSPACE_GITIGNORE.splitlines()


# -- item 6: the demo's window groups reports ---------------------------------------------
def _article(i: int, when: datetime, title: str, text: str = "") -> Article:
    """A dated article (its text the title repeated unless given)."""
    body = text or " ".join([title] * 5)
    return Article(url=f"https://e.example/{i}", title=title, text=body, published=when, id=i)


def test_grouped_window_prefers_grouping_to_density() -> None:
    day = datetime(2020, 1, 1, tzinfo=UTC)
    titles = [
        "Astronomers photograph a green comet over Patagonia",
        "Parliament in Oslo passes the fishing tariff bill",
        "Monsoon floods close schools across Kerala",
        "Voters in Reykjavik elect a new mayor",
    ]
    dense = [_article(i, day + timedelta(hours=i), t) for i, t in enumerate(titles, 1)]
    later = day + timedelta(days=30)
    quake = "Earthquake of magnitude seven strikes northern Chile near Iquique"
    grouped = [
        _article(10, later, quake),
        _article(11, later + timedelta(hours=5), quake + ", tsunami warning lifted"),
    ]
    start, end = grouped_window([*dense, *grouped], DEMO_WINDOW)
    assert (start, end) == (later, later + DEMO_WINDOW)
    assert grouped_window(dense, DEMO_WINDOW)[0] == day  # no grouping: the densest
    with pytest.raises(ValueError, match="no dated articles"):
        grouped_window([], DEMO_WINDOW)


@pytest.mark.slow
def test_the_demo_window_of_the_bundled_corpus_has_a_story_of_several_reports() -> None:
    import gzip

    from midweek.cluster import group_stories

    with gzip.open(demo_corpus(), "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    articles = [
        _article(i, datetime.fromisoformat(r["published"]).astimezone(UTC), r["title"], r["text"])
        for i, r in enumerate(records, 1)
    ]
    start, end = grouped_window(articles, DEMO_WINDOW)
    inside = [a for a in articles if a.published and start <= a.published < end]
    assert any(len(s.article_ids) >= 2 for s in group_stories(inside))


def test_help_names_the_language_alias() -> None:
    from typer.testing import CliRunner

    for command in (["review"], ["stories"]):
        result = CliRunner().invoke(
            cli.app,
            [*command, "--help"],
            env={"TERMINAL_WIDTH": "200", "COLUMNS": "200", "NO_COLOR": "1"},
        )
        # the help box may wrap the line: drop its borders before looking
        assert "uz = uz-Latn" in re.sub(r"[\s│]+", " ", result.output)


def test_eval_clustering_with_vectors_keeps_json_clean(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        {"id": i, "title": title, "text": title * 3, "story_id": story, "lang": "en"}
        for i, (title, story) in enumerate(
            [
                ("Earthquake strikes northern Chile near Iquique ", "quake"),
                ("Chile earthquake near Iquique: tsunami warning lifted ", "quake"),
                ("Monsoon floods close schools across Kerala ", "flood"),
                ("Kerala floods: schools stay closed a second week ", "flood"),
            ],
            1,
        )
    ]
    path = workspace / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    args = ["eval", "clustering", str(path), "--embedder", "hashing", "--json"]
    code, out, err = _main(args, monkeypatch, capsys)
    assert code == 0, err
    assert 0.0 <= json.loads(out)["bcubed_f1"] <= 1.0


def test_demo_and_export_refuse_a_bad_out_before_reading(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = workspace / "plain-file"
    a_file.write_text("x")
    for args, message in (
        (["demo", "--no-serve", "--out", str(a_file)], "is a file; give a folder"),
        (["demo", "--no-serve", "--out", f"{a_file}/deeper/out"], "is a file, so"),
        (["sources", "export-opml", "/nonexistent/dir/x.opml"], "does not exist"),
    ):
        code, out, err = _main(args, monkeypatch, capsys)
        assert code == 1 and out == ""
        assert message in _error_line(err)
    assert not (workspace / "midweek.db").exists()  # nothing was read or stored


def test_quiet_leaves_only_the_error_on_stderr(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(["review"], monkeypatch, capsys)
    assert code == 1 and err.startswith("window ")  # the default window is said
    code, out, err = _main(["-q", "review"], monkeypatch, capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [_error_line(err)]
