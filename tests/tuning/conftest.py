import shutil
from pathlib import Path

import pytest

from retrieval.rerankers import bundled_onnx_dir


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A tiny random BERT cross-encoder with the real tokenizer: fast to train, for testing the loop, never quality."""
    from transformers import BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("tiny-base")
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=512,
    )  # fmt: skip
    config.num_labels = 1
    BertForSequenceClassification(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        shutil.copy(bundled_onnx_dir() / name, folder / name)
    return folder
