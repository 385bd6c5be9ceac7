"""Measure the tags: Uzbek romanisation of Russian-written names, and print a week's tags.

1. Names in both scripts: Telegram posts with a Russian text and its Uzbek (Latin)
   translation (``news-ru-uz-telegram-gazeta-podrobno``). Every word of a natasha person
   span of the Russian text (in its base form) is paired with the Uzbek word that spells
   it (the capitalised word, less an Uzbek case suffix, whose loose key is closest, at
   least ALIGN_MIN_SCORE); the Uzbek word is the gold. Printed: the exact-match rate of
   midweek's romaniser against anyascii (the romaniser tags used before) and
   UzTransliterator applied to the Russian spelling, on the posts before and after
   SPLIT_DATE and on all (the rules were written before any pair was looked at; the
   split shows whether they hold on either half).
2. ``--week W1``: the tags of each story of a real week (Russian posts plus their Uzbek
   translations as a second outlet), in ru and uz-Latn, for reading and hand-checking,
   then the tag line of a review of its first stories in en, ru, uz-Latn and uz-Cyrl.

    .venv/bin/python benchmarks/tags.py [--data /work/shared/data] [--posts 600] [--week W1]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from anyascii import anyascii
from rapidfuzz import fuzz

from midweek.compose import REVIEW_TAG_LIMIT, TAG_ARTICLES_PER_STORY, TAG_LEAD_CHARS
from midweek.entities import load_kb, tags_for
from midweek.entities.ner import russian_spans
from midweek.entities.normalize import (
    UZ_APOSTROPHE,
    UZ_SUFFIXES,
    token_key,
    tokenize,
    unify_apostrophes,
)
from midweek.entities.romanize import russian_name_to_uzbek_latin
from midweek.entities.tags import loose_key
from midweek.models import Article
from midweek.pipeline import MAX_SECTIONS
from midweek.text.translit import cyrl_to_latn

POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
WEEKS = "real-weeks-telegram-dev/stories.jsonl"
# An Uzbek word spells a Russian name word when their loose keys score this (rapidfuzz
# ratio, 0-100) or more: the systems' differences (q/k, x/h, j/dj, doubled letters) are
# folded in the loose key, so the pairing favours none of them.
ALIGN_MIN_SCORE = 80.0
# Russian name words shorter than this are initials or particles.
MIN_WORD_LEN = 3
# Stories of the week whose tags make the review's tag line: the pipeline's MAX_SECTIONS.
REVIEW_STORIES = MAX_SECTIONS
# Posts before this date and after it are reported apart.
SPLIT_DATE = "2022-09-01"

SYSTEMS: dict[str, Callable[[str], str]] = {
    "midweek (Uzbek spelling rules + name elements)": russian_name_to_uzbek_latin,
    "anyascii (the romaniser of tags before)": anyascii,
    "UzTransliterator on the Russian spelling": cyrl_to_latn,
}


def _rows(path: Path) -> list[dict[str, object]]:
    """The JSON lines of a gzip file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _bare_forms(word: str) -> list[str]:
    """An Uzbek word and each form of it less one case suffix."""
    out = [word]
    lower = unify_apostrophes(word.lower(), "'")
    for suffix in UZ_SUFFIXES:
        if lower.endswith(suffix) and len(word) - len(suffix) >= MIN_WORD_LEN:
            out.append(word[: -len(suffix)])
    return out


def _norm(name: str) -> str:
    """A name compared: one apostrophe mark."""
    return unify_apostrophes(name, UZ_APOSTROPHE)


def name_pairs(posts: list[dict[str, object]]) -> list[tuple[str, str, str]]:
    """(date, Russian base-form word, Uzbek gold word) for the person names of the posts."""
    pairs = []
    for post in posts:
        ru, uz = str(post.get("text_ru") or ""), str(post.get("text_uz_mt") or "")
        if not ru or not uz:
            continue
        uz_words = [w for w, _, _ in tokenize(uz) if w[:1].isupper()]
        seen = set()
        for span in russian_spans(ru):
            if span.type != "person":
                continue
            for word in span.normal.split():
                if len(word) < MIN_WORD_LEN or word in seen or not word[:1].isupper():
                    continue
                seen.add(word)
                probe = loose_key(token_key(word))
                scored = [
                    (fuzz.ratio(probe, loose_key(token_key(f))), -len(f), f)
                    for w in uz_words
                    for f in _bare_forms(w)
                ]
                best = max(scored, default=None)
                if best and best[0] >= ALIGN_MIN_SCORE:
                    pairs.append((str(post["published"])[:10], word, best[2]))
    return pairs


