"""A fresh clone elsewhere (issue 13, item 1): the README's commands work from a copy.

The repository's files (``git ls-files``) are copied to a temporary folder with no
``../shared/data`` beside it; from there the demo runs the copy's own code, and test
collection says what to set when the shared data is missing (and fails in CI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


def _copy_of_the_repository(target: Path) -> Path:
    """Copy the files git knows (tracked and not ignored) into ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = REPO / os.fsdecode(raw)
        if source.is_file():
            (target / os.fsdecode(raw)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(raw))
    return target


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository in a folder of its own (no shared data beside it)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    return _copy_of_the_repository(tmp_path_factory.mktemp("elsewhere") / "midweek")


def _env(clone: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh shell in the clone: its own src, no CI, no data path."""
    env = {k: v for k, v in os.environ.items() if k not in {"MIDWEEK_SHARED_DATA", "CI"}}
    return {**env, "PYTHONPATH": str(clone / "src"), **extra}


@pytest.mark.slow
def test_the_demo_runs_from_a_clone_elsewhere(
    clone: Path, tmp_path: Path, shared_data: Path
) -> None:
    env = _env(clone, MIDWEEK_SHARED_DATA=str(shared_data))
    where = subprocess.run(
        [sys.executable, "-c", "import midweek; print(midweek.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(clone)  # the clone's code, not ours
    result = subprocess.run(
        [sys.executable, "-m", "midweek", "demo", "--no-serve", "--out", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    review = json.loads((tmp_path / "out" / "review.json").read_text(encoding="utf-8"))
    assert review["sections"] and (tmp_path / "out" / "review.html").is_file()


@pytest.mark.slow
def test_collection_in_a_clone_without_data_names_the_variable(clone: Path) -> None:
    files = ["tests/sources/test_feeds.py", "tests/test_demo.py", "tests/test_cli.py"]
    command = [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider"]
    plain = subprocess.run(
        [*command, *files], cwd=clone, env=_env(clone), capture_output=True, text=True
    )
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "Error" not in plain.stdout + plain.stderr
    assert "shared data: MISSING" in plain.stdout and "set MIDWEEK_SHARED_DATA" in plain.stdout
    assert "test_real_feed_parses[no-shared-data]" in plain.stdout  # one case, skipped
    skipped = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", files[0]],
        cwd=clone,
        env=_env(clone),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert skipped.returncode == 0, skipped.stdout
    assert "SKIPPED" in skipped.stdout and "set MIDWEEK_SHARED_DATA" in skipped.stdout
    in_ci = subprocess.run(
        [*command, *files], cwd=clone, env=_env(clone, CI="true"), capture_output=True, text=True
    )
    assert in_ci.returncode != 0
    assert "set MIDWEEK_SHARED_DATA" in in_ci.stdout + in_ci.stderr
