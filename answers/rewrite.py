"""A follow-up question made to stand alone for retrieval, from the questions before it in its conversation.

With a model configured it rewrites the question (temperature 0, LLM_REWRITE_TIMEOUT_SECONDS, the question as
asked on any failure or an unusable reply).
Without a model the rule is deterministic: a follow-up that refers back ("and abroad?", "does that go for ...",
"how long to charge it?", "what do I get otherwise?") or is too short to name its topic ("how fast?") carries the
words of the thread's topic (thread_topic); any other question starts a new topic and keeps its own words only, so
the old topic never leaks into it.
"""

import re

from django.conf import settings

from answers.llm import LLMError, complete_once, llm_configured
from retrieval.terms import STOP, words

# Words that point back at the previous question's topic: a leading "and / also / what about", or a pronoun.
_REFERS_BACK = re.compile(
    r"^\s*(and|also|plus|but|so|then|what about|how about)\b|\b(it|its|that|this|these|those|they|them|their|there|"
    r"one|ones|other|others|otherwise|another|else|instead|either|again|then|too|same)\b",
    re.IGNORECASE,
)
# At most this many content words of its own and a question cannot name a topic ("How fast?", "What's the number?").
SHORT = 2


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w.lower() not in STOP and len(w) > 1]


def refers_back(question: str) -> bool:
    return bool(_REFERS_BACK.search(question)) or len(content_words(question)) <= SHORT


def _stems(terms: list[str]) -> set[str]:
    return {w.lower()[:5] for w in terms}


def thread_topic(questions: list[str]) -> list[str]:
    """The content words naming what a thread is about after these questions, oldest first: a question that
    stands alone sets the topic; a follow-up naming no topic of its own ("How fast?", "Since when has he done
    that?") asks about the same topic and passes it on unchanged, so its words never pile up down a chain; a longer
    follow-up adds its own words to it ("And the per diem for food?")."""
    topic: list[str] = []
    for question in questions:
        own = content_words(question)
        if not topic or not refers_back(question):
            topic = own
        elif len(own) > SHORT:
            topic = own + [w for w in topic if w.lower()[:5] not in _stems(own)]
    return topic


def rule_rewrite(question: str, earlier: list[str]) -> str:
    """The question as retrieval should search it, given the questions asked before it in its thread, oldest first."""
    if not earlier or not refers_back(question):
        return question
    own = _stems(content_words(question))
    carried: list[str] = []
    for word in thread_topic(earlier):
        if word.lower()[:5] not in own and word not in carried:
            carried.append(word)
    return f"{question} ({' '.join(carried)})" if carried else question


REWRITE_SYSTEM = """You rewrite the last question of a conversation so that it can be understood on its own.
Keep the asker's words. Add only what the question refers to from the earlier questions. If the question starts
a new topic or already stands alone, return it unchanged. Reply with the rewritten question only, on one line."""


def rewrite_messages(question: str, history: list[str]) -> list[dict[str, str]]:
    earlier = "\n".join(f"- {q}" for q in history)
    user = f"Earlier questions:\n{earlier}\n\nLast question: {question}\n\nRewritten question:"
    return [{"role": "system", "content": REWRITE_SYSTEM}, {"role": "user", "content": user}]


def usable_rewrite(reply: str, question: str, history: list[str]) -> str | None:
    """The model's rewrite, or None when it is not a question to search: empty, several lines, or far longer
    than the question and its history together (a model that answered instead of rewriting)."""
    text = reply.strip().strip('"').strip()
    if not text or "\n" in text or len(text) > 2 * (len(question) + sum(len(q) for q in history[-2:])) + 40:
        return None
    return text


def standalone_query(question: str, earlier: list[str]) -> str:
    """What retrieval searches for this question; earlier: the questions asked before it in its conversation,
    oldest first."""
    if not earlier:
        return question
    if llm_configured():
        try:
            reply = complete_once(
                rewrite_messages(question, earlier), max_tokens=80, timeout=settings.LLM_REWRITE_TIMEOUT_SECONDS
            )
        except LLMError:
            return question
        return usable_rewrite(reply, question, earlier) or question
    return rule_rewrite(question, earlier)
