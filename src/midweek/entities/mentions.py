"""Find the mentions of entities in a text and link each to one entity.

Three finders, one linker:

1. the KB gazetteer, script-agnostic: the longest run of words whose Latin keys (see
   :mod:`midweek.entities.normalize`) equal an alias, then the same with case endings
   stripped, then an abbreviation with an Uzbek suffix ("BMTga"), then a fuzzy match for
   long single words ("Mirziyoevning");
2. office phrases ("the President of Kazakhstan", "Qozogʻiston Prezidenti") resolved to
   the holder on the article's date (:mod:`midweek.entities.roles`);
3. for Russian, natasha's PER/LOC/ORG spans, linked through their lemmas, or made
   provisional (``prov:<latin key>``); for Latin-script text, runs of capitalised words
   that the KB does not know become provisional too.

What is not a mention: a word derived from a name ("American", "Узбекистанцы"), an
abbreviation glued to a currency sign ("US$"), and, in English, a KB place inside a
longer name ("New Jersey", "Gulf of Mexico": the longer name becomes provisional, see
:mod:`midweek.entities.names`; in Russian natasha's organisation span decides).

An ambiguous alias (two Aliyevs) is resolved by the context: entities named
unambiguously elsewhere in the text (or the story), the countries mentioned, and the
date against office terms. The confidence of each link is recorded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date

from rapidfuzz import fuzz, process

from midweek.entities.kb import AliasEntry, KnowledgeBase
from midweek.entities.model import PROVISIONAL_PREFIX, Entity, Mention
from midweek.entities.names import TITLE_WORDS, longer_name
from midweek.entities.ner import NerSpan, russian_spans
from midweek.entities.normalize import (
    UZ_SUFFIXES,
    detect_script_lang,
    has_cyrillic,
    name_key,
    stem_key,
    suffix_variants,
    token_key,
    tokenize,
)
from midweek.entities.roles import role_mentions
from midweek.entities.words import Word, ends_sentence, gap, words_of

logger = logging.getLogger(__name__)

# Language tags entity_ids reads (find_mentions' own; "uz": the script is guessed).
CLUSTER_LANGS = frozenset({"en", "ru", "uz", "uz-Latn", "uz-Cyrl"})

# Confidence of each way of linking (ordered by how often each rule was right on the
# acceptance texts and the ITN silver set; an exact alias is almost always right).
CONFIDENCE_EXACT = 1.0
CONFIDENCE_ABBREVIATION = 0.9
CONFIDENCE_STEM = 0.85
CONFIDENCE_NER_LINKED = 0.85
CONFIDENCE_PROVISIONAL = 0.5
# A fuzzy link's confidence is its similarity (0-1) times this factor.
CONFIDENCE_FUZZY_FACTOR = 0.8
# A single word matches an alias fuzzily at this rapidfuzz ratio (0-100) or above. One
# edit in an 8-letter key scores 87.5 and one insertion in 7 letters 93; 88 lets through
# "Zelenskiy"/"Zelenskii" and stops "Karimova"/"Karimov"-like pairs below 8 letters.
FUZZY_MIN_SCORE = 88.0
# Male surname endings whose female form adds -a (Karimov → Karimova): never fuzzy-merged.
FEMALE_SURNAME_BASES = ("ov", "ev", "in")
# Weights for resolving an ambiguous alias (their order matters more than their size):
# the same person named in full nearby beats office terms, which beat the country context.
CONTEXT_SAME_ENTITY_WEIGHT = 2.0
OFFICE_ON_DATE_WEIGHT = 1.0
COUNTRY_CONTEXT_WEIGHT = 0.5
# Confidence of a link chosen among equally likely candidates (first in KB order).
CONFIDENCE_TIE = 0.3
# A text whose letters are at least this share upper case is "shouting" (a headline):
# case cannot tell "US" from "us" there, so only abbreviations of 3+ letters match.
SHOUTING_RATIO = 0.8
SHOUTING_MIN_ABBREVIATION = 3
# Provisional names: runs of capitalised words of these lengths (one capitalised word is
# too often a sentence start or a common noun to stand alone).
PROVISIONAL_MIN_WORDS = 2
PROVISIONAL_MAX_WORDS = 4
# Words that are capitalised only because they open a sentence (English and Uzbek
# function words, the commonest in the samples); dropped from the start of a run.
PROVISIONAL_SKIP_FIRST = frozenset(
    {
        "the", "a", "an", "in", "on", "at", "but", "and", "for", "with", "this", "that",
        "after", "before", "when", "while", "as", "by", "from", "to", "of",
        "these", "those", "some", "many", "most", "both", "each", "every", "other", "such",
        "bu", "va", "lekin", "ammo", "shu", "u", "ular", "biz", "men", "keyin",
        # the Uzbek pronouns' case forms (bu, shu, u + -ni, -da, -ga, -dan, -ning)
        "buni", "bunda", "bunga", "bundan", "buning", "shuni", "shunda", "shunga", "shundan",
        "shuning", "uni", "unda", "unga", "undan", "uning", "ularni", "ularga", "ularning",
    }
)  # fmt: skip
# Uzbek adjectives that open a sentence before a name and are no part of it: "Yangi
# Intercontinental Tashkent mehmonxonasi" (a new hotel), "Sobiq ..." (former), "Eski ..."
# (old). Dropped from a provisional name only at a sentence start: inside a sentence a
# capitalised "Yangi" belongs to the name ("Yangi Zelandiya", "Yangi Hayot").
PROVISIONAL_SKIP_FIRST_AT_START = frozenset({"yangi", "sobiq", "eski"})
_OPENS_SENTENCE_RE = re.compile(r"(?:^|[.!?…\n])[\s\"«“]*$")

# A fuzzy hit is refused when the word is the alias plus one of these endings (keys;
# after the alias or the alias less its last letter): a demonym or adjective derived from
# the name ("American", "Ukrainian", "Uzbekistani", "Узбекистанцы", "узбекистанский",
# "Oʻzbekistonlik"), not a spelling of it. English, Russian (ц → "s" in keys) and Uzbek.
DERIVED_ENDINGS = frozenset(
    {
        "n", "an", "ian", "ans", "ians", "ns", "i", "is", "ese", "ish", "ic", "ics",
        "s", "si", "es", "sev", "sam", "sami", "ka", "ki", "sk", "ski", "skaya", "skoe", "skogo",
        "skix", "skie", "skomu", "skim", "skoi", "skuu", "lik", "liklar",
    }
)  # fmt: skip
# Key stems of office words that may stand before a surname ("President Aliyev",
# "президента Алиева", "Prezident Aliyev", "Bosh vazir Aripov", "премьер Мишустин").
OFFICE_STEMS = (
    "president", "prezident", "premer", "ministr", "vazir", "glava", "kansler", "chancellor",
    "secretary", "sekretar", "spiker", "speaker", "king", "korol", "qirol", "emir", "amir",
)  # fmt: skip
# The "how" of a word derived from a name ("American"): never a mention, never in a name.
HOW_DERIVED = "derived"
# Entity types that may be part of a longer name ("New Jersey", "Gulf of Mexico").
PLACE_TYPES = frozenset({"country", "place"})
# Currency signs: "US$2 million", "A$", "HK$" name a currency, not the country.
CURRENCY_SIGNS = frozenset("$€£¥₽")
# An abbreviation written with periods ("U.S", "U.K") whose last period the word
# tokenizer drops: the period belongs to the mention.
_DOTTED_ABBREVIATION_RE = re.compile(r"(?:\w\.)+\w")


@dataclass(slots=True)
class _Candidate:
    """A span (token range) with its candidate aliases, before disambiguation."""

    i: int
    j: int
    entries: list[AliasEntry]
    how: str
    confidence: float


def _is_shouting(text: str) -> bool:
    """True when most letters are capitals (an ALL-CAPS headline)."""
    sample = text[:10_000]
    upper = sum(map(str.isupper, sample))
    lower = sum(map(str.islower, sample))
    return upper > 0 and upper / (upper + lower) >= SHOUTING_RATIO


def _case_ok(entry: AliasEntry, surface: str, shouting: bool) -> bool:
    """Whether the case of the text's span fits the alias (UN vs un, Того vs того)."""
    if entry.abbreviation:
        letters = [c for c in surface if c.isalpha()]
        if shouting:
            return len(token_key(entry.surface)) >= SHOUTING_MIN_ABBREVIATION
        return surface[:1].isupper() and sum(c.isupper() for c in letters) >= 2
    if entry.proper:
        return surface[:1].isupper()
    return True


