"""docs/reliability.md cannot drift: every test it cites exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
CITED = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?")


def test_every_cited_test_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    cited = CITED.findall(text)
    assert len(cited) > 20
    missing = []
    for path, name in cited:
        source = ROOT / path
        if not source.exists():
            missing.append(path)
        elif name and not re.search(rf"^\s*(?:async )?def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/reliability.md cites tests that do not exist: {missing}"
