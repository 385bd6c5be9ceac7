"""What kind of post an article is: news, or an advert, digest, service post or opinion.

Only ``news`` reaches the story clusterer, the ranking and the review; the other kinds
are stored and searchable but set aside (``midweek stories --explain`` lists them). The
classifier is a short list of rules, each a named pattern with the reason it is right:
the labels outlets put on paid posts ("на правах рекламы", "reklama huquqi asosida",
"sponsored"), the headers of round-ups ("Главные новости к утру"), the vocabulary of
weather reports, exchange rates, outages and channel self-promotion, and the headers of
columns and interviews, in English, Russian and Uzbek (Latin and Cyrillic script).

The rules were written from reading the posts of the real-weeks gold set
(``real-weeks-telegram-dev``, three windows of gazeta.uz and podrobno.uz Telegram posts)
as an editor would, not searched on it: no weight is fitted, so there is nothing to
cross-validate; ``benchmarks/real_weeks.py`` reports per window how far they carry.

Rules are tried in a fixed order (:data:`RULE_ORDER`): an explicit advert label beats
everything (an ad for a weather app is an ad), a digest header beats the news it lists,
service vocabulary beats the weak promotional cues, and opinion is the last non-news
guess. Whatever no rule claims is news: a rule that misfires costs a news post its
place in the review, so every rule asks for a specific cue, never for a mere topic.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)

NEWS = "news"
ADVERT = "advert"
DIGEST = "digest"
SERVICE = "service"
OPINION = "opinion"
# Every kind, news first (the order the explanation and the benchmark print them in).
KINDS = (NEWS, ADVERT, DIGEST, SERVICE, OPINION)
# Kinds kept out of stories, rankings and reviews: everything that is not news (issue
# 15: "non-news is stored and searchable but never clustered into news stories").
SET_ASIDE_KINDS = frozenset(KINDS) - {NEWS}

# Characters of the text read from its start and from its end: labels sit in the first
# lines (headers, "(на правах рекламы)" after the lead) or the last one ("Реклама").
# 3,000 covers every post of the gold set whole (the longest is ~2,400 characters) and
# keeps a 50,000-word article to a constant cost.
HEAD_CHARS = 3_000
TAIL_CHARS = 400


@dataclass(frozen=True, slots=True)
class KindVerdict:
    """An article's kind and the rule that decided it (``""`` for news by default)."""

    kind: str
    rule: str = ""


class _Classifiable(Protocol):
    """What :func:`classify_kind` reads of an article."""

    @property
    def title(self) -> str: ...  # pragma: no cover - protocol
    @property
    def text(self) -> str: ...  # pragma: no cover - protocol
    @property
    def url(self) -> str: ...  # pragma: no cover - protocol
    @property
    def outlet(self) -> str: ...  # pragma: no cover - protocol


def _patterns(*sources: str) -> re.Pattern[str]:
    """One case-insensitive, multi-line alternation of ``sources``."""
    return re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE | re.MULTILINE)


