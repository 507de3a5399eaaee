"""Coverage design (c) of issue 27: the reader asked first whether the top evidence answers, read from token
probabilities, behind a looser retrieval threshold. Measures how well that yes-probability separates answerable
from uncovered questions, against today's threshold alone.

    LLM_BASE_URL=http://127.0.0.1:PORT/v1 .venv/bin/python benchmarks/reader_judge.py QUESTIONS.json \
        --collection NAME [--loose 0.001] [--out FILE.json]

Run with dev services up and the documents of QUESTIONS.json ingested in NAME; the model server must return
logprobs (llama-cpp-python's server does by default). Choose the yes-threshold on a calibration set, then apply
it to another set with --threshold; never choose it on the set it is judged on.
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


def yes_of(question: str, passages: list[Any]) -> float:
    """The product's own judgement (answers.llm.yes_probability on the JUDGE_FORM prompt); 0.5 when the model
    answered with neither word."""
    from answers.llm import LLMError, yes_probability
    from answers.prompts import JUDGE_FORM, build_messages

    try:
        return yes_probability(build_messages(question, passages, "evidence", JUDGE_FORM))
    except LLMError:
        return 0.5


def auc(positives: list[float], negatives: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    if not positives or not negatives:
        return float("nan")
    return float(roc_auc_score([1] * len(positives) + [0] * len(negatives), positives + negatives))


def main() -> None:
    import django

    django.setup()
    from ingestion.models import Collection
    from retrieval.questionsets import holds_phrase, question_set_load
    from retrieval.selectors import retrieve

    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--collection", required=True)
    parser.add_argument("--loose", type=float, default=0.001, help="the looser passage threshold")
    parser.add_argument("--threshold", type=float, help="a yes-threshold chosen elsewhere, to apply here")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    questions = question_set_load(args.questions)
    scope = [Collection.objects.get(name=args.collection).pk]
    rows = []
    items = [(a.question, True, a.phrase) for a in questions.answerable]
    items += [(q, False, "") for q in questions.unanswerable]
    for question, answerable, phrase in items:
        strict = retrieve(question, collections=scope)
        loose = retrieve(question, collections=scope, min_score=args.loose, decide=False)
        started = time.perf_counter()
        p_yes = yes_of(question, loose.context) if loose.context else None
        rows.append({
            "question": question, "answerable": answerable, "strict_kept": bool(strict.context),
            "loose_kept": bool(loose.context), "phrase_in_loose": answerable and holds_phrase(loose.context, phrase),
            "p_yes": p_yes, "judge_s": round(time.perf_counter() - started, 2),
        })  # fmt: skip
        print(f"{'A' if answerable else 'U'} strict={rows[-1]['strict_kept']:d} p_yes={p_yes} {question}", flush=True)
    report(rows, args.threshold)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")


def report(rows: list[dict[str, Any]], chosen: float | None) -> None:
    answerable = [r for r in rows if r["answerable"]]
    uncovered = [r for r in rows if not r["answerable"]]
    print(f"\n{len(answerable)} answerable, {len(uncovered)} uncovered")
    strict_kept = sum(r["strict_kept"] for r in answerable)
    strict_declined = sum(not r["strict_kept"] for r in uncovered)
    print(f"(a) threshold alone: kept {strict_kept}/{len(answerable)}, declined {strict_declined}/{len(uncovered)}")
    scored_pos = [r["p_yes"] for r in answerable if r["p_yes"] is not None]
    scored_neg = [r["p_yes"] for r in uncovered if r["p_yes"] is not None]
    print(f"yes-probability AUC (loose-kept only): {auc(scored_pos, scored_neg):.3f}")
    print("| yes-threshold | answerable kept | uncovered declined |\n|---|---|---|")
    thresholds = [chosen] if chosen is not None else [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95]
    for t in thresholds:
        kept = sum(r["p_yes"] is not None and r["p_yes"] >= t for r in answerable)
        declined = sum(r["p_yes"] is None or r["p_yes"] < t for r in uncovered)
        print(f"| {t} | {kept}/{len(answerable)} | {declined}/{len(uncovered)} |")
    times = sorted(r["judge_s"] for r in rows if r["p_yes"] is not None)
    if times:
        print(f"judge call p50 {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")


if __name__ == "__main__":
    main()
