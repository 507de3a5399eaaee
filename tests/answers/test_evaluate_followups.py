"""manage.py evaluate_followups on the demo documents: one line per rewrite mode, then the shipped mode's line."""

import itertools
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

THREADS = {
    "followups": [
        [
            ["What's the hotel limit when I travel in Norway?", "travel-policy.md", "1,600 NOK"],
            ["And abroad?", "travel-policy.md", "160 EUR"],
        ],
        [
            ["How long must my password be?", "security-policy.docx", "14 characters"],
            ["What's the guest Wi-Fi password?", None, None],
            ["How many kilns does the Tromso workshop have?", "cooperative-history.txt", "six glass kilns"],
        ],
    ],
}


def test_each_mode_is_measured_and_the_last_line_is_the_shipped_modes(demo_corpus, tmp_path, capsys) -> None:
    path = tmp_path / "followups.json"
    path.write_text(json.dumps(THREADS))
    call_command("evaluate_followups", str(path))
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("raw: ") and lines[1].startswith("rule: ") and "topic switches" in lines[1]
    assert lines[-1] == "followups 2 turns: first 2/2, context kept 2/2"  # the uncovered turn is not counted


def test_a_malformed_turn_is_named(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"followups": [[["Only a question"]]]}))
    with pytest.raises(CommandError, match="Only a question"):
        call_command("evaluate_followups", str(path))


def test_the_demo_follow_up_set_has_forty_threads_with_switches_and_uncovered_turns() -> None:
    from pathlib import Path

    from answers.followups import followups_load

    threads = followups_load(Path(__file__).resolve().parents[2] / "demo" / "followups.json")
    assert len(threads) >= 40 and all(2 <= len(t) <= 3 for t in threads)
    follow_ups = [(before, turn) for t in threads for before, turn in itertools.pairwise(t)]
    assert sum(turn.document is None for _, turn in follow_ups) >= 3
    assert sum(b.document is not None and t.document not in (None, b.document) for b, t in follow_ups) >= 5
    assert all(turn.standalone for t in threads for turn in t)