# -- advert ---------------------------------------------------------------------------------
# The labels outlets are required to put on paid posts. ru: Russian advertising law's
# "на правах рекламы" / "реклама" (the gold's 25 gazeta.uz ads end "(реклама)" or "(на
# правах рекламы)", podrobno.uz's end with a line "Реклама"), "партнёрский материал",
# the "erid" token of registered Russian ads; uz: "reklama huquqi asosida" (the Uzbek
# calque), "homiylik materiali" (sponsor material); en: "sponsored", "advertisement",
# "paid post/partnership".
ADVERT_LABEL = _patterns(
    r"на\s+правах\s+рекламы",
    r"\(\s*реклама\s*\)",
    r"^\s*#?реклама\.?\s*$",
    r"партнерский\s+материал",
    r"спонсорский\s+материал",
    r"\berid\s*[:=]",
    r"reklama\s+huquqi\s+asosida",
    r"\(\s*reklama\s*\)",
    r"^\s*#?reklama\.?\s*$",
    r"реклама\s+ҳуқуқи\s+асосида",
    r"homiylik\s+materiali",
    r"ҳомийлик\s+материали",
    r"\(\s*sponsored\s*\)",
    r"^\s*sponsored\b",
    r"\bsponsored\s+(?:content|post|by)\b",
    r"\bpaid\s+(?:content|post|partnership)\b",
    r"^\s*advertisement\s*$",
)
# Gazeta.uz's own news posts link their article with a tracking query
# ("?utm_source=push&utm_medium=telegram"); its ad posts link a dated article page with
# none (the gold set's README; 92 of 92 gazeta.uz news links carry it, 18 of 18 ad links
# do not). Only this outlet is known to follow the convention, so the rule names it.
UNTRACKED_LINK_OUTLETS = ("gazeta.uz", "gazetauz")
_DATED_LINK = re.compile(r"https?://(?:www\.)?gazeta\.uz/\w{2}/\d{4}/\d{2}/\d{2}/[^\s?]+(\S*)")
# Promotional phrasing: an offer to the reader (discount, instalments, "apply via the
# link", "only the first ten"), not a report. One cue is common in news ("скидки на
# проезд" in a decree), so :data:`PROMO_MIN_CUES` distinct cues are needed.
PROMO_CUES = (
    _patterns(r"\bскидк\w*", r"\bchegirma\w*", r"\bчегирма\w*", r"\bdiscount\w*"),
    _patterns(r"\bакци[яию]\b", r"\baksiya\w*", r"\bакция\w*", r"\bpromo(?:tion)?\b"),
    _patterns(r"\bпромокод\w*", r"\bкэшб[еэ]к\w*", r"\bpromokod\w*", r"\bcashback\b"),
    _patterns(r"\bрассрочк\w*", r"\bmuddatli\s+to'lov\w*", r"\bmicrozaym\w*", r"\bмикрозайм\w*"),
    _patterns(r"\bвыгодн\w*", r"\bqulay\s+narx\w*", r"\bbest\s+price\w*"),
    _patterns(r"\bпредлагает\b", r"\bприглашает\b", r"\btaklif\s+etadi\b", r"\binvites\s+you\b"),
    _patterns(r"\bпо\s+ссылке\b", r"\bhavola\s+orqali\b", r"\bҳавола\s+орқали\b", r"\blink\s+in\b"),
    _patterns(r"\bуспейте\b", r"\bспешите\b", r"\bulguring\b", r"\bшошилинг\b", r"\bhurry\b"),
    _patterns(
        r"\bтолько\s+первые\b", r"\bв\s+подарок\b", r"\bsovg'a\s+sifatida\b", r"\bfree\s+gift\b"
    ),
    _patterns(r"\bшоурум\w*", r"\bпродаж\w*\s+квартир\w*", r"\bжк\b", r"\bturar\s+joy\s+majmua\w*"),
    _patterns(
        r"\bподать\s+(?:документы|заявку)\b", r"\bприем\s+заявок\b", r"\bhujjat\s+topshir\w*"
    ),
    _patterns(r"\bна\s+канале\b.{0,40}\bв\s+telegram\b", r"@\w+bot\b"),
)
# Two distinct promotional cues: no news post of the gold set has two (measured with
# benchmarks/real_weeks.py), most unlabelled promos have two or more.
PROMO_MIN_CUES = 2

