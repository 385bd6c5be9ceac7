"""Exact keys and near-duplicate (reprint) detection.

Two questions, two tools:

* *Is this the same record again?* — :func:`dedupe_key` gives the unique key that makes
  ingestion idempotent (feed GUID, else canonical URL, else content hash; see
  RELIABILITY.md, "duplicates and lost articles").
* *Is this another outlet's reprint of an article we already hold?* —
  :func:`minhash_signature` (datasketch) and :class:`NearDuplicateIndex` (MinHash LSH
  with datasketch's banding, stored compactly)
  find syndicated copies whose text differs by a boilerplate line, a footer, a few words
  or punctuation, while two outlets' independent reports of the same event stay apart.

Signatures are deterministic across runs and processes: the shingle hash is SHA-1
(datasketch's default, not Python's salted ``hash``) and the permutations come from a
fixed seed, so signatures can be stored in the database and compared later.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import struct
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
from courlan import normalize_url
from datasketch import LeanMinHash, MinHash, MinHashLSH

logger = logging.getLogger(__name__)

__all__ = [
    "NEAR_DUP_THRESHOLD",
    "NUM_PERM",
    "SEED",
    "SHINGLE_K",
    "NearDuplicateIndex",
    "canonical_url_key",
    "content_hash",
    "dedupe_key",
    "estimated_jaccard",
    "guid_scoped_url",
    "minhash_signature",
    "normalize_for_comparison",
    "same_article_at_url",
    "shingles",
    "signature_from_bytes",
    "signature_to_bytes",
]

# 128 permutations: the standard error of the Jaccard estimate is at most
# sqrt(0.25/128) = 0.044, small next to the gap we measured between reprints and
# independent reports (see NEAR_DUP_THRESHOLD); 4 bytes each = 512 B a stored row.
NUM_PERM = 128
# Any fixed value works; it is part of the stored format (see signature_to_bytes).
SEED = 1
# Word 3-shingles. Measured with exact Jaccard on the calibration sets described under
# NEAR_DUP_THRESHOLD, choosing each k's best cut-off: k=2 makes 4 errors (distinct
# same-story pairs reach J=0.64: short stock phrases are shared), k=3 2 errors and no false
# positive, k=4 and k=5 2 errors with one false positive. Short posts favour small k: with
# one word in 30 replaced, the 1st percentile of a reprint's J is 0.68 at k=3, 0.50 at k=5.
SHINGLE_K = 3
# Estimated Jaccard at or above which a signature is a near duplicate. Calibrated at k=3
# (tests/test_dedupe.py::calibrate) on 210 real texts (150 gazeta.uz/podrobno.uz Telegram
# posts, 60 tgcontest articles) each reprinted 6 ways (footer, boilerplate line, 1 word in
# 30 replaced, re-punctuated, a sentence dropped or altered, combined), 11 real wire
# reprints among the tgcontest ru/en same-story pairs, and 166 tgcontest pairs of distinct
# articles (many on the same story, sharing quotes): recall / precision / false positives
# 0.9984 / 0.9984 / 2 at 0.50; 0.9976 / 1.0 / 0 at 0.55; 0.9945 / 1.0 / 0 at 0.60 (one
# real wire reprint lost). The two distinct pairs above 0.5 are templated announcements
# and two reports built on one interview.
NEAR_DUP_THRESHOLD = 0.55
# The LSH bands are tuned for a threshold this much lower than the verification
# threshold, so that pairs just above NEAR_DUP_THRESHOLD are not lost to banding (LSH
# recall near its threshold is ~50%); candidates are then verified by estimated Jaccard.
LSH_RECALL_MARGIN = 0.15
# MinHash variant; stated explicitly because the stored bytes depend on it.
_SCHEME = "affine32"
_MAGIC = b"MWMH1"
_HEADER = struct.Struct("<5sIH")  # magic, seed, num_perm

# The Uzbek apostrophe family (and the Latin look-alikes writers type for it): ʻ ‘ ' ` ’ ʼ ′.
_APOSTROPHES = re.compile("[\u02bb\u2018\u0027\u0060\u2019\u02bc\u2032\u00b4]")
_WHITESPACE = re.compile(r"\s+")
# A word is a run of letters/digits, with inner apostrophes kept (o'zbek, don't).
_WORD = re.compile(r"\w+(?:'\w+)*")
# Query parameters that identify a campaign or a visitor, not a page, beyond those
# courlan already strips (utm_*, fbclid, gclid, yclid, ...): Yandex, Openstat, misc.
_EXTRA_TRACKERS = frozenset(
    {"_openstat", "ysclid", "yclid", "fbclid", "gclid", "spm", "ref_src", "cmpid", "at_medium"}
)
_TRACKER_PREFIXES = ("utm_",)


def normalize_for_comparison(text: str) -> str:
    """Normalise text so that cosmetic differences do not count.

    NFKC folds compatibility forms (full-width letters, ligatures, non-breaking
    spaces), casefold removes case, the Uzbek apostrophe family becomes ``'`` and
    whitespace runs become one space.

    Args:
        text: any text.

    Returns:
        The normalised text, stripped.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _APOSTROPHES.sub("'", folded)
    return _WHITESPACE.sub(" ", folded).strip()


