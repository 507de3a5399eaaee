"""A version averaged between a tuned one and its base, or two tuned from one base: weights, manifest, serving."""

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


def test_two_versions_from_one_base_average_into_one_that_refuses_either_ones_questions(tuned, tiny_base) -> None:
    import torch

    other = tuned.parent / "other"
    options = TrainSettings(epochs=1, batch_groups=5, negatives=2, max_tokens=32, learning_rate=1e-2, seed=5)
    train(tiny_base, other / "torch", pairs(), options)
    manifest = {"name": "other", "base": str(tiny_base), "trained_questions": ["q1"], "data": {"train": {}}}
    (other / "manifest.json").write_text(json.dumps(manifest))
    call_command("average_reranker", str(tuned), "--with", str(other))
    soup = tuned.parent / "tuned-with-other"
    first, second, mixed = weights(tuned / "torch"), weights(other / "torch"), weights(soup / "torch")
    key = "classifier.weight"
    assert not torch.allclose(first[key], second[key])
    assert torch.allclose(mixed[key], 0.5 * first[key] + 0.5 * second[key], atol=1e-6)
    written = json.loads((soup / "manifest.json").read_text())
    assert written["averaged"] == {"from": "tuned", "keep_base": 0.5, "with": "other"}
    assert written["trained_questions"] == ["q0", "q1"]


def test_versions_tuned_from_different_bases_are_not_averaged(tuned, tmp_path) -> None:
    stranger = tmp_path / "models" / "stranger"
    (stranger / "torch").mkdir(parents=True)
    (stranger / "torch" / "config.json").write_text("{}")
    (stranger / "manifest.json").write_text(json.dumps({"name": "stranger", "base": "minilm-l6"}))
    with pytest.raises(CommandError, match="same base"):
        call_command("average_reranker", str(tuned), "--with", str(stranger))
