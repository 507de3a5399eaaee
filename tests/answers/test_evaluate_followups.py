"""manage.py evaluate_followups on the demo documents: one line per rewrite mode, then the shipped mode's line."""

import itertools
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from answers.followups import followups_load

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[2] / "demo"

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
    threads = followups_load(DEMO / "followups.json")
    assert len(threads) >= 40 and all(2 <= len(t) <= 3 for t in threads)
    follow_ups = [(before, turn) for t in threads for before, turn in itertools.pairwise(t)]
    assert sum(turn.document is None for _, turn in follow_ups) >= 3
    assert sum(b.document is not None and t.document not in (None, b.document) for b, t in follow_ups) >= 5
    assert all(turn.standalone for t in threads for turn in t)


@pytest.mark.parametrize("name", ["followups.json", "followups-dev.json"])
def test_every_demo_follow_up_phrase_stands_in_its_document(name) -> None:
    from ingestion.extraction import sniff_content_type
    from ingestion.formats import extract

    texts = {}
    for path in (DEMO / "documents").iterdir():
        data = path.read_bytes()
        texts[path.name] = " ".join(
            " ".join(extract(data, sniff_content_type(data, path.name), path.name).pages).split()
        )
    for thread in followups_load(DEMO / name):
        for turn in thread:
            assert turn.standalone and (turn.document is None or str(turn.phrase) in texts[turn.document])


def test_a_new_topic_is_counted_as_inherited_when_a_mode_rewrites_it() -> None:
    from answers.followups import Turn, followups_measure

    thread = [
        Turn("How long must a password be?", "a", "x"),
        Turn("What is the overtime rate?", "b", "y", "What is the overtime rate?"),
    ]
    reworded = followups_measure([thread], lambda question, earlier: "What's the overtime rate?", lambda q: ([], []))
    carried = followups_measure([thread], lambda question, earlier: question + " (password)", lambda q: ([], []))
    assert (reworded.new_topics, reworded.inherited, carried.inherited) == (1, 0, 1)
