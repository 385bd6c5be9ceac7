"""Continuity between reviews: what the previous published review told, and what is new.

A story the previous review had a section on (the same story key, or an article that
section cited) continues only with what was published since that review's window
ended; without an independent article since it is held back, and every previous story
that gets no place is listed with the reason (``dropped``). Pure functions over stories,
articles and the previous :class:`~midweek.models.Review`: :func:`midweek.pipeline.
plan_review` finds that review in the store and orders the stages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from midweek.models import Article, DroppedStory, Review, Section, Story
from midweek.rank import RankedStory
from midweek.story_figures import build_story

__all__ = ["Memory", "cited_ids", "dropped_stories", "remember"]


@dataclass(frozen=True, slots=True)
class Memory:
    """Stories after comparing them with the previous review."""

    stories: list[Story]
    continuing: dict[str, datetime]
    held: dict[str, str]  # previous section key -> current story key held back
    matched: dict[str, set[str]]  # previous section key -> current story keys
    returning: dict[str, tuple[str, str]]  # current story key -> previous key, heading


def remember(
    stories: Sequence[Story],
    articles: Mapping[int, Article],
    previous: Review | None,
    window_end: datetime,
) -> Memory:
    """Mark stories of the previous review and restrict them to what is new since.

    A story is the same as a previous section's when it has the section's story key or
    holds an article the section cited (keys change when a clusterer run merges stories).
    A continuing story is rebuilt from its articles published since the previous
    review's window end; one with no independent article since is held back.

    Args:
        stories: The window's stories.
        articles: Their articles by id.
        previous: The previous published review (None: nothing to remember).
        window_end: The end of this review's window.

    Returns:
        The stories to rank and what the comparison found.
    """
    if previous is None:
        return Memory(list(stories), {}, {}, {}, {})
    since = previous.window_end
    sections = [(sec.story_key, cited_ids(sec), sec.heading) for sec in previous.sections]
    out: list[Story] = []
    continuing: dict[str, datetime] = {}
    held: dict[str, str] = {}
    matched: dict[str, set[str]] = {key: set() for key, _, _ in sections}
    returning: dict[str, tuple[str, str]] = {}
    for story in stories:
        members = set(story.article_ids)
        was = [(k, h) for k, cited, h in sections if k == story.key or members & cited]
        if not was:
            out.append(story)
            continue
        returning[story.key] = was[0]
        for key, _ in was:
            matched[key].add(story.key)
        fresh = [
            i
            for i in story.article_ids
            if i in articles and (p := articles[i].published) and since <= p < window_end
        ]
        if not any(articles[i].duplicate_of is None for i in fresh):
            for key, _ in was:
                held[key] = story.key
            continue
        out.append(replace(build_story(fresh, articles), key=story.key, id=story.id))
        continuing[story.key] = since
    return Memory(out, continuing, held, matched, returning)


def cited_ids(section: Section) -> set[int]:
    """Article ids a section cites."""
    return {c.article_id for sentence in section.sentences for c in sentence.citations}


def dropped_stories(
    previous: Review | None, memory: Memory, placed: Sequence[RankedStory]
) -> tuple[DroppedStory, ...]:
    """The previous review's stories that got no place in this one, and why."""
    if previous is None:
        return ()
    kept = {r.story.key for r in placed}
    out = []
    for section in previous.sections:
        key = section.story_key
        if memory.matched.get(key, set()) & kept:
            continue
        outranked = memory.matched.get(key) and key not in memory.held
        reason = "outranked" if outranked else "no_new_developments"
        out.append(DroppedStory(key, section.heading, reason))
    return tuple(out)
