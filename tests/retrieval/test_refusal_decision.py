"""Where the refusal decision serves from, what it stores with an answer, and a collection refitting its own."""

import pytest
from django.core.management import CommandError, call_command

from answers import llm
from answers.models import Answer, AnswerPassage, Feedback, PassageMark
from answers.services import answer_complete
from ingestion.models import Collection
from retrieval.coverage import DEFAULT_FEATURES, CoverageFeatures, CoverageModel
from retrieval.coverage_fit import MIN_MARKED_QUESTIONS
from retrieval.models import CoverageCalibration
from retrieval.selectors import coverage_in_use, forget_calibrations, retrieve

pytestmark = pytest.mark.django_db
QUESTION = "How many days of paid annual leave do employees get?"


@pytest.fixture
def no_llm(settings) -> None:
    settings.LLM_BASE_URL = ""
    llm._client.cache_clear()


def always(threshold: float) -> dict[str, object]:
    """A fit that says covered for every pool (threshold 0) or for none (above 1)."""
    size = len(DEFAULT_FEATURES)
    return CoverageModel((0.0,) * size, (1.0,) * size, (0.0,) * size, 0.0, threshold).as_dict()


def test_without_a_fit_the_passage_threshold_decides_and_the_features_are_kept(demo_corpus, no_llm) -> None:
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.status == Answer.Status.COMPLETE
    assert set(answer.coverage["features"]) >= set(DEFAULT_FEATURES) and answer.coverage["probability"] is None
    assert answer.coverage["collection_id"] == demo_corpus[0].collection_id


def test_a_collections_own_fit_decides_over_the_one_for_all_collections(demo_corpus, no_llm) -> None:
    collection = Collection.objects.get(pk=demo_corpus[0].collection_id)
    CoverageCalibration.objects.create(collection=None, model=always(1.01), questions=50, covered=30)
    forget_calibrations()
    refused = retrieve(QUESTION, collections=[collection.pk])
    assert refused.nothing_relevant and refused.coverage is not None and not refused.coverage.covered
    assert refused.coverage.source.startswith("all collections")
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.status == Answer.Status.NO_CONTEXT and answer.coverage["covered"] is False
    CoverageCalibration.objects.create(collection=collection, model=always(0.0), questions=40, covered=20)
    forget_calibrations()
    kept = retrieve("What is the dress code in the showroom?", collections=[collection.pk])
    assert kept.context and kept.coverage is not None and kept.coverage.source.startswith("collection's own")
    assert coverage_in_use(collection.pk) == "collection's own, from 40 marked questions"


def marked_answer(collection: Collection, user, best: float, relevant: bool) -> None:
    features = CoverageFeatures(best, best + 5, 0.5, 0.5, 0.4, best - 1, -5.0)
    answer = Answer.objects.create(
        question=f"q {best}", status=Answer.Status.COMPLETE,
        coverage={"features": features.as_dict(), "collection_id": collection.pk},
    )  # fmt: skip
    passage = AnswerPassage.objects.create(
        answer=answer, number=1, title="t", text="x", page_start=1, page_end=1, final_rank=1
    )
    PassageMark.objects.create(passage=passage, user=user, relevant=relevant)


def test_a_collection_refits_its_own_decision_only_from_enough_marks(django_user_model) -> None:
    user = django_user_model.objects.create_user("mark", password="pw-mark-123")
    collection = Collection.objects.create(name="HR cases")
    for i in range(MIN_MARKED_QUESTIONS - 1):
        marked_answer(collection, user, best=float(i % 10) - 2, relevant=i % 3 != 0)
    with pytest.raises(CommandError, match="29 marked questions"):
        call_command("calibrate_reranker", "--collection", "HR cases")
    marked_answer(collection, user, best=-6.0, relevant=False)
    up = Answer.objects.create(
        question="thumbs only", status=Answer.Status.NO_CONTEXT,
        coverage={"features": CoverageFeatures(-8, 1, 0, 0, 0.1, -9, -9).as_dict(), "collection_id": collection.pk},
    )  # fmt: skip
    Feedback.objects.create(answer=up, user=user, rating=Feedback.Rating.UP)  # agreed: not covered
    call_command("calibrate_reranker", "--collection", "HR cases")
    fit = CoverageCalibration.objects.get(collection=collection)
    assert fit.questions == MIN_MARKED_QUESTIONS + 1 and fit.source == "marks and votes"
    assert CoverageModel.from_dict(fit.model).features == DEFAULT_FEATURES