# -- digest ---------------------------------------------------------------------------------
# Round-up headers and closers: podrobno.uz's "ГЛАВНЫЕ НОВОСТИ УЗБЕКИСТАНА К УТРУ/ВЕЧЕРУ",
# "… ЗА НЕДЕЛЮ", its night teaser "Читайте об этом и многом другом в обзоре главных
# событий"; their English and Uzbek equivalents.
DIGEST_HEADER = _patterns(
    r"главные\s+новости\b.{0,60}\b(?:к\s+утру|к\s+вечеру|за\s+неделю|за\s+день|дня|недели)",
    r"читайте\s+об\s+этом\s+и\s+многом\s+другом",
    r"обзор\w*\s+главных\s+(?:событий|новостей)",
    r"\bдайджест\w*",
    r"\bитоги\s+(?:дня|недели)\b",
    r"самое\s+важное\s+за\s+(?:день|неделю|сутки)",
    r"\b(?:morning|evening|daily|weekly)\s+(?:briefing|digest|round-?up)\b",
    r"\bnews\s+(?:digest|round-?up)\b",
    r"\bwhat\s+you\s+(?:might\s+have\s+)?missed\b",
    r"\b(?:kun|hafta)ning\s+asosiy\s+yangiliklari\b",
    r"\basosiy\s+yangiliklar\b",
    r"\b(?:кун|ҳафта)нинг\s+асосий\s+янгиликлари\b",
    r"\bасосий\s+янгиликлар\b",
    r"\bdayjest\w*",
    r"\bбу\s+ва\s+бошқа\s+кўплаб\b",
    r"\bbu\s+va\s+boshqa\s+ko'plab\b",
)

# -- service --------------------------------------------------------------------------------
# Weather: the forecaster (Uzhydromet, in every script), "прогноз погоды", or the shape of
# a forecast (a temperature in degrees, a wind speed in m/s). A report *about* weather
# damage (a flood, a storm's victims) names neither, so it stays news.
WEATHER_SOURCE = _patterns(
    r"\bузгидромет\w*",
    r"\bo'zgidromet\w*",
    r"\bўзгидромет\w*",
    r"\bпрогноз\w*\s+погоды\b",
    r"\bob-havo\s+(?:ma'lumoti|prognozi)\b",
    r"\bоб-ҳаво\s+(?:маълумоти|прогнози)\b",
    r"\bweather\s+(?:forecast|warning)\b",
)
WEATHER_SHAPE = _patterns(
    r"\d+\s*-?\s*\d*\s*°",
    r"\d+\s*(?:-\s*\d+\s*)?м/с\b",
    r"\d+\s*(?:-\s*\d+\s*)?m/s\b",
    r"\bтемпература\s+(?:воздуха\s+)?\d",
    r"\b(?:в\s+столице|в\s+ташкенте)\s+(?:сегодня\s+)?(?:во\s+второй\s+половине\s+дня\s+|временами\s+)?"
    r"(?:дожд|снег|гроз|туман|ясно|облачно)",
    # "expected" with a weather word a few words on: the verb of a forecast
    r"\bожида\w*тся\s+(?:[\w-]+\s+){0,3}(?:дожд|снег|осадк|заморозк|ветер|гроз|похолодан)",
    r"\b(?:ухудшени|улучшени)\w*\s+погоды\b",
    r"\bharorat\s+\d",
    r"\bҳарорат\s+\d",
)
# Weather words a forecast mentions; needed beside the forecaster, so that "Узгидромет
# назначил нового директора" stays news.
WEATHER_WORD = _patterns(
    r"\b(?:дожд|снег|гроз|град|ветер|ветр|похолодан|потеплен|осадк|температур|сел[ейяи]|паводк|жар[аы])\w*",
    r"\b(?:yomg'ir|qor|do'l|shamol|harorat|sovuq|issiq)\w*",
    r"\b(?:ёмғир|қор|дўл|шамол|ҳарорат|совуқ|иссиқ)\w*",
    r"\b(?:rain|snow|storm|wind|temperature|heat|frost)\w*",
)
RATES = _patterns(
    r"\bкурс\w*\s+валют\w*",
    r"\bvalyuta\s+kurs\w*",
    r"\bвалюта\s+курс\w*",
    r"\bexchange\s+rates?\b",
)
# Planned outages: a utility suspended or switched off (not an accident report).
OUTAGE = _patterns(
    r"\b(?:газо|электро|водо|тепло)снабжени\w*.{0,60}\b(?:приостановл|отключ|не\s+будет|прекращ)",
    r"\b(?:приостановл|отключ|прекращ)\w*.{0,40}\b(?:газо|электро|водо|тепло)снабжени",
    r"\bплановое?\s+отключени\w*",
    r"\b(?:planned|scheduled)\s+(?:power|water|gas)\s+(?:outage|cut)\w*",
    r"\b(?:elektr\s+energiyasi|gaz|suv)\s+(?:ta'minoti\s+)?(?:vaqtincha\s+)?(?:o'chiriladi|uziladi|to'xtatiladi)",
    r"\b(?:электр\s+энергияси|газ|сув)\s+(?:таъминоти\s+)?(?:вақтинча\s+)?(?:ўчирилади|узилади|тўхтатилади)",
)
TRAFFIC = _patterns(
    r"\bперекрыт\w*\s+(?:движени|дорог|улиц)\w*",
    r"\bдвижение\s+(?:транспорта\s+)?(?:будет\s+)?(?:ограничен|перекрыт|закрыт)\w*",
    r"\bпути\s+объезда\b",
    r"\b(?:road|traffic)\s+(?:closure|advisory|restrictions)\b",
    r"\byo'l\s+harakati\s+(?:cheklanadi|vaqtincha\s+to'xtatiladi)",
    r"\bйўл\s+ҳаракати\s+(?:чекланади|вақтинча\s+тўхтатилади)",
)
HOROSCOPE = _patterns(
    r"\bгороскоп\w*",
    r"\bhoroscope\w*",
    r"\bmunajjimlar\s+bashorati\b",
    r"\bмунажжимлар\s+башорати\b",
)
# The channel's promotion of itself (its sections, its other channels, a giveaway):
# gazeta.uz's "специальном разделе «Газеты.uz»", "подписывайтесь на наш канал". A bare
# "obuna bo'ling" (subscribe) is a footer of gazeta.uz's Uzbek news posts, so not a cue.
SELF_PROMO = _patterns(
    r"\bспециальн\w+\s+раздел\w*",
    r"\bподписывайтесь\b",
    r"\bподпишитесь\s+на\s+(?:наш|канал)",
    r"\bнаш\w*\s+(?:telegram-|телеграм-)?канал\w*",
    r"\bрозыгрыш\w*",
    r"\bразыгрыва\w+",
    r"\bgiveaway\b",
    r"\bsubscribe\s+to\s+our\b",
    r"\bkanalimizga\s+obuna\b",
    r"\bканалимизга\s+обуна\b",
)

