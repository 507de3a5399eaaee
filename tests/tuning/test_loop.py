"""The loop end to end with real models: train a tiny model, judge it (refused: worse), promote a better one,
serve it without a restart, roll back step by step; and evaluate any version by name."""

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from retrieval.calibration import LabelledPool
from retrieval.context import Scored
from retrieval.models import RerankerVersion
from retrieval.rerankers import bundled_onnx_dir
from retrieval.selectors import reranker_current, reranker_version_active, retrieve, serving_current, serving_of
from tuning.training_set import Pair, write_pairs
from tuning.versions import Judging, version_activate, version_judge, version_register, version_rollback

pytestmark = pytest.mark.django_db

FACTS = [
    ("How many days of paid leave do employees get?", "Every employee receives 27 days of paid annual leave."),
    ("When must a stolen laptop be reported?", "Report a lost or stolen device to the security desk within 1 hour."),
    ("Can I take a taxi from the airport at night?", "Taxis are allowed after 23:00 when no train runs."),
    ("What is the minimum password length?", "Passwords must be at least 14 characters long."),
    ("How often is the customer database backed up?", "The customer database is backed up every hour."),
    ("Who approves travel abroad?", "Travel abroad must be approved by the head of department."),
]


def pools() -> tuple[list[LabelledPool], dict[str, str]]:
    """Each question's answer sits last of five by the fused order, behind the other questions' facts."""
    made, queries = [], {}
    for q, (question, answer) in enumerate(FACTS):
        others = [FACTS[(q + k) % len(FACTS)][1] for k in range(1, 5)]
        texts = [*others, answer]
        candidates = [
            Scored(
                chunk_id=100 * q + r, document_id=100 * q + r, ordinal=0, text=text, page_start=1, page_end=1,
                token_count=20, title="Handbook", external_id=f"d{q}-{r}", dense_rank=r + 1, text_rank=r + 1,
                rrf=2 / (60 + r + 1), sentences=[[0, len(text)]],
            )
            for r, text in enumerate(texts)
        ]  # fmt: skip
        made.append(LabelledPool(f"q{q}", candidates, {f"d{q}-4": 1}))
        queries[f"q{q}"] = question
    return made, queries


UNCOVERED = ["What is the capital of Peru?", "Who won the chess olympiad in 1998?"]


def small_gate(tmp_path, answering: int = 4) -> Path:
    """A gate of the facts' own pools and two questions they do not cover: the loop's mechanics (a version is
    measured on the gate it is given and promoted only when it holds the bars), not the shipped model's quality,
    which tests/tuning/test_gate.py measures on the demo's full gate. `answering`: which of the five candidates
    the gate takes for the answer (4, the true one)."""
    held, queries = pools()
    for pool in held:
        pool.relevant = {pool.candidates[answering].external_id: 1}
    Row = tuple[str, str, list[Scored], dict[str, int]]
    covered: list[Row] = [(p.question_id, queries[p.question_id], p.candidates, p.relevant) for p in held]
    uncovered: list[Row] = [(f"u{n}", question, held[n].candidates, {}) for n, question in enumerate(UNCOVERED)]
    path = tmp_path / "gate-pools.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for question_id, question, candidates, relevant in covered + uncovered:
            record = {"question_id": question_id, "question": question, "relevant": relevant}
            out.write(json.dumps({**record, "candidates": [asdict(c) for c in candidates]}) + "\n")
    return path


def trained_version(tmp_path, tiny_base, settings, asked=lambda question: f"Tell me: {question}") -> RerankerVersion:
    """A tiny model trained on the facts, asked in other words than the held-out questions unless `asked` says."""
    settings.VAR_DIR = tmp_path
    pairs = [
        Pair(f"q{q}", asked(question), f"Handbook\n{text}", int(text == answer), "beir")
        for q, (question, answer) in enumerate(FACTS)
        for text in [answer, *(f[1] for f in FACTS if f[1] != answer)]
    ]
    write_pairs(pairs, tmp_path / "pairs.jsonl")
    call_command(
        "finetune_reranker", "--pairs", str(tmp_path / "pairs.jsonl"), "--base", str(tiny_base), "--name", "tiny",
        "--epochs", "1", "--batch-groups", "2", "--negatives", "2", "--max-tokens", "48",
    )  # fmt: skip
    return version_register(folder=tmp_path / "models" / "tiny")


def shipped_copy(tmp_path) -> RerankerVersion:
    """A version that is the shipped model itself: better than a tiny random one."""
    folder = tmp_path / "models" / "shipped-copy"
    shutil.copytree(bundled_onnx_dir(), folder / "onnx")
    (folder / "manifest.json").write_text('{"name": "shipped-copy", "base": "shipped"}')
    return version_register(folder=folder)


