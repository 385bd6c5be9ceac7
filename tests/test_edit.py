"""The editor's pure edits of a review (midweek.edit): sentences keep their citations,
sections move and go, tags resolve, teasers follow headings, the readable diff."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from midweek.edit import (
    ReviewEdit,
    SectionEdit,
    apply_edit,
    delete_section,
    edit_sentences,
    merge_tags,
    move_section,
    review_diff,
    section_text,
)
from midweek.models import Citation, Review, ReviewTag, Section, Sentence
from midweek.render.jsonout import review_to_dict
from midweek.store.desk import body_version


def _section(heading: str = "Water", story_key: str = "s-1") -> Section:
    def cite(article_id: int) -> Citation:
        return Citation(article_id, "https://news.example/", "t", "o")

    return Section(
        heading,
        (
            Sentence("The dam opened.", (cite(1),)),
            Sentence("Farmers  cheered.", (cite(2),)),
            Sentence("Prices fell.", (cite(1), cite(3))),
        ),
        story_key=story_key,
    )


def _body_review(sections: tuple[Section, ...], **fields: Any) -> Review:
    """A draft review with the given sections (and other fields)."""
    moment = datetime(2026, 11, 30, tzinfo=UTC)
    base: dict[str, Any] = {
        "slug": "review-test",
        "rubric": "R",
        "title": "T",
        "teasers": ("a",),
        "intro": "I",
        "sections": sections,
        "window_start": moment,
        "window_end": moment,
        "created_at": moment,
    }
    return Review(**{**base, **fields})


def test_kept_sentences_keep_their_citations_and_rewritten_ones_pass_theirs_on() -> None:
    section = _section()
    assert section_text(section) == "The dam opened.\nFarmers cheered.\nPrices fell."
    out = edit_sentences(section, "The dam opened.\nGrowers were glad.\n\nMarkets calmed.")
    assert [s.text for s in out] == ["The dam opened.", "Growers were glad.", "Markets calmed."]
    assert [c.article_id for c in out[0].citations] == [1]
    assert out[1].citations == ()
    # sentences 2 and 3 were rewritten: their sources (2 and 3) go to the last sentence
    assert [c.article_id for c in out[2].citations] == [2, 3]
    cited = {c.article_id for s in out for c in s.citations}
    assert cited == {1, 2, 3}


def test_apply_edit_leaves_untouched_sections_alone() -> None:
    review = _body_review((_section(),), tags=(ReviewTag("x", "", ""),))
    same = ReviewEdit(
        "T", "R", "I", ("a",), ("x",), (SectionEdit("Water", section_text(_section())),)
    )
    assert apply_edit(review, same) == review
    body = review_to_dict(review)
    assert body["tags"] == ["x"]  # an older body's plain tag stays as it was stored
    assert review_to_dict(apply_edit(review, same)) == body
    assert body_version(review_to_dict(apply_edit(review, same))) == body_version(body)
    with pytest.raises(ValueError, match="sections"):
        apply_edit(review, ReviewEdit("T", "R", "I", (), (), ()))


def test_section_moves_clamp_and_delete() -> None:
    review = _body_review(tuple(Section(h, ()) for h in "abc"))
    assert [s.heading for s in move_section(review, 0, -1).sections] == ["a", "b", "c"]
    assert [s.heading for s in move_section(review, 2, -1).sections] == ["a", "c", "b"]
    assert [s.heading for s in delete_section(review, 1).sections] == ["a", "c"]
    assert [s.heading for s in review.sections] == ["a", "b", "c"]  # input unchanged
    with pytest.raises(ValueError):
        delete_section(review, 3)
    with pytest.raises(ValueError):
        move_section(review, -1, 1)


def test_tags_keep_their_objects_and_new_names_resolve_to_entities() -> None:
    from midweek.entities import load_kb

    kb = load_kb()
    objects = [ReviewTag("Tashkent", "tashkent", "Q269")]
    merged = merge_tags(objects, ["tashkent", " Donald  Trump ", "donald trump", "", "Zyx Qwv"], kb)
    assert merged[0] is objects[0]
    assert merged[1] == ReviewTag("Donald Trump", "donald-trump", "Q22686")
    assert merged[2] == ReviewTag("Zyx Qwv", "prov-zyx-qwv", "prov:zyx-qwv")
    assert len(merged) == 3
    cyrillic = merge_tags([], ["Неизвестное имя"], None)[0]
    assert re.fullmatch(r"prov-[0-9a-f]{12}", cyrillic.slug)
    plain = ReviewTag("water", "", "")  # an older body's plain tag
    assert merge_tags([plain], ["Water"], None) == (plain,)


def test_review_diff_is_a_readable_unified_diff() -> None:
    before = _body_review((_section(),), title="Old")
    after = replace(before, title="New")
    diff = review_diff(before, after)
    assert diff.startswith("--- generated\n+++ current")
    assert "-title: Old" in diff and "+title: New" in diff
    assert review_diff(before, before) == ""


def test_teasers_follow_edited_headings_unless_edited_themselves() -> None:
    review = _body_review((_section(), _section("Fire", "s-2")), teasers=("Water", "Fire"), tags=())
    text = section_text(_section())
    renamed = ReviewEdit(
        "T",
        "R",
        "I",
        ("Water", "Fire"),  # the teasers as generated, untouched in the form
        (),
        (SectionEdit("Flood at the dam", text), SectionEdit("Fire", text)),
    )
    assert apply_edit(review, renamed).teasers == ("Flood at the dam", "Fire")
    own = ReviewEdit(
        "T",
        "R",
        "I",
        ("A teaser of my own", "Fire"),  # the editor wrote the first teaser
        (),
        (SectionEdit("Flood at the dam", text), SectionEdit("Blaze", text)),
    )
    assert apply_edit(review, own).teasers == ("A teaser of my own", "Blaze")
    cleared = ReviewEdit(
        "T", "R", "I", ("Water",), (), (SectionEdit("", text), SectionEdit("Fire", text))
    )
    assert apply_edit(review, cleared).teasers == ("Water",)  # no heading: the teaser stays
