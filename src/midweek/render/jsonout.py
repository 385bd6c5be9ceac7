"""Render a review as JSON that follows :data:`REVIEW_JSON_SCHEMA`, and read it back.

Datetimes are ISO 8601 strings (with their offset when they have one); the document
carries ``schema_version`` so consumers can tell formats apart when it changes.
:func:`review_from_dict` is the inverse of :func:`review_to_dict`: the store keeps this
shape as a review's body, and hands it out as a :class:`~midweek.models.Review`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final, NotRequired, TypedDict, TypeVar

from midweek.errors import ReviewFormatError
from midweek.models import Citation, DroppedStory, Review, ReviewTag, Section, Sentence

logger = logging.getLogger(__name__)

__all__ = [
    "REVIEW_JSON_SCHEMA",
    "SCHEMA_VERSION",
    "ReviewBody",
    "render_json",
    "review_from_dict",
    "review_to_dict",
]

# Bump when a field is removed or changes meaning; adding an optional field does not.
SCHEMA_VERSION: Final = 1

# The enums of the schema, read by the schema and by review_from_dict.
_SECTION_STATUSES: Final = ("new", "continuing")
_DROPPED_REASONS: Final = ("no_new_developments", "outranked", "no_usable_sentence")
_REVIEW_STATUSES: Final = ("draft", "published")

_CITATION_SCHEMA: Final[dict[str, object]] = {
    "type": "object",
    "required": ["article_id", "url", "title", "outlet"],
    "additionalProperties": False,
    "properties": {
        "article_id": {"type": "integer"},
        "url": {"type": "string"},
        "title": {"type": "string"},
        "outlet": {"type": "string"},
    },
}

_SENTENCE_SCHEMA: Final[dict[str, object]] = {
    "type": "object",
    "required": ["text", "citations"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "citations": {"type": "array", "items": {"$ref": "#/$defs/citation"}},
        # language tag of a quotation in another language than the review's; absent
        # when the sentence is in the review's language and script
        "lang": {"type": "string", "minLength": 1},
    },
}

_SECTION_SCHEMA: Final[dict[str, object]] = {
    "type": "object",
    "required": ["heading", "story_key", "sentences", "status", "new_since"],
    "additionalProperties": False,
    "properties": {
        "heading": {"type": "string"},
        # language tag of a heading in another language than the review's; absent when
        # it is in the review's language and script
        "heading_lang": {"type": "string", "minLength": 1},
        "story_key": {"type": "string"},
        "sentences": {"type": "array", "items": {"$ref": "#/$defs/sentence"}},
        # "continuing": the story was in the previous published review; the section
        # reports what was published since new_since (that review's window end)
        "status": {"enum": list(_SECTION_STATUSES)},
        "new_since": {"type": ["string", "null"], "format": "date-time"},
    },
}

_DROPPED_SCHEMA: Final[dict[str, object]] = {
    "type": "object",
    "required": ["story_key", "heading", "reason"],
    "additionalProperties": False,
    "properties": {
        "story_key": {"type": "string"},
        "heading": {"type": "string"},
        # no_new_developments: nothing independent published since the previous review;
        # outranked: other stories placed higher; no_usable_sentence: news since, but no
        # sentence of it could be quoted
        "reason": {"enum": list(_DROPPED_REASONS)},
    },
}

REVIEW_JSON_SCHEMA: Final[dict[str, object]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://midweek.invalid/schemas/review.json",
    "title": "midweek review",
    "description": "A composed review of a time window with cited extractive sections.",
    "type": "object",
    "required": [
        "schema_version",
        "id",
        "slug",
        "rubric",
        "title",
        "teasers",
        "intro",
        "sections",
        "window_start",
        "window_end",
        "created_at",
        "lang",
        "tags",
        "author",
        "status",
        "credits",
        "previous",
        "dropped",
    ],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "id": {"type": ["integer", "null"]},
        "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "rubric": {"type": "string"},
        "title": {"type": "string"},
        "teasers": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "intro": {"type": "string"},
        "sections": {"type": "array", "items": {"$ref": "#/$defs/section"}},
        "window_start": {"type": "string", "format": "date-time"},
        "window_end": {"type": "string", "format": "date-time"},
        "created_at": {"type": "string", "format": "date-time"},
        "lang": {"type": "string"},
        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
        "author": {"type": "string"},
        "status": {"enum": list(_REVIEW_STATUSES)},
        "credits": {"type": "string"},
        "previous": {"type": "string"},
        "dropped": {"type": "array", "items": {"$ref": "#/$defs/dropped"}},
    },
    "$defs": {
        "dropped": _DROPPED_SCHEMA,
        "citation": _CITATION_SCHEMA,
        "sentence": _SENTENCE_SCHEMA,
        "section": _SECTION_SCHEMA,
        "tag": {
            "type": "object",
            "required": ["name", "slug", "entity_id"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                "entity_id": {"type": "string"},
            },
        },
    },
}


# -- the body's types: what review_to_dict writes -----------------------------------------
class CitationBody(TypedDict):
    """A citation as :data:`REVIEW_JSON_SCHEMA` writes it."""

    article_id: int
    url: str
    title: str
    outlet: str


class SentenceBody(TypedDict):
    """A sentence; ``lang`` only when it is a quotation in another language."""

    text: str
    citations: list[CitationBody]
    lang: NotRequired[str]


class SectionBody(TypedDict):
    """A section; ``heading_lang`` only when the heading is in another language."""

    heading: str
    story_key: str
    sentences: list[SentenceBody]
    status: str
    new_since: str | None
    heading_lang: NotRequired[str]


class TagBody(TypedDict):
    """An entity tag (a tag from before entity tags is a plain string)."""

    name: str
    slug: str
    entity_id: str


class DroppedBody(TypedDict):
    """A story of the previous review left out, and why."""

    story_key: str
    heading: str
    reason: str


class ReviewBody(TypedDict):
    """A review's body: what :func:`review_to_dict` writes and the store keeps."""

    schema_version: int
    id: int | None
    slug: str
    rubric: str
    title: str
    teasers: list[str]
    intro: str
    sections: list[SectionBody]
    window_start: str
    window_end: str
    created_at: str
    lang: str
    tags: list[TagBody | str]
    author: str
    status: str
    credits: str
    previous: str
    dropped: list[DroppedBody]


