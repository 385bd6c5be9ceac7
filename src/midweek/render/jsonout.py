"""Render a review as JSON that follows :data:`REVIEW_JSON_SCHEMA`.

Datetimes are ISO 8601 strings (with their offset when they have one); the document
carries ``schema_version`` so consumers can tell formats apart when it changes.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, Final

from midweek.models import Citation, Review, Section, Sentence

logger = logging.getLogger(__name__)

__all__ = ["REVIEW_JSON_SCHEMA", "SCHEMA_VERSION", "render_json", "review_to_dict"]

# Bump when a field is removed or changes meaning; adding an optional field does not.
SCHEMA_VERSION: Final = 1

_CITATION_SCHEMA: Final[dict[str, Any]] = {
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

_SENTENCE_SCHEMA: Final[dict[str, Any]] = {
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

_SECTION_SCHEMA: Final[dict[str, Any]] = {
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
        "status": {"enum": ["new", "continuing"]},
        "new_since": {"type": ["string", "null"], "format": "date-time"},
    },
}

_DROPPED_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["story_key", "heading", "reason"],
    "additionalProperties": False,
    "properties": {
        "story_key": {"type": "string"},
        "heading": {"type": "string"},
        # no_new_developments: nothing independent published since the previous review;
        # outranked: other stories placed higher; no_usable_sentence: news since, but no
        # sentence of it could be quoted
        "reason": {"enum": ["no_new_developments", "outranked", "no_usable_sentence"]},
    },
}

REVIEW_JSON_SCHEMA: Final[dict[str, Any]] = {
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
        "status": {"enum": ["draft", "published"]},
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


def _iso(moment: datetime) -> str:
    """ISO 8601 text of a datetime (offset kept when the value has one)."""
    return moment.isoformat()


def _citation(citation: Citation) -> dict[str, Any]:
    """JSON object of one citation."""
    return {
        "article_id": citation.article_id,
        "url": citation.url,
        "title": citation.title,
        "outlet": citation.outlet,
    }


def _sentence(sentence: Sentence) -> dict[str, Any]:
    """JSON object of one sentence."""
    out: dict[str, Any] = {
        "text": sentence.text,
        "citations": [_citation(c) for c in sentence.citations],
    }
    if sentence.lang:
        out["lang"] = sentence.lang
    return out


def _section(section: Section) -> dict[str, Any]:
    """JSON object of one section."""
    out: dict[str, Any] = {
        "heading": section.heading,
        "story_key": section.story_key,
        "sentences": [_sentence(s) for s in section.sentences],
        "status": section.status,
        "new_since": _iso(section.new_since) if section.new_since is not None else None,
    }
    if section.heading_lang:
        out["heading_lang"] = section.heading_lang
    return out


def review_to_dict(review: Review) -> dict[str, Any]:
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
        "tags": [{"name": t.name, "slug": t.slug, "entity_id": t.entity_id} for t in review.tags],
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
