"""Read a stored story's articles (a small query on the store's engine)."""

from __future__ import annotations

import logging

from sqlalchemy import or_, select

from midweek.errors import MidweekError
from midweek.models import Article
from midweek.store import schema
from midweek.store.db import Store

logger = logging.getLogger(__name__)


class UnknownStoryError(MidweekError):
    """No stored story has that id or key."""


def story_articles(store: Store, story: str) -> list[Article]:
    """The articles of one stored story, oldest first.

    Args:
        store: an open store.
        story: the story's numeric id or its key.

    Returns:
        The story's articles.

    Raises:
        UnknownStoryError: no story has that id or key.
    """
    s, sa = schema.stories, schema.story_articles
    where = s.c.key == story
    if story.isdigit():
        where = or_(where, s.c.id == int(story))
    with store.engine.connect() as conn:
        story_id = conn.scalar(select(s.c.id).where(where).limit(1))
        if story_id is None:
            raise UnknownStoryError(f"no story with id or key {story!r}")
        ids = list(conn.scalars(select(sa.c.article_id).where(sa.c.story_id == story_id)))
    articles = store.get_articles(ids)
    return sorted(articles.values(), key=lambda a: (a.published is None, a.published, a.id))
