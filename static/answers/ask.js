// The Q&A page: streams an answer, turns [n] into buttons that open source cards, records thumbs and marks.
// Every text from documents or the model goes into the page as text nodes, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var askButton = document.getElementById("ask-button");
  var askError = document.getElementById("ask-error");
  var section = document.getElementById("answer-section");
  var modeLabel = document.getElementById("answer-mode");
  var statusLine = document.getElementById("answer-status");
  var answerText = document.getElementById("answer-text");
  var answerError = document.getElementById("answer-error");
  var sourcesList = document.getElementById("sources");
  var feedback = document.getElementById("feedback");
  var comment = document.getElementById("feedback-comment");
  var thanks = document.getElementById("feedback-thanks");
  var answerId = null;
  var questionTerms = [];
  var STOP = ("a an and are as at be by can do does for from has have how in is it its of on or that the their " +
    "there this to was were what when where which who why will with you your").split(" ");

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function termsOf(question) {
    return (question.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) || []).filter(function (t) {
      return STOP.indexOf(t) < 0;
    });
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // Passage text with the question's words wrapped in <mark>, built from text nodes only.
  function highlighted(text) {
    var fragment = document.createDocumentFragment();
    if (!questionTerms.length) {
      fragment.appendChild(document.createTextNode(text));
      return fragment;
    }
    // Whole words only (with a plural ending), so "day" does not light up inside "holiday".
    var words = questionTerms.map(escapeRegExp).join("|");
    var pattern = new RegExp("((?<![\\p{L}\\p{N}])(?:" + words + ")(?:s|es)?(?![\\p{L}\\p{N}]))", "giu");
    text.split(pattern).forEach(function (part, index) {
      if (index % 2 === 1) {
        var mark = document.createElement("mark");
        mark.textContent = part;
        fragment.appendChild(mark);
      } else if (part) {
        fragment.appendChild(document.createTextNode(part));
      }
    });
    return fragment;
  }

  function pages(p) {
    return p.page_start === p.page_end ? "page " + p.page_start : "pages " + p.page_start + "–" + p.page_end;
  }

  // The passage with its evidence (the sentences the reranker judged best) marked; offsets count code points,
  // as Python does, so the text is sliced as an array of code points rather than UTF-16 units.
  function passageBody(p) {
    var body = document.createElement("p");
    body.className = "source-text";
    var chars = Array.from(p.text);
    // Only a source given to the answer has evidence to mark: the closest passages of an uncovered question do not.
    if (!p.given || p.evidence_start == null || p.evidence_end == null) {
      body.appendChild(highlighted(p.text));
      return body;
    }
    var evidence = document.createElement("span");
    evidence.className = "evidence";
    evidence.title = "The sentences that best match the question";
    evidence.appendChild(highlighted(chars.slice(p.evidence_start, p.evidence_end).join("")));
    body.append(highlighted(chars.slice(0, p.evidence_start).join("")), evidence,
                highlighted(chars.slice(p.evidence_end).join("")));
    return body;
  }

  // For a logged-in user, each card can be marked relevant or not to the question (pressed again: taken back).
  function markControl(number, mark) {
    var box = document.createElement("div");
    box.className = "source-mark";
    box.dataset.number = number;
    [["1", "Relevant"], ["0", "Not relevant"]].forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "mark";
      button.dataset.relevant = choice[0];
      button.textContent = choice[1];
      button.setAttribute("aria-pressed", String(mark === (choice[0] === "1")));
      box.appendChild(button);
    });
    var said = document.createElement("span");
    said.className = "mark-status";
    said.setAttribute("role", "status");
    box.appendChild(said);
    return box;
  }

  async function markSource(event) {
    var button = event.target.closest(".mark");
    if (!button || !answerId) return;
    var box = button.parentNode;
    var pressed = button.getAttribute("aria-pressed") === "true";
    var body = new FormData();
    body.append("relevant", pressed ? "" : button.dataset.relevant);
    var url = window.RAGSITE.markUrl.replace("/0/", "/" + answerId + "/").replace("/sources/0/", "/sources/" + box.dataset.number + "/");
    var response = await fetch(url, {method: "POST", body: body, headers: {"X-CSRFToken": csrfToken()},
                                     credentials: "same-origin"});
    var said = box.querySelector(".mark-status");
    if (response.ok) {
      var data = await response.json();
      box.querySelectorAll(".mark").forEach(function (b) {
        b.setAttribute("aria-pressed", String(data.relevant !== null && data.relevant === (b.dataset.relevant === "1")));
      });
      said.textContent = data.relevant === null ? "Mark taken back." : "Saved, thank you.";
    } else {
      var problem = await response.json().catch(function () { return {}; });
      said.textContent = problem.error || "Your mark could not be saved.";
    }
  }

  function renderSources(passages, marks) {
    marks = marks || {};
    sourcesList.textContent = "";
    passages.forEach(function (p) {
      var item = document.createElement("li");
      item.id = "source-" + p.number;
      item.className = "source";
      item.tabIndex = -1;
      var head = document.createElement("div");
      head.className = "source-head";
      var number = document.createElement("span");
      number.className = "source-number";
      number.textContent = "[" + p.number + "]";
      var title = document.createElement("strong");
      title.textContent = p.title;
      var where = document.createElement("span");
      where.className = "source-pages";
      where.textContent = pages(p);
      head.append(number, " ", title, " · ", where);
      item.append(head, passageBody(p));
      if (p.document_id) {
        var open = document.createElement("a");
        open.href = window.RAGSITE.documentUrl.replace("/0/", "/" + p.document_id + "/") + "#page=" + (p.page || p.page_start);
        open.target = "_blank";
        open.rel = "noopener";
        open.textContent = "Open the document";
        item.appendChild(open);
      }
      if (window.RAGSITE.canMark) item.appendChild(markControl(p.number, marks[p.number]));
      sourcesList.appendChild(item);
    });
  }

  function openSource(number) {
    var card = document.getElementById("source-" + number);
    if (!card) return;
    Array.prototype.forEach.call(sourcesList.children, function (c) { c.classList.remove("active"); });
    card.classList.add("active");
    (card.querySelector(".evidence") || card).scrollIntoView({behavior: "smooth", block: "center"});
    card.focus({preventScroll: true});
  }

  // The final answer: [n] markers become buttons that open their source card.
  function renderAnswer(text) {
    answerText.textContent = "";
    text.split(/(\[\d+\])/).forEach(function (part) {
      var match = /^\[(\d+)\]$/.exec(part);
      if (match && document.getElementById("source-" + match[1])) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "cite";
        button.textContent = part;
        button.setAttribute("aria-label", "Show source " + match[1]);
        button.addEventListener("click", function () { openSource(match[1]); });
        answerText.appendChild(button);
      } else if (part) {
        answerText.appendChild(document.createTextNode(part));
      }
    });
  }

  function finish(data) {
    answerId = data.id;
    renderAnswer(data.answer || "");
    var unsourced = data.mode === "llm" && data.status === "complete" && !(data.citations || []).length;
    modeLabel.textContent = data.mode === "extractive" ? "(extracted from the documents, not written by a model)"
      : unsourced ? "(written by a model that cited no source: check it against the sources below)"
      : data.mode === "llm" ? "(written by a model from the sources)" : "";
    statusLine.textContent = "";  // a not-covered answer says so itself
    if (data.status === "no_context") {  // the reader declined: its sources became the closest passages
      sourcesList.querySelectorAll(".evidence").forEach(function (e) { e.classList.remove("evidence"); e.title = ""; });
    }
    feedback.hidden = !answerId;
    resetThumbs();
  }

  function showVote(vote) {
    if (!vote) return;
    feedback.querySelectorAll(".thumb").forEach(function (b) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.rating) === vote.rating));
    });
    comment.value = vote.comment || "";
  }

  // The next question continues this conversation; a follow-up searched as rewritten says what was searched.
  function showThread(conversation, searchQuery, question) {
    form.conversation.value = conversation || "";
    document.getElementById("new-conversation").hidden = !conversation;
    var searched = document.getElementById("searched-for");
    searched.textContent = searchQuery && searchQuery !== question ? "Searched for: " + searchQuery : "";
    searched.hidden = !searched.textContent;
  }

  function answerUrl(id) { return window.RAGSITE.answerUrl.replace("/0/", "/" + id + "/"); }

  function resetThumbs() {
    feedback.querySelectorAll(".thumb").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    thanks.hidden = true;
    comment.value = "";
  }

  function handle(name, data) {
    if (name === "answer") {
      answerId = data.id;
      showThread(data.conversation, data.search_query, form.question.value.trim());
      // The address names the answer: it can be bookmarked, shared, reloaded, and Back returns to the last one.
      history.pushState({answerId: data.id}, "", answerUrl(data.id));
    }
    else if (name === "sources") {
      renderSources(data.passages);
      if (data.given) statusLine.textContent = "Writing the answer from these sources…";
    }
    else if (name === "token") {
      statusLine.textContent = "";
      answerText.appendChild(document.createTextNode(data.text));
    }
    else if (name === "error") { answerError.textContent = data.message; answerError.hidden = false; }
    else if (name === "done") { finish(data); }
  }

  function parseEvents(buffer, onEvent) {
    var blocks = buffer.split("\n\n");
    var rest = blocks.pop();
    blocks.forEach(function (block) {
      var name = "message";
      var data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) name = line.slice(7);
        else if (line.indexOf("data: ") === 0) data.push(line.slice(6));
      });
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    });
    return rest;
  }

  async function ask(event) {
    event.preventDefault();
    var question = form.question.value.trim();
    askError.hidden = true;
    if (!question) { askError.textContent = "Please type a question."; askError.hidden = false; return; }
    questionTerms = termsOf(question);
    section.hidden = false;
    answerText.textContent = "";
    answerError.hidden = true;
    sourcesList.textContent = "";
    modeLabel.textContent = "";
    statusLine.textContent = "Searching the documents…";
    feedback.hidden = true;
    askButton.disabled = true;
    try {
      var response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: {"X-CSRFToken": csrfToken()}, credentials: "same-origin",
      });
      if (!response.ok) {
        var problem = await response.json().catch(function () { return {error: "The question could not be asked."}; });
        throw new Error(problem.error);
      }
      var reader = response.body.getReader();  // "Searching…" stays until the first sources or words arrive
      var decoder = new TextDecoder();
      var buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer = parseEvents(buffer + decoder.decode(chunk.value, {stream: true}), handle);
      }
    } catch (error) {
      statusLine.textContent = "";
      askError.textContent = error.message || "The question could not be asked.";
      askError.hidden = false;
    } finally {
      askButton.disabled = false;
    }
  }

  async function vote(event) {
    var button = event.target.closest(".thumb");
    if (!button || !answerId) return;
    var body = new FormData();
    body.append("rating", button.dataset.rating);
    body.append("comment", comment.value);
    var url = window.RAGSITE.feedbackUrl.replace("/0/", "/" + answerId + "/");
    var response = await fetch(url, {method: "POST", body: body, headers: {"X-CSRFToken": csrfToken()},
                                     credentials: "same-origin"});
    if (response.ok) {
      feedback.querySelectorAll(".thumb").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      thanks.textContent = "Thanks, your vote is saved.";
    } else {
      // Say why (for example a visitor who is not logged in), never fail silently.
      var problem = await response.json().catch(function () { return {}; });
      thanks.textContent = problem.error || "Your vote could not be saved.";
    }
    thanks.hidden = false;
  }

  // Back and Forward between answers asked on this page: show the page of the answer the address now names.
  window.addEventListener("popstate", function () { window.location.reload(); });
  form.addEventListener("submit", ask);
  form.question.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  feedback.addEventListener("click", vote);
  sourcesList.addEventListener("click", markSource);

  var stored = document.getElementById("stored-answer");
  if (stored) {
    var saved = JSON.parse(stored.textContent);
    questionTerms = termsOf(saved.answer.question);
    renderSources(saved.passages, saved.marks);
    finish(saved.answer);
    showVote(saved.vote);
    showThread(saved.answer.conversation, saved.answer.search_query, saved.answer.question);
    if (saved.answer.error) { answerError.textContent = saved.answer.error; answerError.hidden = false; }
  }
})();
