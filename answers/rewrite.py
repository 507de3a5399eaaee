"""A follow-up question made to stand alone for retrieval, from the questions before it in its conversation.

Without a model the rule is deterministic: a follow-up that refers back ("and abroad?", "does that go for ...",
"how long to charge it?") or is too short to name its topic ("how fast?") carries the content words of the
question before it (itself already made standalone, so a chain keeps its topic); any other question starts a new
topic and keeps its own words only, so the old topic never leaks into it.
"""

import re

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
