"""Editorial detectors: the sentences, headings and tags an editor would cut, and why.

One detector per defect class; each returns a short reason (a non-empty string) when the
text has the defect and ``None`` when it does not. The composer
(:func:`midweek.summarize.summarize_story`) uses them to pass over sentences it must not
quote, and the checker (:mod:`midweek.check`, ``midweek check``) uses the same ones to
report what a finished review still holds, so the two can never disagree.

The rules are word lists and patterns, not fitted weights: each list says what it covers,
and every example in the tests comes from the shared data (real posts and reports).
Text is never rewritten here; a detector only reads.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from midweek.kinds import SET_ASIDE_KINDS, classify_kind
from midweek.text.anaphora import opener_language, opens_with_anaphor
from midweek.text.dates import day_before_phrase
from midweek.text.lang import detect_language, detect_script
from midweek.text.sentences import glued_boundary
from midweek.text.translit import APOSTROPHES, cyrl_to_latn, latn_to_cyrl

logger = logging.getLogger(__name__)

# Longest heading or teaser, in characters. Measured on the 194 real headlines of the
# shared data (news-uz-kunuz-uznews-samples: kun.uz and uznews.uz titles; news-ru-uz-uplz:
# upl.uz titles): median 67, 90th percentile 93, 95th 97, longest 118. 100 keeps 95 % of
# the headlines editors actually published whole and cuts the rest, and the raw first
# lines of posts (often over 150), at a clause or word boundary.
HEADLINE_MAX_CHARS = 100

__all__ = [
    "ADVERT_TEXT",
    "ANNOUNCEMENT_OVERLAP_MIN",
    "BACK_REFERENCE",
    "CHECKS",
    "FIRST_PERSON",
    "FRAGMENT",
    "HEADING",
    "HEADLINE_MAX_CHARS",
    "ONE_OUTLET",
    "POST_MARKUP",
    "RELATIVE_DATE",
    "RUN_ON",
    "SELF_REFERENCE",
    "SENTENCE_CHECKS",
    "SHELL_NOUNS",
    "STALE_ANNOUNCEMENT",
    "TAG",
    "TAG_CAPS_MIN_LETTERS",
    "TERMINAL_RE",
    "UNATTRIBUTED_QUOTE",
    "UNBALANCED_QUOTE",
    "UNINTRODUCED_NAME",
    "WRONG_LANGUAGE",
    "Defect",
    "advert_text",
    "announcement",
    "announcement_overlap",
    "back_reference",
    "first_person",
    "fragment",
    "heading_defect",
    "names_in_full",
    "post_markup",
    "quoted_share",
    "relative_date",
    "run_on",
    "self_reference",
    "sentence_defects",
    "shell_subject",
    "short_name",
    "stale_announcement",
    "tag_defects",
    "unattributed_quote",
    "unbalanced_quote",
    "unintroduced_name",
    "without_quotes",
    "wrong_language",
]

# The named checks, in the order a report lists them.
HEADING = "heading"  # empty or over-long heading, teaser or title
WRONG_LANGUAGE = "wrong_language"  # unmarked text in another language or script
ADVERT_TEXT = "advert_text"  # advert, digest or service text (midweek.kinds rules)
UNBALANCED_QUOTE = "unbalanced_quote"  # a quotation opened and never closed (or the reverse)
UNATTRIBUTED_QUOTE = "unattributed_quote"  # a quotation without its speaker
BACK_REFERENCE = "back_reference"  # a section opening with "He", "The statement also..."
UNINTRODUCED_NAME = "unintroduced_name"  # "Queloz is also..." before "Didier Queloz"
RELATIVE_DATE = "relative_date"  # "today", "сегодня", "bugun" with no date to resolve it
FIRST_PERSON = "first_person"  # the post's own voice: "we will keep you posted", "subscribe"
SELF_REFERENCE = "self_reference"  # the outlet about itself: "«Газета.uz» продолжает трансляцию"
RUN_ON = "run_on"  # paragraphs glued by the source: ".Namangan", "keltirmaganSodiq"
POST_MARKUP = "post_markup"  # the post's furniture: a link, "@gazetauz", "#news", "➖", "❗️"
FRAGMENT = "fragment"  # a sentence that does not end: a cut-off post ("…против подсу")
TAG = "tag"  # an inflected, duplicated or header tag
ONE_OUTLET = "one_outlet"  # a section from one article while the story has several outlets
STALE_ANNOUNCEMENT = "stale_announcement"  # "посетит" after a newer report of the visit
CHECKS = (
    HEADING,
    WRONG_LANGUAGE,
    ADVERT_TEXT,
    UNBALANCED_QUOTE,
    UNATTRIBUTED_QUOTE,
    BACK_REFERENCE,
    UNINTRODUCED_NAME,
    RELATIVE_DATE,
    FIRST_PERSON,
    SELF_REFERENCE,
    RUN_ON,
    POST_MARKUP,
    FRAGMENT,
    TAG,
    ONE_OUTLET,
    STALE_ANNOUNCEMENT,
)


@dataclass(frozen=True, slots=True)
class Defect:
    """One finding: which check, why, and the text it is about.

    Attributes:
        check: One of :data:`CHECKS`.
        reason: What is wrong, in a line.
        text: The offending sentence, heading or tag.
        where: Where it is ("title", "teaser 2", "section 3 heading", "section 3 sentence 1",
            "tags").
    """

    check: str
    reason: str
    text: str = ""
    where: str = ""


# --- quotations -------------------------------------------------------------------------

# Quotation spans: «…», “…”, „…“ and "…" (closed), or an opening mark to the end of the
# text (left open: the rest is the quotation).
_QUOTE_SPAN_RE = re.compile(r"«[^»]*(?:»|$)|“[^”]*(?:”|$)|„[^“]*(?:“|$)|\"[^\"]*(?:\"|$)")


def without_quotes(text: str) -> str:
    """The text with every quotation taken out (what the writer says in their own voice)."""
    return _QUOTE_SPAN_RE.sub(" ", text)


def quoted_share(text: str) -> float:
    """Share of the text's letters that stand inside quotation marks."""
    letters = sum(c.isalpha() for c in text)
    if not letters:
        return 0.0
    outside = sum(c.isalpha() for c in without_quotes(text))
    return (letters - outside) / letters


