"""Whether a place found in the KB is only part of a longer name.

"Jersey" in "New Jersey", "London" in "University College London", "Mexico" in "Gulf of
Mexico" and "New York" in "New York Post" are not mentions of Jersey, London, Mexico or
New York: the longer name is. In Latin-script text, a KB place next to capitalised words
(side by side, or through "of") is widened to the longer name, which becomes provisional.
A country form ("Republic of Uzbekistan") widens the span and keeps the link; a title
("President of Kazakhstan", "Kazakhstan's President") or a date word ("in Washington
Tuesday") is not part of a name.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from midweek.entities.normalize import token_key
from midweek.entities.words import Word, ends_sentence, gap

logger = logging.getLogger(__name__)

# A name widened beyond this many words is more likely a title-case headline or a list
# than one name ("Putin Meets Erdogan In Mexico City"): the KB link is kept. Chosen, not
# fitted: the longest widened names in the ITN dev blurbs have four words ("New Zealand
# Labour Party"); six leaves room for two more.
LONGER_NAME_MAX_WORDS = 6

# Titles written before a person's name (compared as keys): never part of the name
# ("President Jair Bolsonaro" names Bolsonaro; the annotation guideline leaves titles out).
TITLE_WORDS = frozenset(
    token_key(w)
    for w in {
        "president", "prime", "minister", "premier", "chancellor", "king", "queen",
        "prince", "princess", "emir", "sultan", "ambassador", "governor", "mayor",
        "senator", "secretary", "mr", "mrs", "ms", "dr", "sir", "former", "vice",
        "deputy", "prezident", "prezidenti", "bosh", "vazir", "vaziri",
    }
)  # fmt: skip
# Capitalised words that are never part of a place's name (keys): titles and offices,
# articles (left out of names by the annotation guideline), weekdays and months (AP
# style "in Washington Tuesday").
NOT_NAME_WORDS = TITLE_WORDS | frozenset(
    token_key(w)
    for w in {
        "general", "foreign", "defence", "defense", "interior", "envoy", "leader", "chief",
        "the", "a", "an",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december",
    }
)  # fmt: skip
# Words capitalised only because they open a sentence ("In Mexico", "All countries"):
# not part of a name there, though they may be inside one ("All India Radio").
SENTENCE_START_WORDS = frozenset(
    token_key(w)
    for w in {
        "in", "on", "at", "but", "and", "for", "with", "this", "that", "these", "those",
        "after", "before", "when", "while", "as", "by", "from", "to", "if", "so", "all",
        "it", "its", "he", "she", "they", "we", "i", "his", "her", "their", "our", "some",
        "many", "most", "both", "each", "every", "other", "such", "why", "how", "what",
    }
)  # fmt: skip
# Heads that make "<head> of <country>" the country's own full name (the link is kept):
# "Republic of Uzbekistan", "Kingdom of Saudi Arabia", "State of Israel".
COUNTRY_FORM_WORDS = frozenset(
    token_key(w)
    for w in {
        "republic", "kingdom", "state", "federation", "emirate", "sultanate",
        "principality", "commonwealth", "democratic", "islamic", "socialist", "federal",
        "peoples", "people", "united", "arab",
    }
)  # fmt: skip
# Head nouns of organisation and geographic names (compared as keys): "<head> of <place>"
# is one name ("University of Washington", "Gulf of Mexico", "Bank of Russia"), and so is
# a place followed by capitalised words ending in one ("New Zealand Labour Party"). A
# person's name is never one ("Igor Matovič of the Slovak Republic").
NAME_HEADS = frozenset(
    token_key(w)
    for w in {
        "university", "college", "school", "academy", "institute", "museum", "library",
        "hospital", "hotel", "airport", "station", "port", "bank", "company", "corporation",
        "post", "times", "news", "union", "club", "league", "association", "society",
        "federation", "organisation", "organization", "party", "council", "assembly",
        "parliament", "congress", "senate", "court", "ministry", "department", "office",
        "agency", "authority", "commission", "committee", "board", "government", "army",
        "navy", "police", "embassy", "consulate", "church", "cathedral", "palace", "gulf",
        "bay", "sea", "lake", "river", "strait", "isle", "island", "islands", "city",
        "county", "province", "district", "region", "coast", "mount", "square", "street",
        "bridge", "tower", "center", "centre", "foundation", "fund", "group", "airways",
        "airlines", "railway", "railways", "team", "house", "democrats", "republicans",
    }
)  # fmt: skip
_OF = "of"
_THE = "the"


@dataclass(frozen=True, slots=True)
class LongerName:
    """The word range [lo, hi) of a longer name around a KB match; keep: the link stands."""

    lo: int
    hi: int
    keep: bool


def _name_word(word: Word, sentence_start: bool = False) -> bool:
    """True for a capitalised word that may belong to a name."""
    if sentence_start and word.key in SENTENCE_START_WORDS:
        return False
    return word.capitalised and not word.stem_ru and word.key not in NOT_NAME_WORDS


def _opens_sentence(text: str, words: Sequence[Word], k: int) -> bool:
    """True if word k is the first of a sentence."""
    return k == 0 or ends_sentence(gap(text, words, k - 1))


def _extend_left(
    text: str, words: Sequence[Word], i: int, matched: Collection[int]
) -> tuple[int, bool]:
    """The first word of the name ending at word i, and whether it is a country form."""
    lo, keep = i, True
    while lo > 0:
        k = lo - 1
        if gap(text, words, k) != " ":
            break
        word = words[k]
        if word.text == _THE and k > 0 and words[k - 1].text == _OF:
            if gap(text, words, k - 1) != " ":
                break
            k -= 1  # "Republic of the Congo", "University of the West Indies"
            word = words[k]
        if word.text == _OF:
            head = k - 1
            if head < 0 or gap(text, words, head) != " " or head in matched:
                break
            if keep and words[head].key in COUNTRY_FORM_WORDS:
                lo = head  # "Republic of Uzbekistan": the country's own name
                continue
            if words[head].key not in NAME_HEADS or not words[head].capitalised:
                break
            lo, keep = head, False  # "Gulf of Mexico", "University of Washington"
            continue
        start = _opens_sentence(text, words, k)
        if k in matched or not _name_word(word, start) or word.possessive:
            break
        if keep and lo < i and word.key in COUNTRY_FORM_WORDS:
            lo = k  # "Democratic Republic of ..."
            continue
        lo, keep = k, False
    return lo, keep


def _after_title(text: str, words: Sequence[Word], i: int) -> bool:
    """True if word i follows a title through "of" ("President of France")."""
    k = i - 1
    while k >= 0 and words[k].text in (_OF, _THE):
        k -= 1
    return k < i - 1 and k >= 0 and words[k].key in TITLE_WORDS


def longer_name(
    text: str, words: Sequence[Word], i: int, j: int, matched: Collection[int]
) -> LongerName | None:
    """The longer name that KB words [i, j) are part of, or None if they stand alone.

    Args:
        text: the text.
        words: its words.
        i: the first word of the KB match.
        j: one past its last word.
        matched: indexes of words inside other KB matches (never part of this name).

    Returns:
        The widened range; ``keep`` is True when the widening is the country's own full
        name. None when the match is a name of its own or the widening is too long.
    """
    if _after_title(text, words, i):
        return None  # "Prime Minister of Slovakia Igor Matovič": a title, then a name
    lo, keep = _extend_left(text, words, i, matched)
    hi = j
    while hi < len(words) and not words[hi - 1].possessive:
        word = words[hi]
        if gap(text, words, hi - 1) != " " or hi in matched or not _name_word(word):
            break
        hi += 1  # "New York Post", "Washington Hilton"
    if hi - j > 1 and words[hi - 1].key not in NAME_HEADS:
        hi = j  # "... France Emmanuel Macron": more likely a name after the place
    keep = keep and hi == j
    if (lo, hi) == (i, j) or hi - lo > LONGER_NAME_MAX_WORDS:
        return None
    return LongerName(lo, hi, keep)
