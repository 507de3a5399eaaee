import json
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingestion.selectors import collection_named
from retrieval.coverage import DEFAULT_FEATURES, FEATURES, pool_features
from retrieval.coverage_fit import coverage_fit, frontier
from retrieval.questionsets import question_set_load
from retrieval.selectors import forget_calibrations, retrieve
from retrieval.services import coverage_calibration_save

THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


class Command(BaseCommand):
    help = (
        "Fit the refusal decision (do the documents cover the question?) on a labelled question set about "
        "documents already ingested in one collection; write it as a file and/or store it for all collections."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "questions", type=Path, help='JSON: {"answerable": [[q, file, phrase]], "unanswerable": [q]}'
        )
        parser.add_argument("--collection", required=True, help="the collection holding the set's documents")
        parser.add_argument("--keep", type=float, default=0.9, help="share of covered questions to answer (0: Youden)")
        parser.add_argument("--out", type=Path, help="write the fit here (retrieval/coverage-default.json ships)")
        parser.add_argument("--features", default=",".join(DEFAULT_FEATURES), help=f"a subset of {FEATURES}")
        parser.add_argument("--store", action="store_true", help="store it in the database for all collections")

    def handle(self, *args: Any, **options: Any) -> None:
        questions = question_set_load(options["questions"])
        collection = collection_named(options["collection"])
        if collection is None:
            raise CommandError(f"No collection named {options['collection']!r}")
        features, labels = [], []
        asked = [(a.question, True) for a in questions.answerable] + [(q, False) for q in questions.unanswerable]
        for question, covered in asked:
            result = retrieve(question, collections=[collection.pk], decide=False)
            if not result.reranked:
                raise CommandError(f"the reranker did not run: {result.fallback_reason or 'RERANKER_BACKEND is none'}")
            found = pool_features(question, result.candidates)
            if found is not None:
                features.append(found)
                labels.append(covered)
        keep = options["keep"] or None
        names = tuple(options["features"].split(","))
        model, report, probabilities = coverage_fit(features, labels, keep=keep, names=names)
        self.stdout.write(f"fitted on {report.questions} questions ({report.covered} covered); out of fold:")
        self.stdout.write(json.dumps(report.as_dict()))
        for row in frontier(probabilities, np.array(labels, dtype=np.int64), THRESHOLDS):
            self.stdout.write("  " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()))
        if options["out"]:
            options["out"].write_text(json.dumps({**model.as_dict(), "report": report.as_dict()}, indent=2) + "\n")
            self.stdout.write(f"written to {options['out']}")
        if options["store"]:
            coverage_calibration_save(collection=None, model=model, report=report, source=str(options["questions"]))
            forget_calibrations()
            self.stdout.write("stored for all collections")
