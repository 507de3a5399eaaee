"""Fine-tuning a cross-encoder on this CPU: listwise softmax cross-entropy over groups of one positive and its
hard negatives, bf16 autocast (AMX), AdamW with warm-up and linear decay, optionally the lower layers frozen.

A training run reads pairs (tuning/training_set.py) and writes a PyTorch model folder; tuning/export.py makes the
int8 ONNX copy that is served.
"""

import random
import resource
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tuning.training_set import Pair


@dataclass(frozen=True)
class TrainSettings:
    epochs: float = 1.0  # fractions train on the first part of the shuffled groups
    learning_rate: float = 2e-5
    batch_groups: int = 2  # groups per step: a step sees batch_groups * (1 + negatives) pairs
    max_tokens: int = 256
    negatives: int = 7  # hard negatives per positive
    seed: int = 13
    freeze_layers: int = 0  # the embeddings and this many lower layers are left as they are
    warmup_share: float = 0.1
    # Dropout's random masks cost more than the forward pass itself on this CPU: off, a step runs ~2.1x faster
    # (benchmarks/train_step.py); on, the model's own rates regularise a long run on little data.
    dropout: bool = True


@dataclass(frozen=True)
class Group:
    question: str
    positives: tuple[str, ...]  # one unless grouped by document
    negatives: tuple[str, ...]
    # every negative of the question, so that each later pass can draw the positive's negatives afresh
    candidates: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class TrainReport:
    groups: int
    steps: int
    pairs_seen: int
    seconds: float
    pairs_per_second: float
    peak_memory_mb: float
    first_loss: float
    last_loss: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def groups_of(pairs: Sequence[Pair], negatives: int, rng: random.Random) -> list[Group]:
    """Each positive with `negatives` negatives of its own question (drawn again if the question has fewer)."""
    by_question: dict[str, tuple[str, list[str], list[str]]] = defaultdict(lambda: ("", [], []))
    for pair in pairs:
        question, positives, negative_texts = by_question[pair.question_id]
        (positives if pair.label else negative_texts).append(pair.text)
        by_question[pair.question_id] = (pair.question, positives, negative_texts)
    groups = []
    for question, positives, negative_texts in by_question.values():
        if not negative_texts:
            continue  # nothing to tell the positive apart from
        for text in positives:
            drawn = _draw(negative_texts, negatives, rng)
            groups.append(Group(question, (text,), drawn, tuple(negative_texts)))
    return groups


def _draw(candidates: Sequence[str], negatives: int, rng: random.Random) -> tuple[str, ...]:
    if len(candidates) >= negatives:
        return tuple(rng.sample(candidates, negatives))
    return tuple(rng.choice(candidates) for _ in range(negatives))


def train(
    base: Path, out: Path, pairs: Sequence[Pair], options: TrainSettings,
    on_step: Callable[[int, int, float], None] | None = None,
) -> TrainReport:  # fmt: skip
    """Train a copy of the model in `base` on the training side of pairs; save it (and its tokenizer) to `out`."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    rng = random.Random(options.seed)
    torch.manual_seed(options.seed)
    training = [p for p in pairs if p.split == "train"]
    groups = groups_of(training, options.negatives, rng)
    if not groups:
        raise ValueError("no training group: the training side needs questions with a positive and a negative")
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    _freeze(model, options.freeze_layers)
    if not options.dropout:
        _dropout_off(model)
    model.train()
    steps = max(1, round(len(groups) * options.epochs / options.batch_groups))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=options.learning_rate)
    warmup = max(1, int(steps * options.warmup_share))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup)))
    )
    order = epochs_of(groups, steps * options.batch_groups, rng)
    losses: list[float] = []
    started = time.monotonic()
    for step in range(steps):
        batch = order[step * options.batch_groups : (step + 1) * options.batch_groups]
        loss = _step(model, tokenizer, batch, options.max_tokens)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step + 1, steps, losses[-1])
    seconds = time.monotonic() - started
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    seen = sum(len(group.positives) + len(group.negatives) for group in order)
    tail = losses[-max(1, len(losses) // 10) :]
    return TrainReport(
        groups=len(groups), steps=steps, pairs_seen=seen, seconds=round(seconds, 1),
        pairs_per_second=round(seen / max(seconds, 1e-9), 2), peak_memory_mb=_peak_memory_mb(),
        first_loss=round(losses[0], 4), last_loss=round(sum(tail) / len(tail), 4),
    )  # fmt: skip


def epochs_of(groups: list[Group], count: int, rng: random.Random) -> list[Group]:
    """`count` groups: whole shuffled passes over the groups, each pass in a new order.

    A question's pool holds some 28 hard negatives and a group shows 7 of them: after the first pass each
    positive meets a fresh draw, so a second epoch teaches more than the same comparisons again."""
    order: list[Group] = []
    while len(order) < count:
        shuffled = groups[:]
        rng.shuffle(shuffled)
        if order:
            shuffled = [
                replace(g, negatives=_draw(g.candidates or g.negatives, len(g.negatives), rng)) for g in shuffled
            ]
        order += shuffled
    return order[:count]


def _step(model: Any, tokenizer: Any, batch: list[Group], max_tokens: int) -> Any:
    """Listwise loss of one step: in each group, its positive should score above its negatives."""
    import torch

    questions = [group.question for group in batch for _ in (*group.positives, *group.negatives)]
    texts = [text for group in batch for text in (*group.positives, *group.negatives)]
    encoded = tokenizer(
        questions, texts, truncation="only_second", max_length=max_tokens, padding=True, return_tensors="pt"
    )
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(**encoded).logits.view(-1)
    return listwise_loss(logits.float(), batch)


def listwise_loss(logits: Any, batch: list[Group]) -> Any:
    """Mean over groups of -log(the softmax mass on the group's positives); with one positive, cross-entropy."""
    import torch

    losses, start = [], 0
    for group in batch:
        width, hits = len(group.positives) + len(group.negatives), len(group.positives)
        scores = logits[start : start + width]
        losses.append(torch.logsumexp(scores, 0) - torch.logsumexp(scores[:hits], 0))
        start += width
    return torch.stack(losses).mean()


def _freeze(model: Any, layers: int) -> None:
    if layers <= 0:
        return
    encoder = model.base_model
    for parameter in encoder.embeddings.parameters():
        parameter.requires_grad = False
    for layer in encoder.encoder.layer[:layers]:
        for parameter in layer.parameters():
            parameter.requires_grad = False


def _dropout_off(model: Any) -> None:
    """Every dropout layer at rate 0 (BERT's attention reads its rate from its Dropout module too); the saved
    config keeps the model's own rates."""
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0


def _peak_memory_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
