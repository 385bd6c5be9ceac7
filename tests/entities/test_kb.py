"""The knowledge base: CLDR territories, curated rows, user extensions, names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from midweek.entities import LANGS, KnowledgeBase, load_kb
from midweek.errors import ConfigError


def test_every_territory_has_a_name_in_every_language(kb: KnowledgeBase) -> None:
    countries = [e for e in kb if e.type == "country"]
    assert len(countries) > 240  # CLDR has about 250 territories
    for entity in countries:
        assert entity.iso3166
        assert all(entity.names.get(lang) for lang in LANGS), entity.id
        assert "CLDR" in entity.source


def test_curated_country_rows_take_the_qid_and_the_press_name(kb: KnowledgeBase) -> None:
    us = kb.get("Q30")
    assert us is not None and us.iso3166 == "US"
    assert kb.get("iso3166:US") is None  # re-keyed, not duplicated
    assert kb.name_in(us, "uz-Latn") == "AQSh"
    assert kb.name_in(us, "uz-Cyrl") == "АҚШ"
    assert kb.name_in(us, "ru") == "США"
    assert kb.by_iso["UZ"] == "Q265"


def test_every_entity_names_its_source(kb: KnowledgeBase) -> None:
    entities = list(kb)
    assert len(entities) > 100  # the guard: all() of nothing is true
    assert all(e.source for e in entities)


def test_uz_cyrl_names_are_generated_from_uz_latn(kb: KnowledgeBase) -> None:
    tokayev = kb.get("mw:person:kassym-jomart-tokayev")
    assert tokayev is not None
    assert kb.name_in(tokayev, "uz-Cyrl") == "Қосим-Жомарт Тўқаев"
    assert kb.name_in(tokayev, "uz-Latn") == "Qosim-Jomart Toʻqayev"


@pytest.mark.parametrize(
    ("name", "entity_id"),
    [
        ("ООН", "Q1065"),
        ("BMT", "Q1065"),
        ("БМТ", "Q1065"),
        ("ШОС", "mw:org:sco"),
        ("ShHT", "mw:org:sco"),
        ("ОДКБ", "mw:org:csto"),
        ("MDH", "mw:org:cis"),
        ("СНГ", "mw:org:cis"),
        ("ОТГ", "mw:org:ots"),
        ("TDT", "mw:org:ots"),
        ("ИҲТ", "mw:org:eco"),
        ("ОЭС", "mw:org:eco"),
        ("МУС", "mw:org:icc"),
        ("Xalqaro jinoyat sudi", "mw:org:icc"),
        ("Талибан", "mw:org:taliban"),
        ("Tolibon", "mw:org:taliban"),
        ("Тошкент", "Q269"),
        ("Toshkentga", "Q269"),
        ("Ташкент", "Q269"),
        ("Oʻzbekiston", "Q265"),
        ("O'zbekiston", "Q265"),
        ("Ўзбекистон", "Q265"),
    ],
)
def test_lookup_across_scripts(kb: KnowledgeBase, name: str, entity_id: str) -> None:
    assert [e.id for e in kb.lookup(name)] == [entity_id]


def test_office_holders_by_date(kb: KnowledgeBase) -> None:
    assert [e.id for e in kb.holders("president", "Q232", date(2025, 7, 4))] == [
        "mw:person:kassym-jomart-tokayev"
    ]
    assert [e.id for e in kb.holders("president", "Q232", date(2010, 1, 1))] == [
        "mw:person:nursultan-nazarbayev"
    ]
    assert [e.id for e in kb.holders("president", "Q227", date(2000, 1, 1))] == [
        "mw:person:heydar-aliyev"
    ]


def test_user_extension_adds_entities_and_aliases(tmp_path: Path) -> None:
    extra = tmp_path / "mine.jsonl"
    rows = [
        {"id": "mw:org:kunuz", "type": "organisation", "names": {"en": "Kun.uz"},
         "aliases": {"uz-Latn": ["Kunuz"]}, "source": "test"},
        {"id": "Q265", "aliases": {"en": ["Republic of Uzbekistan"]}, "source": "test"},
    ]  # fmt: skip
    extra.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    kb = load_kb(extra=[extra], with_territories=False)
    assert [e.id for e in kb.lookup("Kunuz")] == ["mw:org:kunuz"]
    assert [e.id for e in kb.lookup("Republic of Uzbekistan")] == ["Q265"]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"id": "x", "offices": [{}]}'])
def test_bad_extension_is_a_config_error(tmp_path: Path, content: str) -> None:
    extra = tmp_path / "bad.jsonl"
    extra.write_text(content, "utf-8")
    with pytest.raises(ConfigError):
        load_kb(extra=[extra], with_territories=False)


def test_missing_extension_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_kb(extra=[tmp_path / "nope.jsonl"], with_territories=False)


@pytest.mark.parametrize(
    ("name", "entity_id"),
    [
        ("ДР Конго", "iso3166:CD"),
        ("Демократическая Республика Конго", "iso3166:CD"),
        ("Democratic Republic of the Congo", "iso3166:CD"),
        ("Голландия", "iso3166:NL"),
        ("Ленинград", "mw:place:saint-petersburg"),
        ("NYC", "Q60"),
        ("Syrian Arab Republic", "Q858"),
        ("Slovak Republic", "iso3166:SK"),
    ],
)
def test_added_aliases(kb: KnowledgeBase, name: str, entity_id: str) -> None:
    assert [e.id for e in kb.lookup(name)] == [entity_id]
    entity = kb.get(entity_id)
    assert entity is not None and "added as" in entity.source  # the row notes its source
