"""The first stage: pgvector HNSW and full text, fused with Reciprocal Rank Fusion, in one SQL statement.

Full text ORs the question's lexemes (ANDing them, as plainto/websearch_to_tsquery do, matches almost nothing
for a natural-language question) and ranks with ts_rank and length normalisation. ts_rank has no IDF and an
OR query matches most rows through its commonest words, so lexemes found in more than
FULLTEXT_MAX_TERM_SHARE of the chunks are dropped, read from PostgreSQL's own column statistics (pg_stats,
kept by ANALYZE), and at most FULLTEXT_MAX_RANKED matching rows are ranked. Quoted phrases and -exclusions keep
their websearch meaning.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import connection, transaction

# Lexemes of the question in each language in use, with the common ones dropped unless nothing else is left.
_SQL = """
WITH
terms AS (
    SELECT l.cfg, t.lexeme
    FROM unnest(%(languages)s::regconfig[]) AS l(cfg),
         unnest(tsvector_to_array(to_tsvector(l.cfg, %(free_text)s))) AS t(lexeme)
),
common AS (
    SELECT e.lexeme
    FROM pg_stats s,
         unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, freq)
    WHERE s.schemaname = current_schema() AND s.tablename = 'ingestion_chunk' AND s.attname = 'search_vector'
      AND e.lexeme IS NOT NULL AND e.freq > %(max_share)s
),
rare AS (
    SELECT cfg, lexeme FROM terms WHERE %(max_share)s <= 0 OR lexeme NOT IN (SELECT lexeme FROM common)
),
kept AS (
    SELECT cfg, lexeme FROM rare
    UNION ALL
    SELECT cfg, lexeme FROM terms WHERE NOT EXISTS (SELECT 1 FROM rare WHERE rare.cfg = terms.cfg)
),
queries AS (
    SELECT cfg, {query_expression} AS q
    FROM kept GROUP BY cfg
),
text_hits AS (
    SELECT c.id, ts_rank(c.search_vector, q.q, 1) AS score
    FROM queries q JOIN ingestion_chunk c ON c.language = q.cfg AND c.search_vector @@ q.q {text_filter}
    LIMIT %(max_ranked)s
),
text_list AS (
    SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank
    FROM text_hits ORDER BY score DESC, id LIMIT %(k_text)s
),
dense_list AS (
    SELECT id, distance, row_number() OVER (ORDER BY distance, id) AS rank
    FROM (
        SELECT id, embedding <=> %(vector)s::vector AS distance
        FROM ingestion_chunk {dense_filter} ORDER BY embedding <=> %(vector)s::vector LIMIT %(k_dense)s
    ) nearest
),
fused AS (
    SELECT coalesce(d.id, t.id) AS id, d.rank AS dense_rank, t.rank AS text_rank, d.distance,
           coalesce(1.0 / (%(rrf_k)s + d.rank), 0) + coalesce(1.0 / (%(rrf_k)s + t.rank), 0) AS rrf
    FROM dense_list d FULL OUTER JOIN text_list t ON d.id = t.id
)
SELECT f.id, f.dense_rank, f.text_rank, f.rrf::float8, c.document_id, c.ordinal, c.text, c.page_start, c.page_end,
       c.token_count, doc.title, doc.external_id, c.sentences::text, c.collection_id, 1 - f.distance,
       c.page_breaks::text
