"""Sentence splitting for English, Russian and Uzbek (Latin and Cyrillic).

razdel's rule-based ``sentenize`` handles the abbreviations and initials of Russian
news ("Ш. М. Мирзиёев", "т.е.") and works for English and Uzbek text too (see
DESIGN.md, "Sentence splitting for ru/uz/en: razdel").
"""

from __future__ import annotations

import logging
import re

from razdel import sentenize

logger = logging.getLogger(__name__)

__all__ = ["GLUED_STOP_RE", "GLUED_WORDS_RE", "glued_boundary", "split_glued", "split_sentences"]

# Sources glue paragraphs: a Telegram export or a scraped page drops the line break, and
# razdel then sees one sentence ("...ochildi.Namangan viloyatida...", "...dalil
# keltirmaganSodiq Safoyev..."), which is too long or reads as nonsense (issue 12: two
# top-ranked stories lost this way). Both are split before razdel runs.
# A full stop, "!" or "?" straight after two letters and before a capitalised word with no
# space between (".Namangan"). Two letters before the stop keep initials and
# abbreviations ("U.S.A") out; a lower-case letter after it keeps domains (kun.uz) out.
GLUED_STOP_RE = re.compile(r"(?<=[^\W\d_]{2}[.!?])(?=[A-ZА-ЯЁЎҚҒҲ][a-zа-яёўқғҳ])")
# A lower-case word of at least four letters straight before a capital and three more
# lower-case letters: a paragraph without its final stop glued to the next
# ("keltirmaganSodiq"). The lower-case run must be the whole word, from its first letter:
# a camel-case name starts with a capital ("InterContinental", "MasterCard",
# "PlayStation"; gazeta.uz's "Новую гостиницу InterContinental Tashkent…" was split into
# "…гостиницу Inter" and a heading "Continental Tashkent планируется…"), and names that do
# not (iPhone, eBay) have shorter runs, which the four-and-three lengths keep out. The
# match is the lower-case word; the boundary is its end (:func:`glued_boundary`).
GLUED_WORDS_RE = re.compile(
    r"(?<![^\W\d_])(?<!['ʻ’])[a-zа-яёўқғҳ'ʻ’]{4,}(?=[A-ZА-ЯЁЎҚҒҲ][a-zа-яёўқғҳ]{3})"
)


# A second sentence that razdel keeps with the first. The Uzbek machine translations
# lower-case the word after a full stop ("…birinchi egasi boʻldi. uning soʻzlariga
# koʻra, …", W3; the rule below parts 7 such stops in the 9,032 posts' text_uz_mt of
# news-ru-uz-telegram-gazeta-podrobno), and razdel reads a stop before a lower-case word
# as an abbreviation's. A stop is a sentence's end when the next word opens a clause: a
# personal or demonstrative pronoun or a sentence connective of Uzbek (Latin or
# Cyrillic), a closed list; an abbreviation or a unit before the stop ("mln. soʻm",
# "kv. m", "1996 y. t.", "h.k.") keeps it one sentence, as does any word of fewer than
# three letters ("Kruz.uz.", initials) and an ellipsis. (razdel also keeps W3's "…Togg
# T10X. Он заявил, …" together; split there, gazeta.uz's lead is a paraphrase of
# podrobno.uz's and "Он заявил" needs it, so the section loses its second outlet: left
# as it is, see docs/benchmarks.md.)
_CLAUSE_OPENERS = (
    "uning|u|ular|ularning|ulardan|unga|uni|undan|bu|bunday|buni|bunda|bundan|bular"
    "|bularning|shu|shuning|shuningdek|ushbu|biroq|ammo|lekin|chunki|natijada|masalan"
    "|keyin|shundan|shunda|унинг|у|улар|уларнинг|улардан|унга|уни|ундан|бу|бундай|буни"
    "|бунда|бундан|булар|буларнинг|шу|шунинг|шунингдек|ушбу|бироқ|аммо|лекин|чунки"
    "|натижада|масалан|кейин|шундан|шунда"
)
_LOWER_CLAUSE_RE = re.compile(
    rf"(?<![\w.])([^\W\d_]{{3,}}[.!?])(\s+)(?=(?:{_CLAUSE_OPENERS})(?![\w'ʻ’-]))"
)
# Abbreviations and units of three letters and more that a stop ends and a lower-case
# word may follow (Uzbek and Russian news: millions, square metres, regions, districts).
_ABBREVIATIONS = frozenset(
    "mln mlrd trln kvm boshq vil tum mkr tel ming руб млн млрд трлн тыс обл вил тум".split()  # noqa: SIM905
)


