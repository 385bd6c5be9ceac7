"""The entity knowledge base: curated JSONL rows plus every territory from CLDR.

Countries and territories are generated *at load time* from CLDR via babel rather than
copied into the data file: their names then follow the installed CLDR release (no 250
rows to drift), and generating them costs a few milliseconds (see
``benchmarks/entities.py``). The curated file ``data/entities/kb.jsonl`` gives QIDs,
press names ("AQSh", "BMT"), aliases, people with office terms, organisations and
cities; every row names its source. Users add their own JSONL rows with
``load_kb(extra=[path])``; a row whose id already exists adds names and aliases to it.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from midweek.entities.model import LANGS, Entity, Office
from midweek.entities.normalize import (
    UZ_APOSTROPHE,
    name_key,
    stem_key,
    suffix_variants,
    unify_apostrophes,
    uz_cyrl_to_latn,
    uz_latn_to_cyrl,
)
from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

KB_FILE = "kb.jsonl"
# CLDR codes that are not territories of their own (EU, UN, eurozone, pseudo-locales).
NON_TERRITORIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
# The CLDR locale behind each language tag.
CLDR_LOCALES = {"en": "en", "ru": "ru", "uz-Latn": "uz", "uz-Cyrl": "uz_Cyrl"}
CLDR_SOURCE = "CLDR {version} via babel {babel}"


@dataclass(slots=True)
class _Draft:
    """An entity being assembled from several rows."""

    id: str
    type: str
    names: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    offices: list[Office] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    iso3166: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class AliasEntry:
    """One alias in the lookup index: whom it names, in which language, how it reads."""

    entity_id: str
    lang: str
    surface: str
    abbreviation: bool  # short and upper case: matched case-sensitively, never fuzzily
    proper: bool  # starts with a capital: the text must too


class KnowledgeBase:
    """Entities by id, and indexes from name keys to aliases."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        """Index the entities (ids must be unique)."""
        self.entities: dict[str, Entity] = {}
        self.exact: dict[tuple[str, ...], list[AliasEntry]] = defaultdict(list)
        self.stemmed_ru: dict[tuple[str, ...], list[AliasEntry]] = defaultdict(list)
        # single-word aliases long enough to be matched fuzzily, by first letter of key
        self.fuzzy: dict[str, dict[str, list[AliasEntry]]] = defaultdict(dict)
        self.by_iso: dict[str, str] = {}
        for entity in entities:
            self.entities[entity.id] = entity
            if entity.iso3166:
                self.by_iso[entity.iso3166] = entity.id
            for lang, surface in _all_surfaces(entity):
                self._index(entity.id, lang, surface)
        self.max_len = max((len(k) for k in self.exact), default=1)
        self.first_exact = frozenset(k[0] for k in self.exact)
        self.first_stem_ru = frozenset(k[0] for k in self.stemmed_ru)
        for key, entries in self.exact.items():
            usable = [e for e in entries if not e.abbreviation]
            if len(key) == 1 and len(key[0]) >= FUZZY_MIN_KEY_LEN and usable:
                self.fuzzy[key[0][0]][key[0]] = usable

    def _index(self, entity_id: str, lang: str, surface: str) -> None:
        """Add one alias to the exact and stem indexes (once per entity and key)."""
        key = name_key(surface)
        if not key:
            return
        letters = [c for c in surface if c.isalpha()]
        entry = AliasEntry(
            entity_id=entity_id,
            lang=lang,
            surface=surface,
            abbreviation=len(letters) <= ABBREVIATION_MAX_LEN
            and sum(c.isupper() for c in letters) >= 2,
            proper=surface[:1].isupper(),
        )
        for index, k in (
            (self.exact, key),
            (self.stemmed_ru, tuple(stem_key(t, russian=True) for t in key)),
        ):
            if all(e.entity_id != entity_id for e in index[k]):
                index[k].append(entry)

    def __len__(self) -> int:
        """The number of entities."""
        return len(self.entities)

    def __iter__(self) -> Iterator[Entity]:
        """Every entity."""
        return iter(self.entities.values())

    def get(self, entity_id: str) -> Entity | None:
        """The entity with this id, or None."""
        return self.entities.get(entity_id)

    def lookup(self, name: str) -> list[Entity]:
        """Entities one name may denote, whatever its script or case ending.

        Args:
            name: a name or alias in any supported language and script.

        Returns:
            The candidates (several for an ambiguous surname), exact matches first.
        """
        key = name_key(name)
        if not key:
            return []
        variants = [(*key[:-1], last) for last in suffix_variants(key[-1])]
        variants.append(tuple(stem_key(t, russian=True) for t in key))
        entries = next((self.exact[v] for v in variants[:-1] if v in self.exact), None)
        entries = entries or self.stemmed_ru.get(variants[-1], [])
        return [self.entities[e.entity_id] for e in entries]

    def holders(self, role: str, of: str, day: date) -> list[Entity]:
        """People who held an office on a day ('president' of 'Q232' on 2025-07-04)."""
        return [
            e
            for e in self.entities.values()
            if any(o.role == role and o.of == of and o.holds_on(day) for o in e.offices)
        ]

    def name_in(self, entity: Entity, lang: str) -> str:
        """The display name of an entity in a language tag ('en', 'ru', 'uz-Latn', 'uz-Cyrl').

        Falls back on transliteration between the Uzbek scripts, then on English.
        """
        names = entity.names
        if lang in names:
            return names[lang]
        if lang == "uz-Cyrl" and "uz-Latn" in names:
            return uz_latn_to_cyrl(names["uz-Latn"])
        if lang == "uz-Latn" and "uz-Cyrl" in names:
            return uz_cyrl_to_latn(names["uz-Cyrl"])
        return names.get("en") or next(iter(names.values()), entity.id)


# Only words of at least this many key letters are matched fuzzily: a short name is one
# edit away from too many words ("Osh" / "osh" / "Ash"). Seven letters: with
# FUZZY_MIN_SCORE one inserted or dropped letter passes, e.g. "zelenski"/"zelenskii".
FUZZY_MIN_KEY_LEN = 7

# Aliases of this many letters or fewer with two capitals (UN, BMT, ООН, AQSh) are
# abbreviations: "UN" must not match the "un" of a French quote. Five covers "AQSh",
# "KXShT"; the longest abbreviation in the curated file.
ABBREVIATION_MAX_LEN = 5


def _all_surfaces(entity: Entity) -> Iterator[tuple[str, str]]:
    """Every (lang, surface) of an entity: names and aliases."""
    for lang, name in entity.names.items():
        yield lang, name
    for lang, aliases in entity.aliases.items():
        for alias in aliases:
            yield lang, alias


def _cldr_drafts() -> tuple[list[_Draft], str]:
    """One draft per CLDR territory with its names in the four languages."""
    import babel
    from babel import Locale
    from babel.core import get_cldr_version

    locales = {tag: Locale.parse(code) for tag, code in CLDR_LOCALES.items()}
    source = CLDR_SOURCE.format(version=get_cldr_version(), babel=babel.__version__)
    drafts = []
    for code in sorted(locales["en"].territories):
        if code.isdigit() or code in NON_TERRITORIES:
            continue
        draft = _Draft(id=f"iso3166:{code}", type="country", iso3166=code, sources=[source])
        for tag, loc in locales.items():
            name = loc.territories.get(code)
            if name:
                uzbek = tag.startswith("uz")
                draft.names[tag] = unify_apostrophes(name, UZ_APOSTROPHE) if uzbek else name
        drafts.append(draft)
    return drafts, source


def _parse_day(value: str | None) -> date | None:
    """An ISO date, or a year-month ('2022-07' → 1 July 2022)."""
    if not value:
        return None
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _read_rows(path: Path | None) -> Iterator[dict[str, Any]]:
    """The JSON objects of a KB file (the packaged one when path is None)."""
    if path is None:
        text = (resources.files("midweek.data") / "entities" / KB_FILE).read_text("utf-8")
        where = f"midweek.data/entities/{KB_FILE}"
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read knowledge base file {path}: {exc}") from exc
        where = str(path)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}:{number}: not JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise ConfigError(f"{where}:{number}: not a JSON object")
        if "id" in row:
            yield row


def _merge_row(drafts: dict[str, _Draft], by_iso: Mapping[str, str], row: dict[str, Any]) -> None:
    """Fold one JSONL row into the drafts (a new entity, or more names for an old one)."""
    iso = row.get("iso3166")
    old_id = by_iso.get(iso) if iso else None
    if old_id is not None and old_id != row["id"]:
        # a curated country row re-keys the CLDR territory to its QID
        draft = drafts.pop(old_id)
        draft.id = row["id"]
        drafts[row["id"]] = draft
    draft = drafts.setdefault(row["id"], _Draft(id=row["id"], type=row.get("type", "unknown")))
    for lang, name in (row.get("names") or {}).items():
        if lang in draft.names and draft.names[lang] != name:
            draft.aliases[lang].append(draft.names[lang])  # the CLDR name stays an alias
        draft.names[lang] = name
    for lang, aliases in (row.get("aliases") or {}).items():
        draft.aliases[lang].extend(aliases)
    for o in row.get("offices") or ():
        start = _parse_day(o.get("start"))
        if start is None:
            raise ConfigError(f"entity {row['id']}: office without a start date")
        draft.offices.append(Office(o["role"], o["country"], start, _parse_day(o.get("end"))))
    if row.get("source"):
        draft.sources.append(str(row["source"]))
    draft.iso3166 = iso or draft.iso3166
    draft.country = row.get("country") or draft.country


def _finish(draft: _Draft) -> Entity:
    """Freeze a draft, filling uz-Cyrl from uz-Latn (UzTransliterator) where missing."""
    names = dict(draft.names)
    aliases = {k: list(v) for k, v in draft.aliases.items()}
    if "uz-Latn" in names:
        names["uz-Latn"] = unify_apostrophes(names["uz-Latn"], UZ_APOSTROPHE)
        names.setdefault("uz-Cyrl", uz_latn_to_cyrl(names["uz-Latn"]))
        generated = [uz_latn_to_cyrl(a) for a in aliases.get("uz-Latn", [])]
        aliases["uz-Cyrl"] = aliases.get("uz-Cyrl", []) + generated
    missing = [lang for lang in LANGS if lang not in names]
    if missing and draft.type != "country":
        logger.debug("entity %s has no name in %s", draft.id, missing)
    return Entity(
        id=draft.id,
        type=draft.type,
        names=names,
        aliases={k: tuple(dict.fromkeys(v)) for k, v in aliases.items() if v},
        offices=tuple(draft.offices),
        source="; ".join(dict.fromkeys(draft.sources)),
        iso3166=draft.iso3166,
        country=draft.country,
    )


def load_kb(extra: Sequence[Path] = (), *, with_territories: bool = True) -> KnowledgeBase:
    """Load the packaged knowledge base, CLDR territories and the user's extra files.

    Args:
        extra: JSONL files of the same form as ``data/entities/kb.jsonl``; a row with an
            existing id (or iso3166 code) adds names, aliases and offices to it.
        with_territories: generate every CLDR territory (turn off only in tests).

    Returns:
        The indexed knowledge base.

    Raises:
        ConfigError: an extra file cannot be read or holds a malformed row.
    """
    drafts: dict[str, _Draft] = {}
    if with_territories:
        territory_drafts, _ = _cldr_drafts()
        drafts.update((d.id, d) for d in territory_drafts)
    for path in (None, *extra):
        for row in _read_rows(path):
            by_iso = {d.iso3166: d.id for d in drafts.values() if d.iso3166}
            try:
                _merge_row(drafts, by_iso, row)
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"knowledge base row {row.get('id')!r}: {exc}") from exc
    return KnowledgeBase(_finish(d) for d in drafts.values())