def _words(text: str) -> list[str]:
    """Split normalised text into words, dropping punctuation."""
    return _WORD.findall(normalize_for_comparison(text))


def canonical_url_key(url: str) -> str:
    """Return a normalised URL used as an identity key, not for fetching.

    Choices (each makes two URLs of one article compare equal):
    courlan's normalisation (lower-case scheme and host, punycode decoded, default port
    dropped, ``/./`` and ``/../`` resolved, query parameters sorted, tracking parameters
    such as ``utm_*``, ``fbclid``, ``gclid``, ``yclid`` dropped), plus: the fragment is
    dropped, ``http`` and ``https`` are the same key (sites move to https without changing
    articles), a leading ``www.`` is dropped, and a trailing slash on a non-root path is
    dropped (``/a/`` and ``/a`` are served as one page by nearly every CMS). The path's
    case is kept: paths are case-sensitive.

    Args:
        url: an absolute URL.

    Returns:
        The key; the stripped input itself when it is not an absolute http(s) URL.
    """
    raw = url.strip()
    try:
        parts = urlsplit(raw)
    except ValueError:
        return raw
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return raw
    try:
        normal = normalize_url(raw, strict=False, trailing_slash=False)
    except (ValueError, UnicodeError):
        logger.debug("courlan could not normalise %r; using it as is", raw)
        normal = raw
    parts = urlsplit(normal)
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if name.lower() not in _EXTRA_TRACKERS
            and not name.lower().startswith(_TRACKER_PREFIXES)
        ]
    )
    path = parts.path
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    if not path:
        path = "/"
    return urlunsplit(("https", host, path, query, ""))


def content_hash(title: str, text: str) -> str:
    """Return the SHA-256 hex digest of the normalised title and text.

    Args:
        title: the headline (may be empty).
        text: the body text.

    Returns:
        64 hex characters; equal for texts that differ only in case, whitespace,
        compatibility forms or the apostrophe variant used.
    """
    joined = normalize_for_comparison(title) + "\n" + normalize_for_comparison(text)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def dedupe_key(guid: str | None, url: str, title: str, text: str, source_key: str = "") -> str:
    """Return the unique key of an article for idempotent ingestion.

    GUIDs are only unique within a feed, so the key is scoped by ``source_key``.

    Args:
        guid: the feed's GUID, when it has one.
        url: the article URL (may be empty).
        title: the headline.
        text: the body text.
        source_key: what scopes the GUID (the source id or feed URL).

    Returns:
        ``guid:<source_key>:<guid>``, else ``url:<canonical_url_key>``, else
        ``hash:<content_hash>``.
    """
    if guid is not None and guid.strip():
        return f"guid:{source_key}:{guid.strip()}"
    if url.strip():
        return f"url:{canonical_url_key(url)}"
    return f"hash:{content_hash(title, text)}"


