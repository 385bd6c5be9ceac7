"""The review codec: review_from_dict is the exact inverse of review_to_dict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midweek.errors import ReviewFormatError
from midweek.models import Citation, DroppedStory, Review, ReviewTag, Section, Sentence
from midweek.render.jsonout import REVIEW_JSON_SCHEMA, review_from_dict, review_to_dict

# Offsets as review_to_dict can meet them: none (naive), UTC, and whole-minute offsets
# within the ±24 h datetime allows (isoformat writes them as ±HH:MM).
_ZONES = (
    st.none()
    | st.just(UTC)
    | st.integers(-24 * 60 + 1, 24 * 60 - 1).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
)
_MOMENTS = st.datetimes(timezones=_ZONES)
_LANGS = st.sampled_from(["", "en", "ru", "uz-Latn", "uz-Cyrl"])

_CITATIONS = st.builds(
    Citation, article_id=st.integers(), url=st.text(), title=st.text(), outlet=st.text()
)
_SENTENCES = st.builds(
    Sentence, text=st.text(), citations=st.lists(_CITATIONS, max_size=3).map(tuple), lang=_LANGS
)
_SECTIONS = st.builds(
    Section,
    heading=st.text(),
    sentences=st.lists(_SENTENCES, max_size=3).map(tuple),
    story_key=st.text(),
    status=st.sampled_from(["new", "continuing"]),
    new_since=st.none() | _MOMENTS,
    heading_lang=_LANGS,
)
_REVIEWS = st.builds(
    Review,
    slug=st.text(),
    rubric=st.text(),
    title=st.text(),
    teasers=st.lists(st.text(), max_size=3).map(tuple),
    intro=st.text(),
    sections=st.lists(_SECTIONS, max_size=3).map(tuple),
    window_start=_MOMENTS,
    window_end=_MOMENTS,
    created_at=_MOMENTS,
    lang=_LANGS,
    tags=st.lists(st.builds(ReviewTag, st.text(), st.text(), st.text()), max_size=3).map(tuple),
    author=st.text(),
    status=st.sampled_from(["draft", "published"]),
    credits=st.text(),
    id=st.none() | st.integers(),
    dropped=st.lists(
        st.builds(
            DroppedStory,
            st.text(),
            st.text(),
            st.sampled_from(["no_new_developments", "outranked", "no_usable_sentence"]),
        ),
        max_size=2,
    ).map(tuple),
    previous=st.text(),
)

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _review() -> Review:
    """A small review with one of everything."""
    cite = Citation(7, "https://a.example/x", "A title", "Outlet")
    section = Section(
        "Heading",
        (Sentence("Said so.", (cite,)), Sentence("Так и сказал.", (cite,), lang="ru")),
        story_key="s-1",
        status="continuing",
        new_since=NOW - timedelta(days=3),
        heading_lang="ru",
    )
    return Review(
        slug="review-2026-11-30",
        rubric="Review",
        title="A week",
        teasers=("Heading",),
        intro="Intro.",
        sections=(section,),
        window_start=NOW - timedelta(days=2),
        window_end=NOW,
        created_at=NOW,
        tags=(ReviewTag("Water", "water", "Q283"),),
        dropped=(DroppedStory("s-0", "Old", "outranked"),),
        previous="review-2026-11-23",
    )


@settings(max_examples=200, deadline=None)
@given(_REVIEWS)
def test_a_review_survives_its_json_form(review: Review) -> None:
    body = review_to_dict(review)
    assert review_from_dict(body) == review
    # and its JSON text, as the store keeps it
    assert review_from_dict(json.loads(json.dumps(body))) == review


def test_a_written_body_reads_back_byte_for_byte() -> None:
    body = review_to_dict(_review())
    jsonschema.validate(body, REVIEW_JSON_SCHEMA)
    again = review_to_dict(review_from_dict(json.loads(json.dumps(body))))
    assert json.dumps(again, ensure_ascii=False) == json.dumps(body, ensure_ascii=False)


def test_a_lone_surrogate_as_a_store_can_hold_it_is_read() -> None:
    body = json.loads(json.dumps(review_to_dict(_review())).replace("A week", "A\\ud800week"))
    assert review_from_dict(body).title == "A\ud800week"


def test_fields_later_bodies_added_take_the_models_defaults() -> None:
    """A body of version 1 as the first reviews wrote it: no dropped, previous, statuses."""
    body = review_to_dict(_review())
    for key in ("dropped", "previous", "id", "tags", "author", "status", "credits", "lang"):
        del body[key]
    del body["schema_version"]
    for section in body["sections"]:
        for key in ("status", "new_since", "heading_lang", "story_key"):
            del section[key]
        for sentence in section["sentences"]:
            sentence.pop("lang", None)
    review = review_from_dict(body)
    default = Review("s", "r", "t", (), "i", (), NOW, NOW, NOW)
    assert (review.dropped, review.previous, review.id, review.tags) == ((), "", None, ())
    assert (review.author, review.status, review.credits, review.lang) == (
        default.author,
        default.status,
        default.credits,
        default.lang,
    )
    [section] = review.sections
    assert (section.status, section.new_since, section.heading_lang, section.story_key) == (
        "new",
        None,
        "",
        "",
    )
    assert [s.lang for s in section.sentences] == ["", ""]


def test_plain_name_tags_of_old_bodies_are_names_without_an_entity() -> None:
    ice = {"name": "Ice", "slug": "ice", "entity_id": "Q1"}
    body = {**review_to_dict(_review()), "tags": ["Water", ice]}
    review = review_from_dict(body)
    assert review.tags == (ReviewTag("Water", "", ""), ReviewTag("Ice", "ice", "Q1"))
    assert review_to_dict(review) == body  # written back as they were stored


def _broken(change: dict[str, Any]) -> dict[str, Any]:
    """The small review's body with some top-level keys replaced (None: removed)."""
    body = review_to_dict(_review())
    for key, value in change.items():
        if value is None:
            del body[key]
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"v": 1}, "slug is missing"),
        (_broken({"window_end": None}), "window_end is missing"),
        (_broken({"window_end": "yesterday"}), "window_end should be an ISO 8601 date-time"),
        (_broken({"title": 3}), "title should be a string, not int"),
        (_broken({"teasers": "one"}), "teasers should be an array"),
        (_broken({"teasers": ["a", None]}), r"teasers\[1\] should be a string"),
        (_broken({"status": "gone"}), "status should be one of draft, published"),
        (_broken({"schema_version": 2}), "schema_version is 2"),
        (_broken({"id": True}), "id should be an integer"),
        (
            _broken({"sections": [{"heading": "h", "sentences": [{"text": "t"}]}]}),
            r"sections\[0\]\.sentences\[0\]\.citations is missing",
        ),
        (
            _broken(
                {
                    "sections": [
                        {
                            "heading": "h",
                            "sentences": [
                                {
                                    "text": "t",
                                    "citations": [
                                        {"article_id": "7", "url": "", "title": "", "outlet": ""}
                                    ],
                                }
                            ],
                        }
                    ]
                }
            ),
            r"sections\[0\]\.sentences\[0\]\.citations\[0\]\.article_id should be an integer",
        ),
        (_broken({"dropped": [{"story_key": "s", "heading": "h", "reason": "bored"}]}), "reason"),
        (_broken({"tags": [5]}), r"tags\[0\] should be an object"),
    ],
)
def test_a_body_that_is_not_a_review_names_the_field(body: dict[str, Any], named: str) -> None:
    with pytest.raises(ReviewFormatError, match=named):
        review_from_dict(body)


def test_something_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ReviewFormatError, match="the body should be an object"):
        review_from_dict([])  # type: ignore[arg-type]