def unbalanced_quote(text: str, lang: str | None = None) -> str | None:
    """A quotation mark opened and never closed, or closed and never opened.

    Guillemets (« »), English curly quotes (“ ”), the Russian low-high pair („ “) and
    straight double quotes are counted; “ serves as the closing mark of „.
    """
    if text.count("«") != text.count("»"):
        return "the « » quotation marks do not pair up"
    if text.count('"') % 2:
        return 'an odd number of " marks: a quotation is left open'
    # “ closes a „ and opens an English quotation closed by ”.
    if text.count("“") - text.count("”") != text.count("„"):
        return "the “ ” („ “) quotation marks do not pair up"
    return None


# Attribution: a verb of saying, or "according to" (en, ru, uz-Latn, uz-Cyrl). Read in the
# text outside the quotation ("«…», — сказал министр"; "Minister: «…»").
_SPEECH_RE = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|stated|states|wrote|writes|asked|noted|"
    r"announced|declared|claimed|explained|according to|insisted|argued|warned|replied|"
    r"сказал\w*|заяв\w+|отмет\w+|сообщ\w+|добав\w+|подчеркн\w+|написал\w*|пишет|пояснил\w*|"
    r"рассказал\w*|по словам|по мнению|считает|уверен\w*|говорится|говорит|цитиру\w+|"
    r"признал\w*|ответил\w*|указал\w*|уточнил\w*|призвал\w*|предупредил\w*|"
    r"dedi|degan|deydi|aytdi|aytgan|ta'kidla\w+|qayd et\w+|ma'lum qil\w+|bildir\w+|yozdi|"
    r"so'zlariga ko'ra|fikricha|деди|деган|дейди|айтди|айтган|таъкидла\w+|қайд эт\w+|"
    r"маълум қил\w+|билдир\w+|ёзди|сўзларига кўра|фикрича)",
    re.IGNORECASE,
)
# At or above this share of letters inside quotation marks, a sentence is a quotation (a
# word or a title in quotes, «Узбекистон», is not). Half: more of the sentence is the
# speaker's than the writer's.
QUOTATION_MIN_SHARE = 0.5
_APOSTROPHES = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))


def unattributed_quote(text: str, lang: str | None = None) -> str | None:
    """A sentence that is mostly a quotation and does not say who is speaking.

    The speaker is said when the text outside the quotation has a verb of saying or
    "according to" ("сказал", "said", "dedi"), or introduces it with a colon after a name.
    """
    if quoted_share(text) < QUOTATION_MIN_SHARE:
        return None
    outside = without_quotes(text).translate(_APOSTROPHES)
    if _SPEECH_RE.search(outside):
        return None
    head = outside.strip().rstrip("—–- ,.!?…")
    if head.endswith(":") and any(w[:1].isupper() for w in head.split()):
        return None
    return "a quotation without its speaker"


# --- the post's own voice -----------------------------------------------------------------

# Calls to action: the post speaking to its readers. Matched anywhere, quoted or not.
_CALL_TO_ACTION_RE = re.compile(
    r"\b(?:subscribe|follow us|join us|click (?:here|the link)|read more|stay tuned|"
    r"link in (?:the )?bio|"
    r"подписывайтесь|подпишитесь|подписаться на (?:наш|канал)|держать вас в курсе|"
    r"следите за (?:нашими|новостями|обновлениями)|читайте (?:также|подробнее|далее|на)|"
    r"подробнее (?:—|–|-|по ссылке|на сайте|читайте)|переходите по ссылке|по ссылке в|"
    r"присоединяйтесь|наш(?:ем|его)? (?:канал|telegram)|"
    r"obuna bo'ling|kanalimiz\w*|batafsil|havola orqali|kuzatib boring|"
    r"обуна бўлинг|каналимиз\w*|батафсил|ҳавола орқали|кузатиб боринг)",
    re.IGNORECASE,
)
# First-person words by language, read outside quotations: in a review the only voice
# outside quotation marks is the review's, and it does not say "I" or "we". "I" and "US"
# keep their case (the pronoun "us" is lower case; "US" is the country).
_FIRST_PERSON_RE: Mapping[str, re.Pattern[str]] = {
    "en": re.compile(r"\b(?:I|I'm|I've|I'll|I'd)\b|\b(?:we|we're|we've|we'll|our|ours|us|my)\b"),
    # Russian and Uzbek drop the pronoun: the verb's ending is the first person. Listed
    # are the newsroom's own verbs (a live stream's "Приносим извинения читателям за
    # качество звука", "Напоминаем", "Следим за развитием событий"), and in Uzbek the
    # present-future first person plural ("uzr so'raymiz", "kuzatib boramiz").
    "ru": re.compile(
        r"\b(?:я|мы|нас|нам|нами|наш\w*|мне|меня|мной|мой|моя|моё|мои"
        r"|приносим|публикуем|напоминаем|следим|продолжаем|рассказываем|расскажем|сообщим"
        r"|будем|ведём|ведем)\b",
        re.I,
    ),
    "uz-Latn": re.compile(
        r"\b(?:men|biz|bizning|bizga|bizni|bizlar|meni|mening|menga|o'zimiz\w*"
        r"|\w+(?:a|y)miz)\b",
        re.I,
    ),
    "uz-Cyrl": re.compile(
        r"\b(?:мен|биз|бизнинг|бизга|бизни|бизлар|мени|менинг|менга|ўзимиз\w*"
        r"|\w+(?:а|й)миз)\b",
        re.I,
    ),
}
_CAPITALISED_FIRST_PERSON = frozenset({"We", "Our", "My", "Us"})


def _language_of(text: str, lang: str | None) -> str | None:
    """The key of a per-language table for a sentence (by script when lang is unknown)."""
    if lang in ("en", "ru", "uz-Latn", "uz-Cyrl"):
        return lang
    script = detect_script(text)
    if lang == "uz" and script in ("Latn", "Cyrl"):
        return f"uz-{script}"
    if lang is None and script == "Latn":
        return "en"
    if lang is None and script == "Cyrl":
        return "uz-Cyrl" if set(text) & set("ўқғҳЎҚҒҲ") else "ru"
    return None


