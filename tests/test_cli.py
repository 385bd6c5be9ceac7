"""The command line: clear one-line errors, the documented help, and the main jobs."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import escape as html_escape
from typer.testing import CliRunner

from midweek.cli import app
from midweek.render.markdown import escape_markdown

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()
# Help text is rendered at a fixed width so docs/cli.md is reproducible.
HELP_ENV = {"TERMINAL_WIDTH": "100", "NO_COLOR": "1", "COLUMNS": "100"}


# The checkout's own code, by absolute path: a relative PYTHONPATH would resolve inside
# the test's working folder and silently import another installed midweek.
SRC = REPO / "src"


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: this checkout's src first, no relative path."""
    inherited = [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if Path(p).is_absolute()
    ]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), *inherited]), **extra}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real entry point (errors are turned into lines by main(), not by Typer)."""
    return subprocess.run(
        [sys.executable, "-m", "midweek", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=cli_env(),
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--file", "missing.jsonl"], "missing.jsonl"),
        (["review", "--from", "monday", "--to", "2025-07-09T12:00"], "--from: not an ISO 8601"),
        (["review", "--from", "2025-07-09", "--to", "2025-07-08"], "--from must be before --to"),
        (
            ["review", "--from", "2025-07-07", "--to", "2025-07-08", "--tz", "Mars/Base"],
            "time zone",
        ),
        (["sources", "add", "ftp://example.com/feed", "--kind", "feed"], "http:// or https://"),
        (["sources", "add", "https://example.com/feed", "--kind", "podcast"], "unknown kind"),
        (["sources", "remove", "https://nowhere.example/"], "no source"),
        (["ingest"], "no sources to read"),
        (["--db", "/nonexistent-dir/deeper/x.db", "sources", "list"], "cannot open database"),
        (["--config", "nope.toml", "sources", "list"], "settings file not found"),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = _run(args, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


@pytest.mark.slow
def test_init_writes_settings_and_database(tmp_path: Path) -> None:
    result = _run(["init"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "midweek.toml").is_file() and (tmp_path / "midweek.db").is_file()
    again = _run(["init"], tmp_path)
    assert "exists; kept it" in again.stdout


def test_sources_round_trip_through_opml(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "m.db")]
    for url in ("https://a.example/rss", "https://b.example/атом.xml"):
        assert runner.invoke(app, [*db, "sources", "add", url, "--kind", "feed"]).exit_code == 0
    listed = json.loads(runner.invoke(app, [*db, "sources", "list", "--json"]).stdout)
    assert [s["url"] for s in listed] == ["https://a.example/rss", "https://b.example/атом.xml"]
    opml = tmp_path / "out.opml"
    assert runner.invoke(app, [*db, "sources", "export-opml", str(opml)]).exit_code == 0
    other = ["--db", str(tmp_path / "other.db")]
    result = runner.invoke(app, [*other, "sources", "import-opml", str(opml)])
    assert "2 sources added, 0 already there" in result.stdout
    result = runner.invoke(app, [*other, "sources", "import-opml", str(opml)])
    assert "0 sources added, 2 already there" in result.stdout
    assert runner.invoke(app, [*db, "sources", "remove", "1"]).exit_code == 0
    listed = json.loads(runner.invoke(app, [*db, "sources", "list", "--json"]).stdout)
    assert [s["id"] for s in listed] == [2]


@pytest.mark.slow
def test_ingest_json_summary_and_second_run_adds_nothing(tmp_path: Path, shared_data: Path) -> None:
    corpus = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
    args = ["--db", str(tmp_path / "m.db"), "ingest", "--file", str(corpus), "--json"]
    first = json.loads(runner.invoke(app, args).stdout)
    second = json.loads(runner.invoke(app, args).stdout)
    assert (first["new"], first["duplicates"], first["failed"]) == (291, 0, 0)
    assert (second["new"], second["duplicates"], second["failed"]) == (0, 291, 0)


@pytest.mark.slow
def test_demo_writes_the_review_three_ways(tmp_path: Path) -> None:
    result = _run(["demo", "--no-serve", "--out", "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "out" / "review.html").read_text()
    data = json.loads((tmp_path / "out" / "review.json").read_text())
    markdown = (tmp_path / "out" / "review.md").read_text()
    assert len(data["sections"]) >= 3 and len(data["teasers"]) == 3
    # the title is the top story's heading: escaped in HTML and Markdown as any text is
    assert str(html_escape(data["title"])) in html and escape_markdown(data["title"]) in markdown
    assert "https://en.wikinews.org/wiki/" in markdown
    # CC BY 2.5 asks for attribution on every copy
    assert all("CC BY 2.5" in text for text in (html, markdown, data["credits"]))
    # the demo stored what it built: a second run adds nothing and serves the same review
    again = _run(["demo", "--no-serve", "--out", "out"], tmp_path)
    assert "new 0 · duplicates 291" in again.stdout
    search = _run(["search", "Nobel"], tmp_path)
    assert "Nobel" in search.stdout
    window = ["--from", data["window_start"], "--to", data["window_end"]]
    review = _run(["review", *window, "--format", "json"], tmp_path)
    assert review.returncode == 0, review.stderr
    assert json.loads(review.stdout)["title"] == data["title"]
    assert "not stored" in review.stderr  # the demo published it: shown, never overwritten


def _help_pages() -> dict[str, str]:
    """Every command's --help as the user sees it."""
    commands = [
        [],
        ["init"],
        ["sources", "add"],
        ["sources", "list"],
        ["sources", "remove"],
        ["sources", "import-opml"],
        ["sources", "export-opml"],
        ["ingest"],
        ["failures"],
        ["search"],
        ["cluster"],
        ["stories"],
        ["story"],
        ["review"],
        ["demo"],
        ["serve"],
        ["entities"],
        ["tags"],
        ["users", "add"],
        ["users", "list"],
        ["users", "remove"],
        ["eval", "extraction"],
        ["eval", "summaries"],
        ["eval", "clustering"],
        ["eval", "pairs"],
    ]
    pages = {}
    for command in commands:
        result = runner.invoke(app, [*command, "--help"], env=HELP_ENV, prog_name="midweek")
        assert result.exit_code == 0, result.output
        text = "\n".join(line.rstrip() for line in result.output.splitlines()).strip()
        pages[" ".join(["midweek", *command])] = text
    return pages


