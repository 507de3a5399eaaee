"""The cost and quality of window plans: rerank latency, pairs scored per question and nDCG@10, same questions.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/rerank_windows.py \
        ../shared/eval/scifact --queries 100 --depth 50

Needs the collection ingested (manage.py ingest_beir) with sentence boundaries (manage.py segment_chunks).
Each plan reranks the same first-stage pools with the reranker measured, the blend weight it serves with (a
version's own, judging chose it; else the settings') and calibration-free order. Prints a table and writes
benchmarks/results/rerank_windows-depthN.json.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")

# (sentences, stride, max windows, chunk weight); (0, 1, 1, 1.0) is whole-chunk scoring, as before windows.
PLANS = [(0, 1, 1, 1.0), (3, 2, 4, 0.0), (3, 3, 3, 0.0), (3, 2, 3, 0.0), (2, 2, 4, 0.0), (4, 3, 3, 0.0), (3, 2, 4, 0.5)]


class Counting:
    """Wraps a reranker to count the pairs it scores."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.pairs = inner, inner.name, 0

    def score(self, question: str, passages: list[str], deadline: float | None = None) -> Any:
        self.pairs += len(passages)
        return self.inner.score(question, passages, deadline=deadline)


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from retrieval.context import Scored
    from retrieval.evaluation import load_beir_split
    from retrieval.metrics import documents_by_best_chunk, ndcg_at, percentile
    from retrieval.models import RerankerVersion
    from retrieval.rerankers import get_reranker, version_reranker
    from retrieval.scoring import Calibration, WindowPlan, apply_rerank, score_pool
    from retrieval.selectors import retrieve, serving_of

    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--depth", type=int, default=settings.RETRIEVAL_POOL)
    parser.add_argument("--plans", default="", help="sentences/stride/max/chunk-weight,... (default: the list above)")
    parser.add_argument("--reranker-version", default="", help="a fine-tuned version's name (default: the shipped)")
    args = parser.parse_args()
    plans = [tuple(float(x) for x in p.split("/")) for p in args.plans.split(",") if p] or PLANS
    split = load_beir_split(args.directory, "train")
    query_ids = list(split.queries)[: args.queries]
    pools = {
        q: retrieve(split.queries[q], pool=args.depth, rerank=False, collections="all").candidates for q in query_ids
    }
    version = RerankerVersion.objects.get(name=args.reranker_version) if args.reranker_version else None
    reranker = Counting(get_reranker() if version is None else version_reranker(version.onnx_dir))
    reranker.score("warm up", ["a short passage"] * 8)
    blend_weight = serving_of(version).blend_weight
    rows = []
    for sentences, stride, cap, chunk_weight in plans:
        plan = WindowPlan(int(sentences), int(stride), int(cap), chunk_weight)
        times, quality, reranker.pairs = [], [], 0
        for q in query_ids:
            pool = [Scored(**vars(c)) for c in pools[q]]
            started = time.perf_counter()
            score_pool(reranker, split.queries[q], pool, plan, deadline=None)
            times.append((time.perf_counter() - started) * 1000)
            apply_rerank(pool, Calibration(1.0, 0.0, 0.0), blend_weight, settings.RRF_K)
            quality.append(ndcg_at(documents_by_best_chunk(c.external_id for c in pool), split.qrels[q], 10))
        rows.append(
            {
                "plan": plan.key,
                "pairs_per_question": round(reranker.pairs / len(query_ids), 1),
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "ndcg@10": round(sum(quality) / len(quality), 4),
            }
        )
        print(" | ".join(str(v) for v in rows[-1].values()), flush=True)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    result = {"queries": len(query_ids), "depth": args.depth, "reranker": reranker.name, "rows": rows}
    suffix = f"-{args.reranker_version}" if args.reranker_version else ""
    (out / f"rerank_windows-depth{args.depth}{suffix}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
