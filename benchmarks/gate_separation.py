"""How well a reranker version tells the demo gate's answerable questions from its uncovered ones, before any
calibration: each question's best passage score (the combined logit the gate ranks by), its median for either kind,
the AUC of answerable over uncovered, and how many answerable questions the best threshold keeping 14 of the 22
uncovered ones refused would keep. A tuned version that fails the gate on context either scores the demo's
documents lower across the board (a threshold problem) or separates them less well (a model problem); this tells
which.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/gate_separation.py \
        shipped:0 var/models/NAME:1

Each argument is `shipped` or a version folder, then `:` and the chunk weight it is served with.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")

REFUSED_BAR = 14  # of the 22 uncovered questions, as tuning/gate.py's bar


def main() -> None:
    import django

    django.setup()
    from dataclasses import replace

    import numpy as np

    from retrieval.calibration import load_pools
    from retrieval.context import Scored
    from retrieval.rerankers import bundled_onnx_dir, version_reranker
    from retrieval.scoring import logits_as, score_pool
    from retrieval.selectors import serving_of
    from tuning.gate import POOLS, gate_questions

    questions, pools = gate_questions(), list(load_pools(POOLS))
    print(f"{'version':<56}{'answerable':>11}{'uncovered':>10}{'AUC':>7}{'kept':>6}")
    for argument in sys.argv[1:]:
        name, _, weight = argument.rpartition(":")
        onnx = bundled_onnx_dir() if name == "shipped" else (Path(name) / "onnx").resolve()
        reranker, plan = version_reranker(str(onnx)), replace(serving_of(None).plan, chunk_weight=float(weight))
        best: dict[bool, list[float]] = {True: [], False: []}
        for pool in pools:
            candidates = [Scored(**vars(c)) for c in pool.candidates]
            score_pool(reranker, questions[pool.question_id], candidates, plan, None)
            best[bool(pool.relevant)].append(float(np.max(logits_as(candidates, plan.chunk_weight))))
        answerable, uncovered = np.array(best[True]), np.array(best[False])
        auc = float(np.mean([(a > u) + 0.5 * (a == u) for a in answerable for u in uncovered]))
        # the threshold just at the highest uncovered score that may still be kept
        allowed = len(uncovered) - REFUSED_BAR
        threshold = np.sort(uncovered)[::-1][allowed] if allowed < len(uncovered) else -np.inf
        kept = int((answerable > threshold).sum())
        print(f"{argument:<56}{np.median(answerable):>11.2f}{np.median(uncovered):>10.2f}{auc:>7.3f}{kept:>6}")


if __name__ == "__main__":
    main()
