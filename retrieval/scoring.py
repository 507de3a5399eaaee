"""Scoring a pool with the cross-encoder: sentence windows, MaxP, Platt calibration, the threshold and the blend.

A chunk of ~200 tokens covers several topics, and a cross-encoder trained on short web passages scores the whole
chunk low when only one sentence in it answers. So each candidate is scored as windows of consecutive sentences
and keeps its best window's logit (MaxP, Dai & Callan 2019), optionally blended with the whole chunk's logit.
Calibration (retrieval/calibration.py) fits and measures with these same functions.
"""

import math
from dataclasses import dataclass

import numpy as np

from ingestion.sentences import sentence_spans
from retrieval.context import Scored
from retrieval.rerankers import Reranker
from retrieval.terms import content_terms, term_share

Span = tuple[int, int]


@dataclass(frozen=True)
class Calibration:
    """A Platt fit and the threshold chosen on its probability scale: they are only ever used together."""

    a: float
    b: float
    threshold: float

    def probability(self, logits: np.ndarray) -> np.ndarray:
        return platt(logits, self.a, self.b)


@dataclass(frozen=True)
class WindowPlan:
    """How candidates are cut into windows: sentences per window, the step between windows (at most a window, so
    every sentence is scored), the cap per candidate (past it, windows are chosen by content), and the weight of
    the whole chunk's own logit in the final one (0: windows only, 1: whole chunk only)."""

    sentences: int
    stride: int
    max_windows: int
    chunk_weight: float

    @property
    def scores_windows(self) -> bool:
        return self.chunk_weight < 1.0 and self.sentences > 0

    @property
    def scores_chunks(self) -> bool:
        return self.chunk_weight > 0.0 or not self.scores_windows

    def scoring_both(self) -> "WindowPlan":
        """This plan with the whole chunks scored too, so that any chunk weight can be measured afterwards."""
        return WindowPlan(self.sentences or 3, self.stride, self.max_windows, chunk_weight=0.5)

    @property
    def key(self) -> str:
        """What a calibration was fitted for: logits of another plan are on another scale."""
        if not self.scores_windows:
            return "chunks"
        return f"windows {self.sentences}/{self.stride}/{self.max_windows}, chunk weight {self.chunk_weight:g}"


@dataclass(frozen=True)
class Serving:
    """How a reranker's logits become the served order: the window plan they come from and the weight of the
    reranker's rank beside the fused one. A version carries its own (judging chooses them): a model tuned on whole
    chunks scores windows poorly, and an in-domain one needs the fused rank's help less than a web-search one."""

    plan: WindowPlan
    blend_weight: float

    def order(self, candidates: list[Scored], rrf_k: int) -> list[Scored]:
        """Candidates scored both ways (WindowPlan.scoring_both) ordered as this serving would order them."""
        return reordered(candidates, self.plan.chunk_weight, self.blend_weight, rrf_k)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function without overflow for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def platt(logits: np.ndarray, a: float, b: float) -> np.ndarray:
    return sigmoid(a * logits + b)


def window_starts(count: int, size: int, stride: int) -> list[int]:
    """First sentence of each window: every `stride` (at most `size`, so no sentence falls between two windows),
    the last one flush with the end."""
    if count <= size:
        return [0]
    starts = list(range(0, count - size + 1, min(max(stride, 1), size)))
    if starts[-1] != count - size:
        starts.append(count - size)
    return starts


def windows(sentences: list[Span], plan: WindowPlan, text: str = "", question: str = "") -> list[Span]:
    """Character spans of the windows of a text whose sentences are given (offsets into that text).

    Every sentence is in a window. Past the cap (a very long chunk), the windows holding the most of the
    question's content words are kept: a cost cap chooses by content, never by position, and a window it drops
    was ranked out by a signal that read it.
    """
    if not sentences:
        return []
    size = max(plan.sentences, 1)
    spans = [
        (sentences[start][0], sentences[min(start + size, len(sentences)) - 1][1])
        for start in window_starts(len(sentences), size, plan.stride)
    ]
    if 0 < plan.max_windows < len(spans):
        wanted = content_terms(question)
        ranked = sorted(spans, key=lambda span: -term_share(wanted, text[span[0] : span[1]]))
        spans = sorted(ranked[: plan.max_windows])
    return spans


def max_per_owner(logits: np.ndarray, owners: list[int], count: int) -> tuple[np.ndarray, list[int]]:
    """For each of `count` owners, its highest logit and the index (into logits) it came from."""
    best = np.full(count, -np.inf, dtype=np.float64)
    where = [-1] * count
    for index, (logit, owner) in enumerate(zip(logits, owners, strict=True)):
        if logit > best[owner]:
            best[owner], where[owner] = float(logit), index
    return best, where


