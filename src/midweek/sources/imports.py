"""Offline imports: JSONL dumps, saved HTML pages, WARC archives, saved feeds and sitemaps.

What a file is, is told from its first bytes (:func:`sniff_import_kind`), its name only
when the bytes do not say; docs/import-format.md describes every format and field.

:func:`iter_import` streams what a file or folder holds as :class:`~midweek.models.Article`
(JSONL records, already clean text) or :class:`~midweek.models.Page` (HTML, still to be
extracted). A bad record becomes a :class:`~midweek.models.Failure` and the iteration
goes on; only a path that cannot be imported at all (missing, unknown kind) raises
:class:`~midweek.errors.SourceError`. Files are read one record at a time, so a
multi-gigabyte dump costs the memory of its largest record, and each record is capped.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time
from io import BufferedIOBase
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import lxml.html
from lxml import etree
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from midweek.errors import SourceError
from midweek.models import Article, Failure, Feed, FeedEntry, Page
from midweek.sources.feeds import SNIFF_BYTES, parse_feed, sniff_kind
from midweek.sources.normalize import html_to_text
from midweek.sources.sitemaps import MAX_SITEMAP_BYTES, parse_sitemap
from midweek.sources.xmlsafety import MAX_FEED_BYTES
from midweek.text.clean import clean_article, clean_text

logger = logging.getLogger(__name__)

__all__ = [
    "IMPORT_LANGUAGES",
    "JSONL_FIELDS",
    "ImportItem",
    "count_lines",
    "import_language",
    "iter_import",
    "normalize_language",
    "page_url_from_html",
    "parse_published",
    "sniff_import_kind",
    "valid_article_url",
]

ImportItem = Article | Page | Failure

# The largest single record (JSONL line, HTML file, WARC payload) we accept: the same cap
# Miniflux puts on a fetched body (15 MiB, see RELIABILITY.md); a news article is far
# smaller, so anything bigger is junk or hostile and is recorded as a Failure.
MAX_RECORD_BYTES = 15 * 1024 * 1024
# Read size when skipping the rest of an over-long line or counting lines.
_CHUNK = 1024 * 1024
# How much of an HTML file is parsed to find its canonical URL: <link rel=canonical> and
# og:url live in <head>, which is within the first 512 KiB of every page in the
# extraction data sets in ../shared/data (pages with huge inline scripts included).
HEAD_SCAN_BYTES = 512 * 1024

_HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
_JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_WARC_SUFFIXES = (".warc", ".warc.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# After warcio's content_stream the body is de-chunked and decompressed, so headers
# describing the transfer encoding would now be false.
_TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
# What warcio raises on bad input: ValueError covers its header parsing errors; a record
# cut inside its WARC headers makes warcio 1.8 fail with AttributeError/TypeError on the
# missing fields (seen in tests/sources/test_imports.py), so those count as bad data too.
_WARC_ERRORS = (
    ArchiveLoadFailed,
    OSError,
    EOFError,
    zlib.error,
    ValueError,
    AttributeError,
    TypeError,
    IndexError,
)
# Every field a JSONL record may carry; docs/import-format.md documents each one and
# tests/sources/test_import_format.py checks that the two lists are the same.
JSONL_FIELDS = (
    "url",
    "text",
    "title",
    "published",
    "lang",
    "source",
    "guid",
    "id",
    "authors",
    "author",
)
# The languages midweek reviews (the review languages of cli.py and the site) with the
# scripts each is written in; a record's `lang` must be one of them (else the record is a
# Failure: a wrong tag would put the article in the wrong review). Omit `lang` and the
# language is detected from the text (midweek.text.lang), which knows many more.
IMPORT_LANGUAGES: Mapping[str, tuple[str, ...]] = {
    "en": ("Latn",),
    "ru": ("Cyrl",),
    "uz": ("Latn", "Cyrl"),
}
# A bare `uz` is Uzbek in Latin script, the official script since 1993 (and the default
# spelling of the review languages, `uz` an alias of `uz-Latn`).
_DEFAULT_SCRIPT = {"uz": "Latn"}
# The longest URL the store keeps (articles.url is String(2048), store/schema.py).
MAX_URL_CHARS = 2048
_REGION_SUBTAG = re.compile(r"^(?:[A-Za-z]{2}|[0-9]{3})$")
_SCRIPT_SUBTAG = re.compile(r"^[A-Za-z]{4}$")
_LANG_SUBTAG = re.compile(r"^[A-Za-z]{2,3}$")


def _suffix_of(path: Path, suffixes: tuple[str, ...]) -> bool:
    """Return whether the file name ends with one of the suffixes (case-insensitive)."""
    return path.name.lower().endswith(suffixes)


def iter_import(path: Path | str) -> Iterator[ImportItem]:
    """Stream the articles or pages held by an import file or folder.

    The path is checked when this is called, so a bad one raises before any work.

    What ``path`` is decides how it is read (docs/import-format.md):

    * a directory: every ``*.html``, ``*.htm``, ``*.html.gz``, ``*.htm.gz`` below it,
      recursively (sub-folders included, hidden ones too), in sorted order of the
      relative path, each as a :class:`Page`;
    * a JSONL file (``*.jsonl``, ``*.ndjson``, optionally gzipped): one :class:`Article`
      per line, fields :data:`JSONL_FIELDS`;
    * a WARC file: one :class:`Page` per HTTP response record with an HTML content type;
    * a saved RSS, RDF, Atom or JSON Feed: one :class:`Article` per entry with inline
      content, a :class:`Failure` per entry that has only a link;
    * a saved sitemap (XML, gzipped or plain text): a :class:`Failure` per URL, since
      its pages need fetching;
    * a single HTML file (optionally gzipped): one :class:`Page`.

    The kind comes from the content (:func:`sniff_import_kind`); ``file://`` URIs are
    accepted for local paths.

    Args:
        path: the file or folder (a path, or a ``file:`` URI).

    Returns:
        An iterator of Articles or Pages, and a :class:`Failure` (stage ``"import"``)
        for each record that cannot be read.

    Raises:
        SourceError: when the path does not exist, is OPML or of an unknown kind.
    """
    path = _local_path(path)
    # checked here, not in the generator, so a bad path raises at the call, before any
    # work (a generator would raise only on its first item, inside the ingest loop)
    if not path.exists():
        raise SourceError(f"import path does not exist: {path}")
    if path.is_dir():
        return _iter_html_dir(path)
    kind = sniff_import_kind(path)
    if kind == "opml":
        raise SourceError(
            f"{path} is an OPML list of sources: add them with `midweek sources import-opml`"
        )
    if kind == "html":
        return iter((_read_html_file(path),))
    readers = {
        "jsonl": _iter_jsonl,
        "warc": _iter_warc,
        "feed": _iter_feed_file,
        "sitemap": _iter_sitemap_file,
    }
    if kind not in readers:
        raise SourceError(
            f"cannot import {path}: expected a folder of HTML files, a JSONL, WARC, RSS, "
            "Atom, JSON Feed, sitemap or HTML file (by content, or a name ending in "
            + ", ".join(_JSONL_SUFFIXES + _WARC_SUFFIXES + _HTML_SUFFIXES)
            + "); see docs/import-format.md"
        )
    return readers[kind](path)


def _local_path(path: Path | str) -> Path:
    """A path, or the path of a ``file:`` URI (``file:///tmp/a.jsonl``, ``file:/tmp/a``)."""
    text = str(path)
    if text.lower().startswith("file:"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise SourceError(f"cannot import {text}: only local file: URIs are read")
        return Path(unquote(parts.path))
    return Path(path)


def sniff_import_kind(path: Path) -> str:
    """Tell what an import file holds from its first bytes, else from its name.

    The first :data:`~midweek.sources.feeds.SNIFF_BYTES` (decompressed when they are
    gzip) decide: ``WARC/`` is a WARC; a JSON object that is not a JSON Feed (or any JSON
    in a file named ``*.jsonl``/``*.ndjson``) is JSONL; otherwise
    :func:`~midweek.sources.feeds.sniff_kind` tells a feed, a sitemap, OPML or HTML. When
    the bytes say nothing, the suffix decides.

    Args:
        path: an existing file.

    Returns:
        ``"jsonl"``, ``"warc"``, ``"feed"``, ``"sitemap"``, ``"html"``, ``"opml"`` or
        ``"unknown"``.
    """
    head = _head_bytes(path)
    by_name = _kind_by_name(path)
    if head.startswith(b"WARC/"):
        return "warc"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    kind = sniff_kind(head) if head else "unknown"
    if stripped.startswith((b"{", b"[")):
        if kind == "json_feed" and by_name != "jsonl":
            return "feed"
        return "jsonl" if stripped.startswith(b"{") else by_name
    if kind in ("feed", "json_feed"):
        return "feed"
    if kind in ("sitemap", "html", "opml"):
        return kind
    return by_name


def _kind_by_name(path: Path) -> str:
    """The kind a file's suffix names, or ``"unknown"``."""
    if _suffix_of(path, _JSONL_SUFFIXES):
        return "jsonl"
    if _suffix_of(path, _WARC_SUFFIXES):
        return "warc"
    if _suffix_of(path, _HTML_SUFFIXES):
        return "html"
    return "unknown"


def _head_bytes(path: Path) -> bytes:
    """The first bytes of a file, decompressed when it is gzip; b"" when unreadable."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as gz:
                head = gz.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error):
        # a gzip name on plain bytes or a cut stream: the name decides, and its reader
        # reports the damage as a Failure
        return head if not head.startswith(b"\x1f\x8b") else b""
    return head


def count_lines(path: Path) -> int | None:
    """Estimate how many items an import holds, for a progress bar.

    Args:
        path: the file or folder given to :func:`iter_import`.

    Returns:
        The number of lines of a plain JSONL file, of HTML files in a folder, 1 for a
        single HTML file; None when it is unknown without decompressing (gzip, WARC).
    """
    path = Path(path)
    if path.is_dir():
        return sum(1 for _ in _html_files(path))
    if _suffix_of(path, _HTML_SUFFIXES):
        return 1
    if _suffix_of(path, (".jsonl", ".ndjson")) and path.is_file():
        lines = 0
        last = b"\n"
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        return lines + (0 if last == b"\n" else 1)
    return None


# --- JSONL -------------------------------------------------------------------------


def _open_maybe_gzip(path: Path) -> BufferedIOBase:
    """Open a file for binary reading, decompressing when it starts as gzip or is named .gz.

    A ``.gz`` name on plain bytes is opened as gzip too, so its reader reports the file
    as corrupt rather than reading it as something it does not claim to be.
    """
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    fh = path.open("rb")
    if fh.read(2) == b"\x1f\x8b":
        fh.close()
        return gzip.open(path, "rb")
    fh.seek(0)
    return fh


def _iter_jsonl(path: Path) -> Iterator[ImportItem]:
    """Yield one Article (or Failure) per non-blank line of a JSONL file."""
    line_no = 0
    with _open_maybe_gzip(path) as fh:
        while True:
            try:
                raw = fh.readline(MAX_RECORD_BYTES + 1)
                if not raw:
                    return
                line_no += 1
                too_long = len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n")
                if too_long:
                    _skip_to_newline(fh)
            except (OSError, EOFError, zlib.error) as exc:
                # a gzip stream that is corrupt or cut short cannot be resynchronised:
                # report where it broke and stop this file
                yield Failure(
                    stage="import",
                    locator=f"{path}:{line_no + 1}",
                    reason=f"unreadable compressed data after line {line_no}: {exc}",
                )
                return
            locator = f"{path}:{line_no}"
            if too_long:
                yield Failure("import", locator, f"line longer than {MAX_RECORD_BYTES} bytes")
                continue
            if not raw.strip():
                continue
            yield _article_from_line(raw, locator)


def _skip_to_newline(fh: BufferedIOBase) -> None:
    """Consume the rest of an over-long line without holding it in memory."""
    while True:
        chunk = fh.readline(_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def _article_from_line(raw: bytes, locator: str) -> Article | Failure:
    """Turn one JSONL line into an Article, or a Failure saying what is wrong."""
    try:
        record = json.loads(raw)
    except RecursionError:
        # hostile nesting ([[[[...]]]]) would otherwise escape as an exception
        return Failure("import", locator, "not valid JSON: nested too deeply")
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, huge integers
        return Failure("import", locator, f"not valid JSON: {exc}")
    if not isinstance(record, dict):
        return Failure("import", locator, f"a JSON {type(record).__name__}, not an object")
    try:
        return _article_from_record(record, locator)
    except Exception as exc:  # one record that trips a bug must not stop the import
        logger.warning("record %s skipped", locator, exc_info=True)
        return Failure("import", locator, f"unreadable record: {type(exc).__name__}: {exc}")


def _text_field(record: Mapping[str, object], name: str) -> str | None:
    """Return a string field cleaned and stripped, or None when absent or null.

    A JSON ``\\ud800`` escape decodes to a lone surrogate and ``\\u0000`` to NUL; both are
    removed here (:func:`~midweek.text.clean.clean_text`), where the value is born.

    Raises:
        ValueError: the field is present but not a string.
    """
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string, not a JSON {_json_type(value)}")
    return clean_text(value).strip()


def _json_type(value: object) -> str:
    """Name a decoded JSON value's type as JSON does (object, array, number, ...)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string" if isinstance(value, str) else type(value).__name__


def _article_from_record(record: Mapping[str, object], locator: str) -> Article | Failure:
    """Validate one JSON object and build the Article; a Failure names the first problem."""
    try:
        return _build_article(record)
    except ValueError as exc:
        return Failure("import", locator, str(exc))


def _build_article(record: Mapping[str, object]) -> Article:
    """Build the Article of one JSON object.

    Raises:
        ValueError: a field is missing, of the wrong type or of a refused value; the
            message is the reason recorded for the line.
    """
    url = _text_field(record, "url")
    if not url:
        raise ValueError("missing or empty 'url'")
    url = _quote_spaces(url)
    problem = valid_article_url(url)
    if problem:
        raise ValueError(f"bad 'url', {problem}: {url[:200]!r}")
    text = _text_field(record, "text")
    if not text:
        raise ValueError("missing or empty 'text'")
    published: datetime | None = None
    raw_published = record.get("published")
    if raw_published not in (None, ""):
        published = parse_published(raw_published)
        if published is None:
            raise ValueError(
                "cannot parse 'published', not an ISO 8601 date or date-time: "
                f"{str(raw_published)[:100]!r} (write 2024-05-01 or 2024-05-01T09:30:00+05:00)"
            )
    lang: str | None = None
    script: str | None = None
    tag = _text_field(record, "lang")
    if tag:
        lang, script = import_language(tag)
    title = _text_field(record, "title") or ""
    source = _text_field(record, "source")
    return clean_article(
        Article(
            url=url,
            title=title,
            text=text,
            published=published,
            authors=_authors_of(record),
            lang=lang,
            script=script,
            outlet=source or (urlsplit(url).hostname or ""),
            guid=_guid_of(record),
        )
    )


_SPACE_RUN = re.compile(r"\s")


def _quote_spaces(url: str) -> str:
    """Percent-encode whitespace after the host, as a browser does (dumps often hold
    ``/post 12:00`` paths); whitespace in the scheme or host is left for
    :func:`valid_article_url` to refuse."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host_end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    tail = _SPACE_RUN.sub(lambda m: quote(m.group()), rest[host_end:])
    return f"{scheme}{sep}{rest[:host_end]}{tail}"


def valid_article_url(url: str) -> str | None:
    """Say why a URL cannot be an article's address, or None when it can.

    Args:
        url: the value of a record's ``url``.

    Returns:
        None for an absolute ``http``/``https`` URL with a host, at most
        :data:`MAX_URL_CHARS` long and without whitespace; else the reason.
    """
    if len(url) > MAX_URL_CHARS:
        return f"longer than {MAX_URL_CHARS} characters"
    if any(char.isspace() for char in url):
        return "contains a space in its scheme or host"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "not an absolute http(s) URL"
    if not host:
        return "the URL has no host"
    return None


def _guid_of(record: Mapping[str, object]) -> str | None:
    """Return the record's ``guid`` (else ``id``) as text, or None.

    Raises:
        ValueError: the field is neither a string nor an integer.
    """
    for name in ("guid", "id"):
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(
                f"'{name}' must be a string or an integer, not a JSON {_json_type(value)}"
            )
        if text := clean_text(str(value)).strip():
            return text
    return None


def _authors_of(record: Mapping[str, object]) -> tuple[str, ...]:
    """Return the record's ``authors`` (else ``author``): a list of names or one name.

    Raises:
        ValueError: the field is neither a string nor an array of strings.
    """
    name = "authors" if record.get("authors") is not None else "author"
    value = record.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{name}' must be a string or an array of strings")
    names = (clean_text(v).strip() for v in value)
    return tuple(n for n in names if n)


def parse_published(value: object) -> datetime | None:
    """Parse an ISO 8601 date or date-time into an aware datetime.

    A date alone is midnight UTC; a date-time without an offset is taken as UTC.

    Args:
        value: the field's value (only strings are accepted).

    Returns:
        The aware datetime, or None when the value is not an ISO 8601 date or date-time.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(0, 0), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def normalize_language(value: str | None) -> tuple[str | None, str | None]:
    """Split a language tag into its language and ISO 15924 script.

    ``"uz-Cyrl"``, ``"uz_cyrl"``, ``"UZ-Latn-UZ"`` become ``("uz", "Cyrl")`` and so on;
    ``"ru-RU"`` becomes ``("ru", None)``.

    Args:
        value: a BCP 47-like tag, or None.

    Returns:
        (language, script); (None, None) when the tag is missing or malformed.
    """
    if not value:
        return None, None
    subtags = [part for part in re.split(r"[-_]", value.strip()) if part]
    if not subtags or not _LANG_SUBTAG.match(subtags[0]):
        return None, None
    lang = subtags[0].lower()
    script = next((s.title() for s in subtags[1:] if _SCRIPT_SUBTAG.match(s)), None)
    return lang, script


def import_language(tag: str) -> tuple[str, str | None]:
    """Read a record's ``lang``: one of the languages midweek reviews, as a BCP 47 tag.

    Case does not matter and ``_`` may stand for ``-``. Accepted: ``en``, ``ru``,
    ``uz`` (Uzbek in Latin script), ``uz-Latn``, ``uz-Cyrl``, each optionally with a
    script and a region (``en-GB``, ``ru-RU``, ``ru-Cyrl``, ``uz-Cyrl-UZ``,
    ``uz_latn``). The script must be one the language is written in.

    Args:
        tag: the field's value (non-empty).

    Returns:
        (language, script): ``("uz", "Cyrl")``, ``("uz", "Latn")``, ``("ru", None)``...

    Raises:
        ValueError: the tag is malformed, names another language or a script the
            language is not written in; the message says what to write instead.
    """
    hint = "use en, ru, uz-Latn or uz-Cyrl (uz is uz-Latn), or omit 'lang' to detect it"
    subtags = re.split(r"[-_]", tag.strip())
    lang = subtags[0].lower()
    if lang not in IMPORT_LANGUAGES:
        raise ValueError(f"unknown language in 'lang': {tag[:50]!r}; {hint}")
    script: str | None = None
    rest = subtags[1:]
    if rest and _SCRIPT_SUBTAG.match(rest[0]):
        script = rest.pop(0).title()
        if script not in IMPORT_LANGUAGES[lang]:
            raise ValueError(
                f"unknown script in 'lang': {tag[:50]!r} ({lang} is not written in {script}); "
                f"{hint}"
            )
    if rest and _REGION_SUBTAG.match(rest[0]):
        rest.pop(0)
    if rest:
        raise ValueError(f"malformed 'lang': {tag[:50]!r}; {hint}")
    return lang, script or _DEFAULT_SCRIPT.get(lang)


# --- saved feeds and sitemaps --------------------------------------------------------

# Block-level HTML tags whose boundaries are paragraph breaks in an entry's text.
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|br|div|li|h[1-6]|blockquote|pre|tr|section|article)\b[^>]*>",
    re.IGNORECASE,
)
NEEDS_FETCH = (
    "entry has only a link: its page needs fetching, which an offline import never does "
    "(add the feed with `midweek sources add` to fetch it)"
)


