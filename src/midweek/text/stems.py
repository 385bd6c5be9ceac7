"""Index terms: word tokens reduced to a stem where the language's inflection splits them.

A Russian noun has up to twelve case-and-number forms and an Uzbek word takes a chain of
suffixes ("Toshkent", "Toshkentda", "Toshkentdagi"), so two reports of one event, each
naming "суд в Нукусе" in another case ("нукусских событиях", "в Нукусе", "по делу о
Нукусе"), share few surface tokens and a term-matching clusterer splits them. Stemming is
the standard remedy in retrieval for such languages; for English, whose inflection is
slight, it buys little recall and costs precision. Measured on the story benchmarks
(docs/benchmarks.md "Stories: stems"): the real weeks' Russian posts (B-cubed F1 of the
lexical stories 0.835 to 0.875), their Uzbek translations (0.861 to 0.884), and ECB+'s
English documents, where stemming every word *lowered* the fold mean (0.892 to 0.867): so
English and every other language keep their words.

- Russian: the Snowball Russian stemmer (PyStemmer, the Snowball project's C build).
- Uzbek, both scripts: the first :data:`UZBEK_PREFIX` characters of a word. No Snowball
  stemmer exists for Uzbek; for Turkish, a close agglutinative relative, truncating words
  to their first five letters retrieved as well as a full morphological analyser (Can et
  al., "Information retrieval on Turkish texts", JASIST 59(3), 2008), and so it did here:
  UzMorphAnalyser's stems (a rule-based Uzbek analyser on PyPI, Latin script only) gave
  the same B-cubed on the Uzbek translations (0.883 against 0.884) at ~0.7 ms a word.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import Stemmer

__all__ = ["UZBEK_PREFIX", "index_terms"]

# Characters kept of an Uzbek word: the "F5" truncation of Can et al. (2008) for Turkish,
# not tuned here (4, 6 and 7 gave 0.890, 0.880 and 0.883 on the Uzbek translations).
UZBEK_PREFIX = 5


@lru_cache(maxsize=1)
def _russian() -> Stemmer.Stemmer:
    """The Snowball Russian stemmer (built once; it keeps its own word cache)."""
    return Stemmer.Stemmer("russian")


def index_terms(tokens: Sequence[str], lang: str | None) -> list[str]:
    """The terms a document is indexed by: its tokens, stemmed where :mod:`this module
    <midweek.text.stems>` says the language needs it.

    Args:
        tokens: Lower-case word tokens (numbers stay as they are).
        lang: The document's language tag ("ru", "uz", "uz-Cyrl"...); ``None`` or an
            unknown tag keeps the tokens.

    Returns:
        One term per token, in order.
    """
    base = (lang or "").split("-", 1)[0].strip().lower()
    if base == "ru":
        return list(_russian().stemWords(list(tokens)))
    if base == "uz":
        return [t if t.isdigit() else t[:UZBEK_PREFIX] for t in tokens]
    return list(tokens)
