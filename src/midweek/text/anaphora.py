"""Sentences that lean on the one before them: anaphoric openers in en, ru and Uzbek.

A sentence that opens with "He", "It", "Это", "Ular" means someone or something named in
the sentence before; alone in a summary it leaves the reader guessing. The composer
(:mod:`midweek.summarize`) and the review checker (:mod:`midweek.editorial`) both ask
:func:`opens_with_anaphor`, so the rule lives here, below both.
"""

from __future__ import annotations

from collections.abc import Mapping

from midweek.text.lang import detect_script
from midweek.text.translit import APOSTROPHES

__all__ = ["ANAPHORIC_OPENERS", "DEICTIC_TIME_WORDS", "opener_language", "opens_with_anaphor"]


def _word_set(words: str) -> frozenset[str]:
    """A set of words from a space-separated string (long word lists stay readable)."""
    return frozenset(words.split())


# Words that, opening a sentence, point back to something the sentence does not name:
# personal and possessive pronouns of the third person and demonstratives. First and
# second person (I, we, you) are left alone: they open quotes, whose speaker is named
# in the same sentence as often as not. Keyed by language tag (Article.language_tag).
ANAPHORIC_OPENERS: Mapping[str, frozenset[str]] = {
    "en": _word_set(
        "he she it they him her his hers its their theirs them this these those that such"
    ),
    "ru": _word_set(
        "он она оно они его него её ее неё нее ей ней ему нему им ним ими ними их них нём нем"
        " этот эта это эти этого этой этому этим этом эту этих этими такой такая такое"
        " такие"
    ),
    "uz-Latn": _word_set(
        "u ular uning unga uni undan unda ularning ularga ularni ulardan bu bunda bunga buni"
        " shu shunda shunga shuni ushbu o'sha bunday"
    ),
    "uz-Cyrl": _word_set(
        "у улар унинг унга уни ундан унда уларнинг уларга уларни улардан бу бунда бунга буни"
        " шу шунда шунга шуни ушбу ўша бундай"
    ),
}
# "This year", "Этой осенью", "Bu yil": a demonstrative before one of these words points
# at the time of writing, not back at an earlier sentence, so the sentence stands alone.
# ("This time" and "Shu kuni", that day, do point back: they are not listed.)
DEICTIC_TIME_WORDS: Mapping[str, frozenset[str]] = {
    "en": _word_set(
        "year week month morning afternoon evening weekend season spring summer autumn fall"
        " winter days"
    ),
    "ru": _word_set("году год неделе месяце утром вечером летом осенью зимой весной"),
    "uz-Latn": _word_set("yil yili hafta haftada oy oyda"),
    "uz-Cyrl": _word_set("йил йили ҳафта ҳафтада ой ойда"),
}
# Apostrophes Uzbek Latin and English write in several ways (o‘, o', it’s): one form.
_APOSTROPHES = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))
# Characters stripped from both ends of a sentence's first words: quotes, brackets, dashes
# and trailing punctuation ("«Это неуважение", "He, too,").
_EDGE_PUNCTUATION = "\"'«»“”„‘’([{—–-.,;:!?…)]}"


def opener_language(text: str, language: str | None) -> str | None:
    """The key of :data:`ANAPHORIC_OPENERS` for a sentence, or None when there is no list.

    An article without a language (or Uzbek without a script) is placed by the script of
    the sentence: Latin as English, Cyrillic as Russian, Uzbek by its script.
    """
    if language in ANAPHORIC_OPENERS:
        return language
    if language not in (None, "uz"):
        return None
    script = detect_script(text)
    if script not in ("Latn", "Cyrl"):
        return None
    if language == "uz":
        return f"uz-{script}"
    return "en" if script == "Latn" else "ru"


def _first_words(text: str, count: int) -> list[str]:
    """The first ``count`` words of a sentence, casefolded, without edge punctuation."""
    words = [w.translate(_APOSTROPHES).strip(_EDGE_PUNCTUATION) for w in text.split()[:count]]
    return [w.casefold() for w in words if w]


def opens_with_anaphor(text: str, language: str | None = None) -> bool:
    """Whether a sentence opens with a word that points back to an earlier sentence.

    The word is a third-person pronoun or a demonstrative of :data:`ANAPHORIC_OPENERS`
    ("He", "Its", "These", "Они", "Это", "Ular", "Бу"), after any opening quote or
    bracket; an English contraction counts by its first part ("It's"). A demonstrative
    before a word of :data:`DEICTIC_TIME_WORDS` ("This year", "Bu yil") does not count.

    Args:
        text: One whitespace-normalised sentence.
        language: The sentence's language tag ("en", "ru", "uz-Latn", "uz-Cyrl", "uz"),
            or None to go by its script (Latin as English, Cyrillic as Russian).

    Returns:
        True when the first word is such an anaphor; False otherwise, and for languages
        without a word list.
    """
    key = opener_language(text, language)
    if key is None:
        return False
    words = _first_words(text, 2)
    if not words:
        return False
    openers = ANAPHORIC_OPENERS[key]
    if words[0] not in openers and words[0].split("'", 1)[0] not in openers:
        return False
    return not (len(words) > 1 and words[1].split("'", 1)[0] in DEICTIC_TIME_WORDS[key])
