"""Check the installed distributions against the vendored advisory snapshot.

Usage: python scripts/audit_installed.py [security/advisories.json]

Prints one line per installed package whose version is older than an advisory's first
fixed release, and a closing count; exits 1 when there is any. The snapshot is partial
(see its "about" field): it is the check that works with no network; pip-audit against
OSV is the complete one (scripts/audit runs it when MIDWEEK_AUDIT_ONLINE=1).
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

DEFAULT_SNAPSHOT = Path(__file__).resolve().parent.parent / "security" / "advisories.json"


def installed_versions() -> dict[str, str]:
    """Installed distribution names (canonical) and their versions."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[canonicalize_name(name)] = dist.version
    return found


def vulnerable(snapshot: dict[str, object], installed: dict[str, str]) -> list[str]:
    """One line for each (package, advisory) whose installed version is below the fix."""
    hits: list[str] = []
    advisories = snapshot["advisories"]
    assert isinstance(advisories, list)
    for advisory in advisories:
        name = canonicalize_name(advisory["package"])
        version = installed.get(name)
        if version is None:
            continue
        try:
            affected = Version(version) < Version(advisory["fixed"])
        except InvalidVersion:
            hits.append(f"{name} {version}: version not comparable with {advisory['id']}")
            continue
        if affected:
            hits.append(
                f"{name} {version}: {advisory['id']} ({advisory['summary']}), "
                f"fixed in {advisory['fixed']}"
            )
    return hits


def main(argv: list[str]) -> int:
    """Run the check; 0 when nothing installed is affected."""
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SNAPSHOT
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    hits = vulnerable(snapshot, installed_versions())
    for line in hits:
        print(f"vulnerable: {line}")
    count = len(snapshot["advisories"])
    print(
        f"offline audit: {count} advisories of the snapshot taken {snapshot['taken']}, "
        f"{len(hits)} affecting installed packages"
    )
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
