"""Time to first token excluding the LLM's own time: retrieve + rerank + prompt, over the demo questions.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/ttft.py [--rounds 3]

The LLM is the test server on 127.0.0.1 (tests/answers/llm_server.py), which answers at once, so the time to the
first token is ragsite's own. Ingests the demo documents first if they are not there. Prints a table and writes
benchmarks/results/ttft.json.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from answers import llm
    from answers.services import answer_complete
    from demo.questions import ANSWERABLE as QUESTIONS
    from ingestion.models import Chunk, Document
    from retrieval.metrics import percentile
    from tests.answers.llm_server import FakeLLM

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not Document.objects.filter(original_name="employee-handbook.pdf").exists():
        call_command("ingest", str(ROOT / "demo" / "documents"))
    server = FakeLLM().start()
    settings.LLM_BASE_URL, settings.LLM_MODEL = server.base_url, "fake-llm"
    llm._client.cache_clear()
    answer_complete(question="warm up the models", user=None)
    stages: dict[str, list[float]] = {"retrieve": [], "rerank": [], "first_token": [], "total": []}
    for _ in range(args.rounds):
        for question, _ in QUESTIONS:
            answer = answer_complete(question=question, user=None)
            for stage in stages:
                if stage in answer.timings_ms:
                    stages[stage].append(answer.timings_ms[stage])
    server.stop()
    rows = {
        stage: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p95_ms": round(percentile(v, 95), 1)}
        for stage, v in stages.items()
    }
    print(f"chunks in the database: {Chunk.objects.count()}, questions: {len(QUESTIONS)} x {args.rounds}")
    print(f"{'stage':<12} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}")
    for stage, row in rows.items():
        print(f"{stage:<12} {row['n']:>4} {row['p50_ms']:>8} {row['p95_ms']:>8}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ttft.json").write_text(json.dumps({"chunks": Chunk.objects.count(), "stages": rows}, indent=2))


if __name__ == "__main__":
    main()
