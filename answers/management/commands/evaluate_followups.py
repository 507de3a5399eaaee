"""Retrieval on follow-up questions: raw, made standalone by the rule, by the configured model (when there is
one), and the (hand-written) standalone versions.

    manage.py evaluate_followups demo/followups.json [--collection NAME]

Last line, for the mode that ships: `followups T turns: first F/T, context kept K/T` (T: covered follow-up turns).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from answers.followups import Rewrite, followups_load, followups_measure
from answers.llm import llm_configured
from answers.rewrite import rule_rewrite, standalone_query
from ingestion.models import Collection, Document
from retrieval.selectors import retrieve


class Command(BaseCommand):
    help = "Measure retrieval on follow-up threads, per rewrite mode."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("followups", type=Path)
        parser.add_argument("--collection", default="", help="the collection holding the documents (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            threads = followups_load(options["followups"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        scope: Any = "all"
        if options["collection"]:
            found = Collection.objects.filter(name=options["collection"]).first()
            if found is None:
                raise CommandError(f"No collection is named {options['collection']!r}.")
            scope = [found.pk]
        names = dict(Document.objects.values_list("pk", "original_name"))

        def search(query: str) -> Any:
            result = retrieve(query, collections=scope)
            return [names.get(c.document_id, "") for c in result.candidates], result.context

        standalone = {t.question: t.standalone for thread in threads for t in thread if t.standalone}
        modes: dict[str, Rewrite] = {
            "raw": lambda question, earlier: question,
            "rule": rule_rewrite,
        }
        if llm_configured():
            modes["llm"] = standalone_query
        if standalone:
            modes["standalone (hand-written)"] = lambda question, earlier: standalone.get(question, question)
        ships = "llm" if llm_configured() else "rule"
        shipped = None
        for name, rewrite in modes.items():
            figures = followups_measure(threads, rewrite, search)
            self.stdout.write(figures.line(name))
            shipped = figures if name == ships else shipped
        assert shipped is not None
        self.stdout.write(
            f"followups {shipped.turns} turns: first {shipped.first}/{shipped.turns}, "
            f"context kept {shipped.kept}/{shipped.turns}"
        )
