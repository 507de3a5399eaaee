import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

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
from retrieval.evaluation import BeirSplit, load_beir_split
from retrieval.selectors import calibration_key, window_plan
from retrieval.services import calibration_save


class Command(BaseCommand):
    help = "Fit the reranker's logit-to-probability mapping on labelled BEIR pairs, store it, and print thresholds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", type=Path, required=True)
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