def _gazetteer(
    text: str, toks: Sequence[Word], kb: KnowledgeBase, shouting: bool
) -> tuple[list[_Candidate], set[int]]:
    """Longest-match KB aliases over word n-grams (exact, stem, abbreviation, fuzzy).

    Returns the candidates and the indexes of words derived from a name ("American").
    """
    out: list[_Candidate] = []
    derived: set[int] = set()
    i, n_tok = 0, len(toks)
    while i < n_tok:
        found = _match_at(text, toks, i, kb, shouting)
        if found is None or found.how == HOW_DERIVED:
            if found is not None:
                derived.add(i)
            i += 1
            continue
        out.append(found)
        i = found.j
    return out, derived


def _match_at(
    text: str, toks: Sequence[Word], i: int, kb: KnowledgeBase, shouting: bool
) -> _Candidate | None:
    """The best alias match starting at word i, or None."""
    tok = toks[i]
    top = min(kb.max_len, len(toks) - i)
    # exact keys, then the last word without an Uzbek/English suffix (same index); a
    # Russian word takes Russian endings only (below): Uzbek "-si" would cut
    # "Узбекистанцы" to "Uzbekistan"
    multi = tok.key in kb.first_exact
    single = multi or any(v in kb.first_exact for v in _suffix_variants(tok))
    for how, conf in (("exact", CONFIDENCE_EXACT), ("stem", CONFIDENCE_STEM)):
        for n in range(top if multi else 1, 0 if single else 1, -1):
            window = toks[i : i + n]
            head = tuple(t.key for t in window[:-1])
            lasts = (window[-1].key,) if how == "exact" else _suffix_variants(window[-1])[1:]
            for last in lasts:
                found = _accept(kb.exact.get((*head, last)), text, window, shouting)
                if found:
                    return _Candidate(i, i + n, found, how, conf)
    if tok.stem_ru and tok.stem_ru in kb.first_stem_ru:  # Russian: every word inflects
        for n in range(top, 0, -1):
            window = toks[i : i + n]
            entries = kb.stemmed_ru.get(tuple(t.stem_ru for t in window))
            found = _accept(entries, text, window, shouting)
            if found:
                return _Candidate(i, i + n, found, "stem", CONFIDENCE_STEM)
    return _abbreviation_with_suffix(tok, i, kb, shouting) or _fuzzy(tok, i, kb)


