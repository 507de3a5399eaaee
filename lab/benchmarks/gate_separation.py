"""How well a reranker version tells the demo gate's answerable questions from its uncovered ones, before any
calibration: each question's best passage score (the combined logit the gate ranks by), its median for either kind,
the AUC of answerable over uncovered, and how many answerable questions the best threshold keeping 14 of the 22
uncovered ones refused would keep. A tuned version that fails the gate on context either scores the demo's
documents lower across the board (a threshold problem) or separates them less well (a model problem); this tells
which.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python lab/benchmarks/gate_separation.py \
        shipped:0 var/models/NAME:1 [--heldout var/evaluation/pools-scifact-train-50.jsonl]

Each argument is `shipped` or a version folder, then `:` and the chunk weight it is served with. `--heldout`
also scores the held-out fifth of SciFact's train questions (judge_reranker's split) twice: as they are, and with
their relevant documents taken out of the pool, the nearest SciFact comes to a question its documents do not
cover. If those scores sit far above the demo's uncovered ones, no threshold calibrated on SciFact can say
where a collection stops covering a question.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")

REFUSED_BAR = 14  # of the 22 uncovered questions, as tuning/gate.py's bar


def main() -> None:
    import django

    django.setup()
    from dataclasses import replace

    import numpy as np

    from retrieval.calibration import LabelledPool, labelled_logits, load_pools
    from retrieval.evaluation import load_beir_split
    from retrieval.rerankers import bundled_onnx_dir, version_reranker
    from retrieval.scoring import logits_as
    from retrieval.selectors import serving_of
    from tuning.gate import POOLS, gate_questions
    from tuning.measure import rescored
    from tuning.training_set import split_of

    parser = argparse.ArgumentParser()
    parser.add_argument("versions", nargs="+", help="shipped or a version folder, then :chunk weight")
    parser.add_argument("--heldout", type=Path, help="SciFact train pools (store_pools) to score the held-out fifth of")
    parser.add_argument("--beir", type=Path, default=ROOT.parent / "shared" / "eval" / "scifact")
    args = parser.parse_args()

    def auc(high: np.ndarray, low: np.ndarray) -> float:
        return float(np.mean([(h > lo) + 0.5 * (h == lo) for h in high for lo in low]))

    questions, pools = gate_questions(), list(load_pools(POOLS))
    heldout: list[LabelledPool] = []
    if args.heldout:
        queries = load_beir_split(args.beir, "train").queries
        heldout = [p for p in load_pools(args.heldout) if split_of(p.question_id, eval_share=0.2, seed=13) == "eval"]
    header = f"{'version':<56}{'answerable':>11}{'uncovered':>10}{'AUC':>7}{'kept':>6}"
    print(header + (f"{'SciFact':>9}{'taken out':>10}{'AUC':>7}" if heldout else ""))
    for argument in args.versions:
        name, _, weight = argument.rpartition(":")
        onnx = bundled_onnx_dir() if name == "shipped" else (Path(name) / "onnx").resolve()
        reranker, plan = version_reranker(str(onnx)), replace(serving_of(None).plan, chunk_weight=float(weight))
        best: dict[bool, list[float]] = {True: [], False: []}
        for pool in rescored(pools, questions, reranker, plan):
            best[bool(pool.relevant)].append(float(np.max(logits_as(pool.candidates, plan.chunk_weight))))
        answerable, uncovered = np.array(best[True]), np.array(best[False])
        # the threshold just at the highest uncovered score that may still be kept
        allowed = len(uncovered) - REFUSED_BAR
        threshold = np.sort(uncovered)[::-1][allowed] if allowed < len(uncovered) else -np.inf
        kept = int((answerable > threshold).sum())
        line = f"{argument:<56}{np.median(answerable):>11.2f}{np.median(uncovered):>10.2f}"
        line += f"{auc(answerable, uncovered):>7.3f}{kept:>6}"
        if heldout:
            covered, taken = [], []
            for pool in rescored(heldout, queries, reranker, plan):
                logits, relevant = labelled_logits([pool], plan.chunk_weight)
                if relevant.all():  # nothing left once its relevant documents are taken out
                    continue
                covered.append(float(logits.max()))
                taken.append(float(logits[relevant == 0].max()))
            separation = auc(np.array(covered), np.array(taken))
            line += f"{np.median(covered):>9.2f}{np.median(taken):>10.2f}{separation:>7.3f}"
        print(line)


if __name__ == "__main__":
    main()