FROM fused f
JOIN ingestion_chunk c ON c.id = f.id
JOIN ingestion_document doc ON doc.id = c.document_id
WHERE doc.status = 'ready'
ORDER BY f.rrf DESC, f.id
LIMIT %(pool)s
"""
_OR_QUERY = "(string_agg('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || '''', ' | '))::tsquery"
# The collections a statement may read: ids (what collections_readable allows the asker), or "all" for offline
# tools that measure the whole database (evaluate, calibrate, tuning, benchmarks), never for a person's question.
Scope = Sequence[int] | Literal["all"]
_WEBSEARCH = re.compile(r'"[^"]+"|(?<!\S)-\S+')


@dataclass
class Candidate:
    chunk_id: int
    document_id: int
    ordinal: int
    text: str
    page_start: int
    page_end: int
    token_count: int
    title: str
    external_id: str
    dense_rank: int | None
    text_rank: int | None
    rrf: float
    sentences: list[list[int]] = field(default_factory=list)  # [start, end] offsets into text
    collection_id: int | None = None
    dense_similarity: float | None = None  # cosine similarity to the question, when the dense side found it
    page_breaks: list[int] = field(default_factory=list)  # offsets into text where pages after page_start begin


def split_websearch(question: str) -> tuple[str, str]:
    """(free text, the quoted phrases and -exclusions the user typed, for websearch_to_tsquery)."""
    special = " ".join(_WEBSEARCH.findall(question))
    return _WEBSEARCH.sub(" ", question), special


def first_stage_sql(*, with_websearch: bool, filtered: bool) -> str:
    """The statement; filtered: both sides keep only chunks of the collections in %(collections)s."""
    expression = _OR_QUERY + (" && websearch_to_tsquery(cfg, %(special)s)" if with_websearch else "")
    only = "c.collection_id = ANY(%(collections)s::bigint[])"
    return (
        _SQL.replace("{query_expression}", expression)
        .replace("{text_filter}", f"AND {only}" if filtered else "")
        .replace("{dense_filter}", f"c WHERE {only}" if filtered else "")
    )


def first_stage(
    *,
    question: str,
    vector: list[float],
    languages: list[str],
    k_dense: int,
    k_text: int,
    pool: int,
    rrf_k: int,
    max_term_share: float,
    max_ranked: int,
    ef_search: int,
    collections: Scope,
    iterative_scan: str = "relaxed_order",
    max_scan_tuples: int = 20000,
) -> list[Candidate]:
    """The fused pool of the chunks in `collections` ("all": every chunk, for offline evaluation only).

    A filtered dense side would stop at ef_search index tuples and return fewer than k_dense rows when the
    filter is selective; pgvector's iterative scan keeps scanning until k_dense rows pass (or max_scan_tuples).
    """
    filtered = collections != "all"
    if filtered and not collections:
        return []
    free_text, special = split_websearch(question)
    params: dict[str, Any] = {
        "languages": languages or ["simple"],
        "free_text": free_text if free_text.strip() else question,
        "special": special,
        "max_share": max_term_share,
        "max_ranked": max_ranked,
        "k_text": k_text,
        "k_dense": k_dense,
        "vector": "[" + ",".join(f"{x:.7f}" for x in vector) + "]",
        "rrf_k": rrf_k,
        "pool": pool,
        "collections": list(collections) if filtered else [],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if k_dense > ef_search:
            # The connection's ef_search (HNSW_EF_SEARCH) would silently return fewer than k_dense rows.
            cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(k_dense)])
        if filtered:
            cursor.execute(
                "SELECT set_config('hnsw.iterative_scan', %s, true), set_config('hnsw.max_scan_tuples', %s, true)",
                [iterative_scan, str(max_scan_tuples)],
            )
        cursor.execute(first_stage_sql(with_websearch=bool(special), filtered=filtered), params)
        rows = cursor.fetchall()
    return [
        Candidate(
            chunk_id=row[0],
            dense_rank=row[1],
            text_rank=row[2],
            rrf=row[3],
            document_id=row[4],
            ordinal=row[5],
            text=row[6],
            page_start=row[7],
            page_end=row[8],
            token_count=row[9],
            title=row[10],
            external_id=row[11],
            sentences=json.loads(row[12]),
            collection_id=row[13],
            dense_similarity=None if row[14] is None else float(row[14]),
            page_breaks=json.loads(row[15]),
        )
        for row in rows
    ]
