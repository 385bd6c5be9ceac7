"""The offline dependency audit (scripts/audit_installed.py) and its advisory snapshot."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "security" / "advisories.json"


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    """The script, loaded as a module."""
    spec = importlib.util.spec_from_file_location(
        "audit_installed", ROOT / "scripts" / "audit_installed.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_installed"] = module
    spec.loader.exec_module(module)
    return module


def test_snapshot_entries_are_well_formed() -> None:
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert snapshot["advisories"]
    for advisory in snapshot["advisories"]:
        assert advisory["id"].startswith(("CVE-", "GHSA-", "PYSEC-"))
        Version(advisory["fixed"])  # raises on a bad version
        assert advisory["package"] and advisory["summary"]


def test_an_old_version_is_flagged_and_a_fixed_one_is_not(audit: ModuleType) -> None:
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    old = audit.vulnerable(snapshot, {"setuptools": "65.5.0"})
    assert [line.split(": ")[1].split(" ")[0] for line in old] == [
        "CVE-2022-40897",
        "CVE-2024-6345",
        "CVE-2025-47273",
    ]
    assert audit.vulnerable(snapshot, {"setuptools": "78.1.1"}) == []
    assert audit.vulnerable(snapshot, {"SetupTools": "80.10.2"}) == []


def test_names_are_compared_canonically(audit: ModuleType) -> None:
    snapshot = {
        "advisories": [{"id": "CVE-1", "package": "Jinja2", "fixed": "3.1.6", "summary": "x"}]
    }
    assert len(audit.vulnerable(snapshot, {"jinja2": "3.1.4"})) == 1


def test_this_environment_passes_the_snapshot(audit: ModuleType) -> None:
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert audit.vulnerable(snapshot, audit.installed_versions()) == []
