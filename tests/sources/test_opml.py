"""OPML: a real Google Reader export, nested folders, Unicode titles, round trips."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import read_gz
from midweek.errors import SourceError
from midweek.models import Source
from midweek.sources import parse_opml, write_opml
from midweek.sources.normalize import collapse_space

GOOGLE_READER = "feeds-feedjira-samples/feeds/google-reader-subscriptions.xml.gz"

NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Региональные источники</title></head>
  <body>
    <outline text="Oʻzbekiston">
      <outline text="Lotin">
        <outline type="rss" text="Kun.uz — Oʻzbekiston yangiliklari" xmlUrl="https://kun.example/uz/rss"/>
        <outline type="rss" title="Gazeta: Toshkent" text="ignored" xmlurl="https://gazeta.example/rss"/>
      </outline>
      <outline text="Кирилл">
        <outline type="rss" text="Ўзбекистон янгиликлари: Тошкент, Қарши, Ғиждувон" xmlUrl="https://kun.example/oz/rss"/>
      </outline>
    </outline>
    <outline text="Россия">
      <outline type="rss" text="Новости — Главное" xmlUrl="https://ria.example/export/rss2/index.xml"/>
      <outline type="rss" text="duplicate" xmlUrl="https://kun.example/uz/rss"/>
      <outline type="rss" text="no url"/>
      <outline type="rss" text="bad scheme" xmlUrl="javascript:alert(1)"/>
      <outline type="sitemap" text="Sitemap" xmlUrl="https://ria.example/sitemap.xml"/>
    </outline>
  </body>
</opml>
"""

EXPECTED = [
    Source("https://kun.example/uz/rss", "feed", "Kun.uz — Oʻzbekiston yangiliklari"),
    Source("https://gazeta.example/rss", "feed", "Gazeta: Toshkent"),
    Source(
        "https://kun.example/oz/rss", "feed", "Ўзбекистон янгиликлари: Тошкент, Қарши, Ғиждувон"
    ),
    Source("https://ria.example/export/rss2/index.xml", "feed", "Новости — Главное"),
    Source("https://ria.example/sitemap.xml", "sitemap", "Sitemap"),
]


def test_nested_folders_and_unicode() -> None:
    """Outlines at any depth, title before text, duplicates and bad URLs dropped."""
    assert parse_opml(NESTED.encode("utf-8")) == EXPECTED


def test_other_encodings() -> None:
    """A UTF-16 or windows-1251 OPML reads the same (the declaration is honoured)."""
    assert parse_opml(NESTED.encode("utf-16")) == EXPECTED
    cp1251 = NESTED.replace("UTF-8", "windows-1251").replace("ʻ", "'")
    sources = parse_opml(cp1251.encode("windows-1251", errors="replace"))
    assert sources[3].title == "Новости — Главное"


def test_round_trip() -> None:
    """write_opml output parses back to the same sources, and is valid OPML 2.0."""
    data = write_opml(EXPECTED, title="Manbalar — Источники")
    assert parse_opml(data) == EXPECTED
    root = etree.fromstring(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Manbalar — Источники"
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_write_escapes_and_strips_forbidden_characters() -> None:
    """Markup in titles is escaped; control characters XML forbids are removed."""
    sources = [
        Source("https://e.example/f?a=1&b=2", "feed", 'A & B <script>x</script> "q"\x01\x0b')
    ]
    data = write_opml(sources, title="t\x00")
    assert b"<script>" not in data
    assert parse_opml(data) == [
        Source("https://e.example/f?a=1&b=2", "feed", 'A & B <script>x</script> "q"')
    ]
    # feedparser, a lenient reader, sees the same document as well-formed
    assert feedparser.parse(data).get("bozo") in (False, 0)


def test_google_reader_export(shared_data: Path) -> None:
    """A real export: 300 outlines inside folders, 287 distinct feeds."""
    sources = parse_opml(read_gz(shared_data / GOOGLE_READER))
    assert len(sources) == 287
    assert len({s.url for s in sources}) == 287
    assert all(s.kind == "feed" and s.url.startswith("http") for s in sources)
    assert sources[0] == Source(
        "http://www.gilhildebrand.com/afterthought/?feed=rss2", "feed", "Afterthought"
    )


@pytest.mark.parametrize(
    "data", [b"", b"<rss/>", b"<html><body/></html>", b"not xml at all", b"\xff\xfe\x00"]
)
def test_not_opml(data: bytes) -> None:
    """Documents that are not OPML raise SourceError."""
    with pytest.raises(SourceError):
        parse_opml(data)


titles = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=100, deadline=None)
@given(names=st.lists(titles, min_size=1, max_size=5))
def test_round_trip_property(names: list[str]) -> None:
    """Any titles survive write -> parse, up to whitespace and forbidden characters."""
    sources = [Source(f"https://p.example/{i}", "feed", name) for i, name in enumerate(names)]
    parsed = parse_opml(write_opml(sources))
    assert [s.url for s in parsed] == [s.url for s in sources]
    for source, back in zip(sources, parsed, strict=True):
        kept = "".join(
            c for c in source.title if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff")
        )
        assert back.title == (collapse_space(kept) or source.url)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2000))
def test_fuzz_opml_raises_only_source_error(data: bytes) -> None:
    """Arbitrary bytes: parse_opml returns or raises SourceError, nothing else."""
    with suppress(SourceError):
        parse_opml(data)