def same_article_at_url(guid: str | None, owner_guid: str | None) -> bool:
    """Return whether a record is the article already holding its canonical URL.

    GUID before URL (README, "Re-running an ingest is safe"): two records whose GUIDs
    differ are two articles even when their canonical URLs are equal (a CMS that serves
    every post at ``/news?id=…`` with the id in a tracking-looking parameter, an export
    that gives every post its channel's URL). Without a GUID on either side the URL
    decides.

    Args:
        guid: the new record's GUID, if any.
        owner_guid: the GUID of the article holding the canonical URL, if any.

    Returns:
        True when they are one article (either has no GUID, or both GUIDs are equal).
    """
    mine = (guid or "").strip()
    theirs = (owner_guid or "").strip()
    return not mine or not theirs or mine == theirs


# The canonical_url column is 2048 characters (store/schema.py); a GUID-scoped URL keeps
# the column's UNIQUE constraint by appending "#guid-" and 16 hex digits of the key's hash.
_CANONICAL_URL_MAX = 2048
_SCOPE_DIGITS = 16


def guid_scoped_url(canonical: str, key: str) -> str:
    """Return the stored canonical URL of an article whose URL another GUID holds.

    A canonical URL key never has a fragment (:func:`canonical_url_key` drops it), so
    ``<canonical>#guid-<hash of key>`` cannot collide with a real one, and the column
    stays unique without a migration.

    Args:
        canonical: the canonical URL key already taken by another article.
        key: this article's unique key (``guid:<source>:<guid>``).

    Returns:
        The scoped value, at most 2048 characters.
    """
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:_SCOPE_DIGITS]
    suffix = f"#guid-{digest}"
    return canonical[: _CANONICAL_URL_MAX - len(suffix)] + suffix


def shingles(text: str, k: int = SHINGLE_K) -> set[bytes]:
    """Return the word k-shingles of the normalised text, UTF-8 encoded.

    Punctuation is not part of a word, so reprints that differ only in punctuation or
    apostrophes give the same shingles. A text shorter than ``k`` words gives one
    shingle of all its words; an empty text gives none.

    Args:
        text: the text.
        k: words per shingle.

    Returns:
        The set of shingles.

    Raises:
        ValueError: when ``k`` is below 1.
    """
    if k < 1:
        raise ValueError(f"shingle size must be at least 1, got {k}")
    words = _words(text)
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)}


def minhash_signature(text: str, num_perm: int = NUM_PERM, seed: int = SEED) -> LeanMinHash:
    """Return the MinHash signature of a text's shingles.

    Headlines are best left out: reprints often rewrite them.

    Args:
        text: the body text.
        num_perm: number of permutations.
        seed: permutation seed.

    Returns:
        An immutable datasketch ``LeanMinHash``; the same text gives the same signature in
        every process (SHA-1 shingle hashing and seeded permutations).
    """
    minhash = MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME)
    minhash.update_batch(sorted(shingles(text)))
    return LeanMinHash(minhash)


def signature_to_bytes(sig: LeanMinHash) -> bytes:
    """Serialise a signature for storage.

    Format: ``b"MWMH1"``, seed (uint32 LE), num_perm (uint16 LE), then num_perm
    uint32 LE hash values.

    Args:
        sig: a signature from :func:`minhash_signature`.

    Returns:
        The bytes.
    """
    values = np.asarray(sig.hashvalues, dtype="<u4")
    return _HEADER.pack(_MAGIC, int(sig.seed), len(values)) + values.tobytes()


