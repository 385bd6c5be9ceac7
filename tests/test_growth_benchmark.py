"""benchmarks/growth.py reads a child's two pipes without deadlocking on a full one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from growth import _drain

# more than a Linux pipe buffer (64 KiB) on each pipe, stderr first: reading stdout to its
# end before stderr blocks forever on this child
CHILD = "import sys; sys.stderr.write('e' * 300_000); sys.stderr.flush(); print('o' * 200_000)"


def test_drain_reads_both_full_pipes() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        stdout, stderr = _drain(proc)
    finally:
        proc.wait(timeout=30)
    assert len(stderr) == 300_000
    assert stdout.strip() == b"o" * 200_000