# -- opinion --------------------------------------------------------------------------------
# Column and interview headers: what an outlet writes over a piece that reports no
# event. "интервью" alone is not enough (news quotes "в интервью ТАСС он заявил").
OPINION_HEADER = _patterns(
    r"^\s*(?:мнение|колонка|комментарий|интервью|блог|колумнист)\s*[:.|—-]",
    r"\bгерой\w*\s+интервью\b",
    r"\bавторская\s+колонка\b",
    r"^\s*(?:opinion|column|commentary|interview|op-ed|analysis)\s*[:.|—-]",
    r"^\s*(?:fikr|intervyu|suhbat|kolumna|sharh)\s*[:.|—-]",
    r"^\s*(?:фикр|интервью|суҳбат|колумна|шарҳ)\s*[:.|—-]",
    r"\bрубрик\w+\s+«?чм-\d{4}",
)

# (rule name, kind) in the order they are tried.
RULE_ORDER = (
    ("advert_label", ADVERT),
    ("digest_header", DIGEST),
    ("weather", SERVICE),
    ("exchange_rates", SERVICE),
    ("outage", SERVICE),
    ("traffic", SERVICE),
    ("horoscope", SERVICE),
    ("self_promo", SERVICE),
    ("untracked_link", ADVERT),
    ("promo_cues", ADVERT),
    ("opinion_header", OPINION),
)

