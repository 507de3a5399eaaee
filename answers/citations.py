"""Citations in a model's answer: [n], [n, m] and [n][m]. Numbers that match no source are removed."""

import re
from dataclasses import dataclass

_GROUP = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


@dataclass
class CheckedAnswer:
    text: str
    cited: list[int]  # valid source numbers in order of first use
    invalid: list[int]  # numbers that matched no source, removed from the text


def check_citations(text: str, source_count: int) -> CheckedAnswer:
    cited: list[int] = []
    invalid: list[int] = []

    def replace(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1).strip())]
        valid = [n for n in numbers if 1 <= n <= source_count]
        for n in numbers:
            target = cited if n in valid else invalid
            if n not in target:
                target.append(n)
        return "".join(f"[{n}]" for n in valid)

    cleaned = _GROUP.sub(replace, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)  # no space left before punctuation by a removal
    return CheckedAnswer(text=re.sub(r"[ \t]{2,}", " ", cleaned).strip(), cited=cited, invalid=invalid)
