"""The demo gate's figures for window plans: right document first, the answering sentence kept, uncovered refused.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/coverage_gate.py \
        --plans 3/2/4/0,3/2/60/0 [--questions FILE.json]

Run in a database holding the demo documents (manage.py ingest demo/documents), alone or in --collection. Each plan is
sentences/stride/max windows/chunk weight; every plan is served with the calibration and refusal decision that
retrieval would use for it. Prints one row per plan (pairs scored per question, rerank p50/p95, the figures).
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")

from benchmarks.rerank_windows import Counting  # noqa: E402  (after the path and settings above)


def main() -> None:
    import django

    django.setup()
    from demo.questions import demo_question_set
    from ingestion.models import Collection, Document
    from retrieval import selectors
    from retrieval.metrics import percentile
    from retrieval.questionsets import figures_of, question_set_load
    from retrieval.scoring import WindowPlan

    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", default="3/2/4/0")
    parser.add_argument("--questions", type=Path, help="a question-set JSON file (default: the demo gate's)")
    parser.add_argument("--collection", default="", help="the collection holding the documents (default: all)")
    parser.add_argument("--verbose", action="store_true", help="print each question that misses")
    args = parser.parse_args()
    questions = question_set_load(args.questions) if args.questions else demo_question_set()
    names = dict(Document.objects.values_list("pk", "original_name"))
    scope: Any = "all"
    if args.collection:
        scope = [Collection.objects.get(name=args.collection).pk]
    counting = Counting(selectors.get_reranker())
    selectors.get_reranker = lambda: counting  # type: ignore[assignment]
    for spec in args.plans.split(","):
        sentences, stride, cap, weight = spec.split("/")
        plan = WindowPlan(int(sentences), int(stride), int(cap), float(weight))
        rerank_ms: list[float] = []

        def ask(question: str, plan: WindowPlan = plan, rerank_ms: list[float] = rerank_ms) -> Any:
            result = selectors.retrieve(question, collections=scope, plan=plan)
            rerank_ms.append(result.timings_ms.get("rerank", 0.0))
            return [names[c.document_id] for c in result.candidates], result.context

        counting.pairs = 0
        figures = figures_of(questions, ask)
        total = len(figures.outcomes)
        print(
            f"{plan.key} | pairs/q {counting.pairs / total:.1f} | rerank p50 {percentile(rerank_ms, 50):.0f} ms "
            f"p95 {percentile(rerank_ms, 95):.0f} ms | {figures.line()}",
            flush=True,
        )
        if args.verbose:
            for o in figures.outcomes:
                if (o.answerable and not (o.first_right and o.kept_sentence)) or (not o.answerable and not o.refused):
                    print(
                        f"   {'A' if o.answerable else 'U'} first={o.first_document} kept={o.kept_sentence} "
                        f"refused={o.refused}: {o.question}"
                    )


if __name__ == "__main__":
    main()