def _iso(moment: datetime) -> str:
    """ISO 8601 text of a datetime (offset kept when the value has one)."""
    return moment.isoformat()


def _citation(citation: Citation) -> CitationBody:
    """JSON object of one citation."""
    return {
        "article_id": citation.article_id,
        "url": citation.url,
        "title": citation.title,
        "outlet": citation.outlet,
    }


def _sentence(sentence: Sentence) -> SentenceBody:
    """JSON object of one sentence."""
    out: SentenceBody = {
        "text": sentence.text,
        "citations": [_citation(c) for c in sentence.citations],
    }
    if sentence.lang:
        out["lang"] = sentence.lang
    return out


def _section(section: Section) -> SectionBody:
    """JSON object of one section."""
    out: SectionBody = {
        "heading": section.heading,
        "story_key": section.story_key,
        "sentences": [_sentence(s) for s in section.sentences],
        "status": section.status,
        "new_since": _iso(section.new_since) if section.new_since is not None else None,
    }
    if section.heading_lang:
        out["heading_lang"] = section.heading_lang
    return out


def _tag(tag: ReviewTag) -> TagBody | str:
    """JSON of one tag; a tag with neither slug nor entity id is the plain name that bodies
    from before entity tags held (what :func:`review_from_dict` reads it from)."""
    if not tag.slug and not tag.entity_id:
        return tag.name
    return {"name": tag.name, "slug": tag.slug, "entity_id": tag.entity_id}


