"""Headlines made from a lead sentence, as an editor writes them for an untitled post.

Telegram posts and many Uzbek sites publish no title, so a section's heading is made
from its lead sentence. An editor keeps the news and drops the rest:

1. a second sentence glued to the first ("… egasi bo'ldi. uning so'zlariga …") goes;
2. a leading attribution goes ("По данным МВД, …", "Как сообщает Kun.uz, …",
   "Пресс-секретарь президента уточнил, что …", "IIV xabar berishicha, …",
   "According to the ministry, …"), and the news that follows starts the headline;
3. a relative clause or a participle phrase set off by commas inside the sentence goes
   ("В провинциях Хост и Пактика, находящихся на юго-востоке Афганистана, произошло …");
4. the sentence is cut at its first clause boundary after the main clause: a dash, a
   colon or a semicolon, ", который …", ", что …", ", где …", an attribution tail
   (", сообщил …", ", — dedi …", "deb xabar berdi"), a parenthesis ("(фото)");
5. still too long, its subject's office goes when a full name follows ("Президент Турции
   Реджеп Тайип Эрдоган стал …" → "Реджеп Тайип Эрдоган стал …"); then it is cut at the
   last phrase boundary that fits (before a
   preposition or a conjunction in Russian and English; after a finite verb in Uzbek,
   whose verb comes last), never after a word that needs what follows;
6. an Uzbek sentence, verb-final, rarely has a phrase boundary that ends on its verb, so
   before that cut it is shortened where Uzbek grammar allows a part to go and the verb
   to stay: a leading participle phrase ("Qatarda bo'lib o'tgan jahon chempionatida …"
   → "Jahon chempionatida …"), an apposition after a dash before the verb ("yukini – fil
   tuskini va 180 kiyik shoxini topdilar" → "yukini topdilar"), the second of two
   coordinated verbal nouns ("sheriklikni chuqurlashtirish va … hamkorlikni
   rivojlantirish to'g'risidagi" → "sheriklikni chuqurlashtirish to'g'risidagi");
7. only when no boundary fits is it cut at a word and ended with "…" — and a section's
   heading (:func:`headline_from_sentences`) then comes from another of its sentences
   whose headline is complete, as an editor would rather print a shorter true heading
   than a cut one.

The word lists are the grammar's closed classes (prepositions, conjunctions, the
reporting verbs of newsrooms), read off the posts of ``real-weeks-telegram-dev`` and
the Wikinews demo, not fitted to any count. Hand-written: no library on PyPI writes
headlines for Russian or Uzbek (summarisers pick sentences, they do not cut them).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from midweek.editorial import HEADLINE_MAX_CHARS, back_reference, russian_morph
from midweek.text.translit import APOSTROPHES

__all__ = [
    "HEADLINE_MIN_WORDS",
    "headline_from_sentence",
    "headline_from_sentences",
    "shared_names",
]

# A headline has a subject and a verb at least: a cut that leaves fewer words than this
# ("Ташкент — …") is not the main clause, and the next boundary is tried.
HEADLINE_MIN_WORDS = 3
# A leading "<who> <said>, что …" is attribution only when <who> is a short noun phrase
# ("Пресс-секретарь президента Казахстана уточнил, что"); six words cover a title and a
# name, and no longer opening is taken for one.
ATTRIBUTION_MAX_WORDS = 6
# A phrase cut keeps at least this share of the limit, else the word cut with "…" is
# the better headline: the same share as compose's CLAUSE_CUT_MIN_SHARE, for the same
# reason (shorter drops the news itself).
PHRASE_CUT_MIN_SHARE = 0.5
# The ellipsis of the last resort.
ELLIPSIS = "…"

_A = f"[{re.escape(APOSTROPHES)}]"
_TERMINAL = ".…;:,!? "

# Russian reporting verbs, past tense, every gender and number ("сообщил", "заявила").
_RU_SAID = (
    r"(?:сообщ|заяв|уточн|рассказ|отмет|подтверд|объяв|подчеркн|пояснил|напомн|добав"
    r"|передает|передаёт|пишет|информир)\w*"
)
_EN_SAID = r"(?:said|says|announced|reported|confirmed|told \w+|stated|added)"
_UZ_LATN_SAID = rf"(?:xabar berdi|ma{_A}lum qildi|ta{_A}kidladi|dedi|deydi|aytdi|yozdi|bildirdi)"
_UZ_CYRL_SAID = r"(?:хабар берди|маълум қилди|таъкидлади|деди|дейди|айтди|ёзди|билдирди)"

# 2. Leading attribution: removed with its comma.
_LEADING = (
    re.compile(
        r"^(?:По (?:данным|информации|словам|сообщению|мнению|оценкам|итогам) [^,]{1,80}"
        r"|Как (?:" + _RU_SAID + r"|стало известно)[^,]{0,80}"
        r"|Со слов [^,]{1,80}|Согласно [^,]{1,80}|Об этом [^,]{1,80}),\s*",
    ),
    re.compile(
        rf"^(?:[^,]{{1,80}} )?(?:ma{_A}lumotlariga ko{_A}ra|xabar berishicha|xabariga ko{_A}ra"
        rf"|xabarga ko{_A}ra|so{_A}zlariga ko{_A}ra|ma{_A}lum qilishicha|ta{_A}kidlashicha"
        rf"|ma{_A}lumotiga ko{_A}ra),\s*",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:[^,]{1,80} )?(?:маълумотларига кўра|хабар беришича|хабарига кўра|сўзларига кўра"
        r"|хабарга кўра|маълум қилишича|таъкидлашича|маълумотига кўра),\s*",
        re.IGNORECASE,
    ),
    re.compile(r"^(?:According to [^,]{1,80}|As [^,]{1,60} " + _EN_SAID + r"),\s*"),
)
# "<who> <said>, что <news>" / "<who> said (that) <news>": <who> checked for length.
_LEADING_SAID = (
    re.compile(r"^(?P<who>[^,]{1,120}?) " + _RU_SAID + r",\s+что\s+"),
    re.compile(r"^(?P<who>[^,]{1,120}?) " + _EN_SAID + r",?\s+(?:that\s+)?(?=[A-Z])"),
)

# An English lead often opens with its day ("On Tuesday, …", "Thursday, …"), which a
# headline never does (its date stands above it).
_EN_DAY = re.compile(
    r"^(?:On |Early |Late )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?: (?:morning|afternoon|evening|night))?,\s+"
)
# A closed parenthesis inside the sentence ("(1430 UTC)", "(фото)", "(Россия + …)").
_PARENTHESIS = re.compile(r"\s\([^()]{0,120}\)")
_SAID_END = re.compile(r"\b" + _RU_SAID + r"$", re.IGNORECASE)
# What was said has no subject of its own when it opens with a verb ("устал от…",
# "намерен …"): the attribution is then the sentence's subject and stays.
_RU_SUBJECTLESS = re.compile(r"^(?:не )?[а-яё]+(?:л|ла|ли|ло|ет|ит|ют|ят|ен|на|ны)\b")
# 3. An inner clause set off by commas (a relative clause, a participle phrase) that the
# sentence reads well without; what follows its closing comma must not be a conjunction
# (", а также …": the commas were the main clause's, not the inner one's).
# A Russian participle: an active (-ющ-, -ящ-, -ащ-, -ущ-, -вш-) or present passive
# (-аем-, -яем-, -уем-) stem with its ending, reflexive or not ("находящихся",
# "предполагающей", "выдаваемых").
_RU_PARTICIPLE = r"\w+(?:ющ|ящ|ащ|ущ|вш|аем|яем|уем)\w{1,3}(?:ся|сь)?"
# What may not follow an inner clause's closing comma: then the comma was the main
# clause's (", а также …"), or a second subordinate clause or an attribution follows.
_NOT_AFTER_INNER = (
    r"а|и|но|или|а также|где|что|когда|котор\w+|and|but|or|where|" + _RU_SAID + r"|[—–-]"
)
_INNER = re.compile(
    r",\s(?:котор\w+|" + _RU_PARTICIPLE + r"|which|who|whose)\b[^,;:()—–]*,\s"
    r"(?!(?:" + _NOT_AFTER_INNER + r")(?:\s|\b))",
)

# 4. Clause boundaries: the headline ends before the first one after the main clause.
_CLAUSE = re.compile(
    r"(?:\s[—–-]\s|:\s|;\s|\s\(|(?<=\w\w\w)\.\s"
    r"|,\s(?:котор\w+|что|где|когда|чтобы|поскольку|так как|" + _RU_PARTICIPLE + r")\b"
    r"|,\s(?:[—–-]\s)?" + _RU_SAID + r"\b"
    r"|,\s(?:which|who|whose|where|according to|" + _EN_SAID + r")\b"
    r"|(?:(?<=[»\"”]),?|,)\s(?:[—–-]\s)?(?:deya|deb|дея|деб)\b"
    r"|,\s[—–-]\s?(?:" + _UZ_LATN_SAID + "|" + _UZ_CYRL_SAID + r"))",
    re.IGNORECASE,
)

# 5. Phrase boundaries: Russian and English cut before a preposition or conjunction
# (regular-expression alternatives, also read as word sets below).
_RU_BEFORE = (
    "и|а|но|или|в|во|на|по|для|с|со|после|между|за|от|до|из|при|через|против|у|к|о|об"
    "|без|под|над|перед|около|среди|вокруг"
)
_EN_BEFORE = (
    "and|but|or|in|on|at|for|with|after|from|over|against|during|amid|near|of|between|via|through"
)
_PHRASE = re.compile(rf"(?:,\s|\s(?=(?:{_RU_BEFORE}|{_EN_BEFORE})\s))", re.IGNORECASE)
# ... and never after a word that needs what follows: a preposition, conjunction or
# particle, a Russian infinitive or participle, or an English article or auxiliary.
# Russian correlatives ("о том, что", "тем, что", "того, чтобы") announce the clause after
# the comma, so a cut after one leaves the heading hanging.
_CORRELATIVE_WORDS = "то|том|тем|того|тому"
_NEEDS_MORE_WORDS = (
    "не|ни|бы|же|ли|что|как|the|a|an|of|to|is|are|was|were|be|been|has|have|had|"
    + _CORRELATIVE_WORDS
)
_NEEDS_MORE = frozenset(f"{_RU_BEFORE}|{_EN_BEFORE}|{_NEEDS_MORE_WORDS}".split("|"))
_NEEDS_MORE_RE = re.compile(r"(?:ть|ться|ти)$|^" + _RU_PARTICIPLE + "$", re.IGNORECASE)
# Uzbek puts the verb last, so a cut must end on a finite verb (a past, present-future,
# progressive or perfect form, or a predicate word), before ", ", " va " or a dash.
_UZ_VERB = re.compile(
    r"(?:di|dilar|dik|moqda|moqdalar|yapti|yaptilar|gan|ganlar|adi|ydi|adilar|ydilar|kerak|mumkin"
    r"|ди|дилар|дик|моқда|моқдалар|япти|яптилар|ган|ганлар|ади|йди|адилар|йдилар|керак|мумкин)$",
    re.IGNORECASE,
)
_JOINING_WORDS = "и|или|а|но|and|or|but|va|ва|yoki|ёки"
_JOINING = frozenset(_JOINING_WORDS.split("|"))
_UZ_PHRASE = re.compile(r"(?:,\s|\s(?:va|ва)\s|\s[—–-]\s)", re.IGNORECASE)


def _one_line(text: str) -> str:
    """The text on one line, without its final stop."""
    return " ".join(text.split()).rstrip(_TERMINAL)


def _capitalised(text: str) -> str:
    """The text with its first letter upper-case (what follows an attribution)."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _words(text: str) -> int:
    """Words in a stretch of text."""
    return len(text.split())