def first_person(text: str, lang: str | None = None) -> str | None:
    """A call to action ("subscribe", "мы будем держать вас в курсе") or a first-person
    word outside quotation marks (the post's or a stripped quotation's voice)."""
    found = _CALL_TO_ACTION_RE.search(text.translate(_APOSTROPHES))
    if found:
        return f"a call to the reader: {found.group(0)!r}"
    key = _language_of(text, lang)
    if key is None:
        return None
    outside = without_quotes(text).translate(_APOSTROPHES)
    pattern = _FIRST_PERSON_RE[key]
    for match in pattern.finditer(outside):
        word = match.group(0)
        return f"first person outside a quotation: {word!r}"
    if key == "en":
        for word in _CAPITALISED_FIRST_PERSON:
            if re.search(rf"(?:^|[.!?]\s+){word}\b", outside):
                return f"first person outside a quotation: {word!r}"
    return None


# --- the outlet about itself ------------------------------------------------------------------

# An outlet's name as its posts write it: a web name ("Газета.uz", "Kun.uz", "podrobno.uz"),
# in Latin or Cyrillic letters, the domain perhaps transliterated too ("Газета.уз").
_MEDIA_NAME_RE = re.compile(
    r"(?<![\w.])[\w-]{2,}\s?\.\s?(?:uz|уз|ru|ру|com|ком|kz|кз|tv|тв|net|org|info)\b",
    re.IGNORECASE,
)
# The newsroom at work, live: a broadcast, a live stream, a live blog. Next to an outlet's
# name ("«Газета.uz» продолжает трансляцию с заседания суда", gazeta.uz, 29 Nov 2022;
# its translations "\"Газета.uz\" Majlis translyatsiyasini olib boradi", "… sud majlisidan
# eshittirishni davom ettiradi") the post is
# announcing its own coverage, not news; alone ("Суд запретил трансляцию") it is news.
_NEWSROOM_AT_WORK_RE = re.compile(
    r"\b(?:трансляци\w*|прям\w* эфир\w*|translyatsiya\w*|jonli efir\w*|транслятсия\w*"
    r"|жонли эфир\w*|eshittirish\w*|эшиттириш\w*|live[ -]?(?:stream|blog)\w*|broadcast\w*)",
    re.IGNORECASE,
)


# What an outlet says of its own work, beside its own name: its broadcast (above), what it
# publishes or tells ("«Газета.uz» рассказывает…", "публикует", "Gazeta.uz xabar qiladi"),
# its channel, site, subscription, readers, correspondents, editors, or what it found out
# ("«Газета.uz» выяснила", "побывала"). Without such a word the own name is the news'
# object ("Проект…, который критиковала «Газета.uz», пересмотрен", "в интервью
# «Газете.uz» министр сказал…") and the sentence stays. Read off the own-name sentences
# of news-ru-uz-telegram-gazeta-podrobno (docs/benchmarks.md, "Review quality").
_OUTLET_AT_WORK_RE = re.compile(
    r"\b(?:"
    + _NEWSROOM_AT_WORK_RE.pattern.removeprefix(r"\b(?:").removesuffix(")")
    + r"|рассказ\w*|расскаж\w*|публику\w*|публикова\w*|опубликова\w*|выясн\w*|побывал\w*"
    r"|узнал\w*|поговорил\w*|попросил\w*|запуска\w*|подготовил\w*|собрал\w*|ждет\w*|ждёт\w*"
    r"|спросил\w*|расспросил\w*|разобрать\w*|разобраться|задал\w*|издани\w*|медиапреми\w*"
    r"|nashr\w*|gaplash\w*|so['’ʻ‘ʼ]radi|media mukofot\w*"
    r"|hikoya qil\w*|suhbatlash\w*|to['’ʻ‘ʼ]pla\w*|muharrir\w*|taklif qil\w*|ҳикоя қил\w*"
    r"|канал\w*|сайт\w*|подпис\w*|читател\w*|корреспондент\w*|редакци\w*|журналист\w*"
    r"|обзор\w*|подкаст\w*|спецпроект\w*|рубрик\w*|telegram\w*|телеграм\w*"
    r"|kanal\w*|sayt\w*|obuna\w*|o['’ʻ‘ʼ]quvchi\w*|muxbir\w*|tahririyat\w*|jurnalist\w*"
    r"|so['’ʻ‘ʼ]zlab ber\w*|e['’ʻ‘ʼ]lon qil\w*|chop et\w*|aniqla\w*|bilib ol\w*|sharh\w*"
    r"|обуна\w*|ўқувчи\w*|мухбир\w*|таҳририят\w*|сўзлаб бер\w*|чоп эт\w*|аниқла\w*|шарҳ\w*"
    r"|our (?:correspondent|reporter|team|editor)\w*|subscri\w*|reader\w*|channel\w*)",
    re.IGNORECASE,
)


