"""The values the entity stages exchange: entities, offices, mentions and tags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

# The language tags midweek names entities in.
LANGS = ("en", "ru", "uz-Latn", "uz-Cyrl")
ENTITY_TYPES = ("person", "country", "place", "organisation", "event", "unknown")
# Prefix of the id of an entity found in a text but not in the knowledge base.
PROVISIONAL_PREFIX = "prov:"


@dataclass(frozen=True, slots=True)
class Office:
    """One term of one office ('president' of 'Q232' from 2019-03-20, still in office)."""

    role: str
    of: str  # the id of the country or organisation
    start: date
    end: date | None = None

    def holds_on(self, day: date) -> bool:
        """True if the term covers the day (start inclusive, end exclusive)."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Entity:
    """One canonical entity: a stable id, a type, names per language, offices, a source."""

    id: str
    type: str
    names: Mapping[str, str]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    offices: tuple[Office, ...] = ()
    source: str = ""
    iso3166: str | None = None
    country: str | None = None  # the id of the country a place lies in

    @property
    def provisional(self) -> bool:
        """True for an entity made up from a text, not from the knowledge base."""
        return self.id.startswith(PROVISIONAL_PREFIX)


@dataclass(frozen=True, slots=True)
class Mention:
    """One span of a text that names an entity.

    ``how`` says which rule linked it: 'exact', 'stem', 'abbrev', 'fuzzy', 'ner',
    'role' (an office phrase resolved by date) or 'provisional'. ``normal`` is the name's
    base form where the text inflects it ('Есенина' → 'Есенин'; empty: as written).
    """

    text: str
    start: int
    end: int
    entity_id: str
    confidence: float
    lang: str | None = None
    how: str = "exact"
    type: str = "unknown"
    normal: str = ""


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag of an article, story or review, named in the requested language."""

    entity_id: str
    name: str
    slug: str
    type: str
    count: int
    documents: int
    score: float