def _clause_stops(text: str) -> list[int]:
    """Where a sentence razdel would keep whole ends before a clause opener (the space)."""
    found: list[int] = []
    for m in _LOWER_CLAUSE_RE.finditer(text):
        if m.group(1)[:-1].casefold() not in _ABBREVIATIONS:
            found.append(m.start(2))
    return sorted(found)


def glued_boundary(text: str) -> int | None:
    """Where the first two glued paragraphs or sentences of ``text`` meet (see
    :data:`GLUED_STOP_RE`, :data:`GLUED_WORDS_RE`, :func:`_clause_stops`), or None when
    nothing is glued."""
    found = [m.start() for m in GLUED_STOP_RE.finditer(text)]
    found += [m.end() for m in GLUED_WORDS_RE.finditer(text)]
    found += _clause_stops(text)
    return min(found) if found else None


def _open_guillemet(text: str) -> bool:
    """Whether a piece leaves a « quotation open: razdel splits inside one at a full stop
    ("выставка «Иннопром. Центральная Азия»"), and the name or quotation is one sentence."""
    return text.count("«") > text.count("»")


def split_glued(line: str) -> str:
    """The line with a line break wherever two paragraphs were glued together.

    Only whitespace is added, so every sentence split from the result is still found
    verbatim in the original line (up to that whitespace).

    Args:
        line: One line of text.

    Returns:
        The line, with "\\n" at each glued boundary.
    """
    line = GLUED_WORDS_RE.sub(lambda m: m.group(0) + "\n", GLUED_STOP_RE.sub("\n", line))
    stops = _clause_stops(line)
    for start in reversed(stops):
        end = start + len(line[start:]) - len(line[start:].lstrip())
        line = line[:start] + "\n" + line[end:]
    return line


# razdel knows one-letter initials ("Ш. Мирзиёев") but not the Uzbek Latin digraph ones:
# "Sh. Mirziyoyev", "Ch. Aytmatov", "O‘. Hoshimov", "G‘. G‘ulom". A piece ending in one of
# these, followed by a piece that opens with a capital, is one sentence.
_UZ_DIGRAPH_INITIAL_RE = re.compile(r"(?:^|[\s(«\"])(?:Sh|Ch|Ng|[OG][‘'ʻ’`])\.$")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, never merging across line breaks.

    Each line (paragraph) is split on its own, so a heading or dateline without a
    final full stop is not glued to the first sentence of the next paragraph; paragraphs
    the source glued together (".Namangan", "keltirmaganSodiq") are parted first
    (:func:`split_glued`). The sentences are returned exactly as they appear in ``text``
    apart from whitespace at the glued boundaries and at both ends, so a caller can find
    each one verbatim.

    Args:
        text: Plain text, paragraphs separated by newlines.

    Returns:
        The non-empty sentences in document order.
    """
    sentences: list[str] = []
    for line in split_glued(text).splitlines():
        if not line.strip():
            continue
        spans: list[tuple[int, int]] = []
        for piece in sentenize(line):
            if spans and (
                _open_guillemet(line[spans[-1][0] : spans[-1][1]])
                or (
                    _UZ_DIGRAPH_INITIAL_RE.search(line[spans[-1][0] : spans[-1][1]])
                    and piece.text[:1].isupper()
                )
            ):
                spans[-1] = (spans[-1][0], piece.stop)
            else:
                spans.append((piece.start, piece.stop))
        sentences.extend(s for start, stop in spans if (s := line[start:stop].strip()))
    return sentences
