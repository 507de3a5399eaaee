"""First-stage (one SQL statement) latency and quality at SciFact scale and at ~100k chunks.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/first_stage_scale.py \
        ../shared/eval/scifact --queries 200 --target-chunks 100000

Needs the collection ingested (manage.py ingest_beir). The extra chunks are synthesised from real ones: the
first half of one SciFact chunk's sentences followed by the second half of another's, with the normalised
mean of the two real embeddings as its vector (clustered like real embeddings; uniform random vectors would
make HNSW look far better or worse than it is). They belong to documents marked synthetic and are deleted
at the end. For each scale it compares the full-text query with every term and no cap against the default
(terms in more than FULLTEXT_MAX_TERM_SHARE of chunks dropped, at most FULLTEXT_MAX_RANKED rows ranked).
Prints a table and writes benchmarks/results/first_stage_scale.json.
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")


def measure(split: Any, vectors: dict[str, list[float]], share: float, max_ranked: int) -> dict[str, float]:
    from django.conf import settings

    from retrieval.evaluation import scores
    from retrieval.first_stage import first_stage
    from retrieval.metrics import documents_by_best_chunk, percentile
    from retrieval.selectors import languages_in_use

    latencies, ndcg, recall = [], [], []
    for query_id, question in split.queries.items():
        started = time.perf_counter()
        found = first_stage(
            question=question, vector=vectors[query_id], languages=languages_in_use(),
            k_dense=settings.RETRIEVAL_K_DENSE, k_text=settings.RETRIEVAL_K_TEXT, pool=settings.RETRIEVAL_POOL,
            rrf_k=settings.RRF_K, max_term_share=share, max_ranked=max_ranked, ef_search=settings.HNSW_EF_SEARCH,
            collections="all",
        )  # fmt: skip
        latencies.append((time.perf_counter() - started) * 1000)
        result = scores(documents_by_best_chunk(c.external_id for c in found), split.qrels[query_id], 50)
        ndcg.append(result["ndcg@10"])
        recall.append(result["recall@pool"])
    return {
        "sql_p50_ms": round(percentile(latencies, 50), 1),
        "sql_p95_ms": round(percentile(latencies, 95), 1),
        "hybrid_ndcg@10": round(sum(ndcg) / len(ndcg), 4),
        "hybrid_recall@50": round(sum(recall) / len(recall), 4),
    }


def synthesise(target: int, batch: int = 5000) -> float:
    """Add synthetic chunks up to target; returns the HNSW rebuild time in seconds."""
    import numpy as np
    from django.db import connection, transaction

    from ingestion.models import Chunk, Document
    from ingestion.services import collection_default

    collection = collection_default()
    real = list(Chunk.objects.exclude(document__external_id__startswith="synthetic").values_list("text", "embedding"))
    missing = target - Chunk.objects.count()
    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
    made = 0
    while made < missing:
        with transaction.atomic():
            document = Document.objects.create(
                title="synthetic", original_name="synthetic.txt", sha256=f"synthetic-{made}", size_bytes=0,
                external_id=f"synthetic-{made}", status=Document.Status.READY, collection=collection,
            )  # fmt: skip
            rows = []
            for ordinal in range(min(batch, missing - made)):
                (text_a, vec_a), (text_b, vec_b) = rng.sample(real, 2)
                half_a, half_b = text_a.split(". "), text_b.split(". ")
                text = ". ".join(half_a[: max(1, len(half_a) // 2)] + half_b[len(half_b) // 2 :])
                vector = np.asarray(vec_a) + np.asarray(vec_b)
                rows.append(
                    Chunk(
                        document=document,
                        collection=collection,
                        ordinal=ordinal,
                        text=text,
                        page_start=1,
                        page_end=1,
                        char_start=0,
                        char_end=len(text),
                        token_count=len(text) // 5,
                        embedding=vector / np.linalg.norm(vector),
                        language="english",
                    )
                )
            Chunk.objects.bulk_create(rows, batch_size=1000)
            made += len(rows)
        print(f"synthesised {made} / {missing} chunks", flush=True)
    return rebuild_hnsw()


def rebuild_hnsw() -> float:
    """Build the HNSW index again (as migration 0001 defines it); returns the seconds it took."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        cursor.execute(
            "CREATE INDEX chunk_embedding_hnsw ON ingestion_chunk "
            "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        seconds = time.perf_counter() - started
        cursor.execute("ANALYZE ingestion_chunk")
    return seconds


def remove_synthetic() -> None:
    """Delete the synthetic documents and leave the database as it was. Without the index: vacuuming ~90k dead
    rows out of an HNSW index kept an autovacuum worker busy on one core for over 10 minutes after the run."""
    from django.db import connection

    from ingestion.models import Document

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
    Document.objects.filter(external_id__startswith="synthetic-").delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ingestion_chunk")
    rebuild_hnsw()


def scale_arguments() -> argparse.ArgumentParser:
    """The arguments both first-stage benchmarks take."""
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--target-chunks", type=int, default=100_000)
    return parser


def first_questions(directory: Path, count: int) -> tuple[Any, dict[str, list[float]]]:
    """The first `count` train questions of a BEIR collection (a BeirSplit) and their embeddings."""
    from ingestion.embedding import get_embedder
    from retrieval.evaluation import BeirSplit, load_beir_split

    split = load_beir_split(directory, "train")
    keep = list(split.queries)[:count]
    split = BeirSplit({q: split.queries[q] for q in keep}, {q: split.qrels[q] for q in keep})
    vectors = dict(zip(keep, get_embedder().embed([split.queries[q] for q in keep]).tolist(), strict=True))
    return split, vectors


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from ingestion.models import Chunk

    parser = scale_arguments()
    parser.add_argument("--keep", action="store_true", help="keep the synthetic chunks")
    args = parser.parse_args()
    split, vectors = first_questions(args.directory, args.queries)
    keep = list(split.queries)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingestion_chunk")
    configs = {
        "all terms, no cap": (0.0, 10**9),
        "default": (settings.FULLTEXT_MAX_TERM_SHARE, settings.FULLTEXT_MAX_RANKED),
    }
    rows = []
    scales = [("scifact", None), ("synthetic", args.target_chunks)]
    try:
        for scale, target in scales:
            hnsw_s = synthesise(target) if target else None
            chunks = Chunk.objects.count()
            for name, (share, cap) in configs.items():
                measure(split, vectors, share, cap)  # warm the caches once
                row = {"scale": scale, "chunks": chunks, "config": name, **measure(split, vectors, share, cap)}
                if hnsw_s is not None:
                    row["hnsw_build_s"] = round(hnsw_s, 1)
                rows.append(row)
                print(row, flush=True)
    finally:
        if not args.keep:
            remove_synthetic()
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "first_stage_scale.json").write_text(json.dumps({"queries": len(keep), "rows": rows}, indent=2))
    print()
    print(f"{'scale':<10} {'chunks':>7} {'config':<18} {'p50 ms':>7} {'p95 ms':>7} {'nDCG@10':>8} {'R@50':>6}")
    for r in rows:
        print(
            f"{r['scale']:<10} {r['chunks']:>7} {r['config']:<18} {r['sql_p50_ms']:>7} {r['sql_p95_ms']:>7} "
            f"{r['hybrid_ndcg@10']:>8} {r['hybrid_recall@50']:>6}"
        )


if __name__ == "__main__":
    main()
