"""Office phrases resolved to the holder on the article's date.

"The President of Kazakhstan", "Kazakhstan's president", "Qozogʻiston Prezidenti",
"президента Казахстана" name the person who held the office on the day. Phrases that
name the office but not its holder are left alone:

* a derived word: "US presidential bid" (only the office word with a case ending counts);
* a former or other office: "экс-президента", "former president", "vice president",
  "first president", "president-elect";
* a generic office in English, without "the" or a possessive: "a campaign for president
  of the United States";
* a title before a name: "President of Kazakhstan Kassym-Jomart Tokayev" (the name is
  the mention), and "президента Узбекистана Ислама Каримова" (someone else's title).
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from midweek.entities.kb import KnowledgeBase
from midweek.entities.model import Mention
from midweek.entities.normalize import token_key
from midweek.entities.words import Word, ends_sentence, gap

logger = logging.getLogger(__name__)

# Confidence of an office phrase resolved by date (ordered with the other link rules in
# midweek.entities.mentions: right on most acceptance texts, wrong on a changed office).
CONFIDENCE_ROLE = 0.7
# The holder's own name within this many words after an office phrase means the phrase
# is a title ("President Tokayev"), not a mention of its own.
ROLE_NAME_WINDOW = 4
# How many words before an office phrase may hold a word that makes it another office
# ("the former US president", "экс-президента", "first vice president"): two covers an
# article or possessive between them.
ROLE_MODIFIER_WINDOW = 2

# Office words by role (keys: compare with token_key). Multi-word phrases are tuples;
# "of" and "the" between the office and the country are skipped.
ROLE_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "president": (("president",), ("prezident",)),
    "prime_minister": (
        ("prime", "minister"),
        ("premer", "ministr"),
        ("bosh", "vazir"),
        ("premer",),
    ),
    "foreign_minister": (
        ("foreign", "minister"),
        ("tashqi", "ishlar", "vazir"),
        ("glava", "mid"),
    ),
}
# English phrases: English marks a specific holder with "the" or a possessive.
ENGLISH_PHRASES = frozenset({("president",), ("prime", "minister"), ("foreign", "minister")})
_SKIP_WORDS = frozenset({"of", "the"})
_DETERMINERS = frozenset({"the"})

# What may follow an office word in one word (keys). Uzbek possessive and case endings
# ("Prezidenti", "Prezidentining", "vaziri") for Latin and Uzbek Cyrillic words; Russian
# singular case endings for Russian words ("президента", "министром"). Anything else is
# another word ("presidential", "prezidentligi", "президентский") or a plural
# ("президенты", "presidents"), which names no single holder.
ROLE_ENDINGS_LATIN = frozenset(
    {"", "i", "ni", "ga", "da", "dan", "ning", "ini", "iga", "ida", "idan", "ining"}
)
ROLE_ENDINGS_RU = frozenset({"", "a", "u", "om", "e"})

# Words right before an office phrase that make it another office or a past or future
# holder (keys, matched whole): English, Uzbek Latin and Cyrillic (same keys), Russian.
ROLE_BLOCKERS = frozenset(
    token_key(w)
    for w in {
        "former", "ex", "late", "then", "first", "previous", "ousted", "deposed", "future",
        "vice", "deputy", "acting", "interim", "candidate", "sobiq", "собиқ", "экс",
        "birinchi", "биринчи",
    }
)  # fmt: skip
# Stems of the same, matched as prefixes of keys (every case form): бывший, первый,
# покойный, будущий, вице-/vitse-, заместитель, кандидат, выборы, исполняющий.
ROLE_BLOCKER_STEMS = tuple(
    token_key(w)
    for w in (
        "бывш", "перв", "покойн", "будущ", "вице", "vitse", "заместител", "кандидат",
        "выбор", "исполняющ",
    )
)  # fmt: skip
# Words right after the office words that make it another office: "president-elect",
# "Bosh vazir oʻrinbosari" (deputy prime minister).
ROLE_BLOCKERS_AFTER = frozenset(token_key(w) for w in ("elect", "oʻrinbosari", "ўринбосари"))


def _office_word(word: Word, phrase_word: str) -> bool:
    """True if a word is the phrase's office word, bare or with a case ending only."""
    if not word.key.startswith(phrase_word):
        return False
    ending = word.key[len(phrase_word) :]
    return ending in (ROLE_ENDINGS_RU if word.stem_ru else ROLE_ENDINGS_LATIN)


