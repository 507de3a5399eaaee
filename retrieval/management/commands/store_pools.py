from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from retrieval.calibration import LabelledPool, pools_file, save_pools
from retrieval.evaluation import load_beir_split
from retrieval.selectors import retrieve


class Command(BaseCommand):
    help = (
        "Store a BEIR split's first-stage pools (hybrid, not reranked) where evaluate stores its reranked ones: "
        "enough to build training pairs and to judge versions, which rescore the pools themselves. About a minute "
        "for SciFact's 809 train questions, against half an hour for evaluate's reranked pools."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", type=Path, required=True, help="the BEIR folder (queries.jsonl, qrels/)")
        parser.add_argument("--split", default="train")
        parser.add_argument("--depth", type=int, default=50)
        parser.add_argument("--out", type=Path, default=settings.VAR_DIR / "evaluation")

    def handle(self, *args: Any, **options: Any) -> None:
        split = load_beir_split(options["beir"], options["split"])
        pools = []
        for query_id, question in tqdm(split.queries.items(), unit="query", desc="first stage"):
            found = retrieve(question, pool=options["depth"], rerank=False, collections="all")
            pools.append(LabelledPool(query_id, found.candidates, split.qrels[query_id]))
        options["out"].mkdir(parents=True, exist_ok=True)
        path = pools_file(options["out"], options["beir"], options["split"], options["depth"])
        save_pools(pools, path)
        self.stdout.write(f"{len(pools)} pools written to {path}")
