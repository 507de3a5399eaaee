from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from retrieval.onnx_to_torch import export
from retrieval.rerankers import bundled_onnx_dir


class Command(BaseCommand):
    help = "Rebuild a float PyTorch copy of the bundled int8 ONNX reranker, for RERANKER_BACKEND=sentence-transformers."

    def add_arguments(self, parser: CommandParser) -> None:
        default = settings.VAR_DIR / "models" / "ms-marco-MiniLM-L-12-v2-from-int8"
        parser.add_argument("--out", type=Path, default=default)

    def handle(self, *args: Any, **options: Any) -> None:
        out = export(bundled_onnx_dir(), options["out"])
        self.stdout.write(f"written {out}\nuse it with RERANKER_BACKEND=sentence-transformers RERANKER_MODEL={out}")
