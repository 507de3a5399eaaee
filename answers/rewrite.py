"""A follow-up question made to stand alone for retrieval, from the questions before it in its conversation.

With a model configured it rewrites the question (temperature 0, LLM_REWRITE_TIMEOUT_SECONDS, the question as
asked on any failure or an unusable reply).
Without a model the rule is deterministic: a follow-up that refers back ("and abroad?", "does that go for ...",
"how long to charge it?") or is too short to name its topic ("how fast?") carries the content words of the
question before it (itself already made standalone, so a chain keeps its topic); any other question starts a new
topic and keeps its own words only, so the old topic never leaks into it.
"""

import re

from django.conf import settings

from answers.llm import LLMError, complete_once, llm_configured
from retrieval.terms import STOP, words

# Words that point back at the previous question's topic: a leading "and / also / what about", or a pronoun.
_REFERS_BACK = re.compile(
    r"^\s*(and|also|plus|but|so|then|what about|how about)\b|\b(it|its|that|this|these|those|they|them|their|there|"
    r"one|ones|too|same)\b",
    re.IGNORECASE,
)
# At most this many content words of its own and a question cannot name a topic ("How fast?", "What's the number?").
SHORT = 2


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w.lower() not in STOP and len(w) > 1]


def refers_back(question: str) -> bool:
    return bool(_REFERS_BACK.search(question)) or len(content_words(question)) <= SHORT


def rule_rewrite(question: str, previous: str | None) -> str:
    """The question as retrieval should search it, given the previous turn's standalone question (None: none)."""
    if not previous or not refers_back(question):
        return question
    own = {w.lower()[:5] for w in content_words(question)}
    carried: list[str] = []
    for word in content_words(previous):
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


def standalone_query(question: str, earlier: list[tuple[str, str]]) -> str:
    """What retrieval searches for this question; earlier: (search query, question) of the turns before it in its
    conversation, oldest first."""
    if not earlier:
        return question
    if llm_configured():
        history = [asked for _, asked in earlier]
        try:
            reply = complete_once(
                rewrite_messages(question, history), max_tokens=80, timeout=settings.LLM_REWRITE_TIMEOUT_SECONDS
            )
        except LLMError:
            return question
        return usable_rewrite(reply, question, history) or question
    last_query, last_question = earlier[-1]
    return rule_rewrite(question, last_query or last_question)
