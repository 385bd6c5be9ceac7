"""The site's interface strings in English, Russian and Uzbek (Latin and Cyrillic).

Templates and views name a message by a short key (``t("latest")``); the English text of
each key below is the msgid translators see in the gettext catalogs
(:mod:`midweek.translations`, docs/translating.md). Review text itself is not translated
here: it is written in the review's own language.
"""

from __future__ import annotations

import logging
from gettext import NullTranslations
from typing import Final

from midweek.translations import translations

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "MESSAGES",
    "format_rating",
    "gettext",
    "normalize_language",
]

DEFAULT_LANGUAGE: Final = "en"
# The languages the project's editors publish in (DESIGN.md): code -> its own name.
LANGUAGES: Final[dict[str, str]] = {
    "en": "English",
    "ru": "Русский",
    "uz-Latn": "Oʻzbekcha",
    "uz-Cyrl": "Ўзбекча",
}
# The decimal separator of each language's number format (CLDR): a comma but in English.
_DECIMAL_SEPARATOR: Final[dict[str, str]] = {"en": ".", "ru": ",", "uz-Latn": ",", "uz-Cyrl": ","}


def _reader_messages(tr: NullTranslations) -> dict[str, str]:
    """The reader's pages' messages by key, in the language of ``tr``."""
    _ = tr.gettext
    return {
        "latest": _("Latest reviews"),
        "archive": _("Archive"),
        "archive_title": _("Reviews by week"),
        # TRANSLATORS: {week} is the ISO week number, {year} the year.
        "week": _("Week {week}, {year}"),
        "search": _("Search"),
        "search_label": _("Search articles"),
        # TRANSLATORS: {query} is what the reader typed.
        "search_results": _("Results for “{query}”"),
        "search_empty": _("Nothing found."),
        "search_prompt": _("Type words to search the stored articles."),
        "feed": _("Atom feed"),
        "no_reviews": _("No reviews yet."),
        "draft": tr.pgettext("review state", "draft"),
        "published": tr.pgettext("review state", "published"),
        "sources": _("Sources"),
        "author": _("Author"),
        "tags": _("Tags"),
        "rating": _("Rating"),
        "rate": _("Rate this review"),
        # TRANSLATORS: {stars} is a number from 1 to 5.
        "your_rating": _("Your rating: {stars} of 5"),
        # TRANSLATORS: {n} is a number from 1 to 5.
        "stars": _("{n} of 5 stars"),
        "no_ratings": _("no ratings yet"),
        "share": _("Share"),
        # TRANSLATORS: label of a read-only box holding the page's address to copy
        "copy_link": _("Link to copy"),
        "email": _("E-mail"),
        "story": _("Story"),
        "story_sources": _("Articles by language and outlet"),
        "timeline": _("Timeline"),
        "undated": _("undated"),
        "languages": _("Languages"),
        "not_found": _("Page not found."),
        "home": _("Home"),
        "language": _("Language"),
        # TRANSLATORS: {start} and {end} are dates.
        "window": _("Covers {start} – {end}"),
        "read_story": _("the story’s sources"),
        "forbidden": _("This form has expired. Reload the page and try again."),
        "throttled": _("Too many votes in a short time. Wait a minute and try again."),
        "reader_too_new": _(
            "Votes count from readers who have spent a little time on the site. "
            "Read on, and vote again in half a minute."
        ),
        "bad_request": _("That request could not be understood."),
    }


def _editor_messages(tr: NullTranslations) -> dict[str, str]:
    """The editor's desk's messages (midweek.web.editor) by key, in the language of ``tr``."""
    _ = tr.gettext
    return {
        "editor_desk": _("Editor’s desk"),
        "login_title": _("Editor login"),
        "user_name": _("Name"),
        "password": _("Password"),
        "log_in": _("Log in"),
        "log_out": _("Log out"),
        "login_failed": _("Wrong name or password."),
        "login_locked": _("Too many failed logins from your network. Try again later."),
        # TRANSLATORS: {name} is the editor's user name.
        "signed_in_as": _("Signed in as {name}"),
        "edit": _("Edit"),
        "preview": _("Preview"),
        "history": _("History"),
        "publish": _("Publish"),
        "unpublish": _("Unpublish"),
        "save": _("Save"),
        "edited": tr.pgettext("review state", "edited"),
        "state": _("State"),
        "window_field": _("Period"),
        "title_field": _("Title"),
        "rubric_field": _("Rubric"),
        "intro_field": _("Intro"),
        "teasers_field": _("Teasers (one per line, at most three)"),
        "tags_field": _("Tags (comma-separated)"),
        "heading_field": _("Heading"),
        "text_field": _("Text (one sentence per line; sources stay with the section)"),
        # TRANSLATORS: {n} is the section's number, from 1.
        "section_n": _("Section {n}"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "delete_section": _("Delete section"),
        "published_locked": _("This review is published. Unpublish it to edit it."),
        "preview_note": _("Preview: the review as readers will see it."),
        "view_on_site": _("View on the site"),
        "diff_title": _("Changes since the generated draft"),
        "no_changes": _("No changes yet."),
        "audit_log": _("Audit log"),
        "when": _("When"),
        "who": _("Who"),
        "action": _("Action"),
        "changes": _("Changes"),
    }


# Every message by language, then key (each language has every key: a missing
# translation reads as its English source).
MESSAGES: Final[dict[str, dict[str, str]]] = {
    lang: _reader_messages(translations(lang)) | _editor_messages(translations(lang))
    for lang in LANGUAGES
}


def normalize_language(value: str | None) -> str | None:
    """The supported language code a user or a review names, or None.

    Args:
        value: ``ru``, ``uz-latn``, ``uz_Cyrl``, ``uz`` (taken as Latin, the official
            script) and so on, in any case.

    Returns:
        A key of :data:`LANGUAGES`, or None when the value names none of them.
    """
    if not value:
        return None
    wanted = value.strip().replace("_", "-").lower()
    if wanted == "uz":
        return "uz-Latn"
    for code in LANGUAGES:
        if code.lower() == wanted:
            return code
    return None


def gettext(lang: str, key: str, **values: object) -> str:
    """One interface string in ``lang`` (English when missing), with values filled in.

    Args:
        lang: A key of :data:`LANGUAGES`.
        key: The message's name.
        **values: Values for its ``{placeholders}``.

    Returns:
        The translated text.

    Raises:
        KeyError: no language knows the message (a bug, caught by the tests).
    """
    table = MESSAGES.get(lang, MESSAGES[DEFAULT_LANGUAGE])
    template = table.get(key) or MESSAGES[DEFAULT_LANGUAGE][key]
    return template.format(**values) if values else template


def format_rating(lang: str, count: int, average: float | None) -> str:
    """A rating as readers see it: ``3.8 · 27 ratings``, or ``no ratings yet``.

    A mean is never shown beside a count of zero.

    Args:
        lang: A key of :data:`LANGUAGES`.
        count: How many readers rated.
        average: Their mean stars.

    Returns:
        The text.
    """
    if count <= 0 or average is None:
        return gettext(lang, "no_ratings")
    mean = f"{average:.1f}".replace(".", _DECIMAL_SEPARATOR.get(lang, "."))
    tr = translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    # TRANSLATORS: how many readers rated a review, after its mean ("3.8 · 27 ratings").
    counted = tr.ngettext("{n} rating", "{n} ratings", count)
    return f"{mean} · {counted.format(n=count)}"
