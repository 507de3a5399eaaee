"""The first stage under a collection filter at ~100k chunks: SQL latency, and the dense side's Recall@K against an
exact filtered scan, for filters keeping 100%, 10% and 1% of the chunks.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/first_stage_filtered.py \
        ../shared/eval/scifact --queries 200 --target-chunks 100000

Needs SciFact ingested (manage.py ingest_beir). Synthetic chunks are added up to --target-chunks the way
first_stage_scale.py makes them (halves of two real chunks, the mean of their vectors), in documents of 1,000
chunks, spread over three collections: "bench-1%" (1% of all chunks), "bench-10%" (10%), the rest in
"bench-rest". Each filter's chunks are drawn from the whole corpus, so the filter is not correlated with the
questions (a correlated filter finds its rows sooner). Exact: the same statement with index scans switched
off (a sequential or bitmap scan, sorted by true distance). Compared with pgvector's iterative scan off, to
show why it is on. Prints a table; writes benchmarks/results/first_stage_filtered.json. Deletes what it added
and rebuilds the HNSW index, so no long autovacuum of the index follows the run.
"""

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")

from benchmarks.first_stage_scale import first_questions, remove_synthetic, scale_arguments, synthesise  # noqa: E402

EXACT = "SELECT set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true)"


def spread(target: int, chunks_per_document: int) -> dict[str, list[int]]:
    """Synthesise up to target chunks and put each synthetic document in one bench collection; returns the
    collection ids a filter keeping 100%, 10% or 1% of all chunks passes to the statement."""
    from ingestion.models import Chunk, Collection, Document

    synthesise(target, batch=chunks_per_document)
    total = Chunk.objects.count()
    names = ("bench-1%", "bench-10%", "bench-rest")
    made = {name: Collection.objects.get_or_create(name=name, defaults={"access": "listed"})[0] for name in names}
    wanted = {"bench-1%": total // 100, "bench-10%": total // 10}
    filled = dict.fromkeys(wanted, 0)
    for document in Document.objects.filter(external_id__startswith="synthetic-").order_by("pk"):
        size = document.chunks.count()
        name = next((n for n in wanted if filled[n] + size <= wanted[n]), "bench-rest")
        filled[name] = filled.get(name, 0) + size
        Document.objects.filter(pk=document.pk).update(collection=made[name])  # chunks follow (the composite FK)
    everything = list(Collection.objects.values_list("pk", flat=True))
    return {"100%": everything, "10%": [made["bench-10%"].pk], "1%": [made["bench-1%"].pk]}


def dense(vector: list[float], collections: list[int], k: int, *, scan: str, exact: bool = False) -> list[int]:
    from django.conf import settings
    from django.db import connection, transaction

    from retrieval.first_stage import first_stage

    with transaction.atomic():
        if exact:
            with connection.cursor() as cursor:
                cursor.execute(EXACT)
        found = first_stage(
            question="", vector=vector, languages=["simple"], k_dense=k, k_text=0, pool=k, rrf_k=60,
            max_term_share=0.0, max_ranked=0, ef_search=settings.HNSW_EF_SEARCH, collections=collections,
            iterative_scan=scan, max_scan_tuples=settings.HNSW_MAX_SCAN_TUPLES,
        )  # fmt: skip
    return [c.chunk_id for c in found]


def hybrid_ms(question: str, vector: list[float], collections: list[int]) -> float:
    from django.conf import settings

    from retrieval.first_stage import first_stage
    from retrieval.selectors import languages_in_use

    started = time.perf_counter()
    first_stage(
        question=question, vector=vector, languages=languages_in_use(), k_dense=settings.RETRIEVAL_K_DENSE,
        k_text=settings.RETRIEVAL_K_TEXT, pool=settings.RETRIEVAL_POOL, rrf_k=settings.RRF_K,
        max_term_share=settings.FULLTEXT_MAX_TERM_SHARE, max_ranked=settings.FULLTEXT_MAX_RANKED,
        ef_search=settings.HNSW_EF_SEARCH, collections=collections, iterative_scan=settings.HNSW_ITERATIVE_SCAN,
        max_scan_tuples=settings.HNSW_MAX_SCAN_TUPLES,
    )  # fmt: skip
    return (time.perf_counter() - started) * 1000


def measure(queries: dict[str, str], vectors: dict[str, list[float]], ids: list[int], k: int) -> dict[str, Any]:
    from retrieval.metrics import percentile

    latencies, recall_on, recall_off, rows_off, rows_on = [], [], [], [], []
    for query_id, question in queries.items():
        vector = vectors[query_id]
        latencies.append(hybrid_ms(question, vector, ids))
        truth = set(dense(vector, ids, k, scan="off", exact=True))
        found_on = dense(vector, ids, k, scan="relaxed_order")
        found_off = dense(vector, ids, k, scan="off")
        recall_on.append(len(truth & set(found_on)) / max(1, len(truth)))
        recall_off.append(len(truth & set(found_off)) / max(1, len(truth)))
        rows_on.append(len(found_on))
        rows_off.append(len(found_off))
    n = len(queries)
    return {
        "sql_p50_ms": round(percentile(latencies, 50), 1),
        "sql_p95_ms": round(percentile(latencies, 95), 1),
        f"dense_recall@{k}": round(sum(recall_on) / n, 4),
        "dense_rows": round(sum(rows_on) / n, 1),
        f"dense_recall@{k}_no_iterative": round(sum(recall_off) / n, 4),
        "dense_rows_no_iterative": round(sum(rows_off) / n, 1),
    }


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from ingestion.models import Chunk, Collection

    parser = scale_arguments()
    parser.add_argument("--k", type=int, default=50)
    args = parser.parse_args()
    split, vectors = first_questions(args.directory, args.queries)
    queries = split.queries
    rows = []
    try:
        filters = spread(args.target_chunks, chunks_per_document=1000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ingestion_chunk")
        chunks = Chunk.objects.count()
        for name, ids in filters.items():
            kept = Chunk.objects.filter(collection_id__in=ids).count()
            measure(dict(list(queries.items())[:5]), vectors, ids, args.k)  # warm the caches
            row = {"filter": name, "chunks": chunks, "kept": kept, **measure(queries, vectors, ids, args.k)}
            rows.append(row)
            print(row, flush=True)
    finally:
        remove_synthetic()
        Collection.objects.filter(name__startswith="bench-").delete()
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "first_stage_filtered.json").write_text(json.dumps({"queries": len(queries), "rows": rows}, indent=2))
    k = args.k
    print(f"\n{'filter':<7} {'chunks':>7} {'kept':>7} {'p50 ms':>7} {'p95 ms':>7} {'R@' + str(k):>6} {'rows':>5} "
          f"{'R@' + str(k) + ' no iter':>12} {'rows':>5}")  # fmt: skip
    for r in rows:
        print(
            f"{r['filter']:<7} {r['chunks']:>7} {r['kept']:>7} {r['sql_p50_ms']:>7} {r['sql_p95_ms']:>7} "
            f"{r[f'dense_recall@{k}']:>6} {r['dense_rows']:>5} {r[f'dense_recall@{k}_no_iterative']:>12} "
            f"{r['dense_rows_no_iterative']:>5}"
        )


if __name__ == "__main__":
    main()
