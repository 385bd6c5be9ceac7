"""Text handling: language and script identification, sentence splitting."""

from __future__ import annotations

from midweek.text.lang import detect_language, detect_script
from midweek.text.sentences import split_sentences

__all__ = ["detect_language", "detect_script", "split_sentences"]
