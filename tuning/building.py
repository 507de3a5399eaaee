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