# The own name inside a relative clause is a side of the news, not its subject: "Проект…,
# который критиковала «Газета.uz», пересмотрен", "Три предпринимателя, с которыми
# поговорила «Газета.uz», считают…". A relative word after the last comma before the name.
_IN_RELATIVE_CLAUSE_RE = re.compile(
    r",\s(?:[а-яё]+\s)?котор\w+[^,]*$|,\s(?:где|куда|откуда)\s[^,]*$", re.IGNORECASE
)
# "«Газета.uz» в конце октября сообщала, что банк …": the outlet as the source of a
# claim, which is the news (its own earlier report), not the outlet about itself.
_SAID_THAT_RE = re.compile(
    r"\b(?:сообща\w*|писал\w*|отмеча\w*|xabar ber\w*|yozgan\w*)\b[^.]*?,\s(?:что|ki)\b|"
    r"\b(?:сообща\w*|писал\w*|отмеча\w*),\s(?:что)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=256)
def _outlet_name_re(outlet: str) -> re.Pattern[str] | None:
    """A pattern for an outlet's own name in its posts, in both scripts ("gazeta.uz (uz)"
    → "gazeta.uz", "Газета.uz", "газета.уз"); None when the outlet has no web name."""
    found = re.search(r"([\w-]{2,})\.([a-z]{2,6})\b", outlet.casefold())
    if found is None:
        return None
    base, tld = found.groups()
    bases = {base, latn_to_cyrl(base).casefold()}
    tlds = {tld, latn_to_cyrl(tld).casefold()}
    alternatives = "|".join(
        rf"{re.escape(b)}\s?\.\s?{re.escape(t)}" for b in sorted(bases) for t in sorted(tlds)
    )
    return re.compile(rf"(?<![\w.])(?:{alternatives})\b", re.IGNORECASE)


def self_reference(text: str, lang: str | None = None, outlets: Iterable[str] = ()) -> str | None:
    """The outlet speaking of itself: its own name in the sentence it published
    ("«Газета.uz» рассказывает…", "«Газета.uz» продолжает трансляцию…" in a gazeta.uz
    post), or an outlet's name before a live broadcast ("Kun.uz is broadcasting the trial").

    A review quotes an outlet's news, never its notes about its own coverage. Another
    outlet named as a source ("Как сообщает Kun.uz" in a gazeta.uz post) is attribution
    and stays.

    Args:
        text: The sentence.
        lang: Its language tag (unused: the names and words are read in every language).
        outlets: The outlets that published it (``Article.outlet``), when known.
    """
    for outlet in outlets:
        pattern = _outlet_name_re(outlet)
        found = pattern.search(text) if pattern is not None else None
        if found is None or _IN_RELATIVE_CLAUSE_RE.search(text[: found.start()]):
            continue
        work = _OUTLET_AT_WORK_RE.search(text)
        if work:
            return f"the outlet on its own work: {found.group(0)!r} … {work.group(0)!r}"
        opening = not text[: found.start()].strip(" «»\"“”„'")
        if opening and not _SAID_THAT_RE.search(text, found.end()):
            return f"the outlet as the subject of its own sentence: {found.group(0)!r}"
    # the outlet is the one at work when it is named first ("Суд запретил трансляцию,
    # сообщает Kun.uz" is news about a broadcast, attributed)
    name = _MEDIA_NAME_RE.search(text)
    if name and _NEWSROOM_AT_WORK_RE.search(text, name.end()):
        return f"an outlet announcing its own coverage: {name.group(0)!r}"
    return None


# --- time -------------------------------------------------------------------------------

# Words that date a sentence by the day it was written. In a weekly review they are wrong
# (or ambiguous) unless the sentence also gives the date. "USA Today" and "Russia Today"
# are titles, not times.
_RELATIVE_DATE_RE = re.compile(
    r"(?<!USA )(?<!Russia )\b(?:today|yesterday|tomorrow|tonight|this morning|this evening|"
    r"this afternoon|last night|"
    r"сегодня\w*|сегодняшн\w+|вчера\w*|вчерашн\w+|завтра\w*|завтрашн\w+|позавчера|послезавтра|"
    r"прямо сейчас|в эти минуты|"
    r"bugun\w*|kecha|kechagi|ertaga|ertangi|indinga|"
    r"бугун\w*|кеча|кечаги|эртага|эртанги|индинга)\b",
    re.IGNORECASE,
)
_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    r"|(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*"
    r"|(?:yanvar|fevral|mart|aprel|may|iyun|iyul|avgust|sentabr|oktabr|noyabr|dekabr)\w*"
)  # Uzbek Cyrillic month names share the Russian stems above
# An explicit date in the same sentence resolves the relative word ("today, 5 March").
_EXPLICIT_DATE_RE = re.compile(
    rf"\b\d{{1,2}}[ -]?(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b"
    r"|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b",
    re.IGNORECASE,
)


def relative_date(text: str, lang: str | None = None) -> str | None:
    """A relative time word ("today", "сегодня", "bugun", "вчера") or phrase ("накануне"
    as an adverb, "bir kun oldin": :func:`midweek.text.dates.day_before_phrase`) and no
    date beside it."""
    found = _RELATIVE_DATE_RE.search(text)
    phrase = found.group(0) if found else day_before_phrase(text)
    if phrase is None or _EXPLICIT_DATE_RE.search(text):
        return None
    return f"relative date {phrase!r} with no date to resolve it"


# --- glued paragraphs ------------------------------------------------------------------------


# --- announcements ----------------------------------------------------------------------

# A sentence that announces an event rather than reports it: what a section read at the
# window's end must not keep once a newer report of the same event is in it ("Алиев 21-22
# июня посетит Узбекистан" after "Президенты … подписали Декларацию"). Russian: a verb in
# the future tense (pymorphy2's "futr": "посетит", "заработает", "будет"), a word of
# planning or expectation, or a present tense of opening or starting ("открывается
# судебный процесс", the day's programme as the morning post wrote it). Uzbek (Latin, or
# Cyrillic read in Latin): a phrase of planning ("koʻzda tutilgan", "rejalashtirilgan",
# "-moqchi"), or a sentence whose final verb (Uzbek is verb-final) is in the
# present-future: passive "-iladi"/"-inadi"/"-anadi" ("ochiladi", "boshlanadi"), an
# a-stem's "-aydi" ("boshlaydi"; not a y-stem's past, "kamaydi", "koʻpaydi"), a
# consonant stem's "-adi" ("oʻtadi"), and the common "-radi"/"-ladi" verbs whose past is
# written otherwise ("buyuradi"/"buyurdi", "boʻladi"/"boʻldi"), which a suffix cannot
# tell from an a-stem's past ("imzoladi", "soʻradi"). English: "will",
# "is to", "plans", "expected to". Hand-written from the W1-W3 sections that
# docs/benchmarks.md ("Review quality", round 3) lists as stale; a past verb misread as
# future costs the section a sentence of an older development, never a wrong one.
_ANNOUNCE_RU_RE = re.compile(
    r"\b(?:планиру\w*|планировал\w*|планируем\w*|ожида\w*ся|намерен\w*|предстоит|предстоят"
    r"|предполага\w*ся|предусматрива\w*ся|собира\w*ся|открывается|открываются|начинается"
    r"|начинаются|стартует|стартуют)\b",
    re.IGNORECASE,
)
_ANNOUNCE_UZ_RE = re.compile(
    r"\b(?:ko'zda tutil\w*|rejalashtiril\w*|rejalashtirmoqda\w*|rejalashtiryapti\w*"
    r"|kutilmoqda|kutilyapti|kutilayotgan|kutmoqda|mo'ljallan\w*|\w+moqchi\w*"
    r"|\w{3,}ajak\w*)",
    re.IGNORECASE,
)
_UZ_PRESENT_FUTURE_RE = re.compile(
    r"(?:\w{2,}(?:iladi|inadi|anadi|laydi|raydi|naydi|shaydi)|\w*[^\W\daeiouyrln']adi"
    r"|buyuradi|beradi|boradi"
    r"|kiradi|bo'ladi|keladi|oladi|qoladi|qiladi)(?:lar)?",
    re.IGNORECASE,
)
# "…, deb xabar beradi Kun.uz" is how a translation says "reports": not an announcement.
_UZ_REPORTS_RE = re.compile(r"\b(?:xabar|ma'lum)\s+\w+$", re.IGNORECASE)
_ANNOUNCE_EN_RE = re.compile(
    r"\b(?:will|shall|is to|are to|is due to|are due to|plans? to|planned to|is expected to"
    r"|are expected to|is set to|are set to|is going to|are going to|opens|starts)\b",
    re.IGNORECASE,
)
_WORDS_RE = re.compile(r"[^\W\d_][\w'-]*")
# A relative clause tells what a thing is or does, not what is to happen: "подписал
# постановление о создании общества UzGasTrade, которое займется покупкой газа" reports
# the signing (W2). Its words are not read, up to the next comma or the end.
_RU_RELATIVE_CLAUSE_RE = re.compile(r",\s*(?:котор|где\b|куда\b)[^,]*", re.IGNORECASE)


