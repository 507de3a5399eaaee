"""The everyday questions a new user asked in the browser (issue 31), answered end to end by the answer service.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/everyday_questions.py

Run in a database holding the demo documents (manage.py ingest demo/documents). Prints one line per question:
the outcome, the answer's text and the page each citation links to. Uses whatever LLM is configured (none: the
extracted answer).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")

QUESTIONS = [
    "can I work from home on Fridays?",
    "what's the most I can spend on a hotel abroad?",
    "I lost my work laptop, who do I tell and how quickly?",
    "do I need a doctor's note when I'm off sick?",
    "what time do I have to call in sick by?",
    "can I keep my air miles from work flights?",
    "how long do new people stay on probation?",
    "how many days of leave do I get?",
    "how much does the Lumen Grid battery cost?",
    "what's the wifi password for guests?",
]


def main() -> None:
    import django

    django.setup()
    from answers.services import answer_complete

    for question in QUESTIONS:
        answer = answer_complete(question=question, user=None)
        pages = ", ".join(f"[{c['number']}] p.{c['page']}" for c in answer.citations)
        print(f"{question} -> {answer.status}: {answer.answer} ({pages or 'no citation'})", flush=True)


if __name__ == "__main__":
    main()
