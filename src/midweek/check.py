"""The review checker: every defect an editor would catch, as a named check with a reason.

``midweek check REVIEW`` and the desk run :func:`check_review` over a review read from
its JSON body (what ``midweek review --format json`` writes and the store keeps) by
:func:`check_review_body`, so a review from a file, the store or the desk is checked the
same way. The checks are the
detectors of :mod:`midweek.editorial`, the ones the composer avoids; a review the
extractive composer writes passes them, and each check is tested on hand-made bad
reviews and real failing sentences of the shared data (``tests/test_check.py``).

Two checks need more than the review: :data:`~midweek.editorial.UNINTRODUCED_NAME`
reads the cited source articles when they are given (else only the section itself:
a full name that comes after its short form), and :data:`~midweek.editorial.ONE_OUTLET`
needs each story's number of outlets (``story_outlets``), which the review does not hold.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from midweek.editorial import (
    ADVERT_TEXT,
    BACK_REFERENCE,
    CHECKS,
    HEADING,
    ONE_OUTLET,
    STALE_ANNOUNCEMENT,
    TAG,
    UNINTRODUCED_NAME,
    WRONG_LANGUAGE,
    Defect,
    back_reference,
    heading_defect,
    sentence_defects,
    stale_announcement,
    tag_defects,
    unintroduced_name,
    wrong_language,
)
from midweek.kinds import article_kind, is_news
from midweek.models import Article, Review, Section, Sentence
from midweek.render.jsonout import review_from_dict
from midweek.text.dates import resolve_relative_dates
from midweek.text.lang import detect_script
from midweek.text.sentences import split_sentences

logger = logging.getLogger(__name__)

__all__ = ["CheckReport", "check_review", "check_review_body", "cited_ids"]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What the checker found in one review.

    Attributes:
        slug: The review's slug.
        lang: The review's language.
        defects: Every finding, in the review's reading order.
    """

    slug: str
    lang: str
    defects: tuple[Defect, ...]

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.defects

    def counts(self) -> dict[str, int]:
        """Findings per check, every check listed (zeros included), in check order."""
        counts = dict.fromkeys(CHECKS, 0)
        for defect in self.defects:
            counts[defect.check] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``midweek check --json`` prints."""
        return {
            "slug": self.slug,
            "lang": self.lang,
            "ok": self.ok,
            "counts": self.counts(),
            "defects": [
                {"check": d.check, "where": d.where, "reason": d.reason, "text": d.text}
                for d in self.defects
            ],
        }


def _source_before(sentence: str, article: Article) -> str:
    """The text of a source article before the sentence (all of it when not found).

    The sentence is found as its source has it or with its relative dates resolved, as
    the composer shows it (:func:`midweek.text.dates.resolve_relative_dates`).
    """
    key = " ".join(sentence.split())
    day = article.published.date() if article.published is not None else None
    before: list[str] = []
    for raw in split_sentences(article.text):
        flat = " ".join(raw.split())
        if key in (flat, resolve_relative_dates(flat, day, article.language_tag)):
            return " ".join(before)
        before.append(raw)
    return " ".join(before)


_QUOTE_OPENERS = "«\"“„'"


def _heading_back_reference(text: str, lang: str) -> str | None:
    """A heading, teaser or title that only makes sense after another sentence: it opens
    with a word that points back or with a bare shell noun ("Jarayon Buxoro viloyat
    sudida bo'lib o'tadi": which process?), :func:`midweek.editorial.back_reference`."""
    if not text.strip() or text.lstrip()[:1] in _QUOTE_OPENERS:
        # a quotation heading names its speaker after the quote ("«Он мог позволить себе
        # даже самолёт» — сын … рассказал об отце", a real upl.uz title): its opening
        # words are the speaker's, not the heading's
        return None
    reason = back_reference(text, lang)
    return f"heading refers back: {reason}" if reason else None


def _frame(review: Review, lang: str) -> list[Defect]:
    """Defects of the title and teasers."""
    found: list[Defect] = []
    items = [("title", review.title, "")]
    for i, teaser in enumerate(review.teasers):
        # a teaser repeating its section's heading carries that heading's language mark,
        # as the renderers show it
        section = review.sections[i] if i < len(review.sections) else None
        same = section is not None and teaser == section.heading
        mark = section.heading_lang if section is not None and same else ""
        items.append((f"teaser {i + 1}", teaser, mark))
    for where, text, mark in items:
        reason = heading_defect(text)
        if reason:
            found.append(Defect(HEADING, reason, text, where))
        reason = _heading_back_reference(text, mark or lang)
        if reason:
            found.append(Defect(BACK_REFERENCE, reason, text, where))
        reason = wrong_language(text, lang, mark)
        if reason:
            found.append(Defect(WRONG_LANGUAGE, reason, text, where))
    return found


def _section(
    number: int,
    section: Section,
    lang: str,
    articles: Mapping[int, Article] | None,
    outlets_of_story: int | None,
) -> list[Defect]:
    """Defects of one section: heading, sentences in place, names, outlets."""
    where = f"section {number}"
    heading = section.heading
    found: list[Defect] = []
    reason = heading_defect(heading)
    if reason:
        found.append(Defect(HEADING, reason, heading, f"{where} heading"))
    reason = wrong_language(heading, lang, section.heading_lang)
    if reason:
        found.append(Defect(WRONG_LANGUAGE, reason, heading, f"{where} heading"))
    reason = _heading_back_reference(heading, section.heading_lang or lang)
    if reason:
        found.append(Defect(BACK_REFERENCE, reason, heading, f"{where} heading"))
    sentences = section.sentences
    texts = [s.text for s in sentences]
    for index, item in enumerate(sentences):
        text = texts[index]
        at = f"{where} sentence {index + 1}"
        mark = item.lang
        tag = mark or lang
        outlets = tuple(c.outlet for c in item.citations if c.outlet)
        found.extend(
            Defect(d.check, d.reason, d.text, at)
            for d in sentence_defects(text, tag or None, outlets=outlets)
        )
        reason = wrong_language(text, lang, mark)
        if reason:
            found.append(Defect(WRONG_LANGUAGE, reason, text, at))
        if index == 0:
            reason = back_reference(text, tag)
            if reason:
                found.append(Defect(BACK_REFERENCE, f"section opening: {reason}", text, at))
        introduced = " ".join([heading, *texts[:index]])
        sources = [
            articles[c.article_id]
            for c in item.citations[:1]
            if articles is not None and c.article_id in articles
        ]
        source = _source_before(text, sources[0]) if sources else " ".join(texts[index + 1 :])
        reason = unintroduced_name(text, introduced, source)
        if reason:
            found.append(Defect(UNINTRODUCED_NAME, reason, text, at))
    found.extend(_stale_announcements(where, sentences, lang, articles))
    cited = {c.outlet for s in sentences for c in s.citations if c.outlet}
    if outlets_of_story is not None and outlets_of_story >= 2 and len(cited) == 1 and sentences:
        found.append(
            Defect(
                ONE_OUTLET,
                f"every sentence from {next(iter(cited))} while {outlets_of_story} outlets "
                "reported the story",
                heading,
                where,
            )
        )
    return found


def _stale_announcements(
    where: str, sentences: Sequence[Sentence], lang: str, articles: Mapping[int, Article] | None
) -> list[Defect]:
    """An announcement that a newer article of the section announces again
    (:func:`midweek.editorial.stale_announcement`); needs the cited articles' dates."""
    if articles is None:
        return []

    def published(sentence: Sentence) -> float:
        source = articles.get(sentence.citations[0].article_id) if sentence.citations else None
        if source is None or source.published is None:
            return 0.0
        moment = source.published
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()

    found = []
    for index, sentence in enumerate(sentences):
        moment = published(sentence)
        newer = [s.text for s in sentences if published(s) > moment > 0]
        reason = stale_announcement(sentence.text, newer, sentence.lang or lang)
        if reason:
            text = sentence.text
            found.append(Defect(STALE_ANNOUNCEMENT, reason, text, f"{where} sentence {index + 1}"))
    return found


def check_review_body(
    body: Mapping[str, Any],
    *,
    articles: Mapping[int, Article] | None = None,
    story_outlets: Mapping[str, int] | None = None,
) -> CheckReport:
    """Run every check over a review's JSON body (see :func:`check_review`).

    Args:
        body: The review as :func:`midweek.render.jsonout.review_to_dict` writes it.
        articles: The cited articles by id, when at hand (for the name check).
        story_outlets: Outlets per story key (in the review's language), when known.

    Returns:
        The findings.

    Raises:
        ReviewFormatError: the body is not a review (the message names the field).
    """
    return check_review(review_from_dict(body), articles=articles, story_outlets=story_outlets)


def check_review(
    review: Review,
    *,
    articles: Mapping[int, Article] | None = None,
    story_outlets: Mapping[str, int] | None = None,
) -> CheckReport:
    """Run every check over a review.

    Args:
        review: The review (composed, or read from its stored body).
        articles: The cited articles by id, when at hand (for the name check).
        story_outlets: Outlets per story key (in the review's language), when known.

    Returns:
        The findings.
    """
    lang = review.lang or "en"
    defects = _frame(review, lang)
    for number, section in enumerate(review.sections, start=1):
        outlets = (story_outlets or {}).get(section.story_key)
        defects.extend(_section(number, section, lang, articles, outlets))
        if articles is not None:
            defects.extend(_set_aside_sources(number, section, articles))
    names = [t.name for t in review.tags]
    defects.extend(Defect(TAG, reason, name, "tags") for name, reason in tag_defects(names, lang))
    for name in names:
        reason = wrong_language(name, lang)
        if reason and not _as_its_sources_write_it(name, lang, articles):
            defects.append(Defect(WRONG_LANGUAGE, reason, name, "tags"))
    logger.debug("review %s: %d defects", review.slug, len(defects))
    return CheckReport(review.slug, lang, tuple(defects))


def _set_aside_sources(
    number: int, section: Section, articles: Mapping[int, Article]
) -> list[Defect]:
    """Sentences citing an article whose stored kind is not news (an editor's verdict on
    the desk, or a classifier change since the review was built)."""
    found = []
    for index, item in enumerate(section.sentences, start=1):
        for citation in item.citations:
            article = articles.get(citation.article_id)
            if article is not None and not is_news(article):
                reason = f"cites article {citation.article_id}, which is {article_kind(article)}"
                found.append(
                    Defect(ADVERT_TEXT, reason, item.text, f"section {number} sentence {index}")
                )
                break
    return found


def _as_its_sources_write_it(name: str, lang: str, articles: Mapping[int, Article] | None) -> bool:
    """Whether a tag in another script is how the review's own-language sources print it.

    Russian outlets print brand and company names in Latin ("InterContinental",
    "UzGasTrade"): a Latin tag of a ru review is the right spelling when a cited article
    in the review's language and script has the name so, as a whole word sequence
    (letter case aside). A source in another script (an Uzbek Latin translation quoted in
    an uz-Cyrl review) does not count: its Latin is no sign of how the review's language
    writes the name.
    """
    if not articles:
        return False
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
    base = lang.split("-", 1)[0]
    want = lang.split("-", 1)[1] if "-" in lang else None
    for article in articles.values():
        tag = article.language_tag
        if tag is None or tag.split("-", 1)[0] != base:
            continue
        if want is not None and detect_script(article.text) != want:
            continue
        if pattern.search(article.text):
            return True
    return False


def cited_ids(body: Mapping[str, Any]) -> Sequence[int]:
    """Every article id a review body cites (for loading the sources).

    Raises:
        ReviewFormatError: the body is not a review (the message names the field).
    """
    review = review_from_dict(body)
    return sorted(
        {
            c.article_id
            for section in review.sections
            for s in section.sentences
            for c in s.citations
        }
    )