def _suffix_variants(tok: Word) -> tuple[str, ...]:
    """A word's key with and without Uzbek/English suffixes (just the key for Russian)."""
    return (tok.key,) if tok.stem_ru else suffix_variants(tok.key)


def _accept(
    entries: list[AliasEntry] | None, text: str, window: Sequence[Word], shouting: bool
) -> list[AliasEntry]:
    """The entries whose case fits the text span."""
    if not entries:
        return []
    surface = text[window[0].start : window[-1].end]
    return [e for e in entries if _case_ok(e, surface, shouting)]


def _abbreviation_with_suffix(
    tok: Word, i: int, kb: KnowledgeBase, shouting: bool
) -> _Candidate | None:
    """An upper-case abbreviation with an Uzbek suffix: 'BMTga', 'АҚШнинг', 'NATOning'."""
    if shouting:
        return None
    word = tok.text
    if not word[:2].isupper() or word.isupper():
        return None
    for cut in range(len(word) - 1, 1, -1):
        head, tail = word[:cut], word[cut:]
        if not head.isupper() or token_key(tail) not in UZ_SUFFIXES:
            continue
        entries = [e for e in kb.exact.get((token_key(head),), []) if e.abbreviation]
        if entries:
            return _Candidate(i, i + 1, entries, "abbrev", CONFIDENCE_ABBREVIATION)
    return None