def _futr(word: str) -> bool:
    """Whether pymorphy2 reads a Russian word as a verb in the future tense."""
    morph = _morph()
    if morph is None:  # pragma: no cover - depends on the environment
        return word.casefold() in {"будет", "будут"}
    parses = morph.parse(word.casefold())
    return bool(parses) and "futr" in parses[0].tag and "VERB" in parses[0].tag


def announcement(text: str, lang: str | None = None) -> str | None:
    """Why a sentence announces an event (future tense, plan, "opens"), or None.

    Words inside quotation marks are the speaker's and are not read (see
    :data:`_ANNOUNCE_RU_RE` for the forms).
    """
    outside = without_quotes(text)
    tag = (_language_of(outside, lang) or "").split("-")[0]
    if tag == "ru":
        outside = _RU_RELATIVE_CLAUSE_RE.sub("", outside)
        found = _ANNOUNCE_RU_RE.search(outside)
        if found:
            return f"announces: {found.group(0)!r}"
        for word in _WORDS_RE.findall(outside):
            if word[:1].islower() and _futr(word):
                return f"announces: future {word!r}"
        return None
    if tag == "uz":
        latin = cyrl_to_latn(outside) if detect_script(outside) == "Cyrl" else outside
        latin = latin.translate(_APOSTROPHES)
        found = _ANNOUNCE_UZ_RE.search(latin)
        if found:
            return f"announces: {found.group(0)!r}"
        main = re.sub(r"[\s.!?…\"'»”)]+$", "", latin)
        words = main.split()
        final = words[-1].strip(",;:") if words else ""
        if _UZ_PRESENT_FUTURE_RE.fullmatch(final) and not _UZ_REPORTS_RE.search(main):
            return f"announces: present-future {final!r}"
        return None
    if tag == "en":
        found = _ANNOUNCE_EN_RE.search(outside)
        return f"announces: {found.group(0)!r}" if found else None
    return None


# Content stems a sentence shares with another: words of four letters and more cut to
# their first five letters (an inflected Russian or Uzbek word keeps its stem there:
# "системы"/"систему", "Узбекистан"/"Узбекистане"), and numbers.
_STEM_LETTERS = 5
_STEM_MIN_LETTERS = 4
# Two announcements are of one event when this share of the shorter sentence's stems is
# in the other. Measured on every pair of announcements from different articles of one
# section in the W1-W3 ru and uz-Latn reviews, before and after the screen
# (benchmarks/review_quality.py's reviews; 196 pairs of sentences in all): the same event
# shares 0.56 (W1's gas union: "Стало известно, какой союз планируют создать…" and "…как
# будет работать новый газовый союз"), 0.67 (W1's "с 1 декабря заработает балльная
# система…" and "с 1 декабря … планировалось запустить систему … баллов…") and 0.89 (W2's
# two "Алиев … посетит Узбекистан"); two events 0.18 and 0.20 (W2's Aeroflot flights and
# Silk Avia's). The cut lies in that gap. A report and an announcement of one story share
# as much whether or not they tell one event (0.62: "Системы отопления … будут
# передавать…" and "Президент поручил внедрить…"), so the share alone never makes a
# report overtake an announcement (:func:`stale_announcement`).
ANNOUNCEMENT_OVERLAP_MIN = 0.5


def _stems(text: str) -> frozenset[str]:
    """The content stems of a text (see :data:`_STEM_LETTERS`)."""
    latin = text.casefold().translate(_APOSTROPHES)
    words = re.findall(r"[^\W_]+", latin)
    return frozenset(w[:_STEM_LETTERS] for w in words if w.isdigit() or len(w) >= _STEM_MIN_LETTERS)


def announcement_overlap(first: str, second: str) -> float:
    """The share of the shorter sentence's content stems the other has (0 when none)."""
    a, b = _stems(first), _stems(second)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def stale_announcement(text: str, newer: Iterable[str], lang: str | None = None) -> str | None:
    """Why a sentence is a stale announcement beside ``newer`` sentences, or None.

    Stale: it announces an event (:func:`announcement`) and a sentence of a newer article
    of the section announces the same event again (:data:`ANNOUNCEMENT_OVERLAP_MIN`): a
    near-identical repeat, of which the newer wording is the one a reader needs ("Алиев
    21 июня … посетит Узбекистан" after "Алиев 21-22 июня посетит Узбекистан"). A newer
    *report* on the same subject is not enough on its own: it may tell the plan's next
    step, not the event ("Президент поручил внедрить…" after "Системы отопления … будут
    передавать…"); the composer's event threads decide that (midweek.compose).

    Args:
        text: The sentence.
        newer: The section's sentences quoted from articles published after its own.
        lang: Its language tag.
    """
    if announcement(text, lang) is None:
        return None
    for other in newer:
        share = announcement_overlap(text, other)
        if share >= ANNOUNCEMENT_OVERLAP_MIN and announcement(other, lang):
            return f"announced again by a newer report ({share:.2f} of its words shared)"
    return None


def run_on(text: str, lang: str | None = None) -> str | None:
    """Two paragraphs glued into one sentence by the source (".Namangan", "keltirmaganSodiq")."""
    at = glued_boundary(text)
    if at is None:
        return None
    return f"paragraphs glued together at {text[max(0, at - 12) : at + 12]!r}"


