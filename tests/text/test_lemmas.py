"""Index terms: Russian words by their lemma (pymorphy2 through natasha), others as given."""

from __future__ import annotations

from midweek.text.lemmas import index_terms, lemmas_available, lemmatised, russian_lemma


def test_the_analyser_loads() -> None:
    # natasha (and its pymorphy2) is a hard dependency: these tests fail, never skip, without it
    assert lemmas_available()


def test_inflected_forms_of_one_word_share_a_lemma() -> None:
    """The forms that split one event's posts read as one term."""
    assert russian_lemma("ливня") == russian_lemma("ливень") == "ливень"
    assert russian_lemma("подтоплений") == russian_lemma("подтопления") == "подтопление"
    assert russian_lemma("ташкенте") == russian_lemma("ташкента") == "ташкент"


def test_only_russian_documents_are_lemmatised() -> None:
    tokens = ["ливня", "toshkentda", "floods", "2023"]
    assert index_terms(tokens, "ru") == ["ливень", "toshkentda", "floods", "2023"]
    assert index_terms(tokens, "ru-RU")[0] == "ливень"
    for lang in ("en", "uz", "uz-Cyrl", None, ""):
        assert index_terms(tokens, lang) == tokens
        assert not lemmatised(lang)
    assert lemmatised("ru") and lemmatised("RU-ru")


def test_non_words_keep_their_form() -> None:
    """Numbers, Latin and mixed tokens are not looked up."""
    for token in ("2023", "e-qaror", "utm_source", "covid19", "x5"):
        assert russian_lemma(token) == token