def _fuzzy(tok: Word, i: int, kb: KnowledgeBase) -> _Candidate | None:
    """A capitalised long word close to a single-word alias (same first letter)."""
    if not tok.text[:1].isupper():
        return None
    bucket = kb.fuzzy.get(tok.key[:1])
    if not bucket:
        return None
    best: tuple[str, float] | None = None
    probes = (tok.key, tok.stem_ru) if tok.stem_ru else suffix_variants(tok.key)
    for probe in probes:
        hit = process.extractOne(
            probe, bucket.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
        )
        if hit and _derived(probe, hit[0]):
            return _Candidate(i, i + 1, [], HOW_DERIVED, 0.0)  # "American" ≠ "America"
        if hit and (best is None or hit[1] > best[1]):
            best = (hit[0], hit[1])
    if best is None or _female_form(tok.key, best[0]):
        return None
    conf = round(best[1] / 100 * CONFIDENCE_FUZZY_FACTOR, 3)
    return _Candidate(i, i + 1, bucket[best[0]], "fuzzy", conf)


def _derived(key: str, alias_key: str) -> bool:
    """True if a word is a name plus a derivational ending: 'american' from 'america'.

    Not after a "y": transliterations end a name in y, yi or iy ('Zelenskyi').
    """
    return any(
        key.startswith(alias_key[:cut])
        and key[cut:] in DERIVED_ENDINGS
        and not alias_key[:cut].endswith("y")
        for cut in (len(alias_key), len(alias_key) - 1)
    )


def _female_form(key: str, alias_key: str) -> bool:
    """True for a female surname of a male alias: 'mirzioeva' (Saida) vs 'mirzioev'.

    In Uzbek and Russian surnames in -ov/-ev/-in take -a for women: another person.
    """
    return key.startswith(alias_key + "a") and alias_key.endswith(FEMALE_SURNAME_BASES)


def _resolve(
    cand: _Candidate, kb: KnowledgeBase, context: Collection[str], when: date | None
) -> tuple[str, float]:
    """One entity id for a candidate, with its confidence (context breaks ties)."""
    ids = list(dict.fromkeys(e.entity_id for e in cand.entries))
    if len(ids) == 1:
        return ids[0], cand.confidence
    scores = []
    for entity_id in ids:
        entity = kb.entities[entity_id]
        score = 0.0
        if entity_id in context:
            score += CONTEXT_SAME_ENTITY_WEIGHT
        if when is not None and any(o.holds_on(when) for o in entity.offices):
            score += OFFICE_ON_DATE_WEIGHT
        if any(o.of in context for o in entity.offices):
            score += COUNTRY_CONTEXT_WEIGHT
        scores.append(score)
    best = max(scores)
    winners = [ids[k] for k, s in enumerate(scores) if s == best]
    if len(winners) > 1:
        return winners[0], CONFIDENCE_TIE
    runner_up = max(s for s in scores if s != best)
    margin = (best - runner_up) / (best + 1e-9)
    return winners[0], round(cand.confidence * (0.5 + 0.5 * margin), 3)


def _provisional_latin(text: str, toks: Sequence[Word], taken: Sequence[bool]) -> list[Mention]:
    """Runs of 2-4 capitalised Latin words the KB does not know, as provisional entities."""
    out = []
    run: list[int] = []

    def flush() -> None:
        """Emit the current run if it is long enough."""
        if run and toks[run[0]].key in PROVISIONAL_SKIP_FIRST:
            # "The Hague Court", "Buni Bosh prokuratura": a capitalised function word
            # opens a sentence
            del run[:1]
        elif (
            run
            and toks[run[0]].key in PROVISIONAL_SKIP_FIRST_AT_START
            and _OPENS_SENTENCE_RE.search(text[: toks[run[0]].start])
        ):
            del run[:1]  # "Yangi Intercontinental …" at a sentence start: "new"
        titled = False
        while run and toks[run[0]].key in TITLE_WORDS:
            del run[:1]  # "President Jair Bolsonaro": the title is not part of the name
            titled = True
        shortest = 1 if titled else PROVISIONAL_MIN_WORDS  # "King Charles": a name
        if shortest <= len(run) <= PROVISIONAL_MAX_WORDS:
            start, end = toks[run[0]].start, toks[run[-1]].end
            entity_id = _provisional_id([toks[k] for k in run])
            conf = CONFIDENCE_PROVISIONAL
            out.append(Mention(text[start:end], start, end, entity_id, conf, how="provisional"))
        run.clear()

    for k, t in enumerate(toks):
        word = t.text
        capital = word[:1].isupper() and not word.isupper() and not has_cyrillic(word)
        contiguous = not run or text[toks[run[-1]].end : t.start] in {" ", "-"}
        if capital and not taken[k] and contiguous:
            run.append(k)
        else:
            flush()
            if capital and not taken[k]:
                run.append(k)
    flush()
    return out


