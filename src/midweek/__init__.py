"""midweek: turn a week of multilingual news into a published, cited review."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
