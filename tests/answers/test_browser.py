"""The Q&A page in headless Chromium (Debian's, driven by Playwright): ask, stream, cite, vote."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from answers.models import Answer, Feedback, PassageMark
from ingestion.models import Collection
from ingestion.pipeline import documents_ingest
from ingestion.services import collection_default, document_create
from tests.conftest import demo_documents

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def browser(monkeypatch):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}: 'make test' installs Debian's chromium package")
        pytest.skip(f"no Chromium at {CHROMIUM} (make test installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def corpus(transactional_db, demo_dir):
    """The demo documents, committed: the live server reads them from its own threads."""
    return demo_documents(demo_dir)


def record_into(dialogs: list[str]):
    """A dialog handler: any alert() that runs is recorded (and dismissed); the tests expect none."""

    def handler(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    return handler


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_question")


def test_ask_stream_cite_and_vote(browser, live_server, corpus, fake_llm, django_user_model, settings) -> None:
    settings.RERANK_MIN_SCORE = 0.0
    fake_llm.reply = "Every employee receives 27 days of paid annual leave per calendar year [1]."
    fake_llm.delay = 0.15
    django_user_model.objects.create_user("gina", password="pw-gina-123")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", record_into(dialogs))
    log_in(page, live_server, "gina", "pw-gina-123")

    page.fill("#id_question", "How many days of paid annual leave do employees get?")
    page.click("#ask-button")
    # Streaming: part of the answer is on the page before the citation buttons of the final render exist.
    page.wait_for_function(
        "document.getElementById('answer-text').textContent.length > 0 && !document.querySelector('.cite')"
    )
    assert page.is_hidden("#feedback") and page.inner_text("#answer-status") == ""  # no thumbs before the end
    page.wait_for_selector(".cite", timeout=60_000)
    assert "27 days" in page.inner_text("#answer-text")
    first = Answer.objects.get()
    assert page.url == f"{live_server.url}/answers/{first.pk}/"  # the address names the answer

    page.click(".cite")
    page.wait_for_selector("#source-1.active")
    assert page.evaluate("document.activeElement.id") == "source-1"
    assert "27 days" in page.inner_text("#source-1")
    assert page.locator("#source-1 mark").count() > 0  # the question's words are highlighted
    evidence = page.inner_text("#source-1 .evidence")  # the best window's sentences, marked apart
    assert "27 days" in evidence and len(evidence) < len(page.inner_text("#source-1 .source-text"))

    page.fill("#feedback-comment", "Clear and cited")
    page.click(".thumb[data-rating='1']")
    page.wait_for_selector("#feedback-thanks:not([hidden])")
    vote = Feedback.objects.get()
    assert vote.rating == 1 and vote.user.username == "gina"

    page.click("#source-1 .mark[data-relevant='1']")  # a source marked relevant, remembered, then changed
    page.wait_for_selector("#source-1 .mark[data-relevant='1'][aria-pressed=true]")
    mark = PassageMark.objects.get()
    assert mark.relevant and mark.passage.number == 1 and mark.user.username == "gina"
    page.goto(f"{live_server.url}/answers/{vote.answer_id}/")
    page.wait_for_selector("#source-1 .mark[data-relevant='1'][aria-pressed=true]")
    assert page.get_attribute(".thumb[data-rating='1']", "aria-pressed") == "true"  # one's own vote is shown
    assert page.input_value("#feedback-comment") == "Clear and cited"
    page.click("#source-1 .mark[data-relevant='0']")
    page.wait_for_selector("#source-1 .mark[data-relevant='0'][aria-pressed=true]")
    assert PassageMark.objects.get().relevant is False
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "answered.png"), full_page=True)

    settings.RERANK_MIN_SCORE = 1.0  # nothing passes: the page says so once, not twice
    page.fill("#id_question", "What is the capital of Peru?")
    page.click("#ask-button")
    page.wait_for_function("document.getElementById('answer-text').textContent.includes('do not cover')")
    page.wait_for_selector("#feedback:not([hidden])")
    assert page.inner_text("#answer-section").count("do not cover") == 1
    assert page.locator(".evidence").count() == 0  # the closest passages are not said to match the question
    page.go_back()  # Back returns to the previous answer
    page.wait_for_url(f"{live_server.url}/answers/{first.pk}/")
    page.wait_for_selector(".cite")
    assert "27 days" in page.inner_text("#answer-text")
    assert dialogs == []


def test_hostile_document_and_model_html_do_not_run(
    browser, live_server, transactional_db, fake_llm, django_user_model, settings
) -> None:

    settings.RERANK_MIN_SCORE = 0.0
    doc = b"The zephyr kiln runs at 1200 degrees. <script>alert('doc')</script><img src=x onerror=alert('img')>"
    outcome = document_create(name="hostile.txt", stream=io.BytesIO(doc), enqueue=False)
    assert outcome.document is not None
    documents_ingest(document_ids=[outcome.document.pk])
    fake_llm.reply = "It runs at 1200 degrees <img src=x onerror=alert('llm')> <b>hot</b> [1]."
    django_user_model.objects.create_user("hal", password="pw-hal-123")
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", record_into(dialogs))
    log_in(page, live_server, "hal", "pw-hal-123")
    page.fill("#id_question", "How hot does the zephyr kiln run?")
    page.click("#ask-button")
    page.wait_for_selector(".cite", timeout=60_000)
    assert "<b>hot</b>" in page.inner_text("#answer-text")  # shown as text
    assert "<script>" in page.inner_text("#sources")
    assert page.locator("#answer-text b, #sources img, #answer-text img").count() == 0
    page.set_viewport_size({"width": 375, "height": 800})  # phone width: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert dialogs == []


def test_a_visitor_who_may_not_vote_is_told_so_on_the_page(browser, live_server, corpus, no_llm, settings) -> None:
    settings.ALLOW_ANONYMOUS_QUESTIONS = True
    settings.RERANK_MIN_SCORE = 0.0
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.fill("#id_question", "How many days of paid annual leave do employees get?")
    page.click("#ask-button")
    page.wait_for_selector("#feedback:not([hidden])", timeout=60_000)
    page.click(".thumb[data-rating='1']")
    page.wait_for_selector("#feedback-thanks:not([hidden])")
    assert "log in" in page.inner_text("#feedback-thanks")
    assert page.locator("#sources .source").count() > 0
    assert page.locator("#sources .mark").count() == 0  # sources are marked by logged-in users only


def test_choosing_a_collection_searches_only_it(browser, live_server, transactional_db, no_llm, settings) -> None:
    """Two readable collections: the page offers both; ticking one keeps the other's passages out."""
    settings.RERANK_MIN_SCORE = 0.0
    user = User.objects.create_user("hana", password="pw-hana-123")
    hr = Collection.objects.create(name="HR cases", access=Collection.Access.LISTED)
    hr.users.add(user)
    texts = {
        collection_default(): b"The kiln register: the kiln code is 4417. Keepers open the kiln with code 4417.",
        hr: b"The kiln register of HR: the kiln code is 9902. Keepers open the kiln with code 9902.",
    }
    ids = []
    for number, (collection, text) in enumerate(texts.items()):
        outcome = document_create(name=f"kiln-{number}.txt", stream=io.BytesIO(text), collection=collection,
                                  enqueue=False)  # fmt: skip
        assert outcome.document is not None
        ids.append(outcome.document.pk)
    documents_ingest(document_ids=ids)
    page = browser.new_page()
    log_in(page, live_server, "hana", "pw-hana-123")
    assert page.locator("fieldset.collections input[type=checkbox]").count() == 2
    page.check(f"fieldset.collections input[value='{hr.pk}']")
    page.fill("#id_question", "What is the kiln code?")
    page.click("#ask-button")
    page.wait_for_selector("#source-1", timeout=60_000)
    sources = page.inner_text("#sources")
    assert "9902" in sources and "4417" not in sources


def test_a_follow_up_continues_the_thread_and_says_what_was_searched(browser, live_server, corpus, no_llm, settings):
    settings.ALLOW_ANONYMOUS_QUESTIONS = True
    page = browser.new_page()
    page.goto(live_server.url + "/")
    assert page.is_hidden("#new-conversation")
    page.fill("#id_question", "Who do I tell if my work laptop gets stolen?")
    page.click("#ask-button")
    page.wait_for_selector("#feedback:not([hidden])", timeout=60_000)
    assert page.is_hidden("#searched-for")  # a first question is searched as asked
    page.fill("#id_question", "How fast?")
    page.click("#ask-button")
    page.wait_for_function("document.getElementById('answer-text').textContent.includes('1 hour')", timeout=60_000)
    assert "laptop" in page.inner_text("#searched-for")
    first, second = Answer.objects.order_by("created_at")
    assert second.conversation_id == first.conversation_id is not None
    page.click("#new-conversation")
    page.wait_for_selector("#id_question")
    assert page.input_value("#id_conversation") == ""  # the next question starts a new thread
