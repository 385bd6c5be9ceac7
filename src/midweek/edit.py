"""The editor's edits of a review, pure: a :class:`~midweek.models.Review` in, a new one out.

The desk's form (:class:`ReviewEdit`) applied to a review (:func:`apply_edit`: a rewritten
sentence keeps the citations of its section), sections moved or deleted, tags resolved
against the knowledge base, and the readable generated-vs-current diff
(:func:`review_diff`). Nothing here reads or writes the store:
:func:`midweek.store.desk.save_review_edit` stores what these return.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from midweek.models import Citation, Review, ReviewTag, Section, Sentence

if TYPE_CHECKING:  # only the type: the desk's pages do not load the entity models
    from midweek.entities import KnowledgeBase

__all__ = [
    "MAX_TAGS",
    "MAX_TEASERS",
    "ReviewEdit",
    "SectionEdit",
    "apply_edit",
    "delete_section",
    "edit_sentences",
    "merge_tags",
    "move_section",
    "review_diff",
    "review_lines",
    "section_text",
    "tag_for_name",
    "tag_names",
]

# The seed review's page shows at most three teasers (the JSON schema's maxItems).
MAX_TEASERS: Final = 3
# Tags an editor may give one review (the entity tagger proposes at most ~8).
MAX_TAGS: Final = 20
# Lines of context in the generated-vs-current diff (difflib's default).
DIFF_CONTEXT: Final = 3


@dataclass(frozen=True, slots=True)
class SectionEdit:
    """A section as the form sends it: a heading and one sentence per line."""

    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class ReviewEdit:
    """The editable fields of a review as the form sends them."""

    title: str
    rubric: str
    intro: str
    teasers: tuple[str, ...]
    tags: tuple[str, ...]
    sections: tuple[SectionEdit, ...]


def _one_line(text: str) -> str:
    """Text with every run of whitespace (newlines too) as one space."""
    return " ".join(text.split())


def section_text(section: Section) -> str:
    """A section's sentences as the form shows them: one sentence per line."""
    return "\n".join(_one_line(s.text) for s in section.sentences)


def _section_citations(section: Section) -> list[Citation]:
    """Every citation of a section, once each, in order of first use."""
    seen: dict[int, Citation] = {}
    for sentence in section.sentences:
        for citation in sentence.citations:
            seen.setdefault(citation.article_id, citation)
    return list(seen.values())


def edit_sentences(section: Section, text: str) -> tuple[Sentence, ...]:
    """The sentences of a section after the editor rewrote its text.

    Each non-empty line is a sentence. A line equal to an original sentence (whitespace
    aside) keeps that sentence's citations; the citations of sentences the editor removed
    or rewrote go to the last sentence, so every source of the section stays cited.

    Args:
        section: The stored section.
        text: The form's text, one sentence per line.

    Returns:
        The new sentences (in the review's language: an editor's line carries no mark).
    """
    originals: dict[str, list[Citation]] = {}
    for sentence in section.sentences:
        originals.setdefault(_one_line(sentence.text), []).extend(sentence.citations)
    out: list[Sentence] = []
    used: set[int] = set()
    for line in text.splitlines():
        line = _one_line(line)
        if not line:
            continue
        cites = originals.pop(line, [])
        used.update(c.article_id for c in cites)
        out.append(Sentence(line, tuple(cites)))
    orphans = tuple(c for c in _section_citations(section) if c.article_id not in used)
    if orphans and out:
        out[-1] = replace(out[-1], citations=out[-1].citations + orphans)
    return tuple(out)


def tag_names(tags: Sequence[ReviewTag]) -> list[str]:
    """The display names of tags (blank ones left out)."""
    return [tag.name.strip() for tag in tags if tag.name.strip()]


def tag_for_name(name: str, kb: KnowledgeBase | None) -> ReviewTag:
    """A tag for a name the editor typed: its canonical entity when the knowledge base
    knows the name, else a provisional one (as :func:`midweek.entities.tags.tags_for`
    makes for unknown names).

    Args:
        name: The name, as the editor wants it shown.
        kb: The knowledge base, or None to skip the lookup.

    Returns:
        The tag.
    """
    from midweek.entities.model import PROVISIONAL_PREFIX
    from midweek.entities.normalize import slugify

    candidates = kb.lookup(name) if kb is not None else []
    if candidates:
        entity = candidates[0]  # exact matches come first
        slug = slugify(entity.names.get("en") or entity.id) or slugify(entity.id)
        return ReviewTag(name=name, slug=slug, entity_id=entity.id)
    # a name in Cyrillic alone slugifies to nothing: a hash keeps the slug URL-safe
    base = slugify(name) or hashlib.sha256(name.casefold().encode("utf-8")).hexdigest()[:12]
    return ReviewTag(name=name, slug=f"prov-{base}", entity_id=f"{PROVISIONAL_PREFIX}{base}")


