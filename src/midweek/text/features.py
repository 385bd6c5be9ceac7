"""Text features the clusterer and the story stages share: words, leads, names, TF-IDF.

The clusterer (:mod:`midweek.cluster`) reads an article as its title and lead
(:func:`lead_of`, :func:`title_and_lead`), its content words (:func:`tokenize_words`, after
:func:`strip_markup` has taken out links and @handles) and a proxy for its entities
(:func:`named_strings`). The story stages read the same words and the same batch TF-IDF
(:func:`tfidf_matrix`): the representative headlines (:mod:`midweek.story_figures`),
topics and threads (:mod:`midweek.topics`), ranking (:mod:`midweek.rank`), summaries
(:mod:`midweek.summarize`), the LLM checks (:mod:`midweek.llm`) and the evaluation
(:mod:`midweek.evaluate`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy import sparse

__all__ = [
    "LEAD_WORDS",
    "MAX_TEXT_CHARS",
    "MIN_NUMBER_DIGITS",
    "MIN_TOKEN_CHARS",
    "STOPWORDS",
    "lead_of",
    "named_strings",
    "strip_markup",
    "tfidf_matrix",
    "title_and_lead",
    "tokenize_words",
]
# Words of the body used with the title. On ECB+ with the baseline, 30 words gave B-cubed
# F1 0.817, 60 gave 0.868, 120 and 400 about 0.87: 60 is where the gain stops.
LEAD_WORDS = 60

# Tokens shorter than this are dropped: single letters and initials carry no topic.
MIN_TOKEN_CHARS = 2

# Numbers shorter than this are dropped: years and casualty figures identify an event,
# but "1" or "10" in a lead is noise.
MIN_NUMBER_DIGITS = 3

# Texts longer than this (characters) are cut before tokenising: a 5 MB "article" is a
# broken extraction, and only the lead is used anyway.
MAX_TEXT_CHARS = 20_000

_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Uzbek Latin spells the letters oʻ and gʻ and the tutuq belgisi (ʼ) with an apostrophe,
# and posts and machine translations type it as ', ’, ‘ or ` ("O'zbekiston", "bo'lib",
# "ma'lumot"). Read at \w+, "Qozog'iston" was the two terms "qozog" and "iston" (the second
# shared with every "-iston" country) and "bo'lib o'tgan" ("took place") the fragments "bo",
# "lib", "tgan": in W1 of the real weeks they made over a quarter of the cosine between the
# World Cup ticket-fraud post and the group-stage column, which it joined. So for Uzbek
# (tokenize_words(..., uzbek=True)) the variants are read as one (_APOSTROPHES:
# "oʻzbekiston" and "o'zbekiston" are one term) and a word runs across the apostrophe
# after o, g or the vowels a, e, i (ma'lumot, e'lon), never before an English clitic
# ('s, 're, 'll, 've, 'd, 'm, 't: a foreign "McDonald's" is still "mcdonald"). Other
# languages keep \w+: there an apostrophe ends a word (l'Assemblée, Obama's).
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018`\u02bb\u02bc", "'"))
_UZBEK_WORD_RE = re.compile(
    r"\w+(?:(?<=[aeiog])'(?!(?:s|t|re|ll|ve|d|m)\b)\w+)*", re.UNICODE | re.IGNORECASE
)
_NAME_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[^\W\d_][\w'-]{2,}", re.UNICODE | re.MULTILINE)
_NUMBER_RE = re.compile(r"\b\d{3,}\b")
# Links and @handles: markup of a post, not its words. A gazeta.uz Telegram post ends with
# "https://www.gazeta.uz/ru/2023/04/03/<slug>/?utm_source=push&utm_medium=telegram" and
# "@gazetauz": eleven tokens ("https", "www", "gazeta", "uz", "ru", "2023", "utm_source",
# "push", "utm_medium", "telegram", "gazetauz") and the name "2023" shared by every post of
# the outlet, which gave unrelated posts a TF-IDF cosine of 0.2-0.3 in the real weeks
# (docs/benchmarks.md "Real weeks: lemmas"). The same pattern as the checker's links
# (midweek.editorial), plus handles.
_MARKUP_RE = re.compile(r"(?:https?://|www\.)\S+|\bt\.me/\S+|(?<!\w)@\w+", re.IGNORECASE)

# Function words of en/ru/uz that IDF alone does not push down enough in small batches.
STOPWORDS = frozenset(
    word
    for line in (
        "the and for that with from this was were are has have had but not its his her",
        "their they she him them who which what when where will would can could been being",
        "said says also into after before over about than then there these those our out",
        "more most other some such only just one two new all any may might",
        "и в во на не что как по из за от до для это его её ее их он она они был была было",
        "были бы же ли но а или то так уже все всё при об со под над также который которые",
        "va bu ham bilan uchun edi deb esa yoki lekin ammo haqida shu u ular",
        "ва бу ҳам билан учун эди деб эса ёки лекин аммо ҳақида шу у улар",
        # Uzbek Latin words spelled with an apostrophe, tokens only where it is read as a
        # letter (tokenize_words(..., uzbek=True)): the forms of bo'lmoq "to be" (the
        # Russian line's был / была / было / были), bo'yicha "on, by" (по) and
        # to'g'risida "about" (haqida's synonym)
        "bo'lib bo'lgan bo'ldi bo'ladi bo'lsa bo'lishi",
    )
    for word in line.split()
)


def tokenize_words(text: str, *, uzbek: bool = False) -> list[str]:
    """Lower-case word tokens of any script, without stopwords and single letters.

    Args:
        text: Plain text in any language.
        uzbek: Read the text as Uzbek: an apostrophe inside a word is a letter
            (:data:`_UZBEK_WORD_RE`: "O'zbekiston" is one token, not "zbekiston").

    Returns:
        The tokens in order (repeats kept: term frequency matters).
    """
    if uzbek:
        found = _UZBEK_WORD_RE.finditer(text.translate(_APOSTROPHES))
    else:
        found = _WORD_RE.finditer(text)
    tokens = (match.group(0).casefold() for match in found)
    return [token for token in tokens if _is_content_token(token)]


def _is_content_token(token: str) -> bool:
    """Whether a token carries topic: not a stopword, a single letter or a short number."""
    if token.isdigit():
        return len(token) >= MIN_NUMBER_DIGITS
    return len(token) >= MIN_TOKEN_CHARS and token not in STOPWORDS


def strip_markup(text: str) -> str:
    """The text with links and @handles (:data:`_MARKUP_RE`) replaced by spaces."""
    return _MARKUP_RE.sub(" ", text)


def lead_of(text: str) -> str:
    """The part of a body the clusterer reads with the title: its first words.

    Args:
        text: The body.

    Returns:
        Its first :data:`LEAD_WORDS` words (of the first :data:`MAX_TEXT_CHARS`
        characters), joined by single spaces.
    """
    return " ".join(text[:MAX_TEXT_CHARS].split()[:LEAD_WORDS])


def title_and_lead(title: str, text: str) -> str:
    """What the clusterer reads names and entity ids from: the title, then the lead.

    Args:
        title: The headline (may be empty).
        text: The body.

    Returns:
        ``title``, a newline and :func:`lead_of` the body.
    """
    return f"{title}\n{lead_of(text)}"


def named_strings(text: str) -> frozenset[str]:
    """A proxy for entity ids: capitalised words not at a sentence start, and long numbers.

    Used until entity linking supplies canonical ids. Works for any cased script (Latin,
    Cyrillic, Greek); caseless scripts give only numbers.

    Args:
        text: Title and lead.

    Returns:
        Case-folded names and numbers of three or more digits.
    """
    names = {m.group(0).casefold() for m in _NAME_RE.finditer(text) if m.group(0)[0].isupper()}
    names -= STOPWORDS
    names.update(_NUMBER_RE.findall(text))
    return frozenset(names)


def tfidf_matrix(documents: Sequence[Sequence[str]]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows for tokenised documents.

    Term frequency is sublinear (1 + log tf) so a word repeated in a long text does not
    swamp the rest; IDF is smoothed, ``log((1 + n) / (1 + df)) + 1``, so a word found in
    every document still counts a little. Columns follow the sorted vocabulary, so the
    result does not depend on set iteration order.

    Args:
        documents: One token list per document.

    Returns:
        A ``len(documents) x vocabulary`` CSR matrix; an empty document is a zero row.
    """
    vocabulary = {
        term: index for index, term in enumerate(sorted({t for d in documents for t in d}))
    }
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, tokens in enumerate(documents):
        counts: dict[int, int] = defaultdict(int)
        for token in tokens:
            counts[vocabulary[token]] += 1
        for col, count in sorted(counts.items()):
            rows.append(row)
            cols.append(col)
            values.append(1.0 + math.log(count))
    shape = (len(documents), len(vocabulary))
    matrix = sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), (rows, cols)), shape=shape, dtype=np.float64
    )
    if matrix.nnz == 0:
        return matrix
    df = np.bincount(matrix.indices, minlength=shape[1])
    idf = np.log((1.0 + shape[0]) / (1.0 + df)) + 1.0
    matrix = sparse.csr_matrix(matrix @ sparse.diags(idf))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