def _provisional_id(words: Sequence[Word]) -> str:
    """The provisional id of a name the KB does not know, from its words' keys."""
    return PROVISIONAL_PREFIX + "-".join(suffix_variants(w.key)[-1] for w in words)


def find_mentions(
    text: str,
    lang: str | None = None,
    *,
    kb: KnowledgeBase,
    when: date | None = None,
    context: Collection[str] = (),
    use_ner: bool = True,
    provisional: bool = True,
) -> list[Mention]:
    """Every mention of an entity in a text, each linked to one entity.

    Args:
        text: the text (any size; natasha sees only its first NER_MAX_CHARS characters).
        lang: 'en', 'ru', 'uz-Latn', 'uz-Cyrl' or 'uz'; None guesses from the script.
        kb: the knowledge base (:func:`midweek.entities.load_kb`).
        when: the article's date: picks office holders and breaks ties between people.
        context: entity ids known from the surrounding story (help disambiguation).
        use_ner: run natasha on Russian text.
        provisional: also report names the KB does not know, as ``prov:`` entities.

    Returns:
        Mentions in text order, without overlaps.
    """
    if not text or not text.strip():
        return []
    guessed = detect_script_lang(text)
    russian = lang == "ru" or (lang is None and guessed == "ru")
    # English builds names by stacking capitalised words ("New York Post"); in Uzbek a
    # person and a country stand side by side ("Petr Pavel Chexiya prezidenti").
    english = lang is not None and lang.startswith("en")
    toks = words_of(text, russian_cyrillic=russian)
    shouting = _is_shouting(text)
    cands, derived = _gazetteer(text, toks, kb, shouting)
    cands = [c for c in cands if not _currency(text, toks, c)]
    # unambiguous links first: they are the context of the ambiguous ones
    known = set(context)
    known.update(c.entries[0].entity_id for c in cands if len({e.entity_id for e in c.entries}) < 2)
    spans = russian_spans(text) if russian and use_ner else []
    matched = {k for c in cands for k in range(c.i, c.j)}  # words of KB matches
    mentions = []
    full_names = {c.entries[0].entity_id for c in cands if c.j - c.i > 1} | set(context)
    for c in cands:
        entity_id, conf = _resolve(c, kb, known, when)
        if not _surname_link_agrees(text, toks, c, entity_id, kb, known, full_names, when):
            continue  # another person of that surname: natasha or the name runs tag them
        start, end = toks[c.i].start, _abbreviation_end(text, toks[c.i].start, toks[c.j - 1].end)
        etype = kb.entities[entity_id].type
        found = Mention(text[start:end], start, end, entity_id, conf, lang, c.how, etype)
        if etype in PLACE_TYPES and not shouting:
            if russian and _inside_ner_name(text, found, spans):
                continue  # "«Истанбул Башакшехир»": natasha's organisation stands
            if english and c.how == "exact":
                found = _widen(text, toks, c, matched, found)
                if found.how == "provisional" and not provisional:
                    continue
        mentions.append(found)
    if when is not None:
        mentions += role_mentions(text, toks, mentions, kb, when)
    taken = _covered(len(text), mentions)
    if russian and use_ner:
        # natasha tags demonyms too ("Узбекистанцы" as LOC): they name no entity
        demonyms = {(toks[k].start, toks[k].end) for k in derived}
        spans = [s for s in spans if (s.start, s.end) not in demonyms]
        mentions += _ner_mentions(spans, lang, kb, when, known, taken)
    elif provisional and guessed == "latin":
        # a demonym is not part of a name: "Former Pakistani President Pervez Musharraf"
        toks_taken = [taken[t.start] or k in derived for k, t in enumerate(toks)]
        mentions += [m for m in _provisional_latin(text, toks, toks_taken) if not taken[m.start]]
    mentions.sort(key=lambda m: (m.start, -m.end))
    return _drop_overlaps(mentions)