# --- sentences that do not end -----------------------------------------------------------------

# A full sentence ends in terminal punctuation, perhaps followed by closing quotes or
# brackets; a post cut off mid-word (podrobno.uz posts stop at about 300 characters:
# "Верховный суд озвучил обвинения против подсу", published by the LLM benchmark), a map
# legend or a heading does not. The composer quotes only sentences that end
# (summarize.usable_sentence reads the same pattern).
TERMINAL_RE = re.compile(r"[.!?…][\"'»”’)\]]*$")


def fragment(text: str, lang: str | None = None) -> str | None:
    """A sentence without a final stop: cut off, or not a sentence at all."""
    stripped = text.strip()
    if not stripped or TERMINAL_RE.search(stripped):
        return None
    return f"no final stop: it ends {stripped[-24:]!r}"


# --- the post's furniture ----------------------------------------------------------------------

# What a Telegram or social post carries around its news and a review never prints: a link,
# the channel's handle, a hashtag, and pictographs used as bullets or alarms ("➖ @gazetauz
# ➖", "❗️После приёма…"). Seen in generated lines of the LLM benchmark
# (benchmarks/llm_review.py) and in post openers. A hashtag needs a letter ("#1" is a rank).
_LINK_RE = re.compile(r"(?:https?://|www\.)\S+|\bt\.me/\S+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z_][\w.]{2,}")
_HASHTAG_RE = re.compile(r"(?<![\w&])#(?=\w*[^\W\d_])\w+")


# Pictographs: the Unicode blocks of emoji and dingbats (Miscellaneous Symbols, Dingbats,
# Miscellaneous Symbols and Arrows, the supplementary emoji planes). Not every "Symbol,
# other": "№ 18", "25 °C", "©" and "®" are a newsroom's own signs.
_PICTOGRAPH_RE = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")


def post_markup(text: str, lang: str | None = None) -> str | None:
    """A link, an @handle, a #hashtag or a pictograph the sentence took from its post."""
    for label, pattern in (("link", _LINK_RE), ("handle", _HANDLE_RE), ("hashtag", _HASHTAG_RE)):
        match = pattern.search(text)
        if match:
            return f"{label} {match.group(0)!r} from the post"
    match = _PICTOGRAPH_RE.search(text)
    if match:
        return f"pictograph {match.group(0)!r} from the post"
    return None


# --- advert and digest text ---------------------------------------------------------------------


def advert_text(text: str, lang: str | None = None) -> str | None:
    """Text that :mod:`midweek.kinds` sets aside (advert, digest, service) by its rules."""
    verdict = classify_kind("", text)
    if verdict.kind in SET_ASIDE_KINDS:
        return f"{verdict.kind} text (rule {verdict.rule})"
    return None


# --- back-references and names -------------------------------------------------------------------

# Connectives that continue an earlier sentence: a section cannot open with them.
_CONNECTIVE_OPENERS_RE = re.compile(
    r"^[\"'«“„(]*(?:also|however|meanwhile|moreover|furthermore|in addition|besides|"
    r"but|and|still|nevertheless|"
    r"также|кроме того|помимо этого|помимо того|при этом|однако|тем не менее|вместе с тем|"
    r"в свою очередь|но|и|ещё|еще|"
    r"shuningdek|bundan tashqari|biroq|ammo|lekin|shu bilan birga|"
    r"шунингдек|бундан ташқари|бироқ|аммо|лекин|шу билан бирга)\b",
    re.IGNORECASE,
)
# "The statement also said", "Он также": "also" among the first words points back.
# Within the first four words: the subject of a sentence is at most about three words
# ("The foreign ministry", "Министерство иностранных дел") before the verb "also" joins;
# later, "also" adds to the sentence's own clause ("... and also ...").
_ALSO_RE = re.compile(r"\b(?:also|также|shuningdek|ham|шунингдек)\b", re.IGNORECASE)
ALSO_WITHIN_WORDS = 4


def _word_set(words: str) -> frozenset[str]:
    """A set of words from a space-separated string (long word lists stay readable)."""
    return frozenset(words.split())


# Nouns that, standing bare as a sentence's subject, mean an event, a document or a body
# an earlier sentence named: "Jarayon Buxoro viloyat sudida bo'lib o'tadi" ("The process
# takes place in the Bukhara regional court": which process?), "Процесс проходит …",
# "Суд продолжил …", "The statement said …". A closed class (the shell nouns of news
# prose: proceedings, meetings, documents, decisions, institutions), read off the posts of
# real-weeks-telegram-dev and the Wikinews demo. Keyed as ANAPHORIC_OPENERS; Russian in
# the nominative, singular and plural.
SHELL_NOUNS: Mapping[str, frozenset[str]] = {
    "en": _word_set(
        "process trial hearing session meeting event statement decision document case court"
        " ministry company agreement deal incident ceremony talks visit operation bill law"
        " decree investigation report"
    ),
    "ru": _word_set(
        "процесс суд заседание заседания слушание слушания встреча встречи мероприятие"
        " заявление решение документ документы указ постановление закон законопроект"
        " проект инцидент происшествие дело расследование ведомство министерство"
        " компания сделка соглашение церемония операция"
    ),
    "uz-Latn": _word_set(
        "jarayon sud majlis uchrashuv tadbir bayonot qaror hujjat hujjatlar farmon qonun"
        " loyiha voqea hodisa kompaniya vazirlik idora tashkilot bitim kelishuv marosim"
        " operatsiya tergov"
    ),
    "uz-Cyrl": _word_set(
        "жараён суд мажлис учрашув тадбир баёнот қарор ҳужжат ҳужжатлар фармон қонун"
        " лойиҳа воқеа ҳодиса компания вазирлик идора ташкилот битим келишув маросим"
        " операция тергов"
    ),
}
# Words after a shell noun that say which one it is ("The trial of 22 people", "Процесс
# над участниками беспорядков"): prepositions that open the noun's own complement.
_SPECIFIERS: Mapping[str, frozenset[str]] = {
    "en": _word_set("of on over against into between for in at with from"),
    "ru": _word_set("над по о об против между с со при"),
}
# pymorphy2's parts of speech of a word that names whose or which (a genitive noun or
# adjective after the Russian noun: "Заседание суда", "Министерство юстиции").
_RU_SPECIFYING_POS = frozenset({"NOUN", "ADJF", "NPRO", "NUMR"})
_EDGE = "\"'«»“”„‘’([{—–-.,;:!?…)]}"