def signature_from_bytes(data: bytes) -> LeanMinHash:
    """Read a signature written by :func:`signature_to_bytes`.

    Args:
        data: the stored bytes.

    Returns:
        The signature.

    Raises:
        ValueError: when the bytes are not a signature of this format.
    """
    if len(data) < _HEADER.size:
        raise ValueError("signature bytes too short")
    magic, seed, num_perm = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise ValueError(f"not a midweek MinHash signature (magic {magic!r})")
    expected = _HEADER.size + 4 * num_perm
    if len(data) != expected:
        raise ValueError(f"signature has {len(data)} bytes, expected {expected}")
    values = np.frombuffer(data, dtype="<u4", offset=_HEADER.size).astype(np.uint64)
    return LeanMinHash(seed=seed, hashvalues=values, scheme=_SCHEME)


def estimated_jaccard(a: LeanMinHash, b: LeanMinHash) -> float:
    """Return the Jaccard similarity estimated from two signatures.

    Args:
        a: a signature.
        b: another signature with the same seed and num_perm.

    Returns:
        The fraction of equal hash values, in [0, 1].
    """
    return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / len(a.hashvalues)


@functools.lru_cache(maxsize=32)
def _lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Return datasketch's (bands, rows) for a threshold, computed once per process.

    Choosing them integrates false-positive and false-negative areas for every split,
    which costs milliseconds: too much to repeat for each small index.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


# A band's hash: a random linear map of its r values to 64 bits, so each band is one
# integer in a sorted array instead of a bytes key in a dict of sets (datasketch's
# MinHashLSH: about 9.6 KB an article at 32 bands, 20 GB for 10^6 articles, issue 16).
# Two different bands meet on a hash with probability about 2^-64; a meeting only makes a
# candidate, which is verified by estimated Jaccard like every other.
_BAND_SEED = 20261204
# Postings are kept as sorted runs (a log-structured merge): new band keys go to an
# unsorted buffer of at most _BUFFER_KEYS, scanned linearly by a lookup (a few
# microseconds); a full buffer is sorted into a run, and a run at least half the size of
# the one before it is merged into it, so there are O(log n) runs, each key is copied
# O(log n) times, and a lookup is one binary search per run.
_BUFFER_KEYS = 2048


class _GrowingArray:
    """A numpy array that doubles its capacity as rows are appended (amortised O(1))."""

    def __init__(self, dtype: type[np.generic], width: int = 0) -> None:
        self._shape = (width,) if width else ()
        self._data = np.zeros((64, *self._shape), dtype=dtype)
        self.size = 0

    def append(self, rows: np.ndarray) -> None:
        need = self.size + len(rows)
        if need > len(self._data):
            grown = np.zeros((max(need, 2 * len(self._data)), *self._shape), self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : need] = rows
        self.size = need

    @property
    def view(self) -> np.ndarray:
        return self._data[: self.size]

    def clear(self) -> None:
        self.size = 0


