"""Tag pages: every review tagged with one canonical entity, its names, and its feed.

A tag is a canonical entity (see :mod:`midweek.entities`); its slug is the same in every
language, so ``/tags/vladimir-putin`` lists the reviews that name Putin whether they were
written in English, Russian or Uzbek. The page shows the entity in the reader's language
and script with its names in the others.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from midweek.entities import KnowledgeBase, load_kb
from midweek.entities.model import LANGS
from midweek.entities.tags import name_in_script
from midweek.store.site import ReviewListing, list_review_listings, rating_summaries
from midweek.web.feed import render_atom
from midweek.web.runtime import (
    canonical_url,
    choose_language,
    finish_shared,
    get_site,
    render_page,
)
from midweek.web.views import review_path

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
# What a tag slug may be (as midweek.entities makes them): safe in a path as it is.
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")

# Reviews scanned for a tag. A weekly review makes 52 a year, so reading the latest
# thousand bodies is cheaper than keeping an index table in step; revisit past that.
TAG_SCAN_REVIEWS: Final = 1000
# Entries in a tag's Atom feed (the site feed shows as many).
TAG_FEED_ENTRIES: Final = 20


@dataclass(frozen=True, slots=True)
class TagPage:
    """What a tag page shows."""

    slug: str
    name: str
    entity_id: str
    other_names: tuple[tuple[str, str], ...]  # (language tag, name) in the other languages
    reviews: tuple[ReviewListing, ...]


@lru_cache(maxsize=1)
def _kb() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    return load_kb()


def find_tag(listings: list[ReviewListing], slug: str, lang: str) -> TagPage | None:
    """The tag ``slug`` as the given reviews carry it, named in ``lang``; None if none does."""
    tagged: list[ReviewListing] = []
    entity_id = name = ""
    for listing in listings:
        for tag in listing.review.tags:
            if tag.slug == slug:
                tagged.append(listing)
                if not entity_id or listing.lang == lang:
                    entity_id, name = tag.entity_id, tag.name
                break
    if not tagged:
        return None
    entity = _kb().get(entity_id)
    names: list[tuple[str, str]] = []
    if entity is not None:
        name = _kb().name_in(entity, lang) or name
        names = [(other, _kb().name_in(entity, other)) for other in LANGS if other != lang]
    others = tuple((tag, n) for tag, n in names if n and n != name)
    return TagPage(slug, name, entity_id, others, tuple(tagged))


@dataclass(frozen=True, slots=True)
class TagEntry:
    """One tag of the tag index: its name in the reader's language and its review count."""

    slug: str
    name: str
    reviews: int


def tag_index(listings: list[ReviewListing], lang: str) -> tuple[TagEntry, ...]:
    """Every tag the given reviews carry, named in ``lang`` and its script, by name.

    Args:
        listings: The reviews (newest first).
        lang: The interface language (a key of :data:`midweek.web.i18n.LANGUAGES`).

    Returns:
        One entry per tag slug: the entity's name in ``lang`` from the knowledge base,
        else the name a review in ``lang`` gives it, else the newest review's name.
    """
    counts: dict[str, int] = {}
    names: dict[str, tuple[bool, str]] = {}  # slug -> (named in lang?, name)
    entities: dict[str, str] = {}
    for listing in listings:
        seen: set[str] = set()
        for tag in listing.review.tags:
            slug = tag.slug  # "" for the plain-name tags of older bodies
            if not _SLUG.fullmatch(slug) or slug in seen:
                continue
            seen.add(slug)
            counts[slug] = counts.get(slug, 0) + 1
            in_lang = listing.lang == lang
            if slug not in names or (in_lang and not names[slug][0]):
                names[slug] = (in_lang, tag.name or slug)
                entities[slug] = tag.entity_id
    entries = []
    for slug, count in counts.items():
        entity = _kb().get(entities[slug]) if entities[slug] else None
        name = (_kb().name_in(entity, lang) if entity is not None else "") or name_in_script(
            names[slug][1], lang
        )
        entries.append(TagEntry(slug, name, count))
    return tuple(sorted(entries, key=lambda e: (e.name.casefold(), e.slug)))


@router.get("/tags")
def tags(request: Request) -> Response:
    """Every tag with how many reviews carry it, in the reader's language and script."""
    site = get_site(request)
    lang, remember = choose_language(request, site)
    entries = tag_index(list_review_listings(site.store, limit=TAG_SCAN_REVIEWS), lang)
    response = render_page(
        request,
        site,
        "tags.html",
        lang,
        canonical=canonical_url(request, site, "/tags"),
        tags=entries,
    )
    return finish_shared(response, request, lang=lang if remember else None)


@router.get("/tags/{slug}")
def tag(request: Request, slug: str) -> Response:
    """The reviews tagged with one entity, newest first."""
    site = get_site(request)
    lang, remember = choose_language(request, site)
    page = find_tag(list_review_listings(site.store, limit=TAG_SCAN_REVIEWS), slug, lang)
    if page is None:
        raise HTTPException(status_code=404)
    response = render_page(
        request,
        site,
        "tag.html",
        lang,
        canonical=canonical_url(request, site, f"/tags/{page.slug}"),
        tag=page,
        reviews=page.reviews,
        ratings=rating_summaries(site.store, [r.id for r in page.reviews]),
        review_path=review_path,
        feed=f"/tags/{page.slug}/feed.atom",
    )
    return finish_shared(response, request, lang=lang if remember else None)


@router.get("/tags/{slug}/feed.atom")
def tag_feed(request: Request, slug: str) -> Response:
    """The Atom feed of one tag's reviews."""
    site = get_site(request)
    lang, _ = choose_language(request, site)
    page = find_tag(list_review_listings(site.store, limit=TAG_SCAN_REVIEWS), slug, lang)
    if page is None:
        raise HTTPException(status_code=404)
    listings = list(page.reviews[:TAG_FEED_ENTRIES])
    body = render_atom(
        listings,
        site_name=f"{site.site_name} · {page.name}",
        site_url=canonical_url(request, site, f"/tags/{page.slug}"),
        review_url={r.slug: canonical_url(request, site, review_path(r.slug)) for r in listings},
        now=site.now(),
        self_url=canonical_url(request, site, f"/tags/{page.slug}/feed.atom"),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")
