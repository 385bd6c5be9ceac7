"""clean_text: what XML 1.0 forbids goes, everything else stays (a property, then cases)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from midweek.models import Article
from midweek.text.clean import clean_article, clean_optional, clean_text, is_clean

# Every code point, lone surrogates and C0 controls included.
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF))


def _xml_char(char: str) -> bool:
    """XML 1.0 section 2.2 Char, written out independently of the module's regex."""
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


@given(ANY_TEXT)
def test_clean_text_keeps_exactly_the_xml_characters(value: str) -> None:
    cleaned = clean_text(value)
    assert cleaned == "".join(c for c in value if _xml_char(c))
    assert is_clean(cleaned)
    cleaned.encode("utf-8")  # raises on a lone surrogate
    assert clean_text(cleaned) == cleaned


def test_known_hostile_values() -> None:
    assert clean_text("a\x00b\ud800c\udfffd\x0be\ufffe\uffff\tok\n\r") == "abcde\tok\n\r"
    assert clean_text("Ташкент ʻ 😀 \x7f") == "Ташкент ʻ 😀 \x7f"  # DEL is an XML Char
    assert clean_optional("\x00\ud800") is None and clean_optional(None) is None


def test_clean_article_cleans_every_text_field_and_keeps_clean_ones_identical() -> None:
    bad = "x\x00\ud800y"
    article = Article(
        url=f"https://e.example/{bad}",
        title=bad,
        text=bad,
        authors=(bad, "\x00"),
        lang=bad,
        script=bad,
        image=bad,
        outlet=bad,
        guid=bad,
        description=bad,
    )
    cleaned = clean_article(article)
    assert cleaned.url == "https://e.example/xy" and cleaned.authors == ("xy",)
    for name in ("title", "text", "lang", "script", "image", "outlet", "guid", "description"):
        assert getattr(cleaned, name) == "xy", name
    good = Article(url="https://e.example/a", title="T", text="body\n")
    assert clean_article(good) is good