def _without_attribution(text: str) -> str:
    """The sentence without a leading attribution, when the news that follows is whole."""
    for pattern in (*_LEADING, _EN_DAY):
        found = pattern.match(text)
        if found and _words(text[found.end() :]) >= HEADLINE_MIN_WORDS:
            return _capitalised(text[found.end() :])
    for pattern in _LEADING_SAID:
        found = pattern.match(text)
        if (
            found
            and _words(found.group("who")) <= ATTRIBUTION_MAX_WORDS
            and _words(text[found.end() :]) >= HEADLINE_MIN_WORDS
            and not _RU_SUBJECTLESS.match(text[found.end() :])
        ):
            return _capitalised(text[found.end() :])
    return text


# An inclusive list set off by a comma and closed by "and others" (", в том числе
# Даулетмурата Тажимуратова, … и других", ", shu jumladan Dauletmurat Tojimuratov, … va
# boshqalarga"): examples of the noun before it, which a headline leaves to the body. The
# noun keeps its case (Uzbek "sudlanuvchilarga … boshqalarga": the ending is repeated).
_INCLUDING = re.compile(
    r",\s(?:в том числе|включая|shu jumladan|jumladan|шу жумладан|жумладан|including)\s"
    r"[^;:()—–]{1,160}?\s(?:и|а также|va|hamda|ва|ҳамда|and)\s"
    r"(?:других|другие|другим|другими|boshqa|бошқа|others|other)[\w'ʻ’]*",
    re.IGNORECASE,
)


