"""Evaluation on a BEIR collection ingested with ingest_beir: quality and latency of each retrieval mode."""

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ingestion.embedding import get_embedder
from retrieval.context import Scored
from retrieval.first_stage import first_stage
from retrieval.metrics import documents_by_best_chunk, mrr_at, ndcg_at, percentile, recall_at
from retrieval.scoring import reordered
from retrieval.selectors import RetrievalResult, languages_in_use, retrieve, serving_current

# rerank_chunks: whole chunks scored (as before windows); rerank_windows: best window alone (MaxP);
# hybrid_rerank: the configured plan (RERANK_WINDOW_*). All three come from one reranking of the same pool.
MODES = ("text", "dense", "hybrid", "rerank_chunks", "rerank_windows", "hybrid_rerank")
RERANK_MODES = {"rerank_chunks": 1.0, "rerank_windows": 0.0}


@dataclass
class BeirSplit:
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir_split(directory: Path, split: str) -> BeirSplit:
    qrels: dict[str, dict[str, int]] = {}
    with (directory / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {}
    with (directory / "queries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["_id"] in qrels:
                queries[record["_id"]] = record["text"]
    return BeirSplit(queries=queries, qrels={q: qrels[q] for q in queries})


def single_list_ranking(question: str, *, dense: bool, depth: int) -> tuple[list[str], float]:
    """The ranking of one first-stage list alone (dense or full text), and its SQL time in ms."""
    import time

    vector = get_embedder().embed([question])[0].tolist() if dense else [0.0] * settings.EMBEDDING_DIMENSIONS
    started = time.perf_counter()
    found = first_stage(
        question=question,
        vector=vector,
        languages=languages_in_use(),
        k_dense=depth if dense else 0,
        k_text=0 if dense else depth,
        pool=depth,
        rrf_k=settings.RRF_K,
        max_term_share=settings.FULLTEXT_MAX_TERM_SHARE,
        max_ranked=settings.FULLTEXT_MAX_RANKED,
        ef_search=settings.HNSW_EF_SEARCH,
        collections="all",
    )
    elapsed = (time.perf_counter() - started) * 1000
    return documents_by_best_chunk(c.external_id for c in found), elapsed


def ranking_of(result: RetrievalResult) -> list[str]:
    return documents_by_best_chunk(c.external_id for c in result.candidates)


def scores(ranking: list[str], relevant: dict[str, int], depth: int) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at(ranking, relevant, 10),
        "mrr@10": mrr_at(ranking, relevant, 10),
        "recall@5": recall_at(ranking, relevant, 5),
        "recall@pool": recall_at(ranking, relevant, depth),
    }


def evaluate(
    split: BeirSplit,
    depths: list[int],
    *,
    on_query: Callable[[], None] | None = None,
    on_pool: Callable[[str, list[Scored]], None] | None = None,
) -> dict[str, object]:
    """Mean metrics per mode and depth, and latency percentiles per stage.

    on_pool receives each question's reranked pool at the deepest depth (to refit calibration from).
    """
    sums: dict[str, dict[str, float]] = {}
    latencies: dict[str, list[float]] = {}
    fallbacks = 0

    def add(key: str, values: dict[str, float]) -> None:
        bucket = sums.setdefault(key, {})
        for name, value in values.items():
            bucket[name] = bucket.get(name, 0.0) + value

    for query_id, question in split.queries.items():
        relevant = split.qrels[query_id]
        for mode, dense in (("text", False), ("dense", True)):
            for depth in depths:
                ranking, sql_ms = single_list_ranking(question, dense=dense, depth=depth)
                add(f"{mode}@{depth}", scores(ranking, relevant, depth))
                latencies.setdefault(f"sql_{mode}@{depth}", []).append(sql_ms)
        for depth in depths:
            hybrid = retrieve(question, pool=depth, rerank=False, collections="all")
            add(f"hybrid@{depth}", scores(ranking_of(hybrid), relevant, depth))
            serving = serving_current()  # the version's own weights when it has them
            reranked = retrieve(question, pool=depth, rerank=True, plan=serving.plan.scoring_both(), collections="all")
            fallbacks += reranked.reranker_fell_back
            if on_pool is not None and depth == max(depths) and reranked.reranked:
                on_pool(query_id, reranked.candidates)
            for mode, chunk_weight in {**RERANK_MODES, "hybrid_rerank": serving.plan.chunk_weight}.items():
                ranked = (
                    reordered(reranked.candidates, chunk_weight, serving.blend_weight, settings.RRF_K)
                    if reranked.reranked
                    else reranked.candidates
                )
                ranking = documents_by_best_chunk(c.external_id for c in ranked)
                add(f"{mode}@{depth}", scores(ranking, relevant, depth))
            for stage, value in reranked.timings_ms.items():
                latencies.setdefault(f"{stage}@{depth}", []).append(value)
        if on_query is not None:
            on_query()
    count = max(len(split.queries), 1)
    served = serving_current()
    return {
        "queries": len(split.queries),
        "metrics": {key: {n: round(v / count, 4) for n, v in bucket.items()} for key, bucket in sums.items()},
        "latency_ms": {
            key: {f"p{q}": round(percentile(values, q), 1) for q in (50, 95, 99)} for key, values in latencies.items()
        },
        "reranker_fallbacks": fallbacks,
        # the reranker version's own, where judging chose them, else the settings below
        "served_weights": {"chunk_weight": served.plan.chunk_weight, "blend_weight": served.blend_weight},
        "settings": {
            name: getattr(settings, name)
            for name in (
                "RETRIEVAL_K_DENSE",
                "RETRIEVAL_K_TEXT",
                "RRF_K",
                "HNSW_EF_SEARCH",
                "FULLTEXT_MAX_TERM_SHARE",
                "FULLTEXT_MAX_RANKED",
                "RERANKER_BACKEND",
                "RERANKER_MODEL",
                "RERANK_MAX_TOKENS",
                "RERANK_BLEND_WEIGHT",
                "RERANK_WINDOW_SENTENCES",
                "RERANK_WINDOW_STRIDE",
                "RERANK_WINDOW_MAX",
                "RERANK_WINDOW_CHUNK_WEIGHT",
            )
        },
    }
