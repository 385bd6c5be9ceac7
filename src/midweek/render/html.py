"""Render a review as one standalone HTML5 page.

The page makes no request of its own: the small stylesheet is inline and allowed by its
hash in a strict Content-Security-Policy, there is no script, no image, no font, no form.
Jinja2 autoescaping is on, so every third-party string (titles, sentences, outlet names)
reaches the page as text. Links are written only for http and https URLs, always with
``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache
from typing import TypedDict

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from midweek.models import Citation, Review
from midweek.render.markdown import (
    continuing_label,
    dropped_label,
    safe_link_url,
    sources_heading,
    tags_label,
)

logger = logging.getLogger(__name__)

__all__ = [
    "REVIEW_CSS",
    "STYLESHEET_HREF",
    "content_security_policy",
    "render_html",
    "template_environment",
]

# The whole stylesheet: a readable column on a phone and on a desktop, dark mode by the
# reader's setting. Kept small so inlining it costs less than a second request.
REVIEW_CSS = """\
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfb;--muted:#5c5c5c;--accent:#0b5cad}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e3;--bg:#161616;--muted:#a8a8a0;\
--accent:#7ab7ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);\
font:1.0625rem/1.6 Georgia,"Times New Roman",serif}
main{max-width:42rem;margin:0 auto;padding:1.25rem 1rem 3rem}
.rubric{font:600 .8rem/1.2 system-ui,sans-serif;letter-spacing:.08em;\
text-transform:uppercase;color:var(--accent);margin:0 0 .5rem}
h1{font-size:1.9rem;line-height:1.2;margin:0 0 1rem}
h2{font-size:1.3rem;line-height:1.3;margin:2rem 0 .5rem}
.teasers{padding-left:1.2rem;color:var(--muted)}
.intro{font-style:italic}
a{color:var(--accent)}
sup{font:600 .7rem system-ui,sans-serif}
.sources,.continuing,.dropped{font-size:.9rem;color:var(--muted);overflow-wrap:anywhere}
footer{font:.8rem system-ui,sans-serif;color:var(--muted);margin-top:2rem}
"""

# Where the stylesheet is expected when it is not inlined (served by the site, same origin).
STYLESHEET_HREF = "/static/review.css"


def template_environment(package: str, *, auto_reload: bool = True) -> Environment:
    """A Jinja2 environment over ``package``'s ``templates`` folder: autoescape always on
    (every third-party string is text), an undefined name an error (no silent blanks),
    block tags trimmed. The review renderer and the site both use it.

    Args:
        package: The package holding ``templates/`` (``midweek.render``, ``midweek.web``).
        auto_reload: Check the templates' files for changes before each render.

    Returns:
        The environment.
    """
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        auto_reload=auto_reload,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The review renderer's templates."""
    return template_environment("midweek.render")


def content_security_policy(*, stylesheet_inline: bool = True) -> str:
    """The page's CSP: nothing allowed but its own stylesheet.

    Args:
        stylesheet_inline: Whether the stylesheet is the inline :data:`REVIEW_CSS`
            (allowed by its SHA-256) or a same-origin file.

    Returns:
        The policy string for a ``Content-Security-Policy`` meta tag or header.
    """
    if stylesheet_inline:
        digest = hashlib.sha256(REVIEW_CSS.encode("utf-8")).digest()
        style = f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
    else:
        style = "'self'"
    return (
        f"default-src 'none'; style-src {style}; img-src 'none'; script-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


class _CitationView(TypedDict):
    """A numbered citation as the template shows it (``href`` None: not a safe link)."""

    number: int
    href: str | None
    title: str
    outlet: str


def _citation_view(number: int, citation: Citation) -> _CitationView:
    """What the template needs to show one citation."""
    return {
        "number": number,
        "href": safe_link_url(citation.url),
        "title": citation.title or citation.url,
        "outlet": citation.outlet,
    }


def render_html(review: Review, *, stylesheet_inline: bool = True) -> str:
    """Render a review as a standalone, mobile-friendly HTML5 page.

    Args:
        review: The review.
        stylesheet_inline: Inline the stylesheet (default: the page is one file); when
            False, link :data:`STYLESHEET_HREF` on the same origin instead.

    Returns:
        The page, with a strict CSP meta tag, Open Graph title and description and the
        review's language on the ``html`` element.
    """
    numbers: dict[int, int] = {}
    sources: list[_CitationView] = []
    sections = []
    for section in review.sections:
        sentences = []
        for sentence in section.sentences:
            cites = []
            for citation in sentence.citations:
                if citation.article_id not in numbers:
                    numbers[citation.article_id] = len(numbers) + 1
                    sources.append(_citation_view(numbers[citation.article_id], citation))
                cites.append(_citation_view(numbers[citation.article_id], citation))
            sentences.append({"text": sentence.text, "citations": cites, "lang": sentence.lang})
        label = ""
        if section.status == "continuing" and section.new_since is not None:
            label = continuing_label(review.lang, section.new_since)
        sections.append(
            {
                "heading": section.heading,
                "heading_lang": section.heading_lang,
                "sentences": sentences,
                "label": label,
            }
        )
    template = _environment().get_template("review.html")
    return template.render(
        review=review,
        sections=sections,
        sources=sources,
        sources_heading=sources_heading(review.lang),
        tags_label=tags_label(review.lang),
        dropped_label=dropped_label(review.lang),
        csp=content_security_policy(stylesheet_inline=stylesheet_inline),
        # Our own constant, not third-party text: safe to mark so the hash matches.
        css=Markup(REVIEW_CSS) if stylesheet_inline else None,  # noqa: S704
        stylesheet_href=STYLESHEET_HREF,
    )
