"""Relative time words resolved against the day an article was published.

A weekly review is read days after its sources were written, so "сегодня", "bugun",
"yesterday" in a quoted sentence are wrong there. An editor writes the date instead:
"Сегодня глава государства посетит кластер" in a post of 3 April becomes "3 апреля глава
государства посетит кластер"; "Bugun Toshkentda yig'ilish bo'lib o'tdi" becomes
"3-aprel Toshkentda …"; "The bank raised its rate today" becomes "… on 3 April".

Only the word is replaced, in a form that keeps the sentence grammatical whatever the
word's role: a Russian "<day> <month in the genitive>" stands where "сегодня" stood
(an adverbial of time, also after "на": "на завтра" → "на 4 апреля"); Uzbek takes the
ordinal date with the case ending the word had ("bugungi" → "3-apreldagi",
"bugundan" → "3-apreldan"); English takes "on <day> <month>" ("until today" →
"until 3 April"). A form that cannot be replaced safely (the Russian adjectives
"сегодняшний", "вчерашнего", "прямо сейчас", "tonight's", an Uzbek case ending not
listed) makes the sentence unresolvable: :func:`resolve_relative_dates` returns None and
the composer leaves the sentence out, as before. So does a relative word inside a
quotation (a speaker's words are not rewritten) and a "today" that may mean "nowadays"
(see :data:`_DAY_SENSE`). Hand-written: the replacement is a
handful of closed word forms per language, which no date library rewrites in place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, timedelta

from midweek.translations import translations

__all__ = ["day_and_month", "day_before_phrase", "resolve_relative_dates"]

# The context under which compose's catalogs translate a month after a day number.
_MONTH_CONTEXT = "month after a day number"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Days from the publication day each word names.
_OFFSETS_RU = {"позавчера": -2, "вчера": -1, "сегодня": 0, "завтра": 1, "послезавтра": 2}
_OFFSETS_UZ_LATN = {"kecha": -1, "bugun": 0, "ertaga": 1, "indinga": 2}
_OFFSETS_UZ_CYRL = {"кеча": -1, "бугун": 0, "эртага": 1, "индинга": 2}
_OFFSETS_EN = {"yesterday": -1, "today": 0, "tomorrow": 1}
# Uzbek case endings a relative word takes, and what the date takes instead. "-gi" makes
# an adjective ("bugungi yig'ilish": today's meeting), which a date says with "-dagi".
_UZ_LATN_ENDINGS = {"": "", "gi": "dagi", "dan": "dan", "ga": "ga", "gacha": "gacha"}
_UZ_CYRL_ENDINGS = {"": "", "ги": "даги", "дан": "дан", "га": "га", "гача": "гача"}
# English words after which the date stands without "on" ("until today" → "until 3 April").
_EN_PREPOSITIONS = frozenset({"until", "till", "from", "since", "by", "for", "of", "before"})
# English phrases of a part of a day: "this morning" → "on the morning of 3 April".
_EN_PARTS = {
    "this morning": (0, "morning"),
    "this afternoon": (0, "afternoon"),
    "this evening": (0, "evening"),
    "tonight": (0, "night"),
    "last night": (-1, "night"),
}

# Any relative word, resolvable or not: what must be gone when resolution succeeds.
_ANY_RU = re.compile(
    r"\b(?:сегодня\w*|вчера\w*|завтра\w*|позавчера|послезавтра|прямо сейчас|в эти минуты)\b",
    re.IGNORECASE,
)
_RU = re.compile(r"\b(позавчера|послезавтра|сегодня|вчера|завтра)\b", re.IGNORECASE)
# "kecha-kunduz" (day and night) is no date: a hyphen after the word keeps it.
_UZ_LATN = re.compile(r"\b(kecha|bugun|ertaga|indinga)(gacha|gi|dan|ga)?\b(?!-)", re.IGNORECASE)
_UZ_CYRL = re.compile(r"\b(кеча|бугун|эртага|индинга)(гача|ги|дан|га)?\b(?!-)", re.IGNORECASE)
_ANY_UZ = re.compile(
    r"\b(?:bugun\w*|kecha|kechagi|ertaga|ertangi|indinga|бугун\w*|кеча|кечаги|эртага"
    r"|эртанги|индинга)\b(?!-)",
    re.IGNORECASE,
)
# "kechagi" and "ertangi" are adjectives of their own: "-gi" on the stem, not on "kecha".
_UZ_ADJECTIVES = {"kechagi": -1, "ertangi": 1, "кечаги": -1, "эртанги": 1}
_EN = re.compile(
    r"(?<!USA )(?<!Russia )\b(this morning|this afternoon|this evening|tonight|last night"
    r"|yesterday|today|tomorrow)\b(?!'s)",
    re.IGNORECASE,
)
_ANY_EN = re.compile(
    r"(?<!USA )(?<!Russia )\b(?:today|yesterday|tomorrow|tonight|this morning|this evening"
    r"|this afternoon|last night)\b",
    re.IGNORECASE,
)


# "Today" also means "nowadays" ("Сегодня у него есть все составляющие для успеха",
# "bugungi kunda", "Today, many people …"), which no date may replace. A sentence reads
# as the day's news when it tells an event: a past-tense verb ("сегодня сообщила",
# "bugun ... ochildi", "today ... announced") or a future one ("посетит", "will"); a
# present-tense "сегодня" is left unresolved (the sentence is left out). Read off a
# random 25 of the posts' 235 "сегодня" sentences: 8 meant "nowadays", all without
# such a verb but one (a past verb in the main clause, the "сегодня" in a subordinate
# one, which this rule still resolves).
_DAY_SENSE = {
    "ru": re.compile(
        r"\b\w{2,}[аяеиыуо](?:л|ла|ло|ли)(?:ся|сь)?\b"
        r"|\b(?:будет|будут|состоится|пройдет|пройдёт|посетит|проведет|проведёт|откроется)\b",
        re.IGNORECASE,
    ),
    "uz-Latn": re.compile(r"\b\w{3,}(?:di|dilar|ishdi)\b|\b\w+(?:adi|ydi|moqda)\b", re.IGNORECASE),
    "uz-Cyrl": re.compile(r"\b\w{3,}(?:ди|дилар|ишди)\b|\b\w+(?:ади|йди|моқда)\b", re.IGNORECASE),
    "en": re.compile(
        r"\b(?:\w{3,}ed|was|were|said|met|told|made|held|took|gave|went|came|began|won|lost"
        r"|will|is to|are to)\b",
        re.IGNORECASE,
    ),
}
# The "today" words that need that reading (yesterday and tomorrow are always days).
_TODAY = re.compile(r"\b(?:сегодня|today|bugun|бугун)\b", re.IGNORECASE)
# "bugungi kunda" (nowadays, literally "on today's day") is an idiom, never a date.
_NOWADAYS = re.compile(r"\b(?:bugungi kun|бугунги кун)\w*", re.IGNORECASE)


# Phrases of a day before the article's: Russian "накануне" used as an adverb ("Об этом
# накануне рассказал Шавкат Мирзиёев"), and the Uzbek "bir kun oldin" ("a day before"),
# which the translations of the Telegram posts write for it (68 times in the 9,032 posts
# of news-ru-uz-telegram-gazeta-podrobno; "ikki kun oldin" 3, "uch kun oldin" 2). Before
# a noun "накануне" is a preposition ("накануне визита президента": on the eve of the
# visit), and an Uzbek count of days after a word in the ablative is counted from that
# ("saylovlardan ikki kun oldin": two days before the elections), so neither is a date
# of its own. "Накануне" is taken for the adverb where the next word is not a noun: the
# end of the clause, a verb in the past tense ("накануне подписал", "прошло",
# "открыли"), a part of the day ("накануне вечером"), a preposition ("накануне в Доме
# милосердия"), or a full name ("накануне Шавкат Мирзиёев"): 68 of the 87 uses in those
# posts; the rest are left as they are, as before. "Bir necha kun oldin" ("a few days
# ago") names no day: the sentence cannot be resolved.
# Case matters here: a full name is two capitalised words ("накануне Дня памяти" is not).
_NAKANUNE_RE = re.compile(
    r"\b([Нн]акануне)\b(?=\s*(?:$|[,.;:!?)»\"”—–-])|\s+(?:[а-яё]{2,}(?:л|ла|ло|ли)(?:ся|сь)?\b"
    r"|вечером\b|утром\b|днём\b|днем\b|ночью\b|(?:в|во|на|с|со|из-за|у|по|к)\s"
    r"|[А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+))"
)
_DAYS_BEFORE = {"bir": 1, "ikki": 2, "uch": 3, "бир": 1, "икки": 2, "уч": 3}
_DAYS_BEFORE_RE = re.compile(
    r"(?<!\w)(?:(?P<word>\w+)\s+)?(?P<count>bir|ikki|uch|бир|икки|уч)\s+(?:kun|кун)\s+"
    r"(?:oldin|avval|ilgari|олдин|аввал|илгари)\b",
    re.IGNORECASE,
)
_FEW_DAYS_RE = re.compile(
    r"\b(?:bir necha|бир неча) (?:kun|кун) (?:oldin|avval|ilgari|олдин|аввал|илгари)\b"
    r"|\bна днях\b",
    re.IGNORECASE,
)


def _days_before(found: re.Match[str]) -> bool:
    """Whether a "bir kun oldin" counts from the article's day (not after an ablative)."""
    word = (found.group("word") or "").casefold()
    return not word.endswith(("dan", "дан")) and word not in ("necha", "неча")


