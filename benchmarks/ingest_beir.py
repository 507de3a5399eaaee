"""Ingest a BEIR corpus end to end and compare with raw embedding of the same chunks in the same run.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/ingest_beir.py ../shared/eval/scifact

It deletes the BEIR documents (those with an external id) first, so each run measures a full load.
Prints a table and writes benchmarks/results/ingest_<name>.json.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from ingestion.embedding import get_embedder
    from ingestion.management.commands.ingest_beir import beir_index, beir_records, beir_store
    from ingestion.models import Chunk, Document

    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    Document.objects.exclude(external_id="").delete()
    records = beir_records(args.directory, args.limit)
    started = time.perf_counter()
    embedder = get_embedder()
    embedder.embed(["warm-up"])
    model_load = time.perf_counter() - started

    started = time.perf_counter()
    ids, skipped = beir_store(records)
    store_seconds = time.perf_counter() - started
    started = time.perf_counter()
    beir_index(ids)
    index_seconds = time.perf_counter() - started
    # The pipeline's own peak, before the raw baseline below encodes every chunk in one call.
    pipeline_peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    texts = list(Chunk.objects.filter(document_id__in=ids).values_list("text", flat=True))
    started = time.perf_counter()
    embedder.embed(texts)
    raw_seconds = time.perf_counter() - started
    raw_peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
        started = time.perf_counter()
        cursor.execute(
            "CREATE INDEX chunk_embedding_hnsw ON ingestion_chunk "
            "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        hnsw_seconds = time.perf_counter() - started

    chunks = len(texts)
    ready = Document.objects.filter(pk__in=ids, status=Document.Status.READY).count()
    result = {
        "documents": len(records),
        "documents_ready": ready,
        "skipped": skipped,
        "chunks": chunks,
        "model_load_s": round(model_load, 2),
        "store_s": round(store_seconds, 2),
        "index_s": round(index_seconds, 2),
        "raw_embed_s": round(raw_seconds, 2),
        "pipeline_chunks_per_s": round(chunks / index_seconds, 2),
        "end_to_end_chunks_per_s": round(chunks / (store_seconds + index_seconds), 2),
        "raw_chunks_per_s": round(chunks / raw_seconds, 2),
        "pipeline_overhead_pct": round(100 * (index_seconds / raw_seconds - 1), 1),
        "end_to_end_overhead_pct": round(100 * ((store_seconds + index_seconds) / raw_seconds - 1), 1),
        "pipeline_peak_rss_mb": round(pipeline_peak_rss_mb),
        "peak_rss_after_raw_baseline_mb": round(raw_peak_rss_mb),
        "hnsw_build_s": round(hnsw_seconds, 2),
    }
    width = max(map(len, result))
    print()
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    out = ROOT / "benchmarks" / "results" / f"ingest_{args.directory.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
