"""A few steps of training a tiny local model, its int8 ONNX export, and serving it with the onnx backend."""

import random
from dataclasses import replace

import numpy as np

from retrieval.rerankers import OnnxCrossEncoder
from tuning.export import export_int8_onnx
from tuning.training import Group, TrainSettings, epochs_of, groups_of, listwise_loss, train
from tuning.training_set import Pair


def pairs() -> list[Pair]:
    made = []
    for q in range(6):
        question = f"What colour is kiln {q}?"
        side = "train" if q < 5 else "eval"
        made.append(Pair(f"q{q}", question, f"Kiln {q} is painted blue.", 1, "beir", side))
        made += [Pair(f"q{q}", question, f"Unrelated note {q}-{n}.", 0, "beir", side) for n in range(3)]
    return made


def test_each_positive_gets_its_own_questions_negatives() -> None:
    groups = groups_of(pairs(), 2, random.Random(1))
    assert len(groups) == 6
    for group in groups:
        number = group.question.split()[-1].rstrip("?")
        assert group.positives == (f"Kiln {number} is painted blue.",) and len(group.negatives) == 2
        assert all(text.startswith(f"Unrelated note {number}-") for text in group.negatives)


def test_a_group_with_several_positives_asks_only_that_one_of_them_ranks_first() -> None:
    import torch

    group = Group("Why?", ("Part one.", "Part two."), ("Wrong.",))
    # the second positive far ahead: nothing left to learn, whatever the first one scores
    assert float(listwise_loss(torch.tensor([-5.0, 9.0, 0.0]), [group])) < 1e-3
    # one positive: softmax cross-entropy with the positive as the target
    single = Group("Why?", ("Part one.",), ("Wrong.", "Worse."))
    expected = torch.nn.functional.cross_entropy(torch.tensor([[1.0, 2.0, 0.5]]), torch.tensor([0]))
    assert torch.isclose(listwise_loss(torch.tensor([1.0, 2.0, 0.5]), [single]), expected)


def test_a_question_without_negatives_is_left_out() -> None:
    lonely = [Pair("q", "Why?", "Because.", 1, "mark")]
    assert groups_of(lonely, 3, random.Random(1)) == []


def test_train_export_and_serve_a_tiny_model(tiny_base, tmp_path) -> None:
    steps: list[tuple[int, int, float]] = []
    options = TrainSettings(epochs=2, batch_groups=2, negatives=2, max_tokens=32, learning_rate=1e-3, freeze_layers=1)
    report = train(tiny_base, tmp_path / "torch", pairs(), options, lambda *step: steps.append(step))
    # 5 training questions (the evaluation one never trains) x 2 epochs / 2 groups a step
    assert report.steps == 5 and [s[0] for s in steps] == [1, 2, 3, 4, 5] and steps[0][1] == 5
    assert report.pairs_seen == 5 * 2 * 3 and report.pairs_per_second > 0 and np.isfinite(report.last_loss)
    served = OnnxCrossEncoder(export_int8_onnx(tmp_path / "torch", tmp_path / "onnx"), 64, 8, 1)
    logits = served.score("What colour is kiln 1?", ["Kiln 1 is painted blue.", "Unrelated note."])
    assert logits.shape == (2,) and np.isfinite(logits).all()


def test_the_int8_export_scales_each_output_channel_on_its_own(tiny_base, tmp_path) -> None:
    """Per-tensor int8 cost a tuned model 0.012 held-out nDCG@10 (tuning/export.py): every quantised matrix of the
    export carries one scale per output column, not one for the whole matrix."""
    import onnx

    model = onnx.load(str(export_int8_onnx(tiny_base, tmp_path / "onnx") / "model.onnx"))
    shapes = {tensor.name: list(tensor.dims) for tensor in model.graph.initializer}
    matrices = [node for node in model.graph.node if node.op_type == "MatMulInteger"]
    assert matrices
    for node in matrices:
        weight, scale = node.input[1], node.input[1].removesuffix("_quantized") + "_scale"
        assert shapes[scale] == shapes[weight][1:], node.name


def test_frozen_layers_do_not_change(tiny_base, tmp_path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    options = TrainSettings(epochs=1, batch_groups=5, negatives=2, max_tokens=32, learning_rate=1e-2, freeze_layers=1)
    train(tiny_base, tmp_path / "torch", pairs(), options)
    before = AutoModelForSequenceClassification.from_pretrained(tiny_base).state_dict()
    after = AutoModelForSequenceClassification.from_pretrained(tmp_path / "torch").state_dict()
    assert torch.equal(before["bert.encoder.layer.0.attention.self.query.weight"],
                       after["bert.encoder.layer.0.attention.self.query.weight"])  # fmt: skip
    assert not torch.equal(before["classifier.weight"], after["classifier.weight"])


def losses_of(tiny_base, out, pairs: list[Pair], options: TrainSettings) -> list[float]:
    seen: list[float] = []
    train(tiny_base, out, pairs, options, lambda step, steps, loss: seen.append(loss))
    return seen


def test_dropout_off_makes_every_step_see_the_same_model(tiny_base, tmp_path) -> None:
    """With the learning rate at 0 the weights never change, so the same group's loss differs between steps only
    through dropout's random masks; off, every step scores it alike, and the saved config keeps the rates."""
    from transformers import AutoConfig

    one_question = [p for p in pairs() if p.question_id == "q0"]
    options = TrainSettings(epochs=3, batch_groups=1, negatives=3, max_tokens=32, learning_rate=0.0)
    with_dropout = losses_of(tiny_base, tmp_path / "on", one_question, options)
    without = losses_of(tiny_base, tmp_path / "off", one_question, replace(options, dropout=False))
    assert len(set(without)) == 1 and len(set(with_dropout)) == 3
    assert AutoConfig.from_pretrained(tmp_path / "off").hidden_dropout_prob == 0.1


def test_each_later_pass_draws_a_positives_negatives_afresh() -> None:
    many = [Pair("q", "Why?", "Because.", 1, "beir")] + [Pair("q", "Why?", f"Other {n}.", 0, "beir") for n in range(20)]
    groups = groups_of(many, 3, random.Random(1))
    order = epochs_of(groups, 4, random.Random(2))
    assert order[0] == groups[0]  # the first pass is the groups as drawn
    assert all(len(set(group.negatives)) == 3 and group.positives == ("Because.",) for group in order)
    assert len({text for group in order for text in group.negatives}) > 3