def day_before_phrase(text: str) -> str | None:
    """The first phrase of a day before the article's ("накануне" as an adverb, "bir kun
    oldin"), or of some days before ("bir necha kun oldin", "на днях"), or None."""
    found = [m for m in _DAYS_BEFORE_RE.finditer(text) if _days_before(m)]
    spans = [(m.start("count"), m.group(0)[m.start("count") - m.start() :]) for m in found]
    spans += [(m.start(), m.group(1)) for m in _NAKANUNE_RE.finditer(text)]
    spans += [(m.start(), m.group(0)) for m in _FEW_DAYS_RE.finditer(text)]
    return min(spans)[1] if spans else None


def _resolve_days_before(text: str, published: date, lang: str) -> str | None:
    """The phrases of :func:`day_before_phrase` replaced by the date (None: "a few days")."""
    if _FEW_DAYS_RE.search(text):
        return None

    def uzbek(found: re.Match[str]) -> str:
        if not _days_before(found):
            return found.group(0)
        word = found.group("word")
        day = published - timedelta(days=_DAYS_BEFORE[found.group("count").casefold()])
        cyrillic = found.group("count")[:1].casefold() in "би"
        when = day_and_month(day, "uz-Cyrl" if cyrillic else "uz-Latn")
        when = f"{when} {'куни' if cyrillic else 'kuni'}"
        when = _keep_case(found.group("count"), when)
        return f"{word} {when}" if word else when

    text = _DAYS_BEFORE_RE.sub(uzbek, text)
    if lang == "ru":
        when = day_and_month(published - timedelta(days=1), "ru")
        text = _NAKANUNE_RE.sub(lambda m: _keep_case(m.group(1), when), text)
    return text


