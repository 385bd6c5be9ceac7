"""Index terms: Russian stems, Uzbek prefixes in both scripts, other languages untouched."""

from __future__ import annotations

from midweek.cluster import tokenize_words
from midweek.text.stems import UZBEK_PREFIX, index_terms


def test_russian_case_forms_of_one_word_share_a_term() -> None:
    # forms from real posts of one trial (real-weeks W1): "в Нукусе", "о Нукусе"...
    forms = index_terms(["нукусе", "нукус", "нукуса", "суде", "суд", "судом"], "ru")
    assert forms[0] == forms[1] == forms[2]
    assert forms[3] == forms[4] == forms[5]
    assert index_terms(["суд"], "ru") != index_terms(["нукус"], "ru")


def test_uzbek_suffix_chains_share_a_term_in_both_scripts() -> None:
    latin = index_terms(["toshkent", "toshkentda", "toshkentdagi"], "uz")
    cyrillic = index_terms(["тошкент", "тошкентда", "тошкентдаги"], "uz-Cyrl")
    assert len(set(latin)) == 1 and len(set(cyrillic)) == 1
    assert all(len(t) == UZBEK_PREFIX for t in latin + cyrillic)


def test_numbers_and_short_words_are_kept_whole() -> None:
    assert index_terms(["2023", "180", "sud"], "uz") == ["2023", "180", "sud"]
    assert index_terms(["2023"], "ru") == ["2023"]


def test_other_languages_and_unknown_tags_keep_their_tokens() -> None:
    # English is not stemmed: on ECB+ it cost precision (docs/benchmarks.md)
    tokens = tokenize_words("Earthquakes struck; the earthquake killed")
    assert index_terms(tokens, "en") == tokens
    assert index_terms(tokens, None) == tokens
    assert index_terms(tokens, "xx-Zzzz") == tokens
    assert index_terms([], "ru") == []
