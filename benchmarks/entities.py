"""Measure the entity finder: KB load time, mentions per second, cross-script agreement,
and mention precision/recall against Wikipedia ITN links (uz, ru, en).

    .venv/bin/python benchmarks/entities.py [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path
from statistics import mean

from midweek.entities import find_mentions, load_kb
from midweek.entities.evaluate import add_scores, jaccard, kb_ids, parse_blurb, score_links

ITN = "story-linking-wikipedia-itn-55lang/blurbs.jsonl.gz"
PARALLEL = "parallel-uz-cyrl-latn-uztranslit/documents.jsonl.gz"
UZ_NEWS = "news-uz-kunuz-uznews-samples/articles.jsonl.gz"
ITN_LANGS = {"uz": "uz-Latn", "ru": "ru", "en": "en"}


def _rows(path: Path) -> list[dict[str, str]]:
    """The JSON lines of a gzip file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()

    t0 = time.perf_counter()
    kb = load_kb()
    print(f"KB load: {time.perf_counter() - t0:.3f} s, {len(kb)} entities")
    t0 = time.perf_counter()
    load_kb(with_territories=False)
    print(f"KB load without CLDR territories: {time.perf_counter() - t0:.3f} s")

    news = _rows(args.data / UZ_NEWS)
    texts = [(r["text"], "ru" if r["lang"] == "ru" else "uz-Latn") for r in news if r["text"]]
    find_mentions("Путин", "ru", kb=kb)  # load natasha outside the timing
    for label, use_ner in (("gazetteer only", False), ("with natasha on ru", True)):
        t0 = time.perf_counter()
        n = chars = 0
        for text, lang in texts:
            n += len(find_mentions(text, lang, kb=kb, use_ner=use_ner))
            chars += len(text)
        dt = time.perf_counter() - t0
        print(f"uz/ru news ({label}): {len(texts)} texts, {chars / 1e6:.2f} M chars, "
              f"{n} mentions, {n / dt:.0f} mentions/s, {chars / dt / 1e3:.0f} kchar/s")  # fmt: skip

    docs = _rows(args.data / PARALLEL)
    scores = []
    for d in docs:
        a, b = kb_ids(d["text_cyrl"], "uz-Cyrl", kb), kb_ids(d["text_latn"], "uz-Latn", kb)
        if a or b:
            scores.append(jaccard(a, b))
    print(f"parallel uz Cyrl/Latn: {len(scores)} documents with entities, "
          f"mean Jaccard {mean(scores):.3f}, min {min(scores):.3f}")  # fmt: skip

    blurbs = _rows(args.data / ITN)
    for wiki, lang in ITN_LANGS.items():
        per = []
        for b in blurbs:
            if b["lang"] != wiki:
                continue
            text, links = parse_blurb(b["blurb_html"], kb)
            per.append(score_links(find_mentions(text, lang, kb=kb), links))
        s = add_scores(per)
        print(f"ITN {wiki}: {len(per)} blurbs, {s.gold} gold links in KB, recall {s.recall:.3f},"
              f" precision {s.precision:.3f} ({s.correct}/{s.predicted})")  # fmt: skip


if __name__ == "__main__":
    main()