def served() -> str:
    reranker = reranker_current()
    assert reranker is not None
    return reranker.name


def test_a_worse_version_is_refused_a_better_one_serves_and_rollback_walks_back(
    tmp_path, tiny_base, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RERANKER_VERSION_CHECK_SECONDS = 0  # look up the active version on every question
    held, queries = pools()
    judging = Judging(heldout=held, queries=queries, margin=0.01, gate_pools=small_gate(tmp_path))

    tiny = version_judge(version=trained_version(tmp_path, tiny_base, settings), judging=judging)
    assert tiny.status == RerankerVersion.Status.REJECTED and tiny.verdict.startswith("Rejected")
    assert tiny.metrics["active"]["ndcg@10"] > tiny.metrics["candidate"]["ndcg@10"]
    assert tiny.metrics["against"] == "shipped" and reranker_version_active() is None

    with django_capture_on_commit_callbacks(execute=True):
        version_activate(version=tiny)  # one click in the admin, against the verdict
    assert served() == f"onnx:{tiny.onnx_dir}"  # served at once, no restart

    with django_capture_on_commit_callbacks(execute=True):
        better = version_judge(version=shipped_copy(tmp_path), judging=judging)
    assert better.status == RerankerVersion.Status.ACTIVE, better.verdict
    assert better.metrics["against"] == "tiny" and better.metrics["ndcg_gain"] > 0.01
    assert better.threshold is not None and 0 < better.threshold < 1
    assert served() == f"onnx:{better.onnx_dir}"
    weights = better.metrics["weights"]
    assert (better.chunk_weight, better.blend_weight) == (weights["chunk_weight"], weights["blend_weight"])
    assert serving_current() == serving_of(better)  # served with the weights judging chose for it

    with django_capture_on_commit_callbacks(execute=True):
        assert version_rollback() == tiny
    assert reranker_version_active() == tiny
    with django_capture_on_commit_callbacks(execute=True):
        assert version_rollback() is None  # and then the shipped model
    assert reranker_version_active() is None and served().startswith("onnx:")


def test_a_version_that_wins_on_feedback_but_fails_the_gate_is_refused(
    tmp_path, tiny_base, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RERANKER_VERSION_CHECK_SECONDS = 0
    held, queries = pools()
    tiny = trained_version(tmp_path, tiny_base, settings)
    with django_capture_on_commit_callbacks(execute=True):
        version_activate(version=tiny)  # the version to beat: worse than the shipped model
    wrong = Judging(heldout=held, queries=queries, gate_pools=small_gate(tmp_path, answering=0))  # another fact

    judged = version_judge(version=shipped_copy(tmp_path), judging=wrong)
    assert judged.metrics["ndcg_gain"] > 0.01 and not judged.metrics["gate"]["passes"]
    assert judged.status == RerankerVersion.Status.REJECTED and "(failed)" in judged.verdict
    assert reranker_version_active() == tiny


def test_an_active_version_serves_with_its_own_weights_and_others_with_the_settings(
    tmp_path, demo_corpus, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RERANKER_VERSION_CHECK_SECONDS = 0
    version = shipped_copy(tmp_path)
    version.chunk_weight, version.blend_weight = 1.0, 0.0  # whole chunks, the fused order left as it is
    version.save()
    question = "How many days of paid annual leave do employees get?"
    before = retrieve(question, collections="all")
    with django_capture_on_commit_callbacks(execute=True):
        version_activate(version=version)
    after = retrieve(question, collections="all")

    assert before.reranked and after.reranked and serving_current().plan.chunk_weight == 1.0
    assert any(c.window_start is not None for c in before.candidates)  # the settings' plan scores windows
    assert all(c.window_start is None and c.chunk_logit is not None for c in after.candidates)
    assert [c.rrf for c in after.candidates] == sorted((c.rrf for c in after.candidates), reverse=True)
    with django_capture_on_commit_callbacks(execute=True):
        version_rollback()
    assert serving_current() == serving_of(None)


def test_a_version_is_never_judged_on_questions_it_trained_on(tmp_path, tiny_base, settings) -> None:
    held, queries = pools()
    version = trained_version(tmp_path, tiny_base, settings, asked=lambda question: f"  {question.upper()}")
    with pytest.raises(ValueError, match="6 of the 6 held-out questions were in tiny's training data"):
        version_judge(version=version, judging=Judging(heldout=held, queries=queries))
    version.refresh_from_db()
    assert (
        version.status == RerankerVersion.Status.CANDIDATE and not version.metrics and reranker_version_active() is None
    )


def test_evaluate_refuses_an_unknown_version_and_names_the_known_ones(tmp_path) -> None:
    with pytest.raises(CommandError, match="No reranker version named 'nope'"):
        call_command("evaluate", "--beir", str(tmp_path), "--reranker-version", "nope")
