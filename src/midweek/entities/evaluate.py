"""Measure the entity finder on silver data: Wikipedia ITN links, parallel Uzbek scripts.

* ITN blurbs: every ``<a>`` of ``blurb_html`` is a mention of the page it names. A link
  counts as gold when its target title (the ``title`` attribute, or the URL's last path
  part, without a "(disambiguation)" parenthesis) equals a KB name or alias *exactly*
  (same Latin key, no stemming, no fuzzy) and that alias names one entity only.
  Recall: gold links overlapped by a mention of the same entity. Precision: mentions
  that overlap a gold link and name its entity, among mentions that overlap a gold link
  (a blurb links only some names, so mentions outside links cannot be judged).
* Parallel documents: the Jaccard index of the KB entity ids found in the Cyrillic and
  the Latin version of one document.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import html as lxml_html

from midweek.entities.kb import KnowledgeBase
from midweek.entities.mentions import find_mentions
from midweek.entities.model import Mention
from midweek.entities.normalize import name_key

logger = logging.getLogger(__name__)

_PAREN_RE = re.compile(r"\s*\([^)]*\)\s*$")


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a blurb: its anchor span in the plain text and the KB entity it names."""

    start: int
    end: int
    anchor: str
    target: str
    entity_id: str | None


@dataclass(frozen=True, slots=True)
class LinkScore:
    """Counts for mention precision and recall against links."""

    gold: int
    found: int  # gold links overlapped by a mention of the right entity
    predicted: int  # mentions overlapping a gold link
    correct: int  # of those, naming the link's entity

    @property
    def recall(self) -> float:
        """Share of gold links found."""
        return self.found / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        """Share of judged mentions that are right."""
        return self.correct / self.predicted if self.predicted else 0.0


def target_entity(title: str, kb: KnowledgeBase) -> str | None:
    """The KB entity a Wikipedia page title names exactly, or None (unknown or ambiguous)."""
    key = name_key(_PAREN_RE.sub("", title.replace("_", " ")))
    ids = {e.entity_id for e in kb.exact.get(key, [])}
    return ids.pop() if len(ids) == 1 else None


def parse_blurb(blurb_html: str, kb: KnowledgeBase) -> tuple[str, list[Link]]:
    """Plain text of a blurb and its links with offsets into that text."""
    root = lxml_html.fragment_fromstring(blurb_html, create_parent="div")
    parts: list[str] = []
    links: list[Link] = []
    pos = 0

    def walk(el: lxml_html.HtmlElement) -> None:
        """Append the element's text, recording anchors."""
        nonlocal pos
        start = pos
        if el.text:
            parts.append(el.text)
            pos += len(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
                pos += len(child.tail)
        if el.tag == "a":
            href = el.get("href") or ""
            target = el.get("title") or unquote(href.rsplit("/", 1)[-1])
            anchor = "".join(parts)[start:pos]
            links.append(Link(start, pos, anchor, target, target_entity(target, kb)))

    walk(root)
    return "".join(parts), links


def score_links(mentions: Sequence[Mention], links: Sequence[Link]) -> LinkScore:
    """Compare one text's mentions with its gold links."""
    gold = [link for link in links if link.entity_id]
    found = sum(
        any(m.entity_id == g.entity_id and m.start < g.end and g.start < m.end for m in mentions)
        for g in gold
    )
    predicted = correct = 0
    for m in mentions:
        hits = [g for g in gold if m.start < g.end and g.start < m.end]
        if hits:
            predicted += 1
            correct += any(g.entity_id == m.entity_id for g in hits)
    return LinkScore(len(gold), found, predicted, correct)


def add_scores(scores: Iterable[LinkScore]) -> LinkScore:
    """Sum of link counts."""
    total = LinkScore(0, 0, 0, 0)
    for s in scores:
        total = LinkScore(
            total.gold + s.gold,
            total.found + s.found,
            total.predicted + s.predicted,
            total.correct + s.correct,
        )
    return total


def kb_ids(text: str, lang: str, kb: KnowledgeBase) -> set[str]:
    """The KB (not provisional) entity ids found in a text."""
    return {m.entity_id for m in find_mentions(text, lang, kb=kb) if m.entity_id in kb.entities}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (1.0 for two empty sets)."""
    return len(a & b) / len(a | b) if a | b else 1.0
