"""The reader's pages: home, review, story, search, archive, the Atom feed, the rating form.

Each handler parses the request, calls the store and the view models, and renders. Every
page works without JavaScript; the rating form is a plain POST answered by a 303 back to
the review, which the page's one script (static/rating.js) turns into a vote in place.
Readers see published reviews only; drafts are previewed on the editor's desk.
"""

from __future__ import annotations

import logging
import math
import re
from functools import partial
from typing import Final

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from midweek.store.browse import SearchPage, list_story_page, search_page
from midweek.store.site import (
    MAX_STARS,
    MIN_STARS,
    RatingSummary,
    get_review_listing,
    list_review_listings,
    rate_review,
    rating_summaries,
    review_for_reader,
)
from midweek.store.stories import get_story
from midweek.text.translit import term_variants
from midweek.web.feed import render_atom
from midweek.web.i18n import gettext
from midweek.web.pagecache import FrameKey
from midweek.web.runtime import (
    HTML,
    READER_COOKIE,
    Site,
    canonical_url,
    choose_language,
    client_network,
    finish,
    finish_shared,
    get_site,
    language_links,
    read_form,
    reader_age_s,
    reader_of,
    render_html,
    render_page,
    revalidated,
)
from midweek.web.views import (
    archive_weeks,
    article_href,
    group_articles,
    highlight,
    page_count,
    pager,
    parse_page,
    review_path,
    share_links,
    story_path,
)

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

# Reviews on the home page: about two months of weekly reviews.
HOME_REVIEWS: Final = 20
# Entries in the Atom feed: readers poll often; 20 covers months of weekly reviews.
FEED_ENTRIES: Final = 20
# Reviews the archive lists: ten years of weekly reviews fit in one page.
ARCHIVE_REVIEWS: Final = 600
# Results a search page shows.
SEARCH_RESULTS: Final = 30
# Search pages a reader can reach (300 results): past that a query needs more words.
MAX_SEARCH_PAGES: Final = 10
# Stories per page of the story index: a week's stories on one or two pages.
STORIES_PER_PAGE: Final = 30
# Pages of the story index: 30,000 stories, decades of weekly reviews.
MAX_LIST_PAGES: Final = 1000
# Longest search text used; the rest is cut (a real query is a few words).
MAX_QUERY_CHARS: Final = 200
# A rating form is two short fields (~120 bytes); anything much bigger is not ours.
MAX_FORM_BYTES: Final = 2048
# Fields of the rating form (stars and the form token) with room to spare; more is abuse.
RATING_FORM_FIELDS: Final = 8
# The header that names why a vote was refused (the page says it in words).
REFUSAL_HEADER: Final = "X-Midweek-Refused"
# The header the page's script sends to get the rating block back instead of a redirect.
FRAGMENT_HEADER: Final = "x-midweek-fragment"
# The star buttons of the rating form, lowest first.
STARS: Final = range(MIN_STARS, MAX_STARS + 1)
# Control characters never belong in a query; PostgreSQL rejects NUL outright.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(raw: str | None) -> str:
    """Search text as the store gets it: control characters out, length capped.

    Args:
        raw: The ``q`` parameter.

    Returns:
        The cleaned query (possibly empty).
    """
    return " ".join(_CONTROL.sub(" ", raw or "").split())[:MAX_QUERY_CHARS]


def _message(
    request: Request, site: Site, lang: str, status_code: int, key: str, **headers: str
) -> Response:
    """A small page that says what went wrong, in the reader's language.

    Its language links lead to the review the form was on: the rating URL answers POST
    only, so a link to it would be a 405.
    """
    slug = request.path_params.get("slug")
    response = render_page(
        request,
        site,
        "message.html",
        lang,
        status_code=status_code,
        links_path=review_path(str(slug)) if slug is not None else None,
        message=gettext(lang, key),
    )
    response.headers.update(headers)
    return response


@router.get("/")
def home(request: Request) -> Response:
    """The latest reviews, newest window first."""
    site = get_site(request)
    lang, remember = choose_language(request, site)
    listings = list_review_listings(site.store, limit=HOME_REVIEWS)
    ratings = rating_summaries(site.store, [r.id for r in listings])
    response = render_page(
        request,
        site,
        "home.html",
        lang,
        canonical=canonical_url(request, site, "/"),
        reviews=listings,
        ratings=ratings,
        review_path=review_path,
    )
    return finish_shared(response, request, lang=lang if remember else None)