def _without_inner_clauses(text: str) -> str:
    """The sentence without its parentheses, an inclusive list (:data:`_INCLUDING`) and
    the clauses set off by commas inside it."""
    return _INNER.sub(" ", _INCLUDING.sub("", _PARENTHESIS.sub("", text)))


_CORRELATIVES = frozenset(_CORRELATIVE_WORDS.split("|"))


def _main_clause(text: str, uzbek: bool) -> str:
    """The sentence up to its first clause boundary that leaves a whole clause before it.

    ", что" after a reporting verb is no boundary: "Хоким заявил, что устал…" is what
    was said, whose subject the attribution holds (so it was not removed). In Uzbek the
    clause before the boundary must end on its verb ("… yukini – fil tuskini …
    topdilar": the dash is inside the clause).
    """
    for found in _CLAUSE.finditer(text):
        head = text[: found.start()].rstrip(_TERMINAL)
        if _words(head) < HEADLINE_MIN_WORDS or (uzbek and not _ends_whole(head, uzbek)):
            continue
        if found.group().strip(" ,") == "что" and _SAID_END.search(head):
            continue
        if head.split()[-1].casefold() in _CORRELATIVES:
            continue  # "подал ходатайство о том, чтобы …": "о том" needs its clause
        return head
    return text


def _ends_whole(head: str, uzbek: bool) -> bool:
    """Whether a cut ending here ends a phrase (see :data:`_NEEDS_MORE`, :data:`_UZ_VERB`)."""
    words = head.split()
    if len(words) < HEADLINE_MIN_WORDS:
        return False
    last = words[-1].strip("\"'«»“”„()").casefold()
    if uzbek and head.endswith(("»", "”", '"')) and not _open_quote(head):
        return True  # a whole quotation: its verb is inside it
    if uzbek:
        return _UZ_VERB.search(last) is not None
    return last not in _NEEDS_MORE and _NEEDS_MORE_RE.search(last) is None


