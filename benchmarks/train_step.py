"""Training speed of the reranker fine-tune on this CPU: pairs/s of tuning.training.train by setting.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/train_step.py \
        var/training/scifact-train-chunk.jsonl --steps 12

Each row trains a fresh copy of the shipped model (its float copy, made once) for the same steps on the same
groups (the pairs file's first training-side questions) and reports what train() reports: pairs/s with the
optimiser step included. Peak memory is one figure for the whole process (ru_maxrss never falls), printed at the
end. Run it on an otherwise idle machine. Prints a table and writes
benchmarks/results/train_step.json.
"""

import argparse
import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")

# (label, changes to the command's defaults)
SETTINGS = [
    ("defaults (dropout on)", {}),
    ("dropout off", {"dropout": False}),
    ("dropout off, lower 6 layers frozen", {"dropout": False, "freeze_layers": 6}),
    ("dropout off, max 192 tokens", {"dropout": False, "max_tokens": 192}),
]


def main() -> None:
    import django

    django.setup()
    from tuning.bases import base_model_dir
    from tuning.training import TrainSettings, train
    from tuning.training_set import read_pairs

    parser = argparse.ArgumentParser()
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    defaults = TrainSettings()
    pairs = [p for p in read_pairs(args.pairs) if p.split == "train"]
    wanted = args.steps * defaults.batch_groups  # groups, one a positive: the first questions with positives
    questions = list(dict.fromkeys(p.question_id for p in pairs if p.label))[:wanted]
    chosen = [p for p in pairs if p.question_id in set(questions)]
    epochs = wanted / max(sum(p.label for p in chosen), 1)
    base = base_model_dir("shipped")
    rows = []
    print("setting | pairs/s | seconds", flush=True)
    for label, changes in SETTINGS:
        with tempfile.TemporaryDirectory() as out:
            report = train(base, Path(out), chosen, replace(defaults, epochs=epochs, **changes))  # type: ignore[arg-type]
        rows.append({"setting": label, "pairs_per_second": report.pairs_per_second, "seconds": report.seconds})
        print(f"{label} | {report.pairs_per_second} | {report.seconds}", flush=True)
    print(f"peak RSS of the whole run: {report.peak_memory_mb} MB")
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {"steps": args.steps, "rows": rows, "peak_memory_mb": report.peak_memory_mb}
    (out_dir / "train_step.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