@router.get("/reviews/{slug}")
def review(request: Request, slug: str) -> Response:
    """One review in the Midweek layout, with its rating form and share links.

    The shared part comes from the site's frame cache (:mod:`midweek.web.pagecache`);
    only the rating block, which holds this reader's vote and form token, is rendered
    here. A returning reader's page carries an ETag and is answered 304 when unchanged.
    """
    site = get_site(request)
    reader_id, new_cookie = reader_of(request, site)
    moment = site.monotonic()
    summary = site.summaries.get(slug, moment)
    found = review_for_reader(
        site.store, slug, None if new_cookie else reader_id, summary=summary is None
    )
    if found is None:
        raise HTTPException(status_code=404)
    if found.summary is not None:
        summary = found.summary
        site.summaries.put(slug, summary, moment)
    lang, remember = choose_language(request, site, found.lang)
    url = canonical_url(request, site, review_path(found.slug))
    frame = site.review_frames.get(
        FrameKey(
            review_id=found.id,
            slug=found.slug,
            title=found.title,
            content_lang=found.lang,
            body_text=found.body_text,
            lang=lang,
            canonical=url,
            feed_url=canonical_url(request, site, "/feed.atom"),
            language_links=language_links(request),
        )
    )
    rating_block = _rating_block(site, found.slug, lang, summary, found.mine, reader_id)
    body = frame.join(rating_block).encode("utf-8")
    if new_cookie is None and not remember:
        # this reader's own page (their token and vote): only their browser may keep it
        return revalidated(request, body, "private, no-cache")
    response = Response(body, media_type=HTML)
    # a new reader's cookie (or a language cookie) is being set: nothing may keep this
    response.headers["Cache-Control"] = "private, no-store"
    return finish(response, request, lang=lang if remember else None, reader_cookie=new_cookie)


def _rating_block(
    site: Site,
    slug: str,
    lang: str,
    summary: RatingSummary | None,
    mine: int | None,
    reader_id: str,
) -> str:
    """This reader's rating block: count and mean, their stars, their form token."""
    return render_html(
        site.site_name,
        "_rating.html",
        lang,
        summary=summary,
        mine=mine,
        stars=STARS,
        csrf=site.signer.csrf_token(reader_id),
        action=review_path(slug) + "/rating",
    )


@router.post("/reviews/{slug}/rating")
async def rate(request: Request, slug: str) -> Response:
    """Record the reader's stars (CSRF-checked, throttled) and go back to the review (303).

    Refused, with a page that says why and an ``X-Midweek-Refused`` reason: no signed
    cookie or a bad token (403), a reader younger than ``rating_min_reader_age_s`` (429
    with the seconds left as ``Retry-After``), the network's or the reader's votes used up
    (429). The page's script (static/rating.js) asks with ``X-Midweek-Fragment: rating`` and is
    answered with the reader's new rating block instead, to swap in place.
    """
    site = get_site(request)
    lang, _ = choose_language(request, site)
    reader = site.signer.read_cookie(request.cookies.get(READER_COOKIE))
    if reader is None:  # no signed cookie: a cross-site POST, a forged one, or none given
        return _message(request, site, lang, 403, "forbidden", **{REFUSAL_HEADER: "no-reader"})
    reader_id = reader.id
    form = await read_form(request, MAX_FORM_BYTES, RATING_FORM_FIELDS)
    if form is None:
        return _message(request, site, lang, 400, "bad_request")
    if not site.signer.check_csrf(reader_id, form.get("csrf")):
        return _message(request, site, lang, 403, "forbidden", **{REFUSAL_HEADER: "csrf"})
    raw = form.get("stars", "")
    if not raw.isascii() or not raw.isdigit() or not MIN_STARS <= int(raw) <= MAX_STARS:
        return _message(request, site, lang, 400, "bad_request")
    now = site.now()
    young = site.limits.rating_min_reader_age_s - reader_age_s(reader, now)
    if young > 0:  # a reader minted moments ago (or before birth times): not yet
        refused = _message(
            request,
            site,
            lang,
            429,
            "reader_too_new",
            **{"Retry-After": str(math.ceil(young)), REFUSAL_HEADER: "reader-too-new"},
        )
        if reader.born is None:  # re-sign the old cookie so its wait starts now
            finish(refused, request, reader_cookie=site.signer.cookie_for(reader_id, now))
        return refused
    moment = site.monotonic()
    if not site.network_throttle.allow(client_network(request), moment):
        retry = math.ceil(site.limits.network_votes_refill_s)
        return _message(
            request,
            site,
            lang,
            429,
            "throttled",
            **{"Retry-After": str(retry), REFUSAL_HEADER: "network-votes"},
        )
    if not site.reader_throttle.allow(reader_id, moment):
        retry = math.ceil(site.limits.reader_votes_refill_s)
        return _message(
            request,
            site,
            lang,
            429,
            "throttled",
            **{"Retry-After": str(retry), REFUSAL_HEADER: "reader-votes"},
        )
    stored = await run_in_threadpool(get_review_listing, site.store, slug)
    if stored is None:
        raise HTTPException(status_code=404)
    await run_in_threadpool(
        partial(
            rate_review,
            site.store,
            review_id=stored.id,
            reader_id=reader_id,
            stars=int(raw),
            now=now,
        )
    )
    site.summaries.forget(stored.slug, site.monotonic())  # the voter sees it counted at once
    if request.headers.get(FRAGMENT_HEADER) == "rating":
        found = await run_in_threadpool(review_for_reader, site.store, stored.slug, reader_id)
        if found is None:  # unpublished in between
            raise HTTPException(status_code=404)
        lang, _ = choose_language(request, site, found.lang)
        block = _rating_block(site, found.slug, lang, found.summary, found.mine, reader_id)
        return Response(block, media_type=HTML, headers={"Cache-Control": "no-store"})
    return RedirectResponse(review_path(stored.slug) + "#rating", status_code=303)


