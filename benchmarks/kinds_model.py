"""Would a small trained advert model help the kinds rules? Measured out of sample.

    PYTHONPATH=src .venv/bin/python benchmarks/kinds_model.py [--data /work/shared/data]

Model: TF-IDF of character 3-5-grams (word-bounded) of a post's first 1,000 characters +
logistic regression (scikit-learn, the ``bench`` extra), trained on the parent set's
``promotional`` flag (yes = advert), Russian texts and their Uzbek machine translations
together. Training posts: the parent set's dev posts *outside* the three real-weeks windows
and the 7 days either side of each (ads are re-posted for days; those near a window are left
out so that the model cannot have seen a gold post's twin).

Use: the rules decide first; the model may only turn a post the rules call ``news`` into an
``advert``, when its probability is at least a threshold chosen by 5-fold cross-validation
on the training posts (the lowest threshold whose added set-asides agree with the flag at
least 90% of the time). Nothing is chosen on the gold windows.

Printed: per window set-aside P/R of the rules alone and of rules + model (ru and uz-MT),
and how many items of the news sets (kun.uz, uznews.uz, upl.uz, Wikinews) the model adds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from real_weeks import GOLD, OUTLETS, POSITIVE, POSTS, filter_scores
from real_weeks_kinds import gold_posts, other_sets, records
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from midweek.kinds import ADVERT, NEWS, classify_kind, normalize_for_rules

HEAD = 1_000
MARGIN = timedelta(days=7)
MIN_AGREEMENT = 0.90
THRESHOLDS = tuple(round(0.5 + 0.025 * i, 3) for i in range(20))


def _features(texts: Sequence[str]) -> list[str]:
    return [normalize_for_rules(t[:HEAD]).lower() for t in texts]


def _model() -> tuple[TfidfVectorizer, LogisticRegression]:
    return (
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True),
        LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000),
    )


def training_set(data: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """Texts, labels (1 = promotional) and the rules' kind, outside the windows."""
    with (data / GOLD / "weeks.jsonl").open(encoding="utf-8") as fh:
        weeks = [json.loads(line) for line in fh]
    spans = [
        (
            datetime.fromisoformat(w["start"]).replace(tzinfo=None) - MARGIN,
            datetime.fromisoformat(w["end"]).replace(tzinfo=None) + MARGIN,
        )
        for w in weeks
    ]
    texts, labels, kinds = [], [], []
    for post in records(data / POSTS):
        if post["promotional"] not in ("yes", "no"):
            continue
        when = datetime.fromisoformat(str(post["published"]))
        if any(a <= when < b for a, b in spans):
            continue
        outlet = OUTLETS.get(str(post["channel"]), "")
        for field in ("text_ru", "text_uz_mt"):
            text = post[field]
            if text in (None, "None", ""):
                continue
            texts.append(str(text))
            labels.append(1 if post["promotional"] == "yes" else 0)
            kinds.append(classify_kind("", str(text), outlet=outlet).kind)
    return texts, np.asarray(labels), kinds


def choose_threshold(texts: list[str], labels: np.ndarray, kinds: list[str]) -> float:
    """The lowest threshold whose cross-validated additions agree with the flag ≥ 90%."""
    scores = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    feats = _features(texts)
    for train, test in folds.split(feats, labels):
        vec, clf = _model()
        clf.fit(vec.fit_transform([feats[i] for i in train]), labels[train])
        scores[test] = clf.predict_proba(vec.transform([feats[i] for i in test]))[:, 1]
    news = np.asarray([k == NEWS for k in kinds])
    print("cross-validated additions (rules say news, model says advert) on the training posts:")
    print("| threshold | added | agree with flag | flag-yes posts the rules missed, caught |")
    print("|---|---|---|---|")
    missed = int(np.sum(news & (labels == 1)))
    chosen = THRESHOLDS[-1]
    for t in reversed(THRESHOLDS):
        added = news & (scores >= t)
        agree = float(np.mean(labels[added])) if added.any() else 1.0
        caught = int(np.sum(added & (labels == 1)))
        print(f"| {t} | {int(added.sum())} | {agree:.3f} | {caught}/{missed} |")
        if agree >= MIN_AGREEMENT:
            chosen = t
    print(f"chosen threshold: {chosen}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Train, choose the threshold, score the gold windows and the news sets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("MIDWEEK_SHARED_DATA", "/work/shared/data")),
    )
    args = parser.parse_args(argv)
    texts, labels, kinds = training_set(args.data)
    print(f"training texts: {len(texts)} ({int(labels.sum())} flagged promotional)")
    threshold = choose_threshold(texts, labels, kinds)
    vec, clf = _model()
    clf.fit(vec.fit_transform(_features(texts)), labels)

    def combined(text: str, outlet: str, title: str = "") -> tuple[str, str]:
        verdict = classify_kind(title, text, outlet=outlet)
        if verdict.kind != NEWS:
            return verdict.kind, verdict.kind
        p = float(clf.predict_proba(vec.transform(_features([f"{title}\n{text}"])))[0, 1])
        return NEWS, ADVERT if p >= threshold else NEWS

    rows = gold_posts(args.data)
    print("\n| text | version | W1 P/R | W2 P/R | W3 P/R | mean P | mean R |")
    print("|---|---|---|---|---|---|---|")
    for lang in ("ru", "uz"):
        got = [combined(str(r[lang]), str(r["outlet"])) if r[lang] else None for r in rows]
        for version, col in (("rules", 0), ("rules + model", 1)):
            ps, rs, cells = [], [], []
            for week in ("W1", "W2", "W3"):
                idx = [i for i, r in enumerate(rows) if r["week"] == week and got[i] is not None]
                p, r, *_ = filter_scores(
                    [str(rows[i]["kind"]) for i in idx],
                    [got[i][col] for i in idx],  # type: ignore[index]
                )
                ps.append(p)
                rs.append(r)
                cells.append(f"{p:.3f}/{r:.3f}")
            print(
                f"| {lang} | {version} | "
                + " | ".join(cells)
                + f" | {np.mean(ps):.3f} | {np.mean(rs):.3f} |"
            )
        for r, g in zip(rows, got, strict=True):
            if g is not None and g[0] == NEWS and g[1] == ADVERT:
                print(f"  added ({lang}, gold {r['kind']}): {str(r[lang])[:110]!r}")
    print("\nnews sets: items the model adds as advert")
    for name, items in other_sets(args.data).items():
        added = [
            (title or text)[:90]
            for title, text, outlet in items
            if combined(text, outlet, title)[1] == ADVERT
            and classify_kind(title, text, outlet=outlet).kind not in POSITIVE
        ]
        print(f"  {name}: {len(added)} of {len(items)} {added[:4]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
