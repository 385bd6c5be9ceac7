"""Sentence splitting on English, Russian and Uzbek (Latin and Cyrillic) text."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from midweek.text.sentences import split_sentences


def test_english_abbreviations_do_not_split() -> None:
    """Titles, initials and decimals stay inside their sentence."""
    text = (
        "Mr. Smith went to Washington D.C. on Monday. He met the U.S. president. It took 3.5 hours."
    )
    assert split_sentences(text) == [
        "Mr. Smith went to Washington D.C. on Monday.",
        "He met the U.S. president.",
        "It took 3.5 hours.",
    ]


def test_russian_initials_and_abbreviations() -> None:
    """Russian initials (Ш. М.) and т.е. do not end a sentence; quotes end one."""
    text = (
        "Президент Ш. М. Мирзиёев провёл встречу в Ташкенте. "
        "Он сказал: «Всё идёт по плану!» Затем, т.е. после обеда, делегация уехала."
    )
    assert split_sentences(text) == [
        "Президент Ш. М. Мирзиёев провёл встречу в Ташкенте.",
        "Он сказал: «Всё идёт по плану!»",
        "Затем, т.е. после обеда, делегация уехала.",
    ]


def test_uzbek_cyrillic() -> None:
    """Uzbek Cyrillic letters (ў қ ғ ҳ) and initials split like Russian."""
    text = (
        "Тошкентда 5 октябрь куни учрашув бўлди. Президент Ш. Мирзиёев нутқ сўзлади! "
        "Бу муҳим воқеа."
    )
    assert split_sentences(text) == [
        "Тошкентда 5 октябрь куни учрашув бўлди.",
        "Президент Ш. Мирзиёев нутқ сўзлади!",
        "Бу муҳим воқеа.",
    ]


def test_uzbek_latin_apostrophes() -> None:
    """The Uzbek apostrophe family inside words never ends a sentence."""
    text = (
        "O‘zbekiston Prezidenti Sh. Mirziyoyev Samarqandga bordi. "
        "U yerda ko'plab loyihalar ko‘rildi."
    )
    assert split_sentences(text) == [
        "O‘zbekiston Prezidenti Sh. Mirziyoyev Samarqandga bordi.",
        "U yerda ko'plab loyihalar ko‘rildi.",
    ]


def test_line_breaks_are_hard_boundaries() -> None:
    """A heading without a full stop is not glued to the next paragraph."""
    assert split_sentences("Breaking news\n\nThe river rose overnight.\n  \n") == [
        "Breaking news",
        "The river rose overnight.",
    ]


def test_empty_text() -> None:
    """Blank input gives no sentences."""
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n") == []


@pytest.mark.parametrize("script", ["latn", "cyrl"])
def test_real_uzbek_and_russian_articles_split_verbatim(shared_data: Path, script: str) -> None:
    """On real kun.uz / uznews.uz texts every sentence is found verbatim and ends sensibly."""
    path = shared_data / "news-uz-kunuz-uznews-samples" / "articles.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    chosen = [r for r in records if r["script"] == script and len(r["text"]) >= 400][:15]
    assert len(chosen) == 15
    ends = 0
    total = 0
    for record in chosen:
        sentences = split_sentences(record["text"])
        assert sentences
        for sentence in sentences:
            assert sentence in record["text"]
            assert sentence == sentence.strip()
            total += 1
            ends += sentence.rstrip("»”\"')").endswith((".", "!", "?", "…", ":"))
    # texts of 400+ characters hold several sentences each (one long list item is fine)
    assert total >= 3 * len(chosen)
    # most pieces are whole sentences (the rest are headings and list items)
    assert ends / total > 0.8


def test_a_lower_cased_clause_after_a_full_stop_starts_a_sentence(shared_data: Path) -> None:
    """The Uzbek translation of gazeta.uz's Togg post (W3) writes "…birinchi egasi boʻldi.
    uning soʻzlariga koʻra, …": two sentences, each still found verbatim in the post."""
    with gzip.open(
        shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz", "rt"
    ) as fh:
        text = next(
            json.loads(line)["text_uz_mt"]
            for line in fh
            if '"gazetauz-2023-04-04 11:53:12-0"' in line
        )
    sentences = split_sentences(text)
    glued = [s for s in sentences if "bo'ldi. uning" in s]
    assert not glued
    second = next(s for s in sentences if s.startswith("uning so'zlariga ko'ra"))
    assert second in " ".join(text.split())
    assert split_sentences(
        "Туркия президенти биринчи эгаси бўлди. унинг сўзларига кўра, машина юборилган."
    ) == [
        "Туркия президенти биринчи эгаси бўлди.",
        "унинг сўзларига кўра, машина юборилган.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        # abbreviations and units before the stop (podrobno.uz / gazeta.uz translations)
        "Samosval 16 kub narxi 248 mln. so'm bo'ldi.",
        "Uy narxi 248 mln. uning uchun to'lanadi.",
        "Berdax Genjebayev (1996 y. t.) u yerda ishlagan.",
        "Bu haqda Kruz.uz. ularning barchasi shaharcha aholisi edi, deb yozdi.",
        # an ellipsis continues the speaker's words
        "\"Men ketyapman... bunday yig'ilishda o'tirmaslik yaxshiroqdir\", dedi u.",
        # a word after the stop that opens no clause
        "Shamol 5-10 m / s. harorat 27-29°, deb xabar beradi O'zgidromet.",
    ],
)
def test_a_lower_case_word_after_an_abbreviation_continues_the_sentence(text: str) -> None:
    assert split_sentences(text) == [text]