def _read_capped(path: Path, cap: int) -> bytes | Failure:
    """The bytes of a file of at most ``cap`` bytes, or a Failure saying why not."""
    try:
        with path.open("rb") as fh:
            data = fh.read(cap + 1)
    except OSError as exc:
        return Failure("import", str(path), f"cannot read file: {exc}")
    if len(data) > cap:
        return Failure("import", str(path), f"file larger than {cap} bytes")
    return data


def _iter_feed_file(path: Path) -> Iterator[ImportItem]:
    """Yield one Article per entry of a saved feed that carries its content inline."""
    data = _read_capped(path, MAX_FEED_BYTES)
    if isinstance(data, Failure):
        yield data
        return
    try:
        feed = parse_feed(data, path.resolve().as_uri())
    except SourceError as exc:
        yield Failure("import", str(path), f"not a readable feed: {exc}")
        return
    if not feed.entries:
        logger.warning("feed %s holds no entries with an http(s) link", path)
    for entry in feed.entries:
        locator = f"{path}#{entry.url}"
        try:
            yield _article_from_entry(entry, feed) or Failure("import", locator, NEEDS_FETCH)
        except Exception as exc:  # one entry that trips a bug must not stop the import
            logger.warning("entry %s skipped", locator, exc_info=True)
            yield Failure("import", locator, f"unreadable entry: {type(exc).__name__}: {exc}")


