import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from answers.selectors import coverage_marks
from ingestion.selectors import collection_named
from retrieval.calibration import (
    blend_table,
    collect_pools,
    fit_platt,
    labelled_logits,
    load_pools,
    save_pools,
    suggest_threshold,
    threshold_table,
)
from retrieval.coverage_fit import MIN_MARKED_QUESTIONS, MIN_PER_CLASS, coverage_fit
from retrieval.evaluation import BeirSplit, load_beir_split
from retrieval.selectors import calibration_key, window_plan
from retrieval.services import calibration_save, coverage_calibration_save


class Command(BaseCommand):
    help = (
        "Fit the reranker's logit-to-probability mapping on labelled BEIR pairs, store it, and print thresholds; "
        "or, with --collection, refit that collection's refusal decision from its own marks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", type=Path, help="fit the reranker's Platt scaling on this BEIR collection")
        parser.add_argument(
            "--collection",
            help="instead: refit the refusal decision for this collection (name or id) from its own marks and votes",
        )
        parser.add_argument("--split", default="train")
        parser.add_argument("--pool", type=int, default=settings.RETRIEVAL_POOL)
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument("--out", type=Path, default=Path("var/evaluation"))
        parser.add_argument("--pools", type=Path, help="reranked pools written by an earlier run; skips reranking")
        parser.add_argument(
            "--chunk-weight",
            type=float,
            default=settings.RERANK_WINDOW_CHUNK_WEIGHT,
            help="fit for this RERANK_WINDOW_CHUNK_WEIGHT (0: best window alone, 1: whole chunk alone)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["collection"]:
            self._refit_coverage(options["collection"])
            return
        if not options["beir"]:
            raise CommandError("give --beir DIRECTORY (Platt scaling) or --collection NAME (refusal decision)")
        split = load_beir_split(options["beir"], options["split"])
        if options["limit"]:
            keep = list(split.queries)[: options["limit"]]
            split = BeirSplit({q: split.queries[q] for q in keep}, {q: split.qrels[q] for q in keep})
        options["out"].mkdir(parents=True, exist_ok=True)
        if options["pools"]:
            pools = [p for p in load_pools(options["pools"]) if p.question_id in split.queries]
        else:
            with tqdm(total=len(split.queries), unit="query", desc="reranking pools") as bar:
                pools = collect_pools(split, options["pool"], on_query=lambda: bar.update(1))
            stem = f"{options['beir'].name}-{options['split']}-{options['pool']}"
            save_pools(pools, options["out"] / f"pools-{stem}.jsonl")
        plan = replace(window_plan(), chunk_weight=options["chunk_weight"])
        logits, labels = labelled_logits(pools, plan.chunk_weight)
        a, b = fit_platt(logits, labels)
        thresholds = threshold_table(pools, a, b, plan.chunk_weight)
        suggested = suggest_threshold(thresholds)
        blends = blend_table(pools)
        report = {
            "plan": plan.key,
            "a": a,
            "b": b,
            "pairs": len(labels),
            "positives": int(labels.sum()),
            "thresholds": thresholds,
            "suggested_threshold": suggested,
            "blend": blends,
        }
        calibration_save(
            reranker=calibration_key(plan),
            a=a,
            b=b,
            suggested_threshold=suggested,
            pairs=len(labels),
            positives=int(labels.sum()),
            source=f"{options['beir']} {options['split']}",
            report=report,
        )
        (options["out"] / f"calibration-{options['beir'].name}-{options['split']}.json").write_text(
            json.dumps(report, indent=2)
        )
        self.stdout.write(
            f"{plan.key}: p(relevant) = sigmoid({a:.4f} * logit + {b:.4f})  "
            f"from {len(labels)} pairs, {int(labels.sum())} relevant"
        )
        self.stdout.write(f"\n{'threshold':>9} {'precision':>9} {'recall':>7} {'q w/ ctx':>9} {'q w/ rel':>9}")
        for row in thresholds:
            self.stdout.write(
                f"{row['threshold']:>9.2f} {row['precision']:>9.4f} {row['recall']:>7.4f} "
                f"{row['questions_with_context']:>9.4f} {row['questions_with_relevant_context']:>9.4f}"
            )
        self.stdout.write(f"suggested RERANK_MIN_SCORE (highest keeping 90% of relevant pairs): {suggested}")
        self.stdout.write(
            f"\nnDCG@10 by chunk weight (rows) and blend weight (columns)\n{'':>6}"
            + "".join(f"{w:>8g}" for w in sorted({row["weight"] for row in blends}))
        )
        for chunk_weight in sorted({row["chunk_weight"] for row in blends}):
            cells = "".join(f"{row['ndcg@10']:>8.4f}" for row in blends if row["chunk_weight"] == chunk_weight)
            self.stdout.write(f"{chunk_weight:>6g}{cells}")

    def _refit_coverage(self, key: str) -> None:
        collection = collection_named(key)
        if collection is None:
            raise CommandError(f"No collection named {key!r}")
        labelled = coverage_marks(collection_id=collection.pk)
        covered = sum(label for _, label in labelled)
        if len(labelled) < MIN_MARKED_QUESTIONS or min(covered, len(labelled) - covered) < MIN_PER_CLASS:
            raise CommandError(
                f"{collection.name} has {len(labelled)} marked questions ({covered} covered): a refusal decision of "
                f"its own needs {MIN_MARKED_QUESTIONS}, with {MIN_PER_CLASS} of each kind. Until then it uses the "
                "decision for all collections."
            )
        model, report, _ = coverage_fit([f for f, _ in labelled], [label for _, label in labelled])
        coverage_calibration_save(collection=collection, model=model, report=report, source="marks and votes")
        self.stdout.write(
            f"{collection.name}: refusal decision refitted from {report.questions} marked questions "
            f"({report.covered} covered); out of fold {json.dumps(report.as_dict())}"
        )