def review_to_dict(review: Review) -> ReviewBody:
    """The JSON-ready form of a review (what :func:`render_json` serialises).

    Args:
        review: The review.

    Returns:
        A dict of JSON types matching :data:`REVIEW_JSON_SCHEMA`.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "id": review.id,
        "slug": review.slug,
        "rubric": review.rubric,
        "title": review.title,
        "teasers": list(review.teasers),
        "intro": review.intro,
        "sections": [_section(s) for s in review.sections],
        "window_start": _iso(review.window_start),
        "window_end": _iso(review.window_end),
        "created_at": _iso(review.created_at),
        "lang": review.lang,
        "tags": [_tag(t) for t in review.tags],
        "author": review.author,
        "status": review.status,
        "credits": review.credits,
        "previous": review.previous,
        "dropped": [
            {"story_key": d.story_key, "heading": d.heading, "reason": d.reason}
            for d in review.dropped
        ],
    }


def render_json(review: Review) -> str:
    """Serialise a review as JSON (UTF-8 text, not ASCII-escaped, keys in schema order).

    Args:
        review: The review.

    Returns:
        The JSON document, indented by two spaces, ending with a newline.
    """
    return json.dumps(review_to_dict(review), ensure_ascii=False, indent=2) + "\n"


# -- reading a body back -------------------------------------------------------------------
# Hand-written rather than pydantic's TypeAdapter(Review): its JSON mode refuses the lone
# surrogates a stored body can hold (a JSON \ud800 escape), and its Python mode either
# refuses ISO strings for datetimes (strict) or coerces (lax: True -> 1, a number -> a
# datetime), so neither is the exact inverse of review_to_dict.
_T = TypeVar("_T")


def _fail(path: str, wanted: str, value: object) -> ReviewFormatError:
    """The error for a field that does not hold what the schema asks."""
    shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
    return ReviewFormatError(f"not a review body: {path} should be {wanted}, not {shown}")


def _join(path: str, key: str) -> str:
    """The path of a key inside the object at ``path`` ('' is the body itself)."""
    return f"{path}.{key}" if path else key


def _object(value: object, path: str) -> Mapping[str, object]:
    """``value`` as a JSON object."""
    if not isinstance(value, Mapping):
        raise _fail(path or "the body", "an object", value)
    return value


def _field(data: Mapping[str, object], key: str, path: str) -> object:
    """A required field's value."""
    if key not in data:
        raise ReviewFormatError(f"not a review body: {_join(path, key)} is missing")
    return data[key]


def _string(value: object, path: str) -> str:
    """A string value."""
    if not isinstance(value, str):
        raise _fail(path, "a string", value)
    return value


def _integer(value: object, path: str) -> int:
    """An integer value (``bool`` is an int to Python, never to the schema)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(path, "an integer", value)
    return value


def _moment(value: object, path: str) -> datetime:
    """An ISO 8601 string (as :func:`_iso` writes it) as a datetime."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(path, "an ISO 8601 date-time", value)


def _one_of(allowed: frozenset[str]) -> Callable[[object, str], str]:
    """A reader of a string that must be one of ``allowed`` (the schema's enum)."""

    def read(value: object, path: str) -> str:
        if _string(value, path) not in allowed:
            raise _fail(path, "one of " + ", ".join(sorted(allowed)), value)
        return str(value)

    return read


def _array(read: Callable[[object, str], _T]) -> Callable[[object, str], tuple[_T, ...]]:
    """A reader of an array whose items ``read`` reads."""

    def read_all(value: object, path: str) -> tuple[_T, ...]:
        if not isinstance(value, list | tuple):
            raise _fail(path, "an array", value)
        return tuple(read(item, f"{path}[{i}]") for i, item in enumerate(value))

    return read_all


def _nullable(read: Callable[[object, str], _T]) -> Callable[[object, str], _T | None]:
    """A reader of a value that may be null."""

    def read_or_none(value: object, path: str) -> _T | None:
        return None if value is None else read(value, path)

    return read_or_none


_Reader = Callable[[object, str], object]


def _fields(
    data: Mapping[str, object],
    path: str,
    required: Mapping[str, _Reader],
    optional: Mapping[str, _Reader],
) -> dict[str, Any]:
    """The model's keyword arguments: every required key read, and each optional key that
    is present (an absent one takes the model's default).

    Loosely typed: the values are of as many types as the model has fields, unpacked into its
    constructor (each reader checked its own)."""
    out = {key: read(_field(data, key, path), _join(path, key)) for key, read in required.items()}
    for key, read in optional.items():
        if key in data:
            out[key] = read(data[key], _join(path, key))
    return out