def _surname_link_agrees(
    text: str,
    toks: Sequence[Word],
    cand: _Candidate,
    entity_id: str,
    kb: KnowledgeBase,
    known: Collection[str],
    full_names: Collection[str],
    when: date | None,
) -> bool:
    """Whether a surname alone may name this KB person (role, date or context agree).

    A full name, a non-person or a match of the person's whole name is always kept. A
    surname alone ("Aliyev", "Алиев") is refused when another given name stands before
    it ("blogger Rustam Aliyev" is not the president), and otherwise needs agreement:
    the full name elsewhere in the text or story, an office word before it ("President
    Aliyev"), a country of the person's offices (or a city in it) in the text or story,
    or (for a surname only one KB person bears) an office held on the article's date.
    Without a date an unambiguous surname stands, as before.
    """
    entity = kb.entities[entity_id]
    if entity.type != "person" or cand.j - cand.i > 1 or len(name_key(_en_name(entity))) < 2:
        return True
    if _given_name_before(text, toks, cand.i, entity):
        return False
    if entity_id in full_names or _office_word_before(toks, cand.i):
        return True
    places = {kb.entities[i].country for i in known if i in kb.entities}
    if any(o.of in known or o.of in places for o in entity.offices):
        return True  # "Azerbaijan", or "Baku" (a city of Azerbaijan)
    ambiguous = len({e.entity_id for e in cand.entries}) > 1
    if when is None:
        return not ambiguous
    return not ambiguous and any(o.holds_on(when) for o in entity.offices)


def _en_name(entity: Entity) -> str:
    """The entity's English name, else any name."""
    return entity.names.get("en") or next(iter(entity.names.values()), "")


def _given_name_before(text: str, toks: Sequence[Word], i: int, entity: Entity) -> bool:
    """True if a capitalised word that is not part of the person's names precedes word i."""
    if i == 0 or toks[i - 1].end == toks[i].start or text[toks[i - 1].end : toks[i].start] != " ":
        return False
    before = toks[i - 1]
    if not before.text[:1].isupper() or before.text.isupper() or before.key in TITLE_WORDS:
        return False
    if i == 1 or ends_sentence(gap(text, toks, i - 2)):
        return False  # capitalised because it opens a sentence ("Bloger Aliyev ...")
    if before.key.startswith(OFFICE_STEMS) or before.possessive:
        return False  # "Президент Алиев", "Azerbaijan's Aliyev"
    own = {
        stem
        for names in (entity.names.values(), *entity.aliases.values())
        for n in names
        for k in name_key(n)
        for stem in (k, stem_key(k, russian=True))
    }
    return before.key not in own and (before.stem_ru or before.key) not in own


def _office_word_before(toks: Sequence[Word], i: int) -> bool:
    """True if an office word stands within two words before word i ('President Aliyev')."""
    return any(t.key.startswith(OFFICE_STEMS) for t in toks[max(0, i - 2) : i])


def entity_ids(
    text: str, lang: str | None, *, kb: KnowledgeBase, when: date | None = None
) -> frozenset[str] | None:
    """The ids of the entities a text names (the clusterer's cross-lingual entity view).

    Knowledge-base ids, and provisional ids (``prov:`` + one Latin key) for names the KB
    does not know, so "Джамшид Кодиров" and "Jamshid Qodirov" share one.

    Args:
        text: A title and lead.
        lang: Its language tag; the finder reads en, ru, uz, uz-Latn and uz-Cyrl.
        kb: The knowledge base.
        when: The article's date (office holders, ties between people).

    Returns:
        The ids (possibly none), or ``None`` for a language the finder does not read.
    """
    if lang is None or not (lang in CLUSTER_LANGS or lang.startswith("en-")):
        return None
    return frozenset(m.entity_id for m in find_mentions(text, lang, kb=kb, when=when))