def _without_role(text: str) -> str:
    """The sentence with its subject's office dropped before the full name (see _ROLE)."""
    for pattern in _ROLE:
        found = pattern.match(text)
        if found:
            return text[found.end() :]
    return text


# What states the news in a Russian clause (pymorphy2's parts of speech): a finite verb
# ("дал"), a short participle ("назначен") or adjective ("намерен"), a predicative word
# ("нужно").
_RU_PREDICATE = frozenset({"VERB", "PRTS", "ADJS", "PRED"})
_RU_WORD = re.compile(r"[а-яё]+", re.IGNORECASE)


def _has_predicate(head: str) -> bool:
    """Whether a Russian start of a sentence keeps its predicate (True without pymorphy2,
    and for a head with no Cyrillic: English and Uzbek are not read here)."""
    words = _RU_WORD.findall(head)
    morph = russian_morph()
    if not words or morph is None:
        return True
    for word in words:
        parses = morph.parse(word.casefold())
        if parses and parses[0].tag.POS in _RU_PREDICATE:
            return True
    return False


def _phrase_cut(text: str, limit: int, uzbek: bool) -> str:
    """The longest start of the text within ``limit`` that ends a phrase; "" when none.

    A start shorter than :data:`PHRASE_CUT_MIN_SHARE` of the limit is no headline (it
    keeps the subject and drops the news: "Указом президента Узбекистана"), and neither
    is a Russian start without its predicate ("Во второй день суда по делу о событиях в
    Каракалпакстане один | из обвиняемых … дал показания": the verb was cut off).
    """
    pattern = _UZ_PHRASE if uzbek else _PHRASE
    best = ""
    for found in pattern.finditer(text):
        head = text[: found.start()].rstrip(_TERMINAL)
        if len(head) > limit:
            break
        # "союза мужчины | и женщины": a short tail after a conjunction or comma is the
        # rest of one coordinated phrase, not a phrase of its own
        rest = text[found.end() :]
        joined = found.group().startswith(",") or rest.split(" ", 1)[0].casefold() in _JOINING
        if joined and _words(rest) < HEADLINE_MIN_WORDS:
            continue
        if _ends_whole(head, uzbek) and not _open_quote(head) and (uzbek or _has_predicate(head)):
            best = head
    return best if len(best) >= PHRASE_CUT_MIN_SHARE * limit else ""


_QUOTE_PAIRS = (("«", "»"), ("“", "”"), ("„", "“"))
# A head of state or government named with office and country before the full name
# ("Президент Турции Реджеп Тайип Эрдоган", "Turkiya prezidenti Rejep Tayyip Erdo'g'on",
# "The Greek prime minister Kyriakos Mitsotakis"): a headline over the limit keeps the
# name and drops the office, as editors write "Эрдоган стал …".
_NAME_AHEAD = r"(?=(?:[A-ZА-ЯЁЎҚҒҲ][\w'ʻ’-]+\s+){1,2}[A-ZА-ЯЁЎҚҒҲ][\w'ʻ’-]+)"
_ROLE = (
    re.compile(
        r"^(?:Президент|Премьер-министр|Глава МИД|Министр иностранных дел|Глава"
        r"|Председатель|Канцлер|Король|Спикер)\s+[А-ЯЁ]\w+\s+" + _NAME_AHEAD
    ),
    re.compile(
        r"^[A-ZА-ЯЁЎҚҒҲ][\w'ʻ’-]+\s+(?:prezidenti|bosh vaziri|tashqi ishlar vaziri|qiroli"
        r"|президенти|бош вазири|ташқи ишлар вазири|қироли)\s+" + _NAME_AHEAD
    ),
    re.compile(
        r"^(?:The\s+)?(?:[A-Z]\w+\s+)?(?:president|prime minister|foreign minister|chancellor"
        r"|king)\s+" + _NAME_AHEAD
    ),
)
# Where the last resort prefers to cut (compose.shorten_headline's clause marks).
_CUT_MARK = re.compile(r"(?:[,;:]\s|\s[–—-]\s)")
# Words no cut ends on: :data:`_NEEDS_MORE` and Uzbek conjunctions and postpositions.
_UZ_NEEDS_MORE = "va|ва|bilan|билан|uchun|учун|ham|ҳам|yoki|ёки|hamda|ҳамда"
_ENDS_BADLY = _NEEDS_MORE | frozenset(_UZ_NEEDS_MORE.split("|"))


