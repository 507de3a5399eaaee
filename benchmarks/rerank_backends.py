"""Rerank latency and quality of each cross-encoder backend on the same SciFact pairs, in one run.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python manage.py export_reranker_torch
    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/rerank_backends.py \
        ../shared/eval/scifact --queries 100

Needs the collection ingested (manage.py ingest_beir). Backends: the int8 ONNX default, and the float copy
rebuilt from it through sentence-transformers' CrossEncoder in float32 (the baseline) and bfloat16.
Prints a table, writes benchmarks/results/rerank_backends.json and .png.
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


def spearman(a: Any, b: Any) -> float:
    import numpy as np

    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main() -> None:
    import django

    django.setup()
    import numpy as np
    from django.conf import settings

    from retrieval.context import Scored
    from retrieval.evaluation import load_beir_split
    from retrieval.metrics import documents_by_best_chunk, ndcg_at, percentile
    from retrieval.rerankers import OnnxCrossEncoder, SentenceTransformersCrossEncoder, bundled_onnx_dir
    from retrieval.scoring import apply_rerank, rerank_text
    from retrieval.selectors import calibration_current, retrieve, window_plan

    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--depths", default="20,50,100")
    parser.add_argument(
        "--torch-copy", type=Path, default=settings.VAR_DIR / "models" / "ms-marco-MiniLM-L-12-v2-from-int8"
    )
    args = parser.parse_args()
    depths = sorted(int(d) for d in args.depths.split(","))
    split = load_beir_split(args.directory, "train")
    query_ids = list(split.queries)[: args.queries]
    threads = settings.RERANK_THREADS or os.cpu_count() or 1
    window, batch = settings.RERANK_MAX_TOKENS, settings.RERANK_BATCH_SIZE
    backends: dict[str, Any] = {
        "onnx int8": OnnxCrossEncoder(bundled_onnx_dir(), window, batch, threads),
        "st fp32": SentenceTransformersCrossEncoder(str(args.torch_copy), window, batch, "float32"),
        "st bf16": SentenceTransformersCrossEncoder(str(args.torch_copy), window, batch, "bfloat16"),
    }
    pools = {
        q: retrieve(split.queries[q], pool=max(depths), rerank=False, collections="all").candidates for q in query_ids
    }
    for backend in backends.values():  # warm up: first calls allocate
        backend.score("warm up", ["a short passage"] * 8)
    times: dict[str, dict[int, list[float]]] = {name: {d: [] for d in depths} for name in backends}
    logits: dict[str, dict[str, np.ndarray]] = {name: {} for name in backends}
    pairs = {d: 0 for d in depths}
    for q in query_ids:
        passages = [rerank_text(c.title, c.text) for c in pools[q]]  # whole chunks: backends compared
        for depth in depths:
            pairs[depth] += len(passages[:depth])
            for name, backend in backends.items():
                started = time.perf_counter()
                scores = backend.score(split.queries[q], passages[:depth])
                times[name][depth].append((time.perf_counter() - started) * 1000)
                if depth == max(depths):
                    logits[name][q] = scores
    rows: list[dict[str, Any]] = []
    for name in backends:
        quality = []
        for q in query_ids:
            candidates = [Scored(**vars(c)) for c in pools[q]][: settings.RETRIEVAL_POOL]
            for candidate, logit in zip(candidates, logits[name][q], strict=False):
                candidate.logit = float(logit)
            blend = settings.RERANK_BLEND_WEIGHT
            apply_rerank(candidates, calibration_current(window_plan()), blend, settings.RRF_K)
            quality.append(ndcg_at(documents_by_best_chunk(c.external_id for c in candidates), split.qrels[q], 10))
        rho = np.mean([spearman(logits[name][q], logits["st fp32"][q]) for q in query_ids if len(pools[q]) > 2])
        for depth in depths:
            total_s = sum(times[name][depth]) / 1000
            rows.append(
                {
                    "backend": name,
                    "depth": depth,
                    "p50_ms": round(percentile(times[name][depth], 50), 1),
                    "p95_ms": round(percentile(times[name][depth], 95), 1),
                    "pairs_per_s": round(pairs[depth] / total_s, 1),
                    "spearman_vs_fp32": round(float(rho), 4),
                    f"ndcg@10_pool{settings.RETRIEVAL_POOL}": round(float(np.mean(quality)), 4),
                }
            )
    baseline = {r["depth"]: r["p50_ms"] for r in rows if r["backend"] == "st fp32"}
    for row in rows:
        row["speedup_vs_fp32"] = round(baseline[row["depth"]] / row["p50_ms"], 2)
    keys = list(rows[0])
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "rerank_backends.json").write_text(json.dumps({"queries": len(query_ids), "rows": rows}, indent=2))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name in backends:
        plt.plot(depths, [r["p50_ms"] for r in rows if r["backend"] == name], marker="o", label=f"{name} p50")
    plt.xlabel("pairs reranked (depth)")
    plt.ylabel("ms per question")
    plt.title(f"Rerank latency on SciFact train, {len(query_ids)} questions, {threads} threads")
    plt.legend()
    plt.grid(alpha=0.3)
    plt.savefig(out / "rerank_backends.png", dpi=110)


if __name__ == "__main__":
    main()
