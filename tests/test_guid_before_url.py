"""GUID before URL (issue 13 item 2): distinct GUIDs at one canonical URL are two articles.

Real Telegram posts (news-ru-uz-telegram-gazeta-podrobno, via ``telegram_records``) are
given GUIDs and URLs that differ only by tracking query strings, or are equal: the case
where 54 of 199 records were once dropped as duplicates. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import telegram_records
from midweek.models import Article
from midweek.pipeline import Ingestor, ingest_file
from midweek.settings import load_settings
from midweek.store import open_store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
COUNT = 199


def _now() -> datetime:
    return NOW


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def _records(shared_data: Path) -> list[dict[str, object]]:
    """199 posts: every third one at the channel's bare URL, the rest with utm_* queries."""
    records = telegram_records(shared_data, limit=COUNT, min_chars=200)
    assert len(records) == COUNT
    out = []
    for i, record in enumerate(records):
        base = f"https://gazeta.example/ru/news/{i % 7}"  # 7 canonical URLs for 199 posts
        url = base if i % 3 == 0 else f"{base}?utm_source=telegram&utm_content={i}"
        out.append({**record, "url": url, "guid": f"post-{i}", "source": "gazeta"})
    return out


@pytest.mark.slow
def test_distinct_guids_at_one_canonical_url_are_all_stored_once(
    store_url: str, tmp_path: Path, shared_data: Path
) -> None:
    path = _write(tmp_path / "posts.jsonl", _records(shared_data))
    settings = load_settings(tmp_path, environ={"MIDWEEK_EXTRACT_WORKERS": "1"})
    store = open_store(store_url)
    first = ingest_file(store, path, settings, _now)
    assert (first.new, first.duplicates, first.failed) == (COUNT, 0, 0)
    assert store.count_articles() == COUNT
    again = ingest_file(store, path, settings, _now)
    assert (again.new, again.duplicates) == (0, COUNT)
    assert store.count_articles() == COUNT
    store.close()


def _article(url: str, guid: str | None, text: str, outlet: str = "gazeta") -> Article:
    return Article(url=url, title="", text=text, lang="ru", outlet=outlet, guid=guid)


def test_same_guid_or_no_guid_at_one_url_is_one_article(store_url: str) -> None:
    store = open_store(store_url)
    texts = [f"Текст новости номер {i}, написанный для этой проверки." for i in range(6)]
    url = "https://gazeta.example/ru/news/1"
    ingestor = Ingestor(store, _now)
    ingestor.add(
        [
            _article(url, "g1", texts[0]),
            _article(url + "?utm_source=x", "g1", texts[1]),  # same GUID, same source
            _article(url, "g1", texts[2], outlet="other"),  # same GUID, another source
            _article(url + "#top", None, texts[3]),  # no GUID: the URL decides
            _article(url, "g2", texts[4]),  # another GUID: another article
        ]
    )
    assert (ingestor.summary.new, ingestor.summary.duplicates) == (2, 3)
    later = Ingestor(store, _now)  # a second run, against what is stored
    later.add([_article(url, None, texts[5]), _article(url, "g2", texts[5])])
    later.add([_article(url, "g3", texts[5])])
    assert (later.summary.new, later.summary.duplicates) == (1, 2)
    assert store.count_articles() == 3
    store.close()


def test_distinct_guids_with_one_text_are_linked_as_reprints(store_url: str) -> None:
    store = open_store(store_url)
    text = "Один и тот же текст, опубликованный дважды под разными идентификаторами."
    ingestor = Ingestor(store, _now)
    ingestor.add(
        [_article("https://a.example/n", "a", text), _article("https://a.example/n", "b", text)]
    )
    assert (ingestor.summary.new, ingestor.summary.reprints) == (2, 1)
    store.close()
