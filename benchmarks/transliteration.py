"""Uzbek Latin ↔ Cyrillic transliteration: character error rate both ways.

    PYTHONPATH=src .venv/bin/python benchmarks/transliteration.py [--data /work/shared/data]

On the dev portion of ``parallel-uz-cyrl-latn-uztranslit`` (81 documents, each in Cyrillic
and in the 1995 Latin alphabet; see its README), every document is transliterated
Cyrillic → Latin and Latin → Cyrillic and compared with the other version. CER is the
character Levenshtein distance (rapidfuzz) summed over documents, divided by the
reference characters summed. Two CERs per direction: "exact", and "marks folded", where
every apostrophe-like mark (ʻ ‘ ' ` ’ ʼ) counts as one character, so that a correct oʻ
written with another mark is not an error (the references mix them).

Rows: midweek (:mod:`midweek.text.translit`: UzTransliterator plus the apostrophe and
quote fixes), raw UzTransliterator (same library, no fixes), and a trivial baseline: a
plain letter-by-letter map (digraphs sh ch ng oʻ gʻ first, Latin → Cyrillic).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from midweek.text.translit import APOSTROPHES, cyrl_to_latn, latn_to_cyrl

_FOLD_RE = re.compile(f"[{re.escape(APOSTROPHES)}]")

# The baseline: one Cyrillic letter → one Latin string, Uzbek 1995 values, no context rule.
_CYR_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts",
    "ч": "ch", "ш": "sh", "ъ": "ʼ", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "oʻ",
    "қ": "q", "ғ": "gʻ", "ҳ": "h", "ы": "i", "щ": "sh",
}  # fmt: skip
_LAT_CYR_DIGRAPHS = {"sh": "ш", "ch": "ч", "yo": "ё", "yu": "ю", "ya": "я", "oʻ": "ў", "gʻ": "ғ"}
_LAT_CYR = {
    "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "ҳ", "i": "и",
    "j": "ж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ",
    "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "x": "х", "y": "й", "z": "з",
    "ʼ": "ъ",
}  # fmt: skip


def _cased(table: dict[str, str]) -> dict[str, str]:
    """The table with upper-case keys added (first letter upper-cased in the value)."""
    out = dict(table)
    for key, value in table.items():
        out.setdefault(key[:1].upper() + key[1:], value[:1].upper() + value[1:])
    return out


_CYR_LAT_CASED = _cased(_CYR_LAT)
_LAT_CYR_CASED = _cased({**_LAT_CYR_DIGRAPHS, **_LAT_CYR})
_LAT_RE = re.compile("|".join(re.escape(k) for k in sorted(_LAT_CYR_CASED, key=len, reverse=True)))


def baseline_cyrl_to_latn(text: str) -> str:
    """Letter-by-letter Cyrillic → Latin (no context rules)."""
    return "".join(_CYR_LAT_CASED.get(c, c) for c in text)


def baseline_latn_to_cyrl(text: str) -> str:
    """Digraphs then letters, Latin → Cyrillic (no context rules)."""
    folded = _FOLD_RE.sub(lambda m: "ʻ", text)
    folded = re.sub(r"(?<![oOgG])ʻ", "ʼ", folded)
    return _LAT_RE.sub(lambda m: _LAT_CYR_CASED[m.group()], folded)


def _raw_engine() -> tuple[Callable[[str], str], Callable[[str], str]]:
    """UzTransliterator as it ships, both ways."""
    from UzTransliterator import UzTransliterator

    engine = UzTransliterator()
    return (
        lambda t: str(engine.transliterate(t, from_="cyr", to="lat")),
        lambda t: str(engine.transliterate(t, from_="lat", to="cyr")),
    )


def cer(pairs: Iterable[tuple[str, str]], *, fold: bool) -> float:
    """Character error rate of (hypothesis, reference) pairs, pooled over documents."""
    errors = chars = 0
    for hyp, ref in pairs:
        if fold:
            hyp, ref = _FOLD_RE.sub("'", hyp), _FOLD_RE.sub("'", ref)
        errors += Levenshtein.distance(hyp, ref)
        chars += len(ref)
    return errors / chars if chars else 0.0


def load(data: Path) -> list[dict[str, str]]:
    """The dev documents of the parallel set."""
    path = data / "parallel-uz-cyrl-latn-uztranslit" / "documents.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main() -> None:
    """Print the CER table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("MIDWEEK_SHARED_DATA", "/work/shared/data")),
    )
    args = parser.parse_args()
    docs = load(args.data)
    raw_c2l, raw_l2c = _raw_engine()
    systems: list[tuple[str, Callable[[str], str], Callable[[str], str]]] = [
        ("midweek (UzTransliterator + fixes)", cyrl_to_latn, latn_to_cyrl),
        ("UzTransliterator as shipped", raw_c2l, raw_l2c),
        ("baseline: plain letter map", baseline_cyrl_to_latn, baseline_latn_to_cyrl),
    ]
    chars = sum(len(d["text_cyrl"]) for d in docs)
    print(f"parallel-uz-cyrl-latn-uztranslit dev: {len(docs)} documents, {chars} Cyrillic chars")
    header = f"{'system':36} {'cyr→lat':>9} {'folded':>8} {'lat→cyr':>9} {'folded':>8} {'s':>6}"
    print(header)
    for name, c2l, l2c in systems:
        start = time.perf_counter()
        to_latn = [(c2l(d["text_cyrl"]), d["text_latn"]) for d in docs]
        to_cyrl = [(l2c(d["text_latn"]), d["text_cyrl"]) for d in docs]
        took = time.perf_counter() - start
        print(
            f"{name:36} {cer(to_latn, fold=False):9.4f} {cer(to_latn, fold=True):8.4f} "
            f"{cer(to_cyrl, fold=False):9.4f} {cer(to_cyrl, fold=True):8.4f} {took:6.1f}"
        )


if __name__ == "__main__":
    main()
