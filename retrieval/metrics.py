"""IR metrics at document level, trec_eval style: binary or graded relevance, ideal DCG from the qrels."""

import math
from collections.abc import Iterable, Sequence


def documents_by_best_chunk(document_ids: Iterable[str]) -> list[str]:
    """A ranking of chunks' documents becomes a ranking of documents: each document at its best chunk."""
    seen: dict[str, None] = {}
    for document_id in document_ids:
        seen.setdefault(document_id, None)
    return list(seen)


def ndcg_at(ranking: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(position + 2) for position, doc in enumerate(ranking[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**gain - 1) / math.log2(position + 2) for position, gain in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at(ranking: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    for position, doc in enumerate(ranking[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / position
    return 0.0


def recall_at(ranking: Sequence[str], relevant: dict[str, int], k: int) -> float:
    wanted = {doc for doc, grade in relevant.items() if grade > 0}
    return len(wanted & set(ranking[:k])) / len(wanted) if wanted else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return float(ordered[index])
