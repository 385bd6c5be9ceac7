"""The gettext catalogs: complete, consistent with their sources, right in Russian plurals.

``python tests/test_translations.py`` regenerates ``midweek.pot`` from the sources and
merges it into every language's ``.po`` (docs/translating.md); the tests check both.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from midweek.compose import compose_review
from midweek.errors import ConfigError
from midweek.translations import DOMAIN, LOCALE_DIR, catalog_path, translations
from midweek.web.i18n import LANGUAGES, format_rating

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
# `pybabel extract` as docs/translating.md gives it. Only the no-op-free gettext names are
# keywords: the site's own gettext(lang, key) takes a key, not an English msgid.
EXTRACT_ARGS = [
    "extract",
    "--mapping-file=babel.cfg",
    "--no-default-keywords",
    "--keyword=_",
    "--keyword=ngettext:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--add-comments=TRANSLATORS:",
    # file names without line numbers, so an edit elsewhere in a file leaves the .pot as is
    "--add-location=file",
    "--project=midweek",
    "--copyright-holder=midweek contributors",
]
# str.format fields ({n}, {range}) and %-style ones (%(n)s, %d), in case a message uses them.
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[sdif]")
START = datetime(2019, 10, 4, tzinfo=UTC)
END = datetime(2019, 10, 11, tzinfo=UTC)


def _read(path: Path) -> Catalog:
    """A .po or .pot file as Babel reads it."""
    with path.open("rb") as po_file:
        return read_po(po_file, locale=None if path.suffix == ".pot" else path.parent.parent.name)


def _entries(catalog: Catalog) -> list[tuple[object, ...]]:
    """What a catalog says about each message, in order (the header left out)."""
    return [
        (m.id, m.context, m.locations, m.auto_comments, sorted(m.flags)) for m in catalog if m.id
    ]


def _pybabel(args: list[str], monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    """Run pybabel from the repository root (the catalogs name files relative to it)."""
    if monkeypatch is not None:
        monkeypatch.chdir(REPO)
        # the arguments above are the whole configuration, whatever pyproject.toml says
        monkeypatch.setenv("BABEL_PYPROJECT_TOML", "skip")
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def test_template_is_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tmp_path / "fresh.pot"
    _pybabel([*EXTRACT_ARGS, f"--output-file={fresh}", "src/midweek"], monkeypatch)
    assert _entries(_read(fresh)) == _entries(_read(TEMPLATE)), (
        "midweek.pot is stale: run `python tests/test_translations.py`"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_translates_every_message(lang: str) -> None:
    """Every message of the template, translated, none fuzzy, none left over."""
    catalog = _read(catalog_path(lang))
    template = _read(TEMPLATE)
    assert [(m.id, m.context) for m in catalog if m.id] == [
        (m.id, m.context) for m in template if m.id
    ]
    assert not catalog.obsolete
    assert not catalog.fuzzy
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = message.string if message.pluralizable else (message.string,)
        assert len(strings) == (catalog.num_plurals if message.pluralizable else 1)
        assert all(strings), (lang, message.id)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_match(lang: str) -> None:
    """A translation keeps each placeholder of its English source, and adds none."""

    def fields(text: str) -> list[str]:
        return sorted(PLACEHOLDER.findall(text))

    messages = [m for m in _read(catalog_path(lang)) if m.id]
    # the guard: the loop asserts nothing on an empty catalog, and little on one without
    # placeholders (the frame's strings hold several: {count}, {start}, %(name)s ...)
    assert len(messages) >= 10, (lang, len(messages))
    with_fields = [m for m in messages if fields(m.id[-1] if m.pluralizable else m.id)]
    assert len(with_fields) >= 3, (lang, len(with_fields))
    message: Message
    for message in messages:
        sources = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        expected = fields(sources[-1])
        assert all(fields(source) == expected for source in sources), message.id
        for string in strings:
            assert fields(string) == expected, (lang, message.id, string)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_are_the_languages(lang: str) -> None:
    """The Plural-Forms header is CLDR's rule, as Babel gives it (not a hand-made one)."""
    catalog = _read(catalog_path(lang))
    rule = get_plural(catalog.locale)
    assert (catalog.num_plurals, catalog.plural_expr) == (rule.num_plurals, rule.plural_expr)


@pytest.mark.parametrize(
    ("n", "rating", "story", "article", "outlet"),
    [
        (1, "оценка", "сюжет", "независимая публикация", "издание"),
        (2, "оценки", "сюжета", "независимые публикации", "издания"),
        (5, "оценок", "сюжетов", "независимых публикаций", "изданий"),
        (21, "оценка", "сюжет", "независимая публикация", "издание"),
        (22, "оценки", "сюжета", "независимые публикации", "издания"),
        (25, "оценок", "сюжетов", "независимых публикаций", "изданий"),
        (11, "оценок", "сюжетов", "независимых публикаций", "изданий"),
        (111, "оценок", "сюжетов", "независимых публикаций", "изданий"),
    ],
)
def test_russian_plurals(n: int, rating: str, story: str, article: str, outlet: str) -> None:
    """One, few, many: 1 оценка, 2 оценки, 5 оценок, and 11 and 111 are 'many'."""
    assert format_rating("ru", n, 4.0) == f"4,0 · {n} {rating}"
    ru = translations("ru")
    assert ru.ngettext("{n} story", "{n} stories", n).format(n=n) == f"{n} {story}"
    counted = ru.ngettext("{n} independent article", "{n} independent articles", n)
    assert counted.format(n=n) == f"{n} {article}"
    assert ru.ngettext("{n} outlet", "{n} outlets", n).format(n=n) == f"{n} {outlet}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_review_frame_is_translated(lang: str) -> None:
    """A review's own words come out of the catalog, not in English (extraction saw them)."""
    english = compose_review([], {}, window_start=START, window_end=END, now=END, lang="en")
    local = compose_review([], {}, window_start=START, window_end=END, now=END, lang=lang)
    for field in ("rubric", "title", "intro"):
        assert getattr(local, field) != getattr(english, field), (lang, field)
    assert "October" not in local.title


def test_english_is_the_source_and_unknown_languages_fail() -> None:
    assert translations("en").gettext("Archive") == "Archive"
    assert translations("ru").gettext("Archive") == "Архив"
    assert translations("ru").gettext("not a message") == "not a message"
    with pytest.raises(ConfigError, match="xx"):
        translations("xx")


def _update_catalogs() -> None:
    """Regenerate the template from the sources and merge it into every catalog."""
    _pybabel([*EXTRACT_ARGS, f"--output-file={TEMPLATE.relative_to(REPO)}", "src/midweek"])
    _pybabel(
        [
            "update",
            f"--input-file={TEMPLATE.relative_to(REPO)}",
            f"--output-dir={LOCALE_DIR.relative_to(REPO)}",
            f"--domain={DOMAIN}",
            "--ignore-obsolete",
        ]
    )


if __name__ == "__main__":
    os.chdir(REPO)
    os.environ["BABEL_PYPROJECT_TOML"] = "skip"
    _update_catalogs()
