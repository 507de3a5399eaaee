"""The figures a version trained on every question can still be given: its Platt fit and threshold, and the demo
regression gate (questions no SciFact-trained version ever saw). judge_reranker refuses such a version, rightly:
it has no held-out questions left.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python lab/benchmarks/version_gate.py \
        var/models/NAME --pools var/evaluation/pools-scifact-train-50.jsonl

The Platt fit uses `--questions` pools picked at random (seed 13); for such a version they are questions it trained
on, where its logits are over-confident (docs/tuning.md, section 4), so its threshold may come out high. Served
with `--chunk-weight` and `--blend-weight` (default: the settings'; give those judging chose for the version
trained on 80% of the questions with the same recipe). `--sweep 0.01,0.005` gates again at lower thresholds on
the same fit, to tell a threshold set too high from scores that no longer separate the demo's answerable
questions from its uncovered ones. Prints the figures and writes benchmarks/results/version_gate.json.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")


def main() -> None:
    import django

    django.setup()
    from dataclasses import replace

    from django.conf import settings

    from retrieval.calibration import load_pools
    from retrieval.evaluation import load_beir_split
    from retrieval.rerankers import version_reranker
    from retrieval.scoring import Calibration, Serving
    from retrieval.selectors import serving_of
    from tuning.gate import BARS, gate_measure
    from tuning.measure import cut, platt_fit, rescored, threshold_figures

    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pools", type=Path, required=True)
    parser.add_argument("--beir", type=Path, default=ROOT.parent / "shared" / "eval" / "scifact")
    parser.add_argument("--split", default="train")
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--chunk-weight", type=float, default=settings.RERANK_WINDOW_CHUNK_WEIGHT)
    parser.add_argument("--blend-weight", type=float, default=settings.RERANK_BLEND_WEIGHT)
    parser.add_argument("--sweep", default="", help="more thresholds to gate at, comma-separated")
    args = parser.parse_args()
    serving = Serving(replace(serving_of(None).plan, chunk_weight=args.chunk_weight), args.blend_weight)
    queries = load_beir_split(args.beir, args.split).queries
    pools = cut(load_pools(args.pools), settings.RETRIEVAL_POOL)
    chosen = random.Random(13).sample(pools, min(len(pools), args.questions))
    reranker = version_reranker(str((args.folder / "onnx").resolve()))
    scored = rescored(chosen, queries, reranker, serving.plan)
    a, b, threshold = platt_fit(scored, serving.plan.chunk_weight)
    figures = threshold_figures(scored, a, b, threshold, serving.plan.chunk_weight)
    gate = gate_measure(reranker, Calibration(a, b, threshold), serving)
    print(f"Platt a={a:.4f} b={b:.4f}, threshold {threshold} (fitted on {len(chosen)} pools): {figures}")
    print(f"demo gate: {gate} (bars { ({k: round(v, 4) for k, v in BARS.items()}) })")
    sweep = {t: gate_measure(reranker, Calibration(a, b, float(t)), serving) for t in args.sweep.split(",") if t}
    for t, swept in sweep.items():
        print(f"demo gate at threshold {t}: {swept}")
    out = ROOT / "benchmarks" / "results" / "version_gate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "folder": str(args.folder), "weights": [args.chunk_weight, args.blend_weight], "platt": [a, b, threshold],
        "threshold": figures, "gate": gate, "sweep": sweep,
    }  # fmt: skip
    out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
