"""Canonical entities and tags across languages and scripts (en, ru, uz-Latn, uz-Cyrl).

>>> kb = load_kb()
>>> [m.entity_id for m in find_mentions("Тўқаев ва Мирзиёев", kb=kb)]  # doctest: +SKIP
"""

from __future__ import annotations

from midweek.entities.kb import KnowledgeBase, load_kb
from midweek.entities.mentions import entity_ids, find_mentions
from midweek.entities.model import LANGS, Entity, Mention, Office, Tag
from midweek.entities.tags import DocumentMentions, mentions_for, tags_for

__all__ = [
    "LANGS",
    "DocumentMentions",
    "Entity",
    "KnowledgeBase",
    "Mention",
    "Office",
    "Tag",
    "entity_ids",
    "find_mentions",
    "load_kb",
    "mentions_for",
    "tags_for",
]
