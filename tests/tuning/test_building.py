"""A version averaged between a tuned one and its base: its weights, its manifest, and that it serves."""

import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from retrieval.rerankers import OnnxCrossEncoder
from tests.tuning.test_training import pairs
from tuning.building import folder_average
from tuning.training import TrainSettings, train


@pytest.fixture
def tuned(tiny_base, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    folder = tmp_path / "models" / "tuned"
    options = TrainSettings(epochs=1, batch_groups=5, negatives=2, max_tokens=32, learning_rate=1e-2)
    train(tiny_base, folder / "torch", pairs(), options)
    manifest = {"name": "tuned", "base": str(tiny_base), "trained_questions": ["q0"], "data": {"train": {}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def weights(folder):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(folder, num_labels=1).state_dict()


def test_each_weight_lies_the_chosen_share_of_the_way_back_to_the_base(tuned, tiny_base) -> None:
    import torch

    averaged = folder_average(name="avg", tuned=tuned, keep_base=0.25)
    base, trained, mixed = weights(tiny_base), weights(tuned / "torch"), weights(averaged / "torch")
    key = "classifier.weight"
    assert not torch.allclose(base[key], trained[key])
    assert torch.allclose(mixed[key], 0.75 * trained[key] + 0.25 * base[key], atol=1e-6)
    manifest = json.loads((averaged / "manifest.json").read_text())
    assert manifest["name"] == "avg" and manifest["averaged"] == {"from": "tuned", "keep_base": 0.25}
    assert manifest["trained_questions"] == ["q0"]  # judging must still refuse the questions it trained on
    logits = OnnxCrossEncoder(averaged / "onnx", 64, 8, 1).score("What colour is kiln 1?", ["Kiln 1 is blue."])
    assert np.isfinite(logits).all()


def test_the_command_refuses_a_share_out_of_range_and_an_existing_name(tuned) -> None:
    with pytest.raises(CommandError, match="below 1"):
        call_command("average_reranker", str(tuned), "--keep-base", "1")
    call_command("average_reranker", str(tuned), "--keep-base", "0.5")
    assert (tuned.parent / "tuned-keep50" / "onnx" / "model.onnx").exists()
    with pytest.raises(CommandError, match="exists already"):
        call_command("average_reranker", str(tuned), "--keep-base", "0.5")