def _rate(pairs: list[tuple[str, str, str]], system: Callable[[str], str]) -> str:
    """Exact-match rate of a romaniser on pairs, as 'rate (right/all)'."""
    right = sum(_norm(system(ru)) == _norm(uz) for _, ru, uz in pairs)
    return f"{right / max(len(pairs), 1):.3f} ({right}/{len(pairs)})"


def romanisation(data: Path, n_posts: int) -> None:
    """Print the exact-match rates of the romanisers."""
    rows = [r for r in _rows(data / POSTS) if r.get("text_ru") and r.get("text_uz_mt")]
    step = max(1, len(rows) // n_posts)
    sample = rows[::step][:n_posts]  # every step-th post: all months, no choice
    t0 = time.perf_counter()
    pairs = name_pairs(sample)
    print(f"{len(sample)} posts with both texts (every {step}th of {len(rows)}), "
          f"{len(pairs)} name words paired in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    halves = {
        f"before {SPLIT_DATE}": [p for p in pairs if p[0] < SPLIT_DATE],
        f"from {SPLIT_DATE}": [p for p in pairs if p[0] >= SPLIT_DATE],
        "all": pairs,
    }
    for label, system in SYSTEMS.items():
        print(f"  {label}: " + ", ".join(f"{h} {_rate(p, system)}" for h, p in halves.items()))
    ours = SYSTEMS["midweek (Uzbek spelling rules + name elements)"]
    wrong = [(ru, uz, ours(ru)) for _, ru, uz in pairs if _norm(ours(ru)) != _norm(uz)]
    print("  examples midweek gets wrong (ru, gold, midweek):", wrong[:15])
    right = [(ru, uz) for _, ru, uz in pairs if _norm(ours(ru)) == _norm(uz) != _norm(anyascii(ru))]
    print("  examples midweek gets right and anyascii not:", right[:15])


def week_tags(data: Path, week: str, per_story: int) -> None:
    """Print the tags of every story of a real week, in ru and uz-Latn."""
    kb = load_kb()
    posts = {str(r["id"]): r for r in _rows(data / POSTS)}
    stories = [
        json.loads(line)
        for line in (data / WEEKS).read_text("utf-8").splitlines()
        if json.loads(line)["week"] == week
    ]
    stories.sort(key=lambda s: (s["key_rank"] is None, s["key_rank"] or 0, -len(s["posts"])))
    review_docs: list[Article] = []
    for story in stories:
        docs = []
        for pid in story["posts"]:
            post = posts.get(pid)
            if post is None:
                continue
            when = datetime.fromisoformat(str(post["published"]))
            docs.append(Article(pid, "", str(post["text_ru"]), when, lang="ru", script="Cyrl"))
            if post.get("text_uz_mt"):
                uz = str(post["text_uz_mt"])
                docs.append(Article(pid + "/uz", "", uz, when, lang="uz", script="Latn"))
        if not docs:
            continue
        if len(review_docs) < REVIEW_STORIES:
            review_docs += _review_documents(docs)
        line = []
        for lang in ("ru", "uz-Latn"):
            names = [t.name for t in tags_for(docs, lang, kb=kb, limit=per_story)]
            line.append(f"{lang}: " + " · ".join(names))
        print(f"{story['story']} (rank {story['key_rank']}) | " + " | ".join(line))
    print(f"\nThe tag line of a review of the {REVIEW_STORIES} first stories (as the pipeline "
          f"reads them: per story and language, title and {TAG_LEAD_CHARS}-character leads "
          f"of its {TAG_ARTICLES_PER_STORY} first posts):")  # fmt: skip
    for lang in ("en", "ru", "uz-Latn", "uz-Cyrl"):
        names = [t.name for t in tags_for(review_docs, lang, kb=kb, limit=REVIEW_TAG_LIMIT)]
        print(f"  {lang}: " + " · ".join(names))


def _review_documents(docs: list[Article]) -> list[Article]:
    """One story's documents as :func:`midweek.compose.review_tags` builds them."""
    out = []
    for lang in ("ru", "uz"):
        group = [a for a in docs if a.lang == lang][:TAG_ARTICLES_PER_STORY]
        if group:
            text = "\n\n".join(f"{a.title}\n{a.text[:TAG_LEAD_CHARS]}" for a in group)
            out.append(replace(group[0], text=text))
    return out


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--posts", type=int, default=600, help="posts sampled for the pairs")
    parser.add_argument("--week", help="print the tags of this real week (W1, W2, W3)")
    parser.add_argument("--per-story", type=int, default=5, help="tags per story")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    if args.week:
        week_tags(args.data, args.week, args.per_story)
    else:
        romanisation(args.data, args.posts)


if __name__ == "__main__":
    main()
