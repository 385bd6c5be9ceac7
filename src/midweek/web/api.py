"""The read-only JSON API under ``/api/``, described by FastAPI's OpenAPI schema.

Every route answers 200 or a 4xx: a missing review, story or article is a 404, an id out
of range or a query too long is a 422 (validation), never a 5xx.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from midweek.models import Article
from midweek.store import StoredReview
from midweek.store.browse import SearchPage, search_page
from midweek.store.site import (
    RatingSummary,
    ReviewListing,
    get_article,
    get_review_listing,
    list_review_listings,
    rating_summaries,
    rating_summary,
)
from midweek.store.stories import get_story
from midweek.text.translit import term_variants
from midweek.web.apidocs import docs_page, first_line
from midweek.web.routes import MAX_QUERY_CHARS, SEARCH_RESULTS, clean_query
from midweek.web.runtime import (
    canonical_url,
    choose_language,
    finish_shared,
    get_site,
    render_page,
)
from midweek.web.views import review_path, story_path

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["api"])

# Reviews one list call returns at most.
MAX_PAGE: Final = 100
# Search results one can page to: 100 pages of the largest page; a query that needs more
# needs more words.
MAX_SEARCH_OFFSET: Final = 10_000
# Where the schema and its rendered documentation are served.
OPENAPI_PATH: Final = "/api/openapi.json"
DOCS_PATH: Final = "/api/docs"
# Row ids fit a 32-bit INTEGER on PostgreSQL; a larger number is refused, not sent.
MAX_ID: Final = 2**31 - 1
# The stored review's columns a review answer shows, in the record's order: its row id is
# internal and its body is ReviewOut's (tests/web/test_feed_api.py pins ReviewSummaryOut
# to these, so the record and the API's schema cannot drift apart).
REVIEW_COLUMNS: Final = tuple(f.name for f in fields(StoredReview) if f.name not in {"id", "body"})


class RatingOut(BaseModel):
    """A review's rating: count, and the mean when there is at least one."""

    count: int
    average: float | None


class ReviewSummaryOut(BaseModel):
    """A review as a list shows it: the stored record's :data:`REVIEW_COLUMNS`, its page's
    URL and its rating (the public schema, so written out rather than generated)."""

    slug: str
    title: str
    lang: str
    status: str
    window_start: datetime
    window_end: datetime
    created_at: datetime
    published_at: datetime | None
    url: str
    rating: RatingOut


class ReviewOut(ReviewSummaryOut):
    """A whole review: the summary and the body (in the review JSON format of the CLI)."""

    body: dict[str, object]


class ArticleOut(BaseModel):
    """An article's metadata (its text is not republished)."""

    id: int
    url: str
    title: str
    outlet: str
    description: str
    published: datetime | None
    lang: str | None
    script: str | None
    duplicate_of: int | None


class StoryOut(BaseModel):
    """A story and its articles, oldest first."""

    key: str
    headline: str
    first_seen: datetime | None
    last_seen: datetime | None
    languages: list[str]
    outlets: list[str]
    independent_articles: int
    articles: list[ArticleOut]


class SearchResultOut(ArticleOut):
    """A found article and the story it belongs to (null when it is in none yet)."""

    story_key: str | None
    story_url: str | None


class SearchOut(BaseModel):
    """One page of search results and how many there are in all."""

    query: str
    total: int
    offset: int
    results: list[SearchResultOut]


class EndpointOut(BaseModel):
    """One endpoint of the API."""

    path: str
    method: str
    summary: str


class ApiIndexOut(BaseModel):
    """What the API offers: its endpoints and where they are described."""

    name: str
    version: str
    docs: str
    openapi: str
    endpoints: list[EndpointOut]


def _rating(summary: RatingSummary) -> RatingOut:
    """The API form of a rating summary."""
    return RatingOut(count=summary.count, average=summary.average)


def _summary(request: Request, listing: ReviewListing, rating: RatingSummary) -> dict[str, object]:
    """The fields every review answer shares."""
    path = review_path(listing.slug)
    return {
        **{column: getattr(listing, column) for column in REVIEW_COLUMNS},
        "url": canonical_url(request, get_site(request), path),
        "rating": _rating(rating),
    }


