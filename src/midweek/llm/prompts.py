"""The prompt of a story's summary and the parsing of the model's answer.

:func:`story_passages` numbers a story's sources (title and lead of each independent
article), :func:`build_messages` asks for a cited summary of them and
:func:`parse_answer` splits the answer into sentences and the passage numbers each cites.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from midweek.models import Article, Story

__all__ = [
    "MAX_PASSAGES",
    "PASSAGE_MAX_CHARS",
    "Passage",
    "build_messages",
    "parse_answer",
    "story_passages",
]

# Each passage (title + lead) is cut to this many characters at a word boundary: about
# 300 tokens, the first two or three paragraphs of a news story - where the inverted
# pyramid puts the who/what/when the summary needs.
PASSAGE_MAX_CHARS = 1200
# At most this many passages per story: 8 x 300 tokens keeps a prompt near 2.5k tokens,
# inside the 4k context of the smallest local models; more outlets add repetition.
MAX_PASSAGES = 8

_LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Russian",
    "uz": "Uzbek",
    "uz-Latn": "Uzbek in the Latin script",
    "uz-Cyrl": "Uzbek in the Cyrillic script",
}
# One or more citation markers: "[1]", "[1][3]", "[1, 3]", "[2; 4]".
_MARKERS_RE = re.compile(r"(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+")
_MARKER_NUMBER_RE = re.compile(r"\d+")
# A list bullet or number opening a line of the answer: "- ", "* ", "1. ", "2) ".
_BULLET_RE = re.compile(r"^\s*(?:[-*•]\s+|\d{1,2}[.)]\s+)")
_TRAILING_PUNCT_RE = re.compile(r"^[.!?…]+")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'»”’)\]]*$")


@dataclass(frozen=True, slots=True)
class Passage:
    """One numbered source passage shown to the model: an article's title and lead."""

    number: int  # 1-based, as the model cites it
    article: Article
    text: str


def _aware(moment: datetime | None) -> datetime:
    """A sortable UTC-aware datetime (unknown dates sort last)."""
    if moment is None:
        return datetime.max.replace(tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _truncate(text: str, limit: int) -> str:
    """``text`` whitespace-normalised and cut at a word boundary to ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + " …"


def story_passages(
    story: Story, articles: Mapping[int, Article], lang: str | None = None
) -> list[Passage]:
    """The numbered passages of a story: its independent articles' titles and leads.

    Articles in the review's language are preferred (the checks compare words, which a
    translation would not keep); reprints are left out because they add no source.

    Args:
        story: the story.
        articles: articles by id (missing ones are skipped).
        lang: the review's language, or None.

    Returns:
        At most :data:`MAX_PASSAGES` passages in published order, numbered from 1.
    """
    # an article without an id cannot be cited, so it is no passage
    present = [
        articles[i] for i in story.article_ids if i in articles and articles[i].id is not None
    ]
    chosen = [a for a in present if a.duplicate_of is None] or present
    if lang is not None:
        chosen = [a for a in chosen if lang in (a.lang, a.language_tag)] or chosen
    chosen.sort(key=lambda a: (_aware(a.published), a.id or 0))
    passages = []
    for number, article in enumerate(chosen[:MAX_PASSAGES], start=1):
        title = " ".join(article.title.split())
        lead = _truncate(article.text, max(0, PASSAGE_MAX_CHARS - len(title) - 1))
        passages.append(Passage(number, article, f"{title}\n{lead}" if title else lead))
    return passages


def build_messages(
    passages: Sequence[Passage], *, lang: str, max_sentences: int
) -> list[dict[str, str]]:
    """The chat messages asking for a cited summary of the passages.

    Args:
        passages: the numbered passages.
        lang: output language ('en', 'ru', 'uz-Latn', 'uz-Cyrl').
        max_sentences: how many sentences to ask for.

    Returns:
        A system and a user message.
    """
    language = _LANGUAGE_NAMES.get(lang, lang)
    system = (
        "You summarise news stories for a weekly review. Use only facts stated in the "
        "numbered passages. Never add a name, number, date or claim that is not in them. "
        f"Write at most {max_sentences} sentences in {language}, one per line. End every "
        "sentence with the numbers of the passages that state it, in square brackets, "
        "like [1][3]. Output only the sentences."
    )
    sources = "\n\n".join(f"[{p.number}] {p.text}" for p in passages)
    user = f"Passages:\n\n{sources}\n\nSummary in {language}, {max_sentences} sentences:"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_answer(answer: str) -> list[tuple[str, tuple[int, ...]]]:
    """Split a model's answer into sentences and the passage numbers each cites.

    Markers may stand before or after the final stop ("... fell. [1]" or "... fell [1].")
    or inside the sentence ("Mirziyoyev [1] opened ... [2]."): a marker not followed by a
    stop, with more text on the line, belongs to the sentence that goes on. Text after
    the last marker of a line is kept with no citations (it is unsupported).

    Args:
        answer: the model's text.

    Returns:
        (sentence, passage numbers) pairs in order; numbers in first-cited order.
    """
    found: list[tuple[str, tuple[int, ...]]] = []
    for raw_line in answer.splitlines():
        line = _BULLET_RE.sub("", raw_line).strip()
        words: list[str] = []
        numbers: list[int] = []
        while line:
            match = _MARKERS_RE.search(line)
            if match is None:
                words.append(line)
                break
            words.append(line[: match.start()].strip())
            numbers.extend(int(n) for n in _MARKER_NUMBER_RE.findall(match.group(0)))
            rest = line[match.end() :]
            stop = _TRAILING_PUNCT_RE.match(rest)
            if stop is not None:
                words[-1] += stop.group(0)
                rest = rest[stop.end() :]
            line = rest.strip()
            if line and not _SENTENCE_END_RE.search(words[-1]):
                continue  # a marker inside the sentence: it goes on
            found.append((" ".join(w for w in words if w), tuple(dict.fromkeys(numbers))))
            words, numbers = [], []
        if words:
            found.append((" ".join(w for w in words if w), tuple(dict.fromkeys(numbers))))
    return [(text, cited) for text, cited in found if any(ch.isalpha() for ch in text)]
