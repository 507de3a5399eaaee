import json

import pytest
from django.core.management import call_command

from answers.services import answer_complete, feedback_set

pytestmark = pytest.mark.django_db


def test_export_records_and_training_pairs(tmp_path, django_user_model, demo_corpus, fake_llm, settings) -> None:
    settings.RERANK_MIN_SCORE = 0.0  # both questions reach the model, whatever the calibration
    user = django_user_model.objects.create_user("fay", password="pw-fay-123")
    fake_llm.reply = "Employees get 27 days [1]."
    good = answer_complete(question="How many days of paid annual leave do employees get?", user=user)
    feedback_set(answer=good, user=user, rating=1)
    fake_llm.reply = "Passwords need 14 characters [1]."
    bad = answer_complete(question="What is the minimum password length?", user=user)
    feedback_set(answer=bad, user=user, rating=-1, comment="cited the wrong part")

    records_file = tmp_path / "records.jsonl"
    call_command("export_feedback", "--out", str(records_file))
    records = [json.loads(line) for line in records_file.read_text().splitlines()]
    assert [r["rating"] for r in records] == [1, -1]
    assert records[0]["passages"][0]["cited"] is True
    shown = records[0]["passages"][0]
    assert {"final_rank", "probability", "logit", "dense_rank", "text_rank", "window_logit", "evidence"} <= set(shown)
    assert shown["text"][shown["evidence_start"] : shown["evidence_end"]] == shown["evidence"]

    pairs_file = tmp_path / "pairs.jsonl"
    call_command("export_feedback", "--out", str(pairs_file), "--format", "pairs")
    pairs = [json.loads(line) for line in pairs_file.read_text().splitlines()]
    assert {"query", "passage", "evidence", "label"} == set(pairs[0])
    positive = next(p for p in pairs if p["label"] == 1 and "27 days" in p["passage"])
    assert "27 days" in positive["evidence"] and positive["evidence"] in positive["passage"]
    assert len(positive["evidence"]) < len(positive["passage"])  # the window, not the whole passage again
    assert any(p["label"] == 0 and p["query"].startswith("What is the minimum password") for p in pairs)