def _currency(text: str, toks: Sequence[Word], cand: _Candidate) -> bool:
    """True if a match is glued to a currency sign: 'US$2 million' names no country."""
    return text[toks[cand.j - 1].end : toks[cand.j - 1].end + 1] in CURRENCY_SIGNS


def _abbreviation_end(text: str, start: int, end: int) -> int:
    """The end of a match, with the last period of a dotted abbreviation ('U.S.')."""
    if text[end : end + 1] == "." and _DOTTED_ABBREVIATION_RE.fullmatch(text[start:end]):
        return end + 1
    return end


def _widen(
    text: str,
    toks: Sequence[Word],
    cand: _Candidate,
    matched: Collection[int],
    found: Mention,
) -> Mention:
    """A KB place, or the longer name it is part of ('New Jersey'), as a mention.

    Returns the mention unchanged, widened with its link ("Republic of Uzbekistan"), or
    a provisional mention of the longer name ("University College London").
    """
    if any(e.abbreviation for e in cand.entries):
        return found  # "US Democratic primary": an abbreviation qualifies, it is not named
    wider = longer_name(text, toks, cand.i, cand.j, matched)
    if wider is None:
        return found
    start, end = toks[wider.lo].start, max(toks[wider.hi - 1].end, found.end)
    if wider.keep:
        return replace(found, text=text[start:end], start=start, end=end)
    entity_id = _provisional_id(toks[wider.lo : wider.hi])
    conf = CONFIDENCE_PROVISIONAL
    return Mention(text[start:end], start, end, entity_id, conf, found.lang, "provisional")


def _inside_ner_name(text: str, found: Mention, spans: Sequence[NerSpan]) -> bool:
    """True if natasha tags a longer organisation name around a KB place ('МИД России')."""
    for span in spans:
        if span.type != "organisation" or (span.start, span.end) == (found.start, found.end):
            continue
        if span.start <= found.start and found.end <= span.end:
            extra = text[span.start : found.start] + " " + text[found.end : span.end]
            if any(w[:1].isupper() for w, _, _ in tokenize(extra)):
                return True
    return False


def _covered(length: int, mentions: Sequence[Mention]) -> list[bool]:
    """Which characters are already inside a mention."""
    taken = [False] * (length + 1)
    for m in mentions:
        taken[m.start : m.end] = [True] * (m.end - m.start)
    return taken


def _ner_mentions(
    spans: Sequence[NerSpan],
    lang: str | None,
    kb: KnowledgeBase,
    when: date | None,
    known: Collection[str],
    taken: Sequence[bool],
) -> list[Mention]:
    """natasha spans the gazetteer missed: linked through their lemma, else provisional."""
    out = []
    for span in spans:
        if any(taken[span.start : span.end]):
            continue
        entries = [
            e
            for ent in kb.lookup(span.normal)
            for e in (kb.exact.get(tuple(token_key(w) for w, _, _ in tokenize(span.normal))) or [])
            if e.entity_id == ent.id
        ] or [AliasEntry(ent.id, "ru", span.normal, False, True) for ent in kb.lookup(span.normal)]
        if entries:
            cand = _Candidate(0, 0, entries, "ner", CONFIDENCE_NER_LINKED)
            entity_id, conf = _resolve(cand, kb, known, when)
            etype = kb.entities[entity_id].type
            found = Mention(span.text, span.start, span.end, entity_id, conf, lang, "ner")
            out.append(replace(found, type=etype, normal=span.normal))
            continue
        key = "-".join(token_key(w) for w, _, _ in tokenize(span.normal))
        if key:
            out.append(
                Mention(span.text, span.start, span.end, PROVISIONAL_PREFIX + key,
                        CONFIDENCE_PROVISIONAL, lang, "provisional", span.type, span.normal)
            )  # fmt: skip
    return out


def _drop_overlaps(mentions: Sequence[Mention]) -> list[Mention]:
    """Keep the first (longest at a position) of overlapping mentions."""
    out: list[Mention] = []
    end = -1
    for m in mentions:
        if m.start >= end:
            out.append(m)
            end = m.end
    return out