def _open_quote(text: str) -> bool:
    """Whether the text leaves a quotation open."""
    if text.count('"') % 2:
        return True
    return any(text.count(a) > text.count(b) for a, b in _QUOTE_PAIRS)


def _word_cut(text: str, limit: int) -> str:
    """The last resort, with "…": at the last clause mark (", ", " – ", ": ") that keeps
    :data:`PHRASE_CUT_MIN_SHARE` of the limit, else at the last word that fits; never
    after a word that needs what follows, never inside an open quotation."""
    room = text[: limit - len(ELLIPSIS)]
    marks = [m.start() for m in _CUT_MARK.finditer(room)]
    if marks and marks[-1] >= limit * PHRASE_CUT_MIN_SHARE:
        cut = room[: marks[-1]]
    else:
        cut = room[: room.rindex(" ")] if " " in room else room
    words = cut.split(" ")
    while len(words) > HEADLINE_MIN_WORDS and words[-1].casefold() in _ENDS_BADLY:
        words.pop()  # "… союза мужчины и…": the cut ends on a word, not on "и"
    cut = " ".join(words)
    for opening in ('"', "«", "“", "„"):
        if _open_quote(cut) and opening in cut:
            cut = cut[: cut.rindex(opening)]
    return cut.rstrip(_TERMINAL) + ELLIPSIS


# 6. Uzbek shortenings. A participle (-gan, -kan, -qan, -digan, -yotgan, -uvchi) among
# the first words of a sentence closes a phrase that modifies the noun after it.
_UZ_PARTICIPLE = re.compile(
    r"^[\w'ʻ’]+(?:gan|kan|qan|digan|uvchi|ovchi|ган|кан|қан|диган|увчи|овчи)$", re.IGNORECASE
)
# A genitive ("O'zbekistonning", "Президентининг"): the noun after the phrase is its
# possession ("O'zbekistonning yangilangan Konstitutsiyasida"), so the phrase stays.
_UZ_GENITIVE = re.compile(r"(?:ning|нинг)$", re.IGNORECASE)
# A leading instrument owned by a genitive: "O'zbekiston Prezidentining farmoni bilan"
# ("by the President's decree"), "Vazirlar Mahkamasining qarori bilan": who decided,
# which the headline's verb does not need (as "Указом президента" in Russian).
_UZ_BY_DECREE = re.compile(
    r"^(?:[\w'ʻ’-]+\s){0,2}[\w'ʻ’-]+(?:ning|нинг)\s[\w'ʻ’-]+\s(?:bilan|билан)\s", re.IGNORECASE
)
# A time adverbial, which a headline leaves to its date: "2023-2025 yillarda", "1 dekabrdan
# boshlab", "May oyida" is kept (it names the figure's month).
_UZ_WHEN = re.compile(
    r"(?:^|(?<=\s))(?:\d{1,4}(?:[-–]\d{1,4})?[- ](?:yil|йил)(?:lar|лар)?(?:da|да|dan|дан)"
    r"|\d{1,2}[- ][\w'ʻ’]+(?:dan|дан) (?:boshlab|бошлаб))\s",
    re.IGNORECASE,
)
# A leading participle phrase is at most this many words (the participle included): a
# place or an agent and the participle ("Qatarda bo'lib o'tgan", "Aeroflot guruhiga
# kiruvchi"); a longer one may hold the subject itself.
UZ_PARTICIPLE_MAX_WORDS = 4
_DASH = re.compile(r"\s[—–-]\s")
_UZ_AND = re.compile(r"\s(?:va|ва)\s", re.IGNORECASE)
# The Uzbek verbal noun (-ish, -sh; "chuqurlashtirish", "rivojlantirish").
_UZ_VERBAL_NOUN = re.compile(r"(?:sh|ш)$", re.IGNORECASE)
# Coordinated verbal nouns are parallel when the second follows within this many words
# (its own object and modifiers: "mamlakatlar o'rtasida har tomonlama hamkorlikni
# rivojlantirish" is six).
UZ_CONJUNCT_MAX_WORDS = 8


