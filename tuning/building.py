"""A version's folder: the trained PyTorch model (torch/), its int8 ONNX export (onnx/) and a manifest of the data,
settings, times and training figures. Used by finetune_reranker and by the training task the admin starts."""

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from retrieval.models import RerankerVersion
from tuning.bases import base_model_dir
from tuning.export import export_int8_onnx
from tuning.training import TrainSettings, train
from tuning.training_set import Pair, question_key


def version_name(base: str) -> str:
    """A new version's name from the time and its base; two runs started in the same second (a double click)
    get -2, -3 rather than one of them failing on the unique name."""
    stem = f"reranker-{timezone.now():%Y%m%d-%H%M%S}-{Path(base).name}"
    name, number = stem, 1
    while RerankerVersion.objects.filter(name=name).exists() or (settings.VAR_DIR / "models" / name).exists():
        number += 1
        name = f"{stem}-{number}"
    return name


def folder_build(
    *, name: str, base: str, pairs: Sequence[Pair], options: TrainSettings,
    on_step: Callable[[int, int, float], None] | None = None,
) -> Path:  # fmt: skip
    """Train from `base` (a name of tuning.bases or a folder) on the pairs' training side and export; the folder."""
    folder = settings.VAR_DIR / "models" / name
    started = timezone.now()
    report = train(base_model_dir(base), folder / "torch", pairs, options, on_step)
    export_int8_onnx(folder / "torch", folder / "onnx")
    manifest = {
        "name": name,
        "base": base,
        "data": {side: counts(pairs, side) for side in ("train", "eval")},
        "settings": asdict(options),
        "started": started.isoformat(),
        "finished": timezone.now().isoformat(),
        "training": report.as_dict(),
        # so that judging can refuse held-out questions this version saw (another split, or all of them)
        "trained_questions": sorted({question_key(p.question) for p in pairs if p.split == "train"}),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def counts(pairs: Sequence[Pair], side: str) -> dict[str, int]:
    chosen = [p for p in pairs if p.split == side]
    positives = sum(p.label for p in chosen)
    return {"questions": len({p.question_id for p in chosen}), "positives": positives,
            "negatives": len(chosen) - positives}  # fmt: skip


def folder_average(*, name: str, tuned: Path, keep_base: float, other: Path | None = None) -> Path:
    """A new version between a tuned one and the base it started from: every weight `keep_base` of the base's and
    the rest of the tuned one's (weight-space ensembling, WiSE-FT). Fine-tuning on one domain drifts the scores
    off others; the average keeps some of the base's behaviour at no training cost. With `other` (a version tuned
    from the same base), the average is between the two tuned ones instead, `keep_base` being other's share (a
    model soup: two runs from one base average into one model that serves at one model's cost). The new version
    keeps the tuned one's manifest (data, settings), the questions either trained on, and records what it
    averaged."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not 0.0 <= keep_base < 1.0:
        raise ValueError(f"keep_base must be at least 0 and below 1, not {keep_base}")
    source = json.loads((tuned / "manifest.json").read_text())
    partner = json.loads((other / "manifest.json").read_text()) if other else {}
    if other and partner.get("base") != source["base"]:
        raise ValueError(f"{other} was tuned from {partner.get('base')!r}, {tuned} from {source['base']!r}: "
                         "only versions tuned from the same base average into one model")  # fmt: skip
    folder = settings.VAR_DIR / "models" / name
    if folder.exists():
        raise ValueError(f"{folder} exists already: choose another name")
    model = AutoModelForSequenceClassification.from_pretrained(tuned / "torch", num_labels=1)
    mixed = other / "torch" if other else base_model_dir(source["base"])
    mixed_weights = AutoModelForSequenceClassification.from_pretrained(mixed, num_labels=1).state_dict()
    with torch.no_grad():
        for key, weight in model.state_dict().items():
            if weight.is_floating_point():  # position ids and other integer buffers are the same in both
                weight.mul_(1.0 - keep_base).add_(mixed_weights[key], alpha=keep_base)
    model.save_pretrained(folder / "torch")
    AutoTokenizer.from_pretrained(tuned / "torch").save_pretrained(folder / "torch")
    export_int8_onnx(folder / "torch", folder / "onnx")
    averaged = {"from": source["name"], "keep_base": keep_base, **({"with": partner["name"]} if other else {})}
    trained = sorted({*source.get("trained_questions", []), *partner.get("trained_questions", [])})
    manifest = {**source, "name": name, "averaged": averaged, "trained_questions": trained,
                "finished": timezone.now().isoformat()}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder
