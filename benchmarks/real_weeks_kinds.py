"""Article kinds on real posts: the real weeks in ru and uz-MT, other sets, a parent-set sample.

    PYTHONPATH=src .venv/bin/python benchmarks/real_weeks_kinds.py [--data /work/shared/data]
        [--baseline-commit 49fb2e9] [--show-errors] [--sample 40]

Everything is printed twice: for :mod:`midweek.kinds` of the working tree and for the rules
of ``--baseline-commit`` (main when this branch began), loaded from git in the same run.

1. **Real weeks** (``real-weeks-telegram-dev``): per window and mean, precision and recall of
   setting aside advert/digest/service (the gold README's positive class), on each post's
   Russian text (``text_ru``) and on its Uzbek machine translation (``text_uz_mt``, scored
   against the same gold kind); and in how many posts the two versions get different kinds.
   The rules are fixed (no weight fitted), so there is nothing to re-fit per window; but they
   were written after reading these posts, so these figures are in-sample as far as the cues
   go (see the parent-set figures for a larger sample).
2. **Other sets**, where (almost) every item is news: how many of them each version sets
   aside, with examples — kun.uz / uznews.uz (uz-Latn, uz-Cyrl, ru), upl.uz (ru, by section),
   the Wikinews demo (en). A news story set aside is worse than an advert kept.
3. **Parent set** (``news-ru-uz-telegram-gazeta-podrobno``, dev posts outside the three
   windows, never read when writing the rules' cues for the gold): recall of the source's
   ``promotional = yes`` flag (gold for adverts) as ``advert``, and a seeded random sample of
   set-aside verdicts printed for an editor to read.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

from real_weeks import GOLD, OUTLETS, POSITIVE, POSTS, filter_scores

import midweek.kinds as current

Classify = Callable[..., object]
# main when this branch began (the rules before the uz cues and the outage fix).
BASELINE_COMMIT = "49fb2e9"


def load_rules_at(commit: str) -> ModuleType | None:
    """``midweek/kinds.py`` as of ``commit``, imported under another name (None: no git)."""
    root = Path(__file__).resolve().parents[1]
    try:
        source = subprocess.run(
            ["git", "-C", str(root), "show", f"{commit}:src/midweek/kinds.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / f"kinds_{commit}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"kinds_{commit}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _kind(rules: ModuleType, text: str, title: str = "", outlet: str = "") -> tuple[str, str]:
    verdict = rules.classify_kind(title, text, outlet=outlet)
    return str(verdict.kind), str(verdict.rule)


def records(path: Path) -> Iterator[dict[str, object]]:
    """The records of a gzipped JSON-lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _text(value: object) -> str:
    """A field as text; the sets write a missing value as ``None`` or ``"None"``."""
    return "" if value in (None, "None") else str(value)


def gold_posts(data: Path) -> list[dict[str, object]]:
    """Gold rows (week, id, kind) with ``ru``, ``uz`` texts and ``outlet``."""
    with (data / GOLD / "labels.jsonl").open(encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh]
    wanted = {row["id"] for row in labels}
    posts = {p["id"]: p for p in records(data / POSTS) if p["id"] in wanted}
    for row in labels:
        post = posts[row["id"]]
        row["ru"] = _text(post["text_ru"])
        row["uz"] = _text(post["text_uz_mt"])
        row["outlet"] = OUTLETS.get(str(post["channel"]), str(post["channel"]))
    return labels


def real_weeks(rules: dict[str, ModuleType], rows: list[dict[str, object]], show: bool) -> None:
    """Per-window set-aside P/R, ru and uz-MT, for each version of the rules."""
    weeks = sorted({str(r["week"]) for r in rows})
    print("\n## Real weeks: set aside advert/digest/service (positive class), P / R")
    print("| rules | text | " + " | ".join(weeks) + " | mean P | mean R | ru≠uz kind |")
    print("|---|---|" + "---|" * (len(weeks) + 3))
    for name, module in rules.items():
        got = {
            lang: [_kind(module, str(r[lang]), outlet=str(r["outlet"])) for r in rows]
            for lang in ("ru", "uz")
        }
        has_uz = [bool(r["uz"]) for r in rows]
        differ = Counter(
            str(r["kind"])
            for r, a, b, ok in zip(rows, got["ru"], got["uz"], has_uz, strict=True)
            if ok and a[0] != b[0]
        )
        for lang in ("ru", "uz"):
            cells, ps, rs = [], [], []
            for week in weeks:
                idx = [
                    i
                    for i, r in enumerate(rows)
                    if r["week"] == week and (lang == "ru" or has_uz[i])
                ]
                p, r, tp, pred, real = filter_scores(
                    [str(rows[i]["kind"]) for i in idx], [got[lang][i][0] for i in idx]
                )
                ps.append(p)
                rs.append(r)
                cells.append(f"{p:.3f} / {r:.3f} ({tp}/{pred}/{real})")
            extra = (
                f"{sum(differ.values())} of {sum(has_uz)} {dict(differ)}" if lang == "uz" else ""
            )
            print(
                f"| {name} | {lang} | "
                + " | ".join(cells)
                + f" | {sum(ps) / len(ps):.3f} | {sum(rs) / len(rs):.3f} | {extra} |"
            )
        if show and name == "working tree":
            for r, a, b in zip(rows, got["ru"], got["uz"], strict=True):
                for lang, (k, rule) in (("ru", a), ("uz", b)):
                    if r[lang] and k != r["kind"]:
                        print(
                            f"  {r['week']} {lang} gold={r['kind']} got={k}({rule}) "
                            f"{str(r[lang])[:150]!r}"
                        )
    print("(cells: P / R (true positives / set aside / gold positives); opinion is not positive)")