def _read_citation(value: object, path: str) -> Citation:
    """One citation object."""
    data = _object(value, path)
    required: dict[str, _Reader] = {
        "article_id": _integer,
        "url": _string,
        "title": _string,
        "outlet": _string,
    }
    return Citation(**_fields(data, path, required, {}))


def _read_sentence(value: object, path: str) -> Sentence:
    """One sentence object."""
    data = _object(value, path)
    required: dict[str, _Reader] = {"text": _string, "citations": _array(_read_citation)}
    return Sentence(**_fields(data, path, required, {"lang": _string}))


def _read_section(value: object, path: str) -> Section:
    """One section object."""
    data = _object(value, path)
    required: dict[str, _Reader] = {"heading": _string, "sentences": _array(_read_sentence)}
    optional: dict[str, _Reader] = {
        "story_key": _string,
        "status": _one_of(frozenset(_SECTION_STATUSES)),
        "new_since": _nullable(_moment),
        "heading_lang": _string,
    }
    return Section(**_fields(data, path, required, optional))


def _read_tag(value: object, path: str) -> ReviewTag:
    """One tag object; a plain string (bodies from before entity tags) is a name alone."""
    if isinstance(value, str):
        return ReviewTag(name=value, slug="", entity_id="")
    data = _object(value, path)
    required: dict[str, _Reader] = {"name": _string, "slug": _string, "entity_id": _string}
    return ReviewTag(**_fields(data, path, required, {}))


def _read_dropped(value: object, path: str) -> DroppedStory:
    """One dropped-story object."""
    data = _object(value, path)
    required: dict[str, _Reader] = {
        "story_key": _string,
        "heading": _string,
        "reason": _one_of(frozenset(_DROPPED_REASONS)),
    }
    return DroppedStory(**_fields(data, path, required, {}))


_REVIEW_REQUIRED: Final[dict[str, _Reader]] = {
    "slug": _string,
    "rubric": _string,
    "title": _string,
    "teasers": _array(_string),
    "intro": _string,
    "sections": _array(_read_section),
    "window_start": _moment,
    "window_end": _moment,
    "created_at": _moment,
}
_REVIEW_OPTIONAL: Final[dict[str, _Reader]] = {
    "id": _nullable(_integer),
    "lang": _string,
    "tags": _array(_read_tag),
    "author": _string,
    "status": _one_of(frozenset(_REVIEW_STATUSES)),
    "credits": _string,
    "previous": _string,
    "dropped": _array(_read_dropped),
}


def review_from_dict(data: Mapping[str, object]) -> Review:
    """The review a body of :data:`REVIEW_JSON_SCHEMA` describes: the inverse of
    :func:`review_to_dict`.

    ``review_from_dict(review_to_dict(r)) == r`` for every review, and
    ``review_to_dict(review_from_dict(d)) == d`` for every body ``review_to_dict`` wrote.
    Fields added to version 1 after its first bodies (``dropped``, ``previous``, a
    section's ``status``, ``new_since`` and ``heading_lang``, a sentence's ``lang``) and
    the optional ones (``id``, ``lang``, ``tags``, ``author``, ``status``, ``credits``, a
    section's ``story_key``) take the model's default when absent, as does a missing
    ``schema_version``. Tags stored as plain names (before tags were entities) come back
    as a :class:`~midweek.models.ReviewTag` with no slug or entity id (and are written
    back as plain names). Keys the schema does not name are ignored.

    Args:
        data: The body (a JSON object, as ``json.loads`` or the store gives it).

    Returns:
        The review.

    Raises:
        ReviewFormatError: ``data`` is not a review body of this schema version: a
            required field is missing or a field holds the wrong type (the message names
            the field, e.g. ``sections[1].sentences[0].citations[0].article_id``).
    """
    body = _object(data, "")
    version = body.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ReviewFormatError(
            f"not a review body: schema_version is {version!r}; this midweek reads {SCHEMA_VERSION}"
        )
    return Review(**_fields(body, "", _REVIEW_REQUIRED, _REVIEW_OPTIONAL))
