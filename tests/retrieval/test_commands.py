"""ingest_beir, calibrate_reranker and evaluate end to end on a tiny BEIR collection written by the test."""

import json

import pytest
from django.core.management import call_command

from ingestion.models import Document
from retrieval.models import RerankerCalibration

pytestmark = pytest.mark.django_db

CORPUS = [
    ("d1", "Lantern glass", "Lantern glass is annealed in a kiln for twelve hours to remove internal stress."),
    ("d2", "Battery storage", "The home battery stores twelve kilowatt hours and delivers five kilowatts."),
    ("d3", "Travel rules", "Trains are preferred for trips under eight hours; flights under six hours fly economy."),
    ("d4", "Passwords", "Passwords must be at least fourteen characters and never reused across services."),
    ("d5", "Annual leave", "Employees receive twenty-seven days of paid annual leave each calendar year."),
]
QUERIES = [
    ("q1", "How long is lantern glass annealed?", "d1"),
    ("q2", "How much energy does the battery store?", "d2"),
    ("q3", "How long must a password be?", "d4"),
    ("q4", "How many vacation days do employees get?", "d5"),
]


@pytest.fixture
def beir_dir(tmp_path):
    (tmp_path / "qrels").mkdir()
    with (tmp_path / "corpus.jsonl").open("w") as corpus:
        for doc_id, title, text in CORPUS:
            corpus.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (tmp_path / "queries.jsonl").open("w") as queries:
        for query_id, text, _ in QUERIES:
            queries.write(json.dumps({"_id": query_id, "text": text}) + "\n")
    rows = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t1" for q, _, d in QUERIES]
    (tmp_path / "qrels" / "train.tsv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_ingest_beir_keeps_ids_and_is_idempotent(beir_dir) -> None:
    call_command("ingest_beir", str(beir_dir))
    call_command("ingest_beir", str(beir_dir))
    assert Document.objects.count() == len(CORPUS)
    assert set(Document.objects.values_list("external_id", flat=True)) == {d for d, _, _ in CORPUS}
    assert all(d.status == Document.Status.READY for d in Document.objects.all())


def test_calibrate_then_evaluate_write_their_reports(beir_dir, tmp_path, capsys) -> None:
    call_command("ingest_beir", str(beir_dir))
    out = tmp_path / "reports"
    call_command("calibrate_reranker", "--beir", str(beir_dir), "--split", "train", "--out", str(out))
    calibration = RerankerCalibration.objects.get()
    assert calibration.a > 0  # a higher logit means more likely relevant
    assert calibration.positives == len(QUERIES)
    call_command("evaluate", "--beir", str(beir_dir), "--split", "train", "--depth", "3,5", "--out", str(out))
    report = json.loads((out / f"{beir_dir.name}-train.json").read_text())
    assert report["queries"] == len(QUERIES)
    for mode in ("text", "dense", "hybrid", "hybrid_rerank"):
        assert 0.0 <= report["metrics"][f"{mode}@5"]["ndcg@10"] <= 1.0
    assert report["metrics"]["hybrid_rerank@5"]["mrr@10"] == pytest.approx(1.0)
    assert (out / f"{beir_dir.name}-train.png").stat().st_size > 1000
    assert "nDCG@10" in capsys.readouterr().out


def test_store_pools_writes_first_stage_pools_holding_the_relevant_documents(beir_dir, tmp_path) -> None:
    from retrieval.calibration import load_pools, pools_file

    call_command("ingest_beir", str(beir_dir))
    out = tmp_path / "pools"
    call_command("store_pools", "--beir", str(beir_dir), "--split", "train", "--depth", "3", "--out", str(out))
    pools = load_pools(pools_file(out, beir_dir, "train", 3))
    assert [p.question_id for p in pools] == [q for q, _, _ in QUERIES]
    assert all(len(p.candidates) == 3 and p.candidates[0].logit is None for p in pools)  # first stage only
    assert [c.final_rank for c in pools[0].candidates] == [1, 2, 3]  # the fused order, as hard negatives read it
    assert all(any(p.relevant.get(c.external_id) for c in p.candidates) for p in pools)  # each relevant doc found