def _article_from_entry(entry: FeedEntry, feed: Feed) -> Article | None:
    """The Article of a feed entry from its inline content, or None when it has none.

    ``content:encoded``/Atom ``content``/JSON Feed ``content_html`` come first, then the
    summary (RSS ``description``, Atom ``summary``, JSON Feed ``summary`` or
    ``content_text``).
    """
    text = _html_paragraphs(entry.content_html) or clean_text(entry.summary).strip()
    if not text:
        return None
    lang: str | None = None
    script: str | None = None
    if entry.language:
        try:
            lang, script = import_language(entry.language)
        except ValueError:
            # a feed's language is a hint about the whole feed: another language is
            # left to detection rather than costing the entry
            lang, script = None, None
    return clean_article(
        Article(
            url=entry.url,
            title=entry.title,
            text=text,
            published=entry.published,
            authors=entry.authors,
            lang=lang,
            script=script,
            outlet=feed.title or (urlsplit(entry.url).hostname or ""),
            guid=entry.guid,
            description=entry.summary if entry.content_html else "",
        )
    )


def _html_paragraphs(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block element."""
    if not fragment:
        return ""
    parts = (html_to_text(part) for part in _BLOCK_TAG.split(fragment))
    return "\n\n".join(part for part in parts if part)


def _iter_sitemap_file(path: Path) -> Iterator[ImportItem]:
    """Yield a Failure per URL of a saved sitemap: its pages need fetching."""
    data = _read_capped(path, MAX_SITEMAP_BYTES)
    if isinstance(data, Failure):
        yield data
        return
    try:
        sitemap = parse_sitemap(data, path.resolve().as_uri())
    except SourceError as exc:
        yield Failure("import", str(path), f"not a readable sitemap: {exc}")
        return
    if sitemap.children:
        yield Failure(
            "import",
            str(path),
            f"a sitemap index of {len(sitemap.children)} sitemaps: they need fetching, "
            "which an offline import never does (add it with `midweek sources add`)",
        )
    for entry in sitemap.entries:
        yield Failure(
            "import",
            f"{path}#{entry.url}",
            "sitemap URL: its page needs fetching, which an offline import never does "
            "(add the sitemap with `midweek sources add`, or import saved pages)",
        )


# --- HTML files ----------------------------------------------------------------------


def _html_files(folder: Path) -> Iterator[Path]:
    """Yield the HTML files below a folder, recursively, in sorted order."""
    candidates = (p for p in folder.rglob("*") if _suffix_of(p, _HTML_SUFFIXES) and p.is_file())
    yield from sorted(candidates, key=lambda p: p.relative_to(folder).as_posix())


def _iter_html_dir(folder: Path) -> Iterator[ImportItem]:
    """Yield one Page (or Failure) per HTML file below a folder."""
    found = False
    for file in _html_files(folder):
        found = True
        yield _read_html_file(file)
    if not found:
        logger.warning("no HTML files found under %s", folder)


def _read_html_file(path: Path) -> Page | Failure:
    """Read one saved HTML page (gzipped or not) into a Page."""
    locator = str(path)
    try:
        with _open_maybe_gzip(path) as fh:
            body = fh.read(MAX_RECORD_BYTES + 1)
        mtime = path.stat().st_mtime
    except (OSError, EOFError, zlib.error) as exc:
        return Failure("import", locator, f"cannot read HTML file: {exc}")
    if len(body) > MAX_RECORD_BYTES:
        return Failure("import", locator, f"HTML file larger than {MAX_RECORD_BYTES} bytes")
    if not body.strip():
        return Failure("import", locator, "empty HTML file")
    file_uri = path.resolve().as_uri()
    return Page(
        url=page_url_from_html(body) or file_uri,
        body=body,
        # the file's modification time: stable across runs, unlike the clock
        fetched_at=datetime.fromtimestamp(mtime, UTC),
        headers={"content-type": "text/html"},
        requested_url=file_uri,
    )


def page_url_from_html(body: bytes) -> str | None:
    """Return the page's own absolute http(s) URL from its canonical link or og:url.

    Args:
        body: the HTML bytes.

    Returns:
        The ``<link rel=canonical>`` href, else the ``og:url`` content, when it is an
        absolute http(s) URL; None otherwise.
    """
    head = body[:HEAD_SCAN_BYTES]
    try:
        doc = lxml.html.document_fromstring(head)
    except (etree.ParserError, ValueError):
        return None
    candidates: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel:
            candidates.append(link.get("href") or "")
    for meta in doc.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url":
            candidates.append(meta.get("content") or "")
    for candidate in candidates:
        url = clean_text(candidate).strip()
        parts = urlsplit(url)
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            return url
    return None


# --- WARC ------------------------------------------------------------------------------


def _iter_warc(path: Path) -> Iterator[ImportItem]:
    """Yield one Page per HTML response record of a WARC file."""
    problem = _warc_sniff_problem(path)
    if problem:
        yield Failure("import", str(path), problem)
        return
    size = path.stat().st_size
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        previous: Any = None
        while True:
            try:
                record = next(records, None)
            except _WARC_ERRORS as exc:
                where = getattr(records, "offset", "?")
                reason = f"unreadable or truncated WARC data after offset {where}: {exc!r}"
                yield Failure("import", str(path), reason)
                return
            # warcio reads the rest of the previous record when it moves on; bytes it
            # still expected mean the file ended inside that record
            if previous is not None and _missing_bytes(previous) > 0:
                yield Failure(
                    "import",
                    str(path),
                    f"truncated WARC: record at offset {records.get_record_offset()} lacks "
                    f"{_missing_bytes(previous)} bytes",
                )
                return
            if record is None:
                break
            previous = record
            try:
                page = _page_from_record(record, path)
            except _WARC_ERRORS as exc:
                yield Failure("import", str(path), f"unreadable WARC record: {exc}")
                return
            if page is not None:
                yield page
        # warcio stops quietly at a gzip member cut short: bytes left over that it did
        # not turn into a record mean the file was truncated (or has junk at its end)
        consumed = getattr(records, "offset", size)
        if isinstance(consumed, int) and consumed < size:
            yield Failure(
                "import",
                str(path),
                f"truncated WARC: {size - consumed} bytes after offset {consumed} hold no "
                "complete record",
            )


def _missing_bytes(record: Any) -> int:
    """Return how many bytes of a record's block never arrived (0 when complete)."""
    missing = getattr(record.raw_stream, "limit", 0)
    return missing if isinstance(missing, int) else 0


def _warc_sniff_problem(path: Path) -> str | None:
    """Return why a file is not a WARC (it must start with ``WARC/``), else None."""
    try:
        with _open_maybe_gzip(path) as fh:
            start = fh.read(5)
    except (OSError, EOFError, zlib.error) as exc:
        return f"unreadable WARC data: {exc}"
    if start != b"WARC/":
        return f"not a WARC file (starts with {start!r})"
    return None


def _page_from_record(record: Any, path: Path) -> Page | Failure | None:
    """Build a Page from a WARC record; None for records that are not HTML responses."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    if content_type.split(";", 1)[0].strip() not in _HTML_TYPES:
        return None
    url = clean_text(record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    locator = f"{path}#{url}" if url else str(path)
    if not url:
        return Failure("import", locator, "response record without WARC-Target-URI")
    fetched_at = _parse_warc_date(record.rec_headers.get_header("WARC-Date"))
    if fetched_at is None:
        return Failure("import", locator, "response record without a valid WARC-Date")
    body = record.content_stream().read(MAX_RECORD_BYTES + 1)
    if len(body) > MAX_RECORD_BYTES:
        return Failure("import", locator, f"payload larger than {MAX_RECORD_BYTES} bytes")
    # an uncompressed WARC cut short gives a short body without an error: the record's
    # reader still expects bytes its Content-Length promised
    if _missing_bytes(record) > 0:
        return Failure(
            "import", locator, f"truncated WARC record: {_missing_bytes(record)} bytes missing"
        )
    headers = {
        name.lower(): value
        for name, value in record.http_headers.headers
        if name.lower() not in _TRANSFER_HEADERS
    }
    try:
        status = int(record.http_headers.get_statuscode())
    except (TypeError, ValueError):
        status = 0
    return Page(
        url=url,
        body=body,
        fetched_at=fetched_at,
        status=status,
        headers=headers,
        requested_url=url,
    )


def _parse_warc_date(value: str | None) -> datetime | None:
    """Parse a WARC-Date (ISO 8601, usually with a Z) into an aware datetime."""
    if not value:
        return None
    return parse_published(value)