def other_sets(data: Path) -> dict[str, list[tuple[str, str, str]]]:
    """(title, text, outlet) of each news set, by name."""
    sets: dict[str, list[tuple[str, str, str]]] = {}
    for rec in records(data / "news-uz-kunuz-uznews-samples" / "articles.jsonl.gz"):
        lang = str(rec["lang"]) + ("-" + str(rec["script"]) if _text(rec.get("script")) else "")
        sets.setdefault(f"{rec['site']} {lang}", []).append(
            (_text(rec["title"]), _text(rec["text"]), str(rec["site"]))
        )
    for rec in records(data / "news-ru-uz-uplz" / "articles.jsonl.gz"):
        name = "upl.uz misli (opinion)" if rec["section"] == "misli" else "upl.uz news sections"
        sets.setdefault(name, []).append((_text(rec["title"]), _text(rec["text"]), "upl.uz"))
    for rec in records(data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"):
        sets.setdefault("Wikinews demo en", []).append(
            (_text(rec["title"]), _text(rec["text"]), "wikinews")
        )
    return dict(sorted(sets.items()))


def false_set_asides(rules: dict[str, ModuleType], data: Path, examples: int) -> None:
    """How many items of the news sets each version sets aside (and as what)."""
    sets = other_sets(data)
    print("\n## Other sets (news, or opinion where named): set aside by each version")
    print("| set | items | " + " | ".join(rules) + " |")
    print("|---|---|" + "---|" * len(rules))
    shown: dict[str, list[str]] = {}
    for name, items in sets.items():
        cells = []
        for version, module in rules.items():
            kinds = [_kind(module, text, title, outlet) for title, text, outlet in items]
            aside = Counter(k for k, _ in kinds if k in POSITIVE)
            opinion = sum(1 for k, _ in kinds if k == current.OPINION)
            cells.append(f"{sum(aside.values())} {dict(aside)} (+{opinion} opinion)")
            if version == "working tree":
                shown[name] = [
                    f"{k}({rule}): {(title + ' | ' if title else '')}{text[:110]!r}"
                    for (title, text, _), (k, rule) in zip(items, kinds, strict=True)
                    if k != current.NEWS
                ][:examples]
        print(f"| {name} | {len(items)} | " + " | ".join(cells) + " |")
    for name, lines in shown.items():
        for line in lines:
            print(f"  {name}: {line}")


def parent_set(rules: dict[str, ModuleType], data: Path, sample: int) -> None:
    """Promotional-flag recall outside the gold windows; a random sample of set-asides."""
    with (data / GOLD / "labels.jsonl").open(encoding="utf-8") as fh:
        gold_ids = {json.loads(line)["id"] for line in fh}
    posts = [p for p in records(data / POSTS) if p["id"] not in gold_ids and _text(p["text_ru"])]
    print(f"\n## Parent set, {len(posts)} dev posts outside the windows")
    print(
        "| rules | text | flag yes → advert | flag yes → set aside | flag no → advert "
        "| set aside (all) |"
    )
    print("|---|---|---|---|---|---|")
    verdicts: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for version, module in rules.items():
        for lang, field in (("ru", "text_ru"), ("uz", "text_uz_mt")):
            items = [p for p in posts if _text(p[field])]
            kinds = [
                _kind(module, _text(p[field]), outlet=OUTLETS.get(str(p["channel"]), ""))
                for p in items
            ]
            verdicts[(version, lang)] = kinds
            yes = [k for p, (k, _) in zip(items, kinds, strict=True) if p["promotional"] == "yes"]
            no = [k for p, (k, _) in zip(items, kinds, strict=True) if p["promotional"] == "no"]
            adv = sum(1 for k in yes if k == current.ADVERT)
            aside = sum(1 for k in yes if k in POSITIVE)
            print(
                f"| {version} | {lang} | {adv}/{len(yes)} = {adv / len(yes):.3f} | "
                f"{aside / len(yes):.3f} | {sum(1 for k in no if k == current.ADVERT)}/{len(no)} | "
                f"{sum(1 for k, _ in kinds if k in POSITIVE)}/{len(items)} |"
            )
    rng = random.Random(20261203)
    ru = verdicts[("working tree", "ru")]
    aside_idx = [i for i, (k, _) in enumerate(ru) if k in POSITIVE]
    print(f"\nrandom sample of {sample} ru set-aside verdicts (working tree), for reading:")
    for i in sorted(rng.sample(aside_idx, min(sample, len(aside_idx)))):
        k, rule = ru[i]
        text = " / ".join(_text(posts[i]["text_ru"]).split("\n"))
        print(f"  [{i}] {k}({rule}) flag={posts[i]['promotional']}: {text[:160]!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the three tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("MIDWEEK_SHARED_DATA", "/work/shared/data")),
    )
    parser.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--examples", type=int, default=12)
    args = parser.parse_args(argv)
    rules: dict[str, ModuleType] = {"working tree": current}
    baseline = load_rules_at(args.baseline_commit)
    if baseline is not None:
        rules[f"main {args.baseline_commit}"] = baseline
    real_weeks(rules, gold_posts(args.data), args.show_errors)
    false_set_asides(rules, args.data, args.examples)
    parent_set(rules, args.data, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