def test_eval_extraction_scores_a_snippet_set(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / "article-extraction-trafilatura-eval"
    with gzip.open(source / "annotations.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in itertools.islice(fh, 3)]
    folder = tmp_path / "trafeval"
    (folder / "html").mkdir(parents=True)
    with gzip.open(folder / "annotations.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in records)
    for record in records:
        shutil.copyfile(source / record["html_file"], folder / record["html_file"])
    result = runner.invoke(app, ["eval", "extraction", str(folder), "--json"], env=HELP_ENV)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["layout"] == "trafeval" and data["pages"] == 3
    assert 0.5 < data["f1"] <= 1.0 and 0.0 <= data["accuracy"] <= 1.0
    empty = _run(["eval", "extraction", str(tmp_path)], tmp_path)
    assert empty.returncode == 1 and "not an extraction benchmark" in empty.stderr
    assert "Traceback" not in empty.stderr


def test_eval_matching_ranks_translations(shared_data: Path) -> None:
    posts = shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    day = ["--since", "2022-06-01", "--until", "2022-06-02"]
    args = ["eval", "matching", str(posts), "--embedder", "hashing", "--no-entities", *day]
    result = runner.invoke(app, [*args, "--json"], env=HELP_ENV)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["queries"] > 5 and 0.0 <= data["cosine_top1"] <= 1.0
    # hashed words carry no signal across Russian and Uzbek; dates and names still do
    assert data["top1"] > 3 / data["mean_candidates"]


def render_cli_doc() -> str:
    """docs/cli.md, generated from the real help (python tests/test_cli.py rewrites it)."""
    parts = [
        "# Command line",
        "",
        "Generated from `--help`; `python tests/test_cli.py` rewrites it and the tests check it.",
    ]
    for name, text in _help_pages().items():
        parts += ["", f"## `{name}`", "", "```text", text, "```"]
    return "\n".join(parts) + "\n"


@pytest.mark.slow
def test_docs_show_the_current_help() -> None:
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    expected = render_cli_doc()
    assert re.sub(r"\s+", " ", doc) == re.sub(r"\s+", " ", expected), (
        "docs/cli.md is stale: run `python tests/test_cli.py`"
    )


if __name__ == "__main__":
    (REPO / "docs" / "cli.md").write_text(render_cli_doc(), encoding="utf-8")


@pytest.mark.slow
def test_stories_explain_shows_every_part_of_each_score(tmp_path: Path, shared_data: Path) -> None:
    from midweek.rank import PARTS

    corpus = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
    db = ["--db", str(tmp_path / "m.db")]
    assert runner.invoke(app, [*db, "ingest", "--file", str(corpus)]).exit_code == 0
    window = ["--from", "2019-10-04T00:00", "--to", "2019-10-11T00:00", "--tz", "UTC"]
    result = runner.invoke(app, [*db, "stories", *window, "--explain", "--json", "--limit", "4"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["stories_from"] == "lexical" and data["previous"] is None
    placed = [s for s in data["stories"] if s["rank"] is not None]
    assert [s["rank"] for s in placed] == [1, 2, 3, 4]
    for story in data["stories"]:
        assert tuple(story["parts"]) == PARTS
        assert story["score"] == pytest.approx(sum(story["parts"].values()), abs=1e-3)
    table = runner.invoke(app, [*db, "stories", *window, "--explain", "--limit", "4"])
    assert table.exit_code == 0 and "prominence" in table.stdout and "lexical" in table.stdout


@pytest.mark.slow
def test_review_takes_its_default_window_from_the_settings(tmp_path: Path) -> None:
    (tmp_path / "midweek.toml").write_text(
        'review_window_start = "tue 06:00"\nreview_window_end = "thu 06:00"\n'
        'timezone = "Asia/Tashkent"\n'
    )
    result = _run(["review", "--format", "json"], tmp_path)
    # an empty store: the window is named, nothing is stored, and the fix is given
    assert result.returncode == 1 and result.stdout == ""
    assert re.search(r"window \S+T06:00:00\+05:00 – \S+T06:00:00\+05:00", result.stderr)
    assert "review_window_start" in result.stderr
    assert "no stories: the default window" in result.stderr and "midweek ingest" in result.stderr
    half = _run(["review", "--from", "2025-07-07T00:00"], tmp_path)
    assert half.returncode == 1 and "both --from and --to" in half.stderr
