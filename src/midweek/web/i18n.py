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

from babel.core import parse_locale

from midweek.translations import translations

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "MESSAGES",
    "count_text",
    "format_rating",
    "gettext",
    "negotiate_language",
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
# Accept-Language read at most: real headers are under 100 characters; a longer one is
# cut rather than parsed in full.
MAX_ACCEPT_LANGUAGE_CHARS: Final = 512
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
        # TRANSLATORS: a link to the article a search result was found in, on its outlet's site
        "source_link": _("original article"),
        "stories_title": _("Stories"),
        "no_stories": _("No stories yet."),
        "no_tags": _("No tags yet."),
        # TRANSLATORS: the name of the list of pages under search results and the story index
        "pages": _("Pages"),
        "previous_page": _("Previous page"),
        "next_page": _("Next page"),
        # TRANSLATORS: {page} is the page shown, {pages} how many there are.
        "page_of": _("Page {page} of {pages}"),
        "api_docs": _("API documentation"),
        "rubric": tr.pgettext("rubric", "Review"),
        "feed": _("Atom feed"),
        "no_reviews": _("No reviews yet."),
        "draft": tr.pgettext("review state", "draft"),
        "published": tr.pgettext("review state", "published"),
        "sources": _("Sources"),
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
        "saved": _("Saved."),
        # TRANSLATORS: above the checker's findings on the edit page; {n} is their count.
        "check_findings": _("The checker found {n} things an editor would fix before publishing:"),
        "check_passed": _("The checker found nothing to fix."),
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
        "sources_title": _("Sources"),
        "sources_note": _(
            "A post marked as not news (an advert, a digest, a service post) is left out "
            "of its story when the review is next built, and the checker flags the "
            "sentences that cite it; a post marked as news joins a story at the next "
            "clustering. Every change is in the history."
        ),
        "cited_sources": _("Cited in this review"),
        "set_aside_sources": _("Set aside in this period"),
        "source_post": _("Post"),
        "kind_field": _("Kind"),
        "set_kind": _("Change"),
        "kind_news": tr.pgettext("article kind", "news"),
        "kind_advert": tr.pgettext("article kind", "advert"),
        "kind_digest": tr.pgettext("article kind", "digest"),
        "kind_service": tr.pgettext("article kind", "service"),
        "kind_opinion": tr.pgettext("article kind", "opinion"),
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


def _quality(weight: str) -> float:
    """The q value of one Accept-Language entry (1 when absent, 0 when unreadable)."""
    name, _, value = weight.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        q = float(value)
    except ValueError:
        return 0.0
    return q if 0.0 <= q <= 1.0 else 0.0


def _supported(tag: str) -> str | None:
    """The supported language a BCP 47 tag asks for (``uz-Cyrl-UZ`` → uz-Cyrl), or None."""
    exact = normalize_language(tag)
    if exact:
        return exact
    try:
        language, _, script, *_ = parse_locale(tag.strip(), sep="-")
    except ValueError:
        return None
    if script:
        return normalize_language(f"{language}-{script}")
    return normalize_language(language)


def negotiate_language(header: str | None) -> str | None:
    """The supported language a browser's ``Accept-Language`` header prefers most.

    Entries are taken by their q value (ties in the header's order); a region is ignored
    (``ru-RU`` is ``ru``) and plain ``uz`` is Latin, the official script.

    Args:
        header: The header's value.

    Returns:
        A key of :data:`LANGUAGES`, or None when the header names none of them.
    """
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, entry in enumerate(header[:MAX_ACCEPT_LANGUAGE_CHARS].split(",")):
        tag, *params = entry.split(";")
        q = min((_quality(p) for p in params), default=1.0)
        if q > 0 and tag.strip() and tag.strip() != "*":
            ranked.append((-q, position, tag))
    for _, _, tag in sorted(ranked):
        found = _supported(tag)
        if found:
            return found
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


def count_text(lang: str, what: str, n: int) -> str:
    """A counted noun in ``lang`` ("1 result", "5 результатов"), its plural form chosen.

    Args:
        lang: A key of :data:`LANGUAGES`.
        what: ``results`` (search), ``articles`` (a story's independent articles) or
            ``reviews`` (a tag's).
        n: The number.

    Returns:
        The text.

    Raises:
        KeyError: ``what`` is none of those (a bug, caught by the tests).
    """
    tr = translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    forms = {
        # TRANSLATORS: how many articles a search found; {n} is a number.
        "results": lambda: tr.ngettext("{n} result", "{n} results", n),
        # TRANSLATORS: counted in a review's intro; {n} is a number.
        "articles": lambda: tr.ngettext("{n} independent article", "{n} independent articles", n),
        # TRANSLATORS: how many reviews carry a tag; {n} is a number.
        "reviews": lambda: tr.ngettext("{n} review", "{n} reviews", n),
    }
    return forms[what]().format(n=n)