def merge_tags(
    old: Sequence[ReviewTag], names: Sequence[str], kb: KnowledgeBase | None
) -> tuple[ReviewTag, ...]:
    """The new tags: a kept name keeps its stored tag; a new one gets :func:`tag_for_name`.

    Args:
        old: The stored tags (a plain name of an older body is a tag without a slug).
        names: The editor's names, in order (duplicates, ignoring case, dropped).
        kb: The knowledge base that resolves new names, or None.

    Returns:
        At most :data:`MAX_TAGS` tags.
    """
    by_name: dict[str, ReviewTag] = {}
    for tag in old:
        if tag.name.strip():
            by_name.setdefault(tag.name.strip().casefold(), tag)
    out: list[ReviewTag] = []
    seen: set[str] = set()
    for raw in names:
        name = _one_line(raw)
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        out.append(by_name.get(name.casefold()) or tag_for_name(name, kb))
    return tuple(out[:MAX_TAGS])


def apply_edit(review: Review, edit: ReviewEdit, kb: KnowledgeBase | None = None) -> Review:
    """The review with the form's fields; section i of the form edits section i.

    Args:
        review: The stored review.
        edit: The form's values (as many sections as the review has).
        kb: The knowledge base that resolves new tag names (None: all provisional).

    Returns:
        The edited review (a section whose text the form left as it was keeps its
        sentences, marks and citations).

    Raises:
        ValueError: the form's section count does not match the review's.
    """
    if len(edit.sections) != len(review.sections):
        raise ValueError("the form does not match the review's sections")
    sections: list[Section] = []
    for old, new in zip(review.sections, edit.sections, strict=True):
        section = replace(old, heading=_one_line(new.heading))
        if new.text.strip() != section_text(old).strip() or not new.text.strip():
            section = replace(section, sentences=edit_sentences(old, new.text))
        sections.append(section)
    return replace(
        review,
        title=_one_line(edit.title),
        rubric=_one_line(edit.rubric),
        intro=edit.intro.strip(),
        teasers=_teasers(review.sections, sections, edit.teasers),
        tags=merge_tags(review.tags, edit.tags, kb),
        sections=tuple(sections),
    )


def _teasers(
    old_sections: Sequence[Section], new_sections: Sequence[Section], teasers: Sequence[str]
) -> tuple[str, ...]:
    """The teasers of an edit: one that still reads as its section's old heading follows it.

    A generated teaser is the heading of the section in its place (compose); when the
    editor renames that heading and leaves the teaser as it was, the teaser takes the new
    heading. A teaser the editor wrote (differing from the old heading) is kept.
    """
    out = []
    for i, teaser in enumerate(_one_line(t) for t in teasers if t.strip()):
        kept = i < len(old_sections) and i < len(new_sections)
        if kept and teaser == _one_line(old_sections[i].heading):
            teaser = new_sections[i].heading or teaser
        out.append(teaser)
    return tuple(out[:MAX_TEASERS])


def move_section(review: Review, index: int, delta: int) -> Review:
    """The review with section ``index`` moved by ``delta`` places (clamped at the ends)."""
    sections = list(review.sections)
    if not 0 <= index < len(sections):
        raise ValueError(f"no section {index}")
    target = min(max(index + delta, 0), len(sections) - 1)
    sections.insert(target, sections.pop(index))
    return replace(review, sections=tuple(sections))


def delete_section(review: Review, index: int) -> Review:
    """The review without section ``index``."""
    if not 0 <= index < len(review.sections):
        raise ValueError(f"no section {index}")
    return replace(review, sections=review.sections[:index] + review.sections[index + 1 :])


def review_lines(review: Review) -> list[str]:
    """A review as plain lines for a readable diff: fields, then each section."""
    lines = [
        f"rubric: {review.rubric}",
        f"title: {review.title}",
        *(f"teaser: {t}" for t in review.teasers),
        f"intro: {review.intro}",
        f"tags: {', '.join(tag_names(review.tags))}",
    ]
    for section in review.sections:
        lines.append("")
        lines.append(f"## {section.heading}")
        lines.extend(section_text(section).splitlines())
    return lines


def review_diff(before: Review, after: Review) -> str:
    """A unified diff (difflib) of two reviews' readable lines; empty when they agree."""
    return "\n".join(
        difflib.unified_diff(
            review_lines(before),
            review_lines(after),
            fromfile="generated",
            tofile="current",
            lineterm="",
            n=DIFF_CONTEXT,
        )
    )
