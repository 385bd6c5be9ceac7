"""Fixtures of the entity tests: one knowledge base for the session."""

from __future__ import annotations

import pytest

from midweek.entities import KnowledgeBase, load_kb


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The packaged knowledge base with every CLDR territory."""
    return load_kb()