# A quotation is the speaker's words, which an editor does not rewrite: a relative word
# inside one makes the sentence unresolvable ("«На сегодня ни в одной стране …»").
_QUOTATION = re.compile(r'«[^»]*»|“[^”]*”|„[^“”]*[“”]|"[^"]*"')


def _quoted(text: str, pattern: re.Pattern[str]) -> bool:
    """Whether a match of ``pattern`` lies inside a quotation of the text."""
    spans = [m.span() for m in _QUOTATION.finditer(text)]
    opened = text.count("«") > text.count("»") or text.count('"') % 2 == 1
    for found in pattern.finditer(text):
        if opened or any(a < found.start() < b for a, b in spans):
            return True
    return False


# A relative word with the date beside it needs nothing: "Сегодня, 21 апреля, …".
_DATED = re.compile(
    r"\b(?:сегодня|вчера|завтра|bugun|kecha|ertaga|бугун|кеча|эртага|today|yesterday|tomorrow)"
    r",?\s+\d{1,2}\b",
    re.IGNORECASE,
)


@functools.cache
def _month_names(lang: str) -> tuple[str, ...]:
    """The twelve month names as they stand after a day number in ``lang``."""
    tr = translations(lang)
    return tuple(tr.pgettext(_MONTH_CONTEXT, name) for name in _MONTHS)


def day_and_month(day: date, lang: str) -> str:
    """A day of the year as a sentence names it: "3 апреля", "3-aprel", "3 April".

    Args:
        day: The day.
        lang: A review language tag (en, ru, uz-Latn, uz-Cyrl).

    Returns:
        The day number and the month's name after a day number (Russian genitive);
        Uzbek writes the ordinal date with a hyphen.
    """
    month = _month_names(lang)[day.month - 1]
    separator = "-" if lang.startswith("uz") else " "
    return f"{day.day}{separator}{month}"