@router.get("/stories/{key}")
def story(request: Request, key: str) -> Response:
    """A story: its articles by language and outlet, and their timeline."""
    site = get_site(request)
    found = get_story(site.store, key, by_id=False)
    if found is None:
        raise HTTPException(status_code=404)
    story, articles = found
    lang, remember = choose_language(request, site)
    url = canonical_url(request, site, story_path(story.key))
    response = render_page(
        request,
        site,
        "story.html",
        lang,
        canonical=url,
        story=story,
        articles=articles,
        groups=group_articles(articles),
        href=article_href,
        shares=share_links(url, story.headline, gettext(lang, "email")),
    )
    return finish_shared(response, request, lang=lang if remember else None)


@router.get("/search")
def search(request: Request, q: str = "", page: str = "1") -> Response:
    """Full-text search over stored articles, paged, in every script; any punctuation is safe.

    Each term matches in Latin or Cyrillic (``Mirziyoyev`` finds ``Мирзиёев``); a result
    links to its story's page, the source article second.
    """
    site = get_site(request)
    lang, remember = choose_language(request, site)
    query = clean_query(q)
    terms = term_variants(query)
    number = parse_page(page, MAX_SEARCH_PAGES)
    found = (
        search_page(site.store, terms, limit=SEARCH_RESULTS, offset=(number - 1) * SEARCH_RESULTS)
        if query
        else SearchPage(0, ())
    )
    pages = page_count(found.total, SEARCH_RESULTS)
    response = render_page(
        request,
        site,
        "search.html",
        lang,
        query=query,
        total=found.total,
        hits=found.hits,
        first=(number - 1) * SEARCH_RESULTS + 1,
        pager=pager("/search", [("q", query)], number, min(pages, MAX_SEARCH_PAGES)),
        snippet=lambda text: highlight(text, terms),
        story_path=story_path,
        href=article_href,
    )
    return finish(response, request, lang=lang if remember else None)


@router.get("/stories")
def stories(request: Request, page: str = "1") -> Response:
    """Every story, the most recently active first, a page at a time."""
    site = get_site(request)
    lang, remember = choose_language(request, site)
    number = parse_page(page, MAX_LIST_PAGES)
    found = list_story_page(
        site.store, limit=STORIES_PER_PAGE, offset=(number - 1) * STORIES_PER_PAGE
    )
    pages = min(page_count(found.total, STORIES_PER_PAGE), MAX_LIST_PAGES)
    if number > pages:
        raise HTTPException(status_code=404)
    response = render_page(
        request,
        site,
        "stories.html",
        lang,
        canonical=canonical_url(
            request, site, "/stories" + (f"?page={number}" if number > 1 else "")
        ),
        total=found.total,
        stories=found.stories,
        pager=pager("/stories", [], number, pages),
        story_path=story_path,
    )
    return finish_shared(response, request, lang=lang if remember else None)


@router.get("/archive")
def archive(request: Request) -> Response:
    """Every review, grouped by the ISO week its window starts in."""
    site = get_site(request)
    lang, remember = choose_language(request, site)
    weeks = archive_weeks(list_review_listings(site.store, limit=ARCHIVE_REVIEWS))
    response = render_page(
        request,
        site,
        "archive.html",
        lang,
        canonical=canonical_url(request, site, "/archive"),
        weeks=weeks,
        review_path=review_path,
    )
    return finish_shared(response, request, lang=lang if remember else None)


@router.get("/feed.atom")
def feed(request: Request) -> Response:
    """The Atom feed of the latest reviews."""
    site = get_site(request)
    listings = list_review_listings(site.store, limit=FEED_ENTRIES)
    urls = {r.slug: canonical_url(request, site, review_path(r.slug)) for r in listings}
    body = render_atom(
        listings,
        site_name=site.site_name,
        site_url=canonical_url(request, site, "/"),
        review_url=urls,
        now=site.now(),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")