def combine(chunk_logits: np.ndarray | None, window_logits: np.ndarray | None, chunk_weight: float) -> np.ndarray:
    """The candidate's logit: the best window's, the whole chunk's, or a weighted mix of the two."""
    if window_logits is None:
        assert chunk_logits is not None
        return chunk_logits
    if chunk_logits is None or chunk_weight <= 0:
        return window_logits
    return chunk_weight * chunk_logits + (1 - chunk_weight) * window_logits


def blend_order(rrf: list[float], logits: np.ndarray, blend_weight: float, rrf_k: int) -> tuple[list[int], list[float]]:
    """The final order: RRF of the dense and full-text ranks (already in `rrf`) plus the reranker's rank, weighted.

    A web-search cross-encoder alone can lose to a good hybrid out of its domain, while blended it adds what it
    knows. Returns (reranker rank of each candidate, final score of each candidate).
    """
    rerank_rank = [0] * len(rrf)
    for rank, index in enumerate(np.argsort(-logits, kind="stable"), start=1):
        rerank_rank[int(index)] = rank
    final = [score + blend_weight / (rrf_k + rank) for score, rank in zip(rrf, rerank_rank, strict=True)]
    return rerank_rank, final


def rerank_text(title: str, text: str) -> str:
    """A passage as the cross-encoder reads it: with its document's title unless it already starts with it."""
    if title and not text.startswith(title[:50]):
        return f"{title}\n{text}"
    return text


def score_pool(reranker: Reranker, question: str, pool: list[Scored], plan: WindowPlan, deadline: float | None) -> None:
    """Set each candidate's logits (and best window) from one batched call of the cross-encoder over the pool."""
    texts: list[str] = []
    if plan.scores_chunks:
        texts += [rerank_text(c.title, c.text) for c in pool]
    spans: list[Span] = []
    owners: list[int] = []
    if plan.scores_windows:
        for index, candidate in enumerate(pool):
            sentences = [(s, e) for s, e in candidate.sentences] or sentence_spans(candidate.text)
            for start, end in windows(sentences, plan, candidate.text, question) or [(0, len(candidate.text))]:
                spans.append((start, end))
                owners.append(index)
                texts.append(rerank_text(candidate.title, candidate.text[start:end]))
    logits = score_unique(reranker, question, texts, deadline)
    chunk_logits = logits[: len(pool)] if plan.scores_chunks else None
    window_logits = None
    if plan.scores_windows:
        window_logits, best = max_per_owner(logits[len(texts) - len(spans) :], owners, len(pool))
        for candidate, where in zip(pool, best, strict=True):
            candidate.window_start, candidate.window_end = spans[where]
    final = combine(chunk_logits, window_logits, plan.chunk_weight)
    for index, candidate in enumerate(pool):
        candidate.chunk_logit = None if chunk_logits is None else float(chunk_logits[index])
        candidate.window_logit = None if window_logits is None else float(window_logits[index])
        candidate.logit = float(final[index])


def score_unique(reranker: Reranker, question: str, texts: list[str], deadline: float | None) -> np.ndarray:
    """Logits of texts, each distinct text scored once: overlapping chunks of one document repeat windows."""
    unique = list(dict.fromkeys(texts))
    scored = dict(zip(unique, reranker.score(question, unique, deadline=deadline).astype(np.float64), strict=True))
    return np.array([scored[text] for text in texts], dtype=np.float64)


def apply_rerank(pool: list[Scored], calibration: Calibration, blend_weight: float, rrf_k: int) -> None:
    """Calibrate the candidates' logits and re-order the pool in place by the blended final score."""
    logits = np.array([c.logit for c in pool], dtype=np.float64)
    probabilities = calibration.probability(logits)
    ranks, finals = blend_order([c.rrf for c in pool], logits, blend_weight, rrf_k)
    for candidate, probability, rank, final in zip(pool, probabilities, ranks, finals, strict=True):
        candidate.probability, candidate.rerank_rank, candidate.final_score = float(probability), rank, final
    pool.sort(key=lambda c: (-c.final_score, c.rerank_rank or math.inf))
    for rank, candidate in enumerate(pool, start=1):
        candidate.final_rank = rank


def logits_as(candidates: list[Scored], chunk_weight: float) -> np.ndarray:
    """The logits a plan with this chunk weight would give candidates scored both ways (WindowPlan.scoring_both)."""
    chunk = np.array([c.logit if c.chunk_logit is None else c.chunk_logit for c in candidates], dtype=np.float64)
    window = np.array([c.logit if c.window_logit is None else c.window_logit for c in candidates], dtype=np.float64)
    return combine(chunk, window, chunk_weight)


def reordered(candidates: list[Scored], chunk_weight: float, blend_weight: float, rrf_k: int) -> list[Scored]:
    """Copies of candidates scored both ways, ordered as a plan with these weights would order them."""
    copies = [Scored(**vars(c)) for c in candidates]
    for candidate, logit in zip(copies, logits_as(copies, chunk_weight), strict=True):
        candidate.logit = float(logit)
    apply_rerank(copies, Calibration(1.0, 0.0, 0.0), blend_weight, rrf_k)
    return copies
