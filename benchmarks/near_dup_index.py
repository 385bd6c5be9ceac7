"""The near-duplicate index: memory and speed against datasketch's MinHashLSH, same run.

    PYTHONPATH=src .venv/bin/python benchmarks/near_dup_index.py [--sizes 10000 50000]

Signatures are real: MinHash of Russian Telegram posts (../shared/data), and beyond the
posts the file holds, copies with 60 of their 128 values replaced (distinct articles
that share some bands, as a week of one region's news does). Both indexes get the same
signatures in the same order; ``find`` is asked for 2,000 originals and 2,000 lightly
edited reprints (one word in 30 replaced) and must give the same answers. Memory is what
tracemalloc sees allocated by the index (numpy arrays included), per article.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
import tracemalloc
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from midweek import dedupe

POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
QUERIES = 2000


class DatasketchIndex:
    """The index as it was until 2026-12-04: MinHashLSH with the same bands, and a dict."""

    def __init__(self) -> None:
        lsh_threshold = max(0.05, dedupe.NEAR_DUP_THRESHOLD - dedupe.LSH_RECALL_MARGIN)
        params = dedupe._lsh_bands(lsh_threshold, dedupe.NUM_PERM)
        self._lsh = MinHashLSH(num_perm=dedupe.NUM_PERM, params=params)
        self._signatures: dict[int, LeanMinHash] = {}

    def add(self, article_id: int, signature: LeanMinHash) -> None:
        if article_id not in self._signatures:
            self._lsh.insert(article_id, signature)
            self._signatures[article_id] = signature

    def find(self, signature: LeanMinHash) -> int | None:
        if not self._signatures or signature.is_empty():
            return None
        matches = [
            int(key)
            for key in self._lsh.query(signature)
            if dedupe.estimated_jaccard(signature, self._signatures[key])
            >= dedupe.NEAR_DUP_THRESHOLD
        ]
        return min(matches) if matches else None


def real_texts(data: Path, limit: int) -> list[str]:
    """Posts of at least 80 characters."""
    out: list[str] = []
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text_ru") or ""
            if len(text) >= 80:
                out.append(text)
            if len(out) >= limit:
                break
    return out


def signatures(texts: list[str], size: int, rng: np.random.Generator) -> list[LeanMinHash]:
    """``size`` signatures: the texts', then copies with 60 values replaced."""
    base = [dedupe.minhash_signature(t) for t in texts]
    out = list(base[:size])
    while len(out) < size:
        values = np.array(base[len(out) % len(base)].hashvalues, copy=True)
        values[rng.choice(dedupe.NUM_PERM, 60, replace=False)] = rng.integers(
            0, 2**32 - 1, 60, dtype=np.uint64
        )
        out.append(LeanMinHash(seed=dedupe.SEED, hashvalues=values, scheme=dedupe._SCHEME))
    return out


def reprint(text: str, rnd: random.Random) -> str:
    """One word in 30 replaced."""
    words = text.split()
    for i in range(0, len(words), 30):
        words[rnd.randrange(i, min(i + 30, len(words)))] = "замена"
    return " ".join(words)


def measure(make: type, items: list[LeanMinHash], queries: list[LeanMinHash]) -> dict:
    tracemalloc.start()
    started = time.perf_counter()
    index = make()
    for article_id, signature in enumerate(items):
        index.add(article_id, signature)
    added = time.perf_counter() - started
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    started = time.perf_counter()
    answers = [index.find(q) for q in queries]
    found = time.perf_counter() - started
    return {
        "bytes_per_article": round(memory / len(items)),
        "add_us": round(1e6 * added / len(items), 1),
        "find_us": round(1e6 * found / len(queries), 1),
        "answers": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).parent.parent.parent / "shared" / "data"
    )
    args = parser.parse_args()
    data = Path(os.environ.get("MIDWEEK_SHARED_DATA") or args.data)
    texts = real_texts(data, 10000)
    rnd = random.Random(1)
    edited = [dedupe.minhash_signature(reprint(t, rnd)) for t in texts[:QUERIES]]
    for size in args.sizes:
        items = signatures(texts, size, np.random.default_rng(0))
        queries = items[:QUERIES] + edited
        old = measure(DatasketchIndex, items, queries)
        new = measure(dedupe.NearDuplicateIndex, items, queries)
        same = sum(a == b for a, b in zip(old.pop("answers"), new.pop("answers"), strict=True))
        print(
            json.dumps(
                {
                    "articles": size,
                    "datasketch": old,
                    "midweek": new,
                    "memory_ratio": round(old["bytes_per_article"] / new["bytes_per_article"], 1),
                    "find_speed_ratio": round(old["find_us"] / new["find_us"], 2),
                    "add_speed_ratio": round(old["add_us"] / new["add_us"], 2),
                    "same_answers": f"{same}/{len(queries)}",
                    "projected_gib_at_1e6": {
                        "datasketch": round(old["bytes_per_article"] * 1e6 / 2**30, 1),
                        "midweek": round(new["bytes_per_article"] * 1e6 / 2**30, 1),
                    },
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