def _matches(words: Sequence[Word], phrase: tuple[str, ...]) -> bool:
    """True if the words are the phrase, each with at most a case ending."""
    return all(_office_word(w, p) for w, p in zip(words, phrase, strict=True))


def _role_span(
    words: Sequence[Word], first: int, last: int, phrases: Sequence[tuple[str, ...]]
) -> tuple[int, int, tuple[str, ...]] | None:
    """Word range and phrase of an office phrase just before or just after words [first, last]."""
    before = first
    while before > 0 and words[before - 1].key in _SKIP_WORDS:
        before -= 1
    for phrase in phrases:
        n = len(phrase)
        lo, hi = before - n, last + 1
        if lo >= 0 and _matches(words[lo : lo + n], phrase):
            return lo, lo + n, phrase
        if hi + n <= len(words) and _matches(words[hi : hi + n], phrase):
            return hi, hi + n, phrase
    return None


def _blocked(text: str, words: Sequence[Word], start: int, office_end: int) -> bool:
    """True if a word before the phrase (same sentence) or after the office word blocks it."""
    k = start - 1
    while k >= 0 and start - k <= ROLE_MODIFIER_WINDOW:
        if ends_sentence(gap(text, words, k)):
            break
        key = words[k].key
        if key in ROLE_BLOCKERS or key.startswith(ROLE_BLOCKER_STEMS):
            return True
        k -= 1
    return office_end < len(words) and words[office_end].key in ROLE_BLOCKERS_AFTER


def _determined(
    text: str, words: Sequence[Word], start: int, country_first: bool, country_last: int
) -> bool:
    """True if an English office phrase names one holder: "the ..." or "X's president"."""
    if country_first and words[country_last].possessive:
        return True
    k = start - 1
    return k >= 0 and words[k].key in _DETERMINERS and not ends_sentence(gap(text, words, k))


def _name_follows(text: str, words: Sequence[Word], hi: int, at: dict[int, Mention]) -> bool:
    """True if a capitalised word that is not a place or organisation follows the phrase."""
    if hi >= len(words) or gap(text, words, hi - 1).strip(" "):
        return False
    nxt = words[hi]
    if not nxt.capitalised:
        return False
    found = at.get(nxt.start)
    return found is None or found.type == "person"


def role_mentions(
    text: str,
    words: Sequence[Word],
    mentions: Sequence[Mention],
    kb: KnowledgeBase,
    when: date,
) -> list[Mention]:
    """Office phrases next to a country mention, resolved to the holder on the date.

    Args:
        text: the text.
        words: its words (:func:`midweek.entities.words.words_of`).
        mentions: the KB mentions found so far (countries among them).
        kb: the knowledge base.
        when: the article's date.

    Returns:
        One person mention per office phrase that names the holder on the date.
    """
    out = []
    named = {(m.entity_id, m.start) for m in mentions}
    at = {m.start: m for m in mentions}
    starts = [w.start for w in words]
    for m in mentions:
        entity = kb.entities.get(m.entity_id)
        if entity is None or entity.type != "country":
            continue
        # the words the mention covers ("U.S." ends on a period, past its last word)
        first, last = bisect_left(starts, m.start), bisect_left(starts, m.end) - 1
        for role, phrases in ROLE_PHRASES.items():
            span = _role_span(words, first, last, phrases)
            if span is None:
                continue
            lo, hi = min(span[0], first), max(span[1], last + 1)
            country_first = span[0] > last
            if _blocked(text, words, lo, span[1]):
                continue
            if span[2] in ENGLISH_PHRASES and not _determined(text, words, lo, country_first, last):
                continue
            holders = kb.holders(role, entity.id, when)
            if len(holders) != 1:
                continue
            holder = holders[0]
            after = words[hi : hi + ROLE_NAME_WINDOW]
            if any((holder.id, t.start) in named for t in after):
                continue  # "President of Kazakhstan Kassym-Jomart Tokayev": a title
            if _name_follows(text, words, hi, at):
                continue  # "президента Узбекистана Ислама Каримова": another's title
            start, end = words[lo].start, words[hi - 1].end
            found = Mention(text[start:end], start, end, holder.id, CONFIDENCE_ROLE, m.lang, "role")
            out.append(replace(found, type="person"))
    return out