def shell_subject(text: str, lang: str | None = None) -> str | None:
    """A sentence whose subject is a bare shell noun (:data:`SHELL_NOUNS`): "Jarayon
    Buxoro viloyat sudida bo'lib o'tadi", "Процесс проходит …", "The statement said …".

    Uzbek puts a noun's modifiers before it, so an opening shell noun is bare ("Sud
    jarayoni …" too); a Russian or English one is bare unless the next word says which
    one it is (a preposition of :data:`_SPECIFIERS`, a capitalised name, a Russian
    genitive: "Заседание суда"). English needs "The" before it.
    """
    key = opener_language(text, lang)
    if key is None:
        return None
    words = [w.strip(_EDGE) for w in text.replace("’", "'").replace("ʻ", "'").split()[:3]]
    words = [w for w in words if w]
    if key == "en":
        if len(words) < 2 or words[0] != "The":
            return None
        words = words[1:]
    if not words or words[0].casefold() not in SHELL_NOUNS[key]:
        return None
    if not key.startswith("uz") and len(words) > 1:
        after = words[1]
        if after.casefold() in _SPECIFIERS[key] or after[:1].isupper():
            return None
        morph = russian_morph() if key == "ru" else None
        if morph is not None:
            parses = morph.parse(after.casefold())
            best = parses[0] if parses else None
            if best is not None and best.tag.POS in _RU_SPECIFYING_POS and "gent" in best.tag:
                return None
    return f"its subject is a bare {words[0]!r}, named in an earlier sentence"


def back_reference(text: str, lang: str | None = None) -> str | None:
    """A sentence that leans on the one before it ("He…", "The statement also said…",
    "Кроме того…", "Jarayon … bo'lib o'tadi"): it cannot open a section."""
    if opens_with_anaphor(text, lang):
        return f"opens with a word that points back: {text.split()[0]!r}"
    shell = shell_subject(text, lang)
    if shell:
        return shell
    found = _CONNECTIVE_OPENERS_RE.match(text)
    if found:
        return f"opens with a connective: {found.group(0)!r}"
    head = " ".join(text.split()[:ALSO_WITHIN_WORDS])
    also = _ALSO_RE.search(head)
    if also and also.group(0).casefold() != "ham":
        return f"continues an earlier sentence: {also.group(0)!r}"
    return None


_NAME_WORD = r"[A-ZА-ЯЁЎҚҒҲ][a-zа-яёўқғҳ'ʻ’-]{2,}"
_FULL_NAME_RE = re.compile(rf"\b{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}\b")
_WORD_RE = re.compile(r"[\w'ʻ’-]+")
# Words after which a capitalised word names a thing ("the University"), not a person.
_NOT_A_PERSON_BEFORE = frozenset({"the", "a", "an"})


def _same_name(short: str, last: str) -> bool:
    """Whether a short form is the last word of a full name, inflection allowed
    ("Путина" for "Путин", "Queloz" for "Queloz")."""
    a, b = short.casefold(), last.casefold()
    if a == b:
        return True
    shortest = min(len(a), len(b))
    return shortest >= 4 and abs(len(a) - len(b)) <= 2 and a[: shortest - 1] == b[: shortest - 1]


def _full_names(text: str) -> list[list[str]]:
    """Runs of two or three capitalised words ("Didier Queloz", "Шавкат Мирзиёев")."""
    return [m.group(0).split() for m in _FULL_NAME_RE.finditer(text)]


def short_name(text: str, introduced: str, source: str) -> tuple[str, str] | None:
    """A person named by one word before the reader met the full name.

    Args:
        text: The sentence.
        introduced: What the reader has read before it (the heading and earlier
            sentences of the section).
        source: Text where the full name stands (the source article before the
            sentence; the checker without sources passes the section after it).

    Returns:
        ``(word, full name)`` when a single capitalised word of ``text`` is the last word
        of a full name in ``source`` ("Queloz" for "Didier Queloz") and no full name
        ending in it is in ``introduced`` or in the sentence itself; else None.
    """
    full = _full_names(source)
    if not full:
        return None
    words = text.split()
    for index, raw in enumerate(words):
        word = raw.strip("\"'«»“”„()[],.;:!?—–")
        if not re.fullmatch(_NAME_WORD, word):
            continue
        neighbours = [
            words[i].strip("\"'«»“”„(),.;:") for i in (index - 1, index + 1) if 0 <= i < len(words)
        ]
        if any(n[:1].isupper() for n in neighbours):
            continue  # part of a full name here (or of a run of names)
        if index and words[index - 1].casefold() in _NOT_A_PERSON_BEFORE:
            continue  # "the University": an institution, not a person's short name
        matches = [n for n in full if _same_name(word, n[-1]) and n[-1] != n[0]]
        if not matches:
            continue
        if names_in_full(word, introduced) or names_in_full(word, text):
            continue
        return word, " ".join(matches[0])
    return None


def names_in_full(word: str, text: str) -> bool:
    """Whether ``text`` holds a full name ending in ``word`` (inflection allowed)."""
    return any(_same_name(word, n[-1]) for n in _full_names(text))


def unintroduced_name(text: str, introduced: str, source: str) -> str | None:
    """The reason :func:`short_name` finds one, for the checker; None when it does not."""
    found = short_name(text, introduced, source)
    if found is None:
        return None
    return f"{found[0]!r} before the full name {found[1]!r}"


# --- language and script ----------------------------------------------------------------------

_KNOWN = frozenset({"en", "ru", "uz"})
_REVIEW_SCRIPT = {"en": "Latn", "ru": "Cyrl", "uz-Latn": "Latn", "uz-Cyrl": "Cyrl"}
# Fewer letters than this and a language detector's answer is a guess: only the script is
# checked ("BMT", "ООН").
LANGUAGE_MIN_LETTERS = 20


def wrong_language(text: str, lang: str, mark: str = "") -> str | None:
    """Text in another language or script than the review's, not marked as such.

    A marked quotation (``mark``: its language tag) is not a defect. The script is read
    from the letters; the language from :func:`midweek.text.lang.detect_language`, and
    only a confident answer naming another of the review languages (en, ru, uz) counts.
    """
    if mark or not text.strip():
        return None
    want = _REVIEW_SCRIPT.get(lang)
    script = detect_script(text)
    if want is not None and script is not None and script != want:
        return f"{script} script in a {lang} review"
    if sum(c.isalpha() for c in text) < LANGUAGE_MIN_LETTERS:
        return None
    found, found_script = detect_language(text)
    base = lang.split("-", 1)[0]
    if found in _KNOWN and found != base:
        tag = f"{found}-{found_script}" if found_script else found
        return f"reads as {tag} in a {lang} review"
    return None