class NearDuplicateIndex:
    """A compact in-memory MinHash LSH index of article signatures.

    ``find`` answers "which earlier article is this a reprint of?": the lowest article
    id among LSH candidates whose estimated Jaccard reaches the threshold.

    The banding is datasketch's (:func:`_lsh_bands`: the same bands and rows, so the
    same candidates), but stored as arrays: each article costs its signature as 32-bit
    values (512 B at 128 permutations) plus 12 B a band: 1.3 KB an article in all,
    against 9.7 KB in ``MinHashLSH``, with the same answers (``benchmarks/
    near_dup_index.py``; docs/benchmarks.md, "Near-duplicate (reprint) detection").
    Candidates are verified in one vectorised comparison.

    Written here rather than taken from a library: datasketch keeps a dict of sets per
    band, and the disk-backed LSH libraries (redis/cassandra storage in datasketch) need
    a service the laptop install does not have.
    """

    def __init__(self, threshold: float = NEAR_DUP_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        """Create an empty index.

        Args:
            threshold: estimated Jaccard at or above which two signatures match.
            num_perm: permutations of the signatures that will be added.

        Raises:
            ValueError: when the threshold is outside (0, 1].
        """
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.num_perm = num_perm
        lsh_threshold = max(0.05, threshold - LSH_RECALL_MARGIN)
        self._bands, self._rows = _lsh_bands(lsh_threshold, num_perm)
        rng = np.random.default_rng(_BAND_SEED)
        # odd multipliers and a per-band offset, so band i and band j never share keys
        self._multipliers = rng.integers(1, 2**63, size=(self._bands, self._rows), dtype=np.uint64)
        self._multipliers |= np.uint64(1)
        self._offsets = rng.integers(0, 2**63, size=self._bands, dtype=np.uint64)
        self._slot_of: dict[int, int] = {}
        self._ids = _GrowingArray(np.int64)
        self._values = _GrowingArray(np.uint32, num_perm)
        # sorted runs of (band keys, slot of each), largest first
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._buffer_keys = _GrowingArray(np.uint64)
        self._buffer_slots = _GrowingArray(np.int32)

    def _band_keys(self, values: np.ndarray) -> np.ndarray:
        """The 64-bit key of each band of one signature's values."""
        bands = values[: self._bands * self._rows].reshape(self._bands, self._rows)
        keys: np.ndarray = (bands.astype(np.uint64) * self._multipliers).sum(
            axis=1, dtype=np.uint64
        ) + self._offsets
        return keys

    def add(self, article_id: int, signature: LeanMinHash) -> None:
        """Add an article's signature; adding the same id again is a no-op.

        Args:
            article_id: the article's id.
            signature: its signature.

        Raises:
            ValueError: when the signature has the wrong number of permutations.
        """
        if article_id in self._slot_of:
            return
        if len(signature) != self.num_perm:
            raise ValueError(f"signature has {len(signature)} permutations, not {self.num_perm}")
        values = np.asarray(signature.hashvalues, dtype=np.uint32)
        slot = self._ids.size
        self._slot_of[article_id] = slot
        self._ids.append(np.array([article_id], dtype=np.int64))
        self._values.append(values.reshape(1, -1))
        self._buffer_keys.append(self._band_keys(values))
        self._buffer_slots.append(np.full(self._bands, slot, dtype=np.int32))
        if self._buffer_keys.size >= _BUFFER_KEYS:
            self._flush_buffer()

    def _flush_buffer(self) -> None:
        """Sort the buffer into a run; merge runs of comparable size."""
        keys, slots = self._buffer_keys.view, self._buffer_slots.view
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], slots[order]))
        self._buffer_keys.clear()
        self._buffer_slots.clear()
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (k2, s2), (k1, s1) = self._runs.pop(), self._runs.pop()
            keys, slots = np.concatenate([k1, k2]), np.concatenate([s1, s2])
            order = np.argsort(keys, kind="stable")  # timsort: two sorted runs, O(n)
            self._runs.append((keys[order], slots[order]))

    def find(self, signature: LeanMinHash) -> int | None:
        """Return the id of the original this signature near-duplicates, if any.

        Args:
            signature: the signature of the article to check.

        Returns:
            The lowest id among indexed articles with estimated Jaccard at or above the
            threshold, or None.
        """
        if not self._slot_of or signature.is_empty() or len(signature) != self.num_perm:
            return None
        values = np.asarray(signature.hashvalues, dtype=np.uint32)
        wanted = np.unique(self._band_keys(values))
        buffered = self._buffer_keys.view
        hits = (buffered[:, None] == wanted[None, :]).any(axis=1)
        found = [self._buffer_slots.view[hits]]
        for keys, slots in self._runs:
            lo = keys.searchsorted(wanted, side="left")
            counts = keys.searchsorted(wanted, side="right") - lo
            if counts.any():  # the slots of every [lo, hi) range, without a Python loop
                starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
                found.append(slots[starts + np.arange(int(counts.sum()))])
        candidates = np.unique(np.concatenate(found))
        if not len(candidates):
            return None
        agree = np.count_nonzero(self._values.view[candidates] == values, axis=1)
        matches = self._ids.view[candidates][agree / self.num_perm >= self.threshold]
        return int(matches.min()) if len(matches) else None

    def __len__(self) -> int:
        """Return the number of indexed articles."""
        return len(self._slot_of)
