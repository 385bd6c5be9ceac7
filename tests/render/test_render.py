"""Rendering: Markdown escaping, HTML safety (XSS, links, CSP), JSON schema."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from midweek.models import Citation, Review, Section, Sentence
from midweek.render import REVIEW_JSON_SCHEMA, render_html, render_json, render_markdown
from midweek.render.html import REVIEW_CSS, content_security_policy
from midweek.render.markdown import escape_markdown, safe_link_url

SCRIPT = "<script>alert(1)</script>"
JS_URL = "javascript:alert(document.cookie)"


def _review(title: str = "Midweek review: 7–9 October 2019") -> Review:
    """A review whose third-party strings are hostile."""
    good = Citation(1, "https://news.example/a?x=1&y=2", f"Quake {SCRIPT}", "Wire [AP]")
    bad = Citation(2, JS_URL, "Click [here](javascript:alert(1))", 'Evil" onmouseover="x')
    odd = Citation(3, "java\tscript:alert(1)", "Tabbed", "Odd")
    sections = (
        Section(
            heading=f"Breaking {SCRIPT} [news]",
            sentences=(
                Sentence("A quake struck *Chile* on Monday <b>hard</b>.", (good, bad)),
                Sentence("1. Aftershocks followed # twice.", (good, odd)),
            ),
            story_key="s-1",
        ),
    )
    return Review(
        slug="review-2019-10-07-to-2019-10-09",
        rubric="Review",
        title=title,
        teasers=(f"Breaking {SCRIPT} [news]",),
        intro="This review covers 7–9 October 2019: 1 story from 1 independent article "
        "by 1 outlet.",
        sections=sections,
        window_start=datetime(2019, 10, 7, tzinfo=UTC),
        window_end=datetime(2019, 10, 9, 12, tzinfo=UTC),
        created_at=datetime(2019, 10, 9, 13, 5, tzinfo=UTC),
    )


class _Collector(HTMLParser):
    """Collect tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record a start tag."""
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        """Record text."""
        self.text.append(data)


def test_html_escapes_and_links_safely() -> None:
    """No script element, no javascript: link, every link http(s) with noopener."""
    page = render_html(_review())
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page.split("</head>")[1].split("Click")[0]
    parser = _Collector()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags
    assert "b" not in tags  # markup inside a sentence stays text
    links = [a for t, a in parser.tags if t == "a"]
    assert links
    for attrs in links:
        assert re.match(r"https?://", attrs["href"] or "")
        assert attrs["rel"] == "noopener noreferrer"
    assert all(not k.startswith("on") for _, attrs in parser.tags for k in attrs)
    # the javascript: and tab-split citations are shown as plain numbers
    assert "[2]</sup>" in page and "[3]</sup>" in page
    assert "Click [here](javascript:alert(1))" in "".join(parser.text)


def test_html_page_head() -> None:
    """Standalone page: lang, viewport, strict CSP matching the inline CSS, Open Graph."""
    review = _review()
    page = render_html(review)
    parser = _Collector()
    parser.feed(page)
    html = next(a for t, a in parser.tags if t == "html")
    assert html["lang"] == "en"
    metas = [a for t, a in parser.tags if t == "meta"]
    csp = next(m["content"] for m in metas if m.get("http-equiv") == "Content-Security-Policy")
    assert csp == content_security_policy()
    assert "default-src 'none'" in (csp or "") and "unsafe-inline" not in (csp or "")
    assert any(m.get("name") == "viewport" for m in metas)
    og = {m["property"]: m["content"] for m in metas if m.get("property")}
    assert og["og:title"] == review.title
    assert og["og:description"] == review.intro
    assert f"<style>{REVIEW_CSS}</style>" in page
    assert not re.search(r"(src|href)=\"(https?:)?//(?!news\.example)", page)
    linked = render_html(review, stylesheet_inline=False)
    assert "<style>" not in linked and 'href="/static/review.css"' in linked
    assert "style-src &#39;self&#39;" in linked


def test_markdown_escapes_brackets_and_markup() -> None:
    """Titles with [ ] and HTML stay literal; unsafe URLs are not linked; sources listed."""
    md = render_markdown(_review(title="Review [draft] <i>x</i>"))
    assert md.startswith("# Review \\[draft\\] \\<i\\>x\\</i\\>\n")
    assert "## Breaking \\<script\\>alert(1)\\</script\\> \\[news\\]" in md
    assert "javascript:" not in md.replace("Click \\[here\\](javascript:alert(1))", "")
    assert (
        "A quake struck \\*Chile\\* on Monday \\<b\\>hard\\</b\\>. "
        "[1](https://news.example/a?x=1&y=2) \\[2\\]" in md
    )
    assert "\n1\\. Aftershocks" not in md  # not at a line start, no list marker created
    sources = md.split("## Sources\n\n")[1].splitlines()
    assert (
        sources[0] == "1. [Quake \\<script\\>alert(1)\\</script\\>](https://news.example/a?x=1&y=2)"
        " — Wire \\[AP\\]"
    )
    assert sources[1].startswith("2. Click \\[here\\]")
    assert sources[2] == "3. Tabbed — Odd"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("- nor this", "\\- nor this"),
        ("a_b*c`d`", "a\\_b\\*c\\`d\\`"),
        ("line\nbreak", "line break"),
    ],
)
def test_escape_markdown(text: str, expected: str) -> None:
    """Line-start markers and inline specials are escaped."""
    assert escape_markdown(text) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://a.example/x y(1)", "https://a.example/x%20y%281%29"),
        ("http://a.example/", "http://a.example/"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("java\nscript:alert(1)", None),
        ("https:///nohost", None),
        ("mailto:a@b.example", None),
    ],
)
def test_safe_link_url(url: str, ok: str | None) -> None:
    """Only http(s) URLs with a host become links, with breaking characters encoded."""
    assert safe_link_url(url) == ok


def test_json_output_validates() -> None:
    """The JSON follows REVIEW_JSON_SCHEMA and keeps ISO 8601 datetimes."""
    review = _review()
    document = json.loads(render_json(review))
    assert document["created_at"] == "2019-10-09T13:05:00+00:00"
    assert datetime.fromisoformat(document["window_end"]) == review.window_end
    assert document["sections"][0]["sentences"][0]["citations"][1]["url"] == JS_URL
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - the dev environment has it
        assert set(document) == set(REVIEW_JSON_SCHEMA["required"])
        return
    jsonschema.Draft202012Validator.check_schema(REVIEW_JSON_SCHEMA)
    validator = jsonschema.Draft202012Validator(
        REVIEW_JSON_SCHEMA, format_checker=jsonschema.FormatChecker()
    )
    validator.validate(document)
    broken = dict(document, status="live")
    assert not validator.is_valid(broken)
    empty = json.loads(
        render_json(
            Review(
                slug="review-x",
                rubric="Review",
                title="t",
                teasers=(),
                intro="No stories.",
                sections=(),
                window_start=review.window_start,
                window_end=review.window_end,
                created_at=review.created_at,
            )
        )
    )
    validator.validate(empty)