# A word that closes the constituent before it: a locative, dative or ablative noun
# ("O'zbekistonda", "haydovchilarga", "Toshkentdan"), a person's surname ("Hidayxodjayev",
# "Aliyeva"), a comma. An Uzbek phrase extends left from its head over its modifiers (bare
# nouns, adjectives, possessives, an object in -ni and its verbal noun) as far as such a
# word; a phrase left of any is the sentence's subject and is not dropped.
_UZ_CLOSES = re.compile(
    r"(?:,|(?:da|ga|ka|qa|dan|tan|ov|ev|yev|ova|eva|yeva)"
    r"|(?:да|га|ка|қа|дан|тан|ов|ев|ова|ева))$",
    re.IGNORECASE,
)
# "uchun" after a verbal noun ("qoidalarini buzganlik uchun", "... ta'minlash uchun"): a
# purpose or cause adjunct ("for violating the rules", "to ensure ..."), which the verb
# of the sentence does not need.
_UZ_FOR = re.compile(r"^(?:uchun|учун)$", re.IGNORECASE)
_UZ_ACTION_NOUN = re.compile(r"(?:lik|ligi|sh|ish|ганлик|лик|лиги|ш|иш)$", re.IGNORECASE)
# A topic postposition after an object and its verbal noun: "sheriklikni chuqurlashtirish
# to'g'risidagi deklaratsiya" (a declaration on deepening the partnership) says what
# "sheriklik to'g'risidagi deklaratsiya" says (on the partnership); the verbal noun goes
# and its object takes the bare form.
_UZ_ABOUT = re.compile(rf"^(?:to{_A}g{_A}risidagi|haqidagi|тўғрисидаги|ҳақидаги)$", re.IGNORECASE)
_UZ_OBJECT = re.compile(r"(?:ni|ни)$", re.IGNORECASE)
# A genitive chain ("... vazirligining tashqi mehnat migratsiyasi agentligining yangi
# rahbari"): the inner possessor names the office; the outer one (whose ministry the
# agency is in) is a modifier of it and goes with its own modifiers. Both genitives within
# this many words: the inner possessor and its modifiers ("tashqi mehnat migratsiyasi
# agentligining" is four).
UZ_CHAIN_MAX_WORDS = 5


def _uz_phrase_start(words: list[str], head: int) -> int:
    """Where the phrase ending at ``words[head]`` starts (see :data:`_UZ_CLOSES`); 0 when
    nothing closes a constituent before it."""
    for index in range(head - 1, -1, -1):
        if _UZ_CLOSES.search(words[index].strip("\"'«»“”")):
            return index + 1
    return 0


def _uz_without_topic_verbal_noun(text: str) -> str:
    """ "<object>-ni <verbal noun> to'g'risidagi" without the verbal noun (see _UZ_ABOUT)."""
    words = text.split(" ")
    for index in range(2, len(words)):
        if not _UZ_ABOUT.match(words[index]):
            continue
        verbal, obj = words[index - 1], words[index - 2]
        if _UZ_VERBAL_NOUN.search(verbal) and _UZ_OBJECT.search(obj) and len(obj) > 4:
            return " ".join([*words[: index - 2], obj[:-2], *words[index:]])
    return text


def _uz_without_outer_genitive(text: str) -> str:
    """A genitive chain without its outer possessor (see :data:`UZ_CHAIN_MAX_WORDS`)."""
    words = text.split(" ")
    genitives = [i for i, w in enumerate(words) if _UZ_GENITIVE.search(w.strip("\"'«»“”"))]
    for outer, inner in itertools.pairwise(genitives):
        between = words[outer + 1 : inner]
        if inner - outer > UZ_CHAIN_MAX_WORDS or any("," in w for w in between):
            continue
        start = _uz_phrase_start(words, outer)
        if start == 0:
            continue
        shorter = [*words[:start], *words[outer + 1 :]]
        if len(shorter) > HEADLINE_MIN_WORDS:
            return " ".join(shorter)
    return text


def _uz_without_purpose(text: str) -> str:
    """The sentence without a "<verbal noun> uchun" adjunct (see :data:`_UZ_FOR`)."""
    words = text.split(" ")
    for index in range(1, len(words) - 1):
        if not _UZ_FOR.match(words[index]) or not _UZ_ACTION_NOUN.search(words[index - 1]):
            continue
        start = _uz_phrase_start(words, index - 1)
        if start == 0:
            continue
        shorter = [*words[:start], *words[index + 1 :]]
        if len(shorter) > HEADLINE_MIN_WORDS:
            return " ".join(shorter)
    return text


def _uz_without_participle_phrase(text: str) -> str:
    """The sentence without a leading participle phrase (see :data:`_UZ_PARTICIPLE`)."""
    words = text.split(" ")
    for index, word in enumerate(words[:UZ_PARTICIPLE_MAX_WORDS]):
        if "," in word:
            return text
        if _UZ_GENITIVE.search(word):
            return text
        if index and _UZ_PARTICIPLE.match(word.strip("\"'«»“”")):
            rest = words[index + 1 :]
            if len(rest) >= HEADLINE_MIN_WORDS + 1:
                return _capitalised(" ".join(rest))
            return text
    return text