_APOSTROPHES = str.maketrans({c: "'" for c in "ʻʼ’‘`´ʹ"})


def normalize_for_rules(text: str) -> str:
    """Fold ``text`` for matching: NFC, ``ё``→``е``, one apostrophe, no zero-width marks."""
    folded = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    folded = folded.replace("ё", "е").replace("Ё", "Е")
    return re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", folded)


def _window(title: str, text: str) -> str:
    """The part of an article the rules read: its title, head and tail, folded."""
    body = (
        text
        if len(text) <= HEAD_CHARS + TAIL_CHARS
        else f"{text[:HEAD_CHARS]}\n{text[-TAIL_CHARS:]}"
    )
    return normalize_for_rules(f"{title}\n{body}" if title else body)


def _is_weather(window: str) -> bool:
    """A forecast or weather warning: the forecaster with a weather word, or its shape."""
    if WEATHER_SHAPE.search(window):
        return True
    return bool(WEATHER_SOURCE.search(window) and WEATHER_WORD.search(window))


def _untracked_link(window: str, outlet: str) -> bool:
    """A gazeta.uz post linking a dated article page without a tracking query."""
    if not any(name in outlet.lower() for name in UNTRACKED_LINK_OUTLETS):
        return False
    links = list(_DATED_LINK.finditer(window))
    return bool(links) and all("utm_source" not in m.group(1) for m in links)


def _promo_cues(window: str) -> int:
    """How many distinct promotional cues ``window`` holds."""
    return sum(1 for cue in PROMO_CUES if cue.search(window))


def classify_kind(title: str, text: str, *, url: str = "", outlet: str = "") -> KindVerdict:
    """The kind of an article, from its title, text, URL and outlet.

    Args:
        title: The headline (Telegram posts have none: ``""``).
        text: The text; any length, any content (only its head and tail are read).
        url: Where it was published (unused by the rules today; kept for the outlet's
            section paths).
        outlet: The publisher's name or host (enables outlet-specific rules).

    Returns:
        The kind and the name of the rule that decided it (news: rule ``""``).
    """
    window = _window(title or "", text or "")
    checks = {
        "advert_label": lambda: bool(ADVERT_LABEL.search(window)),
        "digest_header": lambda: bool(DIGEST_HEADER.search(window)),
        "weather": lambda: _is_weather(window),
        "exchange_rates": lambda: bool(RATES.search(window)),
        "outage": lambda: bool(OUTAGE.search(window)),
        "traffic": lambda: bool(TRAFFIC.search(window)),
        "horoscope": lambda: bool(HOROSCOPE.search(window)),
        "self_promo": lambda: bool(SELF_PROMO.search(window)),
        "untracked_link": lambda: _untracked_link(window, f"{outlet} {url}"),
        "promo_cues": lambda: _promo_cues(window) >= PROMO_MIN_CUES,
        "opinion_header": lambda: bool(OPINION_HEADER.search(window)),
    }
    for rule, kind in RULE_ORDER:
        if checks[rule]():
            return KindVerdict(kind, rule)
    return KindVerdict(NEWS)


def article_kind(article: _Classifiable) -> str:
    """The kind of an article: its stored ``kind`` when it has one, else classified.

    Args:
        article: An :class:`~midweek.models.Article` (or anything with its fields).

    Returns:
        One of :data:`KINDS`.
    """
    stored = getattr(article, "kind", None)
    if stored in KINDS:
        return str(stored)
    return classify_kind(article.title, article.text, url=article.url, outlet=article.outlet).kind


def is_news(article: _Classifiable) -> bool:
    """Whether an article goes to the clusterer, the ranking and the review."""
    return article_kind(article) not in SET_ASIDE_KINDS


def count_kinds(kinds: Iterable[str]) -> dict[str, int]:
    """How many of each kind, every kind present (zeros included), in :data:`KINDS` order."""
    counts = dict.fromkeys(KINDS, 0)
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    return counts