def _article(article: Article) -> ArticleOut:
    """The API form of an article."""
    return ArticleOut(
        id=article.id or 0,
        url=article.url,
        title=article.title,
        outlet=article.outlet,
        description=article.description,
        published=article.published,
        lang=article.lang,
        script=article.script,
        duplicate_of=article.duplicate_of,
    )


@router.get("/reviews", response_model=list[ReviewSummaryOut])
def api_reviews(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[ReviewSummaryOut]:
    """Reviews, newest window first (drafts included until publishing exists)."""
    store = get_site(request).store
    listings = list_review_listings(store, limit=limit, offset=offset)
    ratings = rating_summaries(store, [r.id for r in listings])
    return [ReviewSummaryOut.model_validate(_summary(request, r, ratings[r.id])) for r in listings]


@router.get("/reviews/{slug}", response_model=ReviewOut, responses={404: {}})
def api_review(request: Request, slug: str) -> ReviewOut:
    """One review with its body and rating."""
    store = get_site(request).store
    listing = get_review_listing(store, slug)
    if listing is None:
        raise HTTPException(status_code=404, detail="no such review")
    summary = _summary(request, listing, rating_summary(store, listing.id))
    return ReviewOut.model_validate({**summary, "body": listing.body})


@router.get("/stories/{key}", response_model=StoryOut, responses={404: {}})
def api_story(request: Request, key: str) -> StoryOut:
    """One story with its articles."""
    found = get_story(get_site(request).store, key, by_id=False)
    if found is None:
        raise HTTPException(status_code=404, detail="no such story")
    story, articles = found
    return StoryOut(
        key=story.key,
        headline=story.headline,
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        languages=list(story.languages),
        outlets=list(story.outlets),
        independent_articles=story.independent_articles,
        articles=[_article(a) for a in articles],
    )


@router.get("/articles/{article_id}", response_model=ArticleOut, responses={404: {}})
def api_article(request: Request, article_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> ArticleOut:
    """One article's metadata."""
    found = get_article(get_site(request).store, article_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no such article")
    return _article(found)


@router.get("/search", response_model=SearchOut)
def api_search(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = SEARCH_RESULTS,
    offset: Annotated[int, Query(ge=0, le=MAX_SEARCH_OFFSET)] = 0,
) -> SearchOut:
    """Full-text search over stored articles, each term in Latin or Cyrillic script.

    Any punctuation is safe; total counts every match, offset pages through them.
    """
    site = get_site(request)
    query = clean_query(q)
    found = (
        search_page(site.store, term_variants(query), limit=limit, offset=offset)
        if query
        else SearchPage(0, ())
    )
    results = [
        SearchResultOut(
            **_article(hit.article).model_dump(),
            story_key=hit.story_key or None,
            story_url=canonical_url(request, site, story_path(hit.story_key))
            if hit.story_key
            else None,
        )
        for hit in found.hits
    ]
    return SearchOut(query=query, total=found.total, offset=offset, results=results)


@router.get("/", response_model=ApiIndexOut)
def api_index(request: Request) -> ApiIndexOut:
    """The API's endpoints, with links to this documentation and the OpenAPI schema."""
    site = get_site(request)
    schema = request.app.openapi()
    endpoints = [
        EndpointOut(
            path=path,
            method=method.upper(),
            summary=first_line(str(op.get("description", ""))) or str(op.get("summary", "")),
        )
        for path, item in schema.get("paths", {}).items()
        for method, op in item.items()
    ]
    return ApiIndexOut(
        name=str(schema.get("info", {}).get("title", site.site_name)),
        version=str(schema.get("info", {}).get("version", "")),
        docs=canonical_url(request, site, DOCS_PATH),
        openapi=canonical_url(request, site, OPENAPI_PATH),
        endpoints=endpoints,
    )


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> Response:
    """The API's documentation as a plain page, rendered from its own OpenAPI schema."""
    site = get_site(request)
    lang, _ = choose_language(request, site)
    page = docs_page(request.app.openapi())
    response = render_page(
        request,
        site,
        "api_docs.html",
        lang,
        canonical=canonical_url(request, site, DOCS_PATH),
        docs=page,
        model_names={m.name for m in page.models},
        openapi_path=OPENAPI_PATH,
    )
    return finish_shared(response, request)
