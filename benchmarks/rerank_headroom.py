"""How much a reranker can still gain on held-out questions, and what each model takes of it.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/rerank_headroom.py \
        var/evaluation/pools-scifact-train-50.jsonl --models shipped,var/models/NAME,float:var/models/NAME

The held-out side is judge_reranker's (split_of with the same share and seed); the pools are cut to the serving
depth. "oracle" orders each pool's documents by their labels: no reranker over these pools can score above it.
A model is `shipped` (the configured RERANKER_MODEL), a version folder (its int8 ONNX, as served) or `float:FOLDER` (its
PyTorch copy through sentence-transformers in float32: int8 against float tells what quantisation costs). Each
model is scored with the configured window plan (RERANK_WINDOW_* settings) and ordered at several blend weights.
Prints a table and writes benchmarks/results/rerank_headroom.json.
"""

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")
if TYPE_CHECKING:
    from retrieval.rerankers import Reranker
BLENDS = (3.0, 10.0, 30.0, 1000.0)


def reranker_of(spec: str) -> "Reranker":
    from django.conf import settings

    from retrieval.rerankers import SentenceTransformersCrossEncoder, get_reranker, version_reranker

    if spec == "shipped":
        shipped = get_reranker()
        assert shipped is not None, "RERANKER_BACKEND=none: there is no configured reranker"
        return shipped
    if spec.startswith("float:"):
        folder = Path(spec.removeprefix("float:"))
        return SentenceTransformersCrossEncoder(str(folder / "torch"), settings.RERANK_MAX_TOKENS, 8, "float32")
    return version_reranker(str((Path(spec) / "onnx").resolve()))  # as a version is served


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from retrieval.calibration import load_pools
    from retrieval.evaluation import load_beir_split, scores
    from retrieval.scoring import reordered
    from retrieval.selectors import serving_of
    from tuning.measure import cut, fused_order, mean_scores, question_scores, rescored
    from tuning.training_set import split_of

    parser = argparse.ArgumentParser()
    parser.add_argument("pools", type=Path)
    parser.add_argument("--beir", type=Path, default=ROOT.parent / "shared" / "eval" / "scifact")
    parser.add_argument("--split", default="train")
    parser.add_argument("--models", default="shipped")
    parser.add_argument("--depth", type=int, default=settings.RETRIEVAL_POOL)
    parser.add_argument("--eval-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    queries = load_beir_split(args.beir, args.split).queries
    pools = [
        p for p in cut(load_pools(args.pools), args.depth)
        if split_of(p.question_id, eval_share=args.eval_share, seed=args.seed) == "eval"
    ]  # fmt: skip
    oracle = [
        scores(sorted(dict.fromkeys(c.external_id for c in p.candidates), key=lambda d: -p.relevant.get(d, 0)),
               p.relevant, 10)
        for p in pools
    ]  # fmt: skip
    rows = [{"model": "oracle", "blend": None, **mean_scores(oracle)}]
    rows.append({"model": "hybrid", "blend": None, **mean_scores(question_scores(pools, fused_order))})
    print(f"{len(pools)} held-out questions, depth {args.depth}\nmodel | blend | nDCG@10 | MRR@10 | Recall@5 | s")
    for row in rows:
        print(f"{row['model']} | | {row['ndcg@10']} | {row['mrr@10']} | {row['recall@5']} |", flush=True)
    for spec in args.models.split(","):
        started = time.monotonic()
        scored = rescored(pools, queries, reranker_of(spec), serving_of(None).plan)
        seconds = round(time.monotonic() - started)
        for blend in BLENDS:
            order = functools.partial(
                reordered, chunk_weight=settings.RERANK_WINDOW_CHUNK_WEIGHT, blend_weight=blend, rrf_k=settings.RRF_K
            )
            found = mean_scores(question_scores(scored, order))
            rows.append({"model": spec, "blend": blend, **found, "seconds": seconds})
            print(f"{spec} | {blend:g} | {found['ndcg@10']} | {found['mrr@10']} | {found['recall@5']} | {seconds}",
                  flush=True)  # fmt: skip
    out = ROOT / "benchmarks" / "results" / "rerank_headroom.json"
    out.write_text(json.dumps({"questions": len(pools), "depth": args.depth, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