def _uz_without_apposition(text: str) -> str:
    """The sentence without an apposition set off by a dash before its final verb."""
    found = _DASH.search(text)
    if found is None:
        return text
    head, tail = text[: found.start()], text[found.end() :].split(" ")
    if len(tail) < 2 or not _UZ_VERB.search(tail[-1]) or any(_UZ_VERB.search(w) for w in tail[:-1]):
        return text
    return f"{head} {tail[-1]}"


def _uz_without_second_conjunct(text: str) -> str:
    """The sentence without the second of two coordinated verbal nouns."""
    for found in _UZ_AND.finditer(text):
        before = text[: found.start()].split(" ")
        if not before or not _UZ_VERBAL_NOUN.search(before[-1]):
            continue
        after = text[found.end() :].split(" ")
        for index, word in enumerate(after[:UZ_CONJUNCT_MAX_WORDS]):
            if "," in word:
                break
            if index and _UZ_VERBAL_NOUN.search(word) and index + 1 < len(after):
                return " ".join([*before, *after[index + 1 :]])
    return text


def _uz_without_adjuncts(text: str) -> str:
    """The sentence without a leading "<whose> <decree> bilan" and its time adverbials."""
    found = _UZ_BY_DECREE.match(text)
    if found and _words(text[found.end() :]) >= HEADLINE_MIN_WORDS:
        text = _capitalised(text[found.end() :])
    shorter = _UZ_WHEN.sub("", text)
    return _capitalised(shorter) if _words(shorter) >= HEADLINE_MIN_WORDS else text


def _uz_shortened(text: str, limit: int) -> str:
    """The Uzbek sentence with what its grammar lets go (step 6 of the module's list),
    one part at a time until it fits."""
    for shorten in (
        _uz_without_adjuncts,
        _uz_without_participle_phrase,
        _uz_without_apposition,
        _uz_without_second_conjunct,
        _uz_without_topic_verbal_noun,
        _uz_without_outer_genitive,
        _uz_without_purpose,
    ):
        if len(text) <= limit:
            break
        text = shorten(text)
    return text


# How a headline was made, best first: its main clause whole; shortened (an office, an
# Uzbek phrase); cut at a phrase boundary; cut at a word with "…".
WHOLE, SHORTENED, PHRASE_CUT, WORD_CUT = range(4)


def _headline(text: str, lang: str, limit: int) -> tuple[str, int]:
    """A headline made from one sentence and how it was made (:data:`WHOLE` …)."""
    one = _one_line(text)
    if not one:
        return "", WHOLE
    uzbek = lang.startswith("uz")
    head = _main_clause(_without_inner_clauses(_without_attribution(one)), uzbek)
    if len(head) <= limit:
        return head, WHOLE
    head = _without_role(head)
    if len(head) <= limit:
        return head, SHORTENED
    if uzbek:
        head = _uz_shortened(head, limit)
        if len(head) <= limit:
            return head, SHORTENED
    cut = _phrase_cut(head, limit, uzbek)
    if cut:
        return cut, PHRASE_CUT
    return _word_cut(head, limit), WORD_CUT


# A sentence that points back ("Об этом накануне рассказал …", "Ранее сообщалось …",
# "Shavkat Mirziyoyev bu haqda …", "… o'rtasida ham 18 ta hujjat") leans on the lead and
# heads no section, wherever the word stands.
_POINTS_BACK = re.compile(
    r"\b(?:об этом|ранее|накануне|также|ilgari|илгари|bu haqda|бу ҳақда|ham|ҳам)\b",
    re.IGNORECASE,
)


def _stands_alone(text: str, lang: str) -> bool:
    """Whether a sentence other than the lead can give a section its heading."""
    return back_reference(text, lang or None) is None and not _POINTS_BACK.search(text)


# A name the story shares: one that at least this many of its articles name, and at
# least this share of them ("the names most members cite"). Two, so that a story of one
# article has no shared names and its lead keeps the heading; half, so that a name one
# report of a big story mentions in passing does not count.
SHARED_NAME_MIN_ARTICLES = 2
SHARED_NAME_MIN_SHARE = 0.5
# Letters of a word that stand for its name across inflections ("Нукус", "Нукусе",
# "нукусских"; "Nukus", "Nukusdagi"): the stem length of midweek.editorial's
# announcement overlap, for the same reason.
NAME_STEM_LETTERS = 5
_NAME_RE = re.compile(r"(?<![\w'ʻ’])([A-ZА-ЯЁЎҚҒҲ][\w'ʻ’-]+)")
_STEM_APOSTROPHES = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))


