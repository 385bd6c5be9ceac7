"""The text features the clusterer and the story stages share: words, leads, names, TF-IDF."""

from __future__ import annotations

import pytest

from midweek.text.features import (
    LEAD_WORDS,
    MAX_TEXT_CHARS,
    STOPWORDS,
    lead_of,
    named_strings,
    strip_markup,
    tfidf_matrix,
    title_and_lead,
    tokenize_words,
)


def test_tfidf_rows_are_unit_length_and_tokens_cross_scripts() -> None:
    """Rows are L2-normalised; Cyrillic and Latin tokens are kept, stopwords dropped."""
    docs = [tokenize_words(t) for t in ["Президент и премьер", "the Tashkent summit 2019", ""]]
    assert docs[0] == ["президент", "премьер"]
    assert docs[1] == ["tashkent", "summit", "2019"]
    matrix = tfidf_matrix(docs)
    norms = (matrix.multiply(matrix).sum(axis=1)).A.ravel()
    assert norms[0] == pytest.approx(1.0)
    assert norms[1] == pytest.approx(1.0)
    assert norms[2] == 0.0


def test_tokens_drop_single_letters_short_numbers_and_stopwords_of_each_language() -> None:
    assert {"the", "и", "va", "ва"} <= STOPWORDS
    assert tokenize_words("A 7 10 101 ва bu Ёки Toshkent") == ["101", "toshkent"]


def test_uzbek_words_run_across_their_apostrophe() -> None:
    """In Uzbek an apostrophe inside a word is a letter (oʻ, gʻ, the tutuq belgisi)."""
    text = "Qozog'iston va O‘zbekiston jahon chempionati bo'lib o`tgan ma’lumot"
    # read as any language, the apostrophe splits: "iston" is every -iston country's
    split = ["qozog", "iston", "zbekiston", "jahon", "chempionati", "bo", "lib", "tgan"]
    assert tokenize_words(text) == [*split, "ma", "lumot"]
    # as Uzbek: one term per word whatever the apostrophe typed; bo'lib ("to be") is a
    # stopword like the Russian "был"
    assert tokenize_words(text, uzbek=True) == [
        "qozog'iston",
        "o'zbekiston",
        "jahon",
        "chempionati",
        "o'tgan",
        "ma'lumot",
    ]
    assert tokenize_words("Oʻzbekiston", uzbek=True) == tokenize_words("O'zbekiston", uzbek=True)
    # an English clitic or a French elision still ends a word in Uzbek text
    assert tokenize_words("McDonald's l'Assemblée", uzbek=True) == ["mcdonald", "assemblée"]


def test_the_lead_is_the_first_words_of_the_first_characters() -> None:
    words = " ".join(f"w{i}" for i in range(LEAD_WORDS + 10))
    assert lead_of(f"  {words}\n") == " ".join(words.split()[:LEAD_WORDS])
    # a body past MAX_TEXT_CHARS is cut first: its one long "word" ends there
    assert lead_of("x" * (MAX_TEXT_CHARS + 50) + " tail") == "x" * MAX_TEXT_CHARS
    assert title_and_lead("Title", "one  two\nthree") == "Title\none two three"


def test_links_and_handles_are_no_words_or_names() -> None:
    post = (
        "Сессия Олий Мажлиса открылась 2023 https://www.gazeta.uz/ru/2023/04/03/x/"
        "?utm_source=push t.me/gazetauz @gazetauz"
    )
    stripped = strip_markup(post)
    assert "gazeta" not in tokenize_words(stripped)
    assert "utm_source" not in tokenize_words(stripped)
    assert "gazetauz" in tokenize_words(post)  # the guard: unstripped, they are words
    assert tokenize_words(stripped) == ["сессия", "олий", "мажлиса", "открылась", "2023"]


def test_names_are_capitalised_words_inside_a_sentence_and_long_numbers() -> None:
    assert named_strings("Talks in Tashkent on 2019 budget. Then Mirziyoyev spoke.") == {
        "tashkent",
        "2019",
        "mirziyoyev",
    }
    assert named_strings("The end. And 12 more") == frozenset()