# --- headings and tags --------------------------------------------------------------------------


def heading_defect(text: str, limit: int | None = None) -> str | None:
    """An empty heading, or one over the editorial length
    (:data:`HEADLINE_MAX_CHARS` unless ``limit``)."""
    limit = HEADLINE_MAX_CHARS if limit is None else limit
    if not text.strip():
        return "empty heading"
    if len(text) > limit:
        return f"heading of {len(text)} characters (limit {limit})"
    return None


# A tag written in capitals is a header ("GLAVNYE", "ГЛАВНОЕ"), not a name, once it is this
# long: acronyms (BMT, NATO, UNESCO, UNICEF) have six letters or fewer.
TAG_CAPS_MIN_LETTERS = 7
# Oblique cases a Russian tag must not be in (pymorphy2's grammemes).
_OBLIQUE = frozenset({"gent", "datv", "accs", "ablt", "loct", "gen2", "acc2", "loc2"})


@lru_cache(maxsize=1)
def _morph() -> Any:
    """pymorphy2's analyser through natasha (None when unavailable)."""
    with warnings.catch_warnings():
        # see midweek.entities.ner: pymorphy2 imports pkg_resources, which warns
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        try:
            from natasha import MorphVocab
        except ImportError:  # pragma: no cover - depends on the environment
            return None
        return MorphVocab()


def russian_morph() -> Any:
    """pymorphy2's analyser (natasha's ``MorphVocab``: ``parse(word)``), None when
    natasha is not installed."""
    return _morph()


def _inflected_russian(word: str) -> bool:
    """Whether a Russian word reads best as an oblique case form of a name or noun
    ("Есенина", "Сената", "Бундеслиги"), not its base form."""
    morph = _morph()
    if morph is None or not re.fullmatch(r"[А-ЯЁа-яё-]{3,}", word):
        return False
    parses = morph.parse(word)
    if not parses:
        return False
    best = parses[0]
    grammemes = set(str(best.tag).replace(" ", ",").split(","))
    # a plural reading ("Токаев" as a genitive plural) is not a name's case form
    if not grammemes & _OBLIQUE or "plur" in grammemes or best.normal_form == word.casefold():
        return False
    # a name tag is singular: "Бундеслиги" as a plural nominative is still a case form
    nominative = max(
        (
            p.score
            for p in parses
            if {"nomn", "sing"} <= set(str(p.tag).replace(" ", ",").split(","))
        ),
        default=0.0,
    )
    if nominative >= best.score:
        return False
    # an unknown word ending in -у/-ю/-о/-е/-и is as often an indeclinable foreign name
    # (Роналду, Моро) as a case form: only known words and -а/-я/-ы endings count
    known = bool(morph.word_is_known(word.casefold()))
    return known or word[-1:].casefold() in "аяы"


def _tag_key(name: str) -> list[str]:
    """Words of a tag, casefolded, apostrophes unified."""
    return [w.casefold() for w in _WORD_RE.findall(name.translate(_APOSTROPHES))]


def tag_defects(names: Sequence[str], lang: str) -> list[tuple[str, str]]:
    """Tags an editor would not publish: headers, fragments, case forms, one name twice.

    Args:
        names: The tags' names as rendered.
        lang: The review's language.

    Returns:
        ``(tag, reason)`` for each offending tag.
    """
    found: list[tuple[str, str]] = []
    keys = [_tag_key(n) for n in names]
    for index, name in enumerate(names):
        letters = [c for c in name if c.isalpha()]
        if not letters:
            found.append((name, "a tag without letters"))
            continue
        if len(letters) >= TAG_CAPS_MIN_LETTERS and all(c.isupper() for c in letters):
            found.append((name, "a header in capitals, not a name"))
            continue
        if lang == "ru":
            bad = [w for w in name.split() if _inflected_russian(w)]
            if bad:
                found.append((name, f"not in the base form: {bad[0]!r}"))
                continue
        for other_index, other in enumerate(keys):
            if other_index == index or not other or not keys[index]:
                continue
            mine = keys[index]
            if len(mine) < len(other) and set(mine) <= set(other):
                found.append((name, f"the same name as the tag {names[other_index]!r}"))
                break
            if (
                len(mine) == len(other)
                and mine != other
                and other_index < index
                and all(_same_name(a, b) for a, b in zip(mine, other, strict=True))
            ):
                found.append((name, f"a variant of the tag {names[other_index]!r}"))
                break
    return found


# --- a sentence in one go ----------------------------------------------------------------------

SENTENCE_CHECKS: Mapping[str, Any] = {
    ADVERT_TEXT: advert_text,
    UNBALANCED_QUOTE: unbalanced_quote,
    UNATTRIBUTED_QUOTE: unattributed_quote,
    RELATIVE_DATE: relative_date,
    FIRST_PERSON: first_person,
    SELF_REFERENCE: self_reference,
    RUN_ON: run_on,
    POST_MARKUP: post_markup,
    FRAGMENT: fragment,
}
"""The checks a sentence fails or passes on its own, whatever its place."""


def sentence_defects(
    text: str,
    lang: str | None = None,
    checks: Iterable[str] = tuple(SENTENCE_CHECKS),
    outlets: Iterable[str] = (),
) -> list[Defect]:
    """Every context-free defect of one sentence (:data:`SENTENCE_CHECKS`).

    Args:
        text: The sentence.
        lang: Its language tag, None to go by its script.
        checks: Which of :data:`SENTENCE_CHECKS` to run.
        outlets: The outlets that published it, when known (:func:`self_reference`).

    Returns:
        One :class:`Defect` per failed check, in :data:`CHECKS` order.
    """
    out: list[Defect] = []
    for name in checks:
        if name == SELF_REFERENCE:
            reason = self_reference(text, lang, tuple(outlets))
        else:
            reason = SENTENCE_CHECKS[name](text, lang)
        if reason:
            out.append(Defect(name, reason, text))
    return out