def _stem(word: str) -> str:
    """The stem a name is matched by (:data:`NAME_STEM_LETTERS`)."""
    return word.translate(_STEM_APOSTROPHES).strip("'-").casefold()[:NAME_STEM_LETTERS]


def _opens_sentence(text: str, at: int) -> bool:
    """Whether the word at ``at`` opens its sentence (after quotes, brackets, spaces)."""
    at -= 1
    while at >= 0 and text[at] in " \t\"'«“„(":
        at -= 1
    return at < 0 or text[at] in ".!?…\n"


def _names(text: str) -> set[str]:
    """The stems of the capitalised words of a text that do not open a sentence."""
    return {
        _stem(found.group(1))
        for found in _NAME_RE.finditer(text)
        if len(found.group(1)) >= 3 and not _opens_sentence(text, found.start())
    }


def shared_names(texts: Sequence[str]) -> dict[str, float]:
    """The names a story's articles share, each with the share of articles naming it.

    Args:
        texts: One text per article of the story (in the review's language and script).

    Returns:
        Name stem -> share of the texts that name it, for the names at least
        :data:`SHARED_NAME_MIN_ARTICLES` texts and :data:`SHARED_NAME_MIN_SHARE` of them
        name; empty for a story of one article.
    """
    counts: dict[str, int] = {}
    for text in texts:
        for stem in _names(text):
            counts[stem] = counts.get(stem, 0) + 1
    total = len(texts)
    return {
        stem: count / total
        for stem, count in counts.items()
        if count >= SHARED_NAME_MIN_ARTICLES and count >= SHARED_NAME_MIN_SHARE * total
    }


def _names_carried(head: str, names: Mapping[str, float]) -> float:
    """How much of the story's shared names a headline carries: the shares of the
    distinct names its words stem to (a lower-case "нукусских" counts for "Нукус")."""
    stems = {_stem(word) for word in re.findall(r"[\w'ʻ’-]+", head)}
    return sum(share for stem, share in names.items() if stem in stems)


def headline_from_sentences(
    texts: list[str],
    lang: str = "",
    limit: int = HEADLINE_MAX_CHARS,
    names: Mapping[str, float] | None = None,
) -> str:
    """A section's heading from its sentences: the one that names the development.

    Args:
        texts: The section's sentences in the review's language, the lead first.
        lang: Their language tag.
        limit: The most characters.
        names: The story's shared names (:func:`shared_names`); None or empty for none.

    Returns:
        Of the headlines made from the sentences that stand alone (the lead: no
        back-reference, :func:`midweek.editorial.back_reference`, "Jarayon … bo'lib
        o'tadi" included; another: not "Об этом …", "Ранее …", "bu haqda" either), and
        not cut at a word with "…" when one is complete: the one carrying most of the
        story's shared names; on a tie the lead's, then the best made (:data:`WHOLE`
        before :data:`SHORTENED` before :data:`PHRASE_CUT`), then the earlier. When no
        sentence stands alone, the lead's. Empty only when there is no sentence with a
        visible character.
    """
    if not texts:
        return ""
    names = names or {}
    made = [
        (index, *_headline(text, lang, limit))
        for index, text in enumerate(texts)
        if (back_reference(text, lang or None) is None if index == 0 else _stands_alone(text, lang))
    ]
    made = [(index, head, how) for index, head, how in made if head]
    if not made:
        return _headline(texts[0], lang, limit)[0]
    complete = [m for m in made if m[2] != WORD_CUT] or made
    top = max(names.values(), default=0.0)
    most = {stem: share for stem, share in names.items() if share == top}

    def rank(made_one: tuple[int, str, int]) -> tuple[int, bool, int, int]:
        index, head, how = made_one
        if not most:  # a story of one article: its lead, as an editor reads it first
            return (0, index != 0, how, index)
        whole = how < PHRASE_CUT
        named = _names_carried(head, most) > 0
        if whole and named:
            tier = 0
        elif index == 0 and (whole or named):
            tier = 1
        else:
            tier = 2 if whole else 3
        return (tier, index != 0, how, index)

    return min(complete, key=rank)[1]


def headline_from_sentence(text: str, lang: str = "", limit: int = HEADLINE_MAX_CHARS) -> str:
    """A heading made from a lead sentence: its main clause, as an editor cuts it.

    Args:
        text: The lead sentence of a section (in ``lang``).
        lang: Its language tag (en, ru, uz-Latn, uz-Cyrl); "" when unknown (Uzbek is
            then told by its patterns alone, never by the verb-final cut).
        limit: The most characters (default :data:`HEADLINE_MAX_CHARS`).

    Returns:
        The sentence's main clause on one line without a final stop: leading
        attribution and inner clauses removed, cut before its first clause boundary,
        then at the last phrase boundary within ``limit``; ended with "…" only when no
        boundary fits. Empty only when ``text`` has no visible character.
    """
    return _headline(text, lang, limit)[0]