def _keep_case(word: str, replacement: str) -> str:
    """The replacement capitalised when the word it replaces was."""
    if word[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _ru(text: str, published: date) -> str:
    """Russian relative words replaced by "<day> <month>" (genitive)."""

    def replace(found: re.Match[str]) -> str:
        offset = _OFFSETS_RU[found.group(1).casefold()]
        return day_and_month(published + timedelta(days=offset), "ru")

    return _RU.sub(replace, text)


def _uz(text: str, published: date, lang: str) -> str:
    """Uzbek relative words replaced by the ordinal date with their case ending."""
    cyrillic = lang == "uz-Cyrl"
    pattern = _UZ_CYRL if cyrillic else _UZ_LATN
    offsets = _OFFSETS_UZ_CYRL if cyrillic else _OFFSETS_UZ_LATN
    endings = _UZ_CYRL_ENDINGS if cyrillic else _UZ_LATN_ENDINGS
    adjective = "даги" if cyrillic else "dagi"
    for word, offset in _UZ_ADJECTIVES.items():
        when = day_and_month(published + timedelta(days=offset), lang) + adjective
        text = re.sub(rf"\b{word}\b", when, text, flags=re.IGNORECASE)

    def replace(found: re.Match[str]) -> str:
        offset = offsets[found.group(1).casefold()]
        ending = endings[(found.group(2) or "").casefold()]
        return day_and_month(published + timedelta(days=offset), lang) + ending

    return pattern.sub(replace, text)


def _en(text: str, published: date) -> str:
    """English relative words replaced by "on <day> <month>" (no "on" after a preposition)."""

    def replace(found: re.Match[str]) -> str:
        phrase = found.group(1)
        before = text[: found.start()].split()
        after_preposition = bool(before) and before[-1].casefold() in _EN_PREPOSITIONS
        part = _EN_PARTS.get(phrase.casefold())
        if part is not None:
            offset, name = part
            when = day_and_month(published + timedelta(days=offset), "en")
            out = f"the {name} of {when}" if after_preposition else f"on the {name} of {when}"
        else:
            when = day_and_month(published + timedelta(days=_OFFSETS_EN[phrase.casefold()]), "en")
            out = when if after_preposition else f"on {when}"
        return _keep_case(phrase, out)

    return _EN.sub(replace, text)


_RESOLVERS: dict[str, tuple[Callable[[str, date], str], re.Pattern[str]]] = {
    "ru": (_ru, _ANY_RU),
    "en": (_en, _ANY_EN),
    "uz-Latn": (lambda text, day: _uz(text, day, "uz-Latn"), _ANY_UZ),
    "uz-Cyrl": (lambda text, day: _uz(text, day, "uz-Cyrl"), _ANY_UZ),
}


def resolve_relative_dates(text: str, published: date | None, lang: str | None) -> str | None:
    """A sentence with its relative time words replaced by the dates they name.

    Args:
        text: A sentence of an article.
        published: The day the article was published (in its own time zone), None when
            unknown.
        lang: The sentence's language tag (en, ru, uz-Latn, uz-Cyrl; "uz" is read as
            Latin).

    Returns:
        The sentence with every relative word replaced (unchanged when it has none); None
        when one cannot be replaced safely (no date, a language without rules, an
        adjective form such as "сегодняшний"): the sentence is then left out.
    """
    tag = "uz-Latn" if lang == "uz" else lang
    rules = _RESOLVERS.get(tag or "")
    if rules is None:
        has_word = any(p.search(text) for _, p in _RESOLVERS.values())
        return None if has_word else text
    resolve, any_word = rules
    if day_before_phrase(text) is not None:
        if published is None or _quoted(text, _NAKANUNE_RE) or _quoted(text, _DAYS_BEFORE_RE):
            return None
        resolved_before = _resolve_days_before(text, published, tag or "")
        if resolved_before is None or day_before_phrase(resolved_before) is not None:
            return None
        text = resolved_before
    if any_word.search(text) is None or _DATED.search(text):
        return text  # no relative word, or the date stands beside it ("Бугун, 7 ноябрь")
    if published is None or _NOWADAYS.search(text) or _quoted(text, any_word):
        return None
    if _TODAY.search(text) and not _DAY_SENSE[tag or ""].search(text):
        return None
    resolved = resolve(text, published)
    return None if any_word.search(resolved) else resolved
