"""Scanned copies of the demo documents, ingested into their own collection, so the demo gate can be run on them
against the text-layer originals (issue 29).

    M=".venv/bin/python -m ragsite.localservices -- .venv/bin/python"
    $M benchmarks/scanned_demo.py [--dpi 200] [--no-titles --collection NAME]
    $M benchmarks/coverage_gate.py --collection "Scanned demo"

Each document's text (as the product extracts it, page by page) is typeset, rendered at --dpi, turned up to 0.8
degrees, blurred and sprinkled with noise (demo/scans.py) and saved as an image-only PDF under the original's
name; the collection is emptied first. Prints, per document, its pages, which OCR read, the confidence and the
seconds its ingestion took.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--collection", default="Scanned demo")
    parser.add_argument(
        "--no-titles",
        action="store_true",
        help="leave titles to the scans (file names): by default each scan "
        "gets its original's title, so the comparison measures OCR, not the titles a scan lacks",
    )
    args = parser.parse_args()
    import django

    django.setup()
    from demo.scans import scan_text_pages, scanned_pdf
    from ingestion.extraction import sniff_content_type
    from ingestion.formats import extract
    from ingestion.models import Collection, Document
    from ingestion.pipeline import document_ingest
    from ingestion.services import document_create

    collection, _ = Collection.objects.get_or_create(name=args.collection)
    Document.objects.filter(collection=collection).delete()
    print("| document | pages | read by OCR | confidence | ingest s |")
    print("|---|---|---|---|---|")
    for path in sorted((ROOT / "demo" / "documents").iterdir()):
        data = path.read_bytes()
        original = extract(data, sniff_content_type(data, path.name), path.name)
        scan = scanned_pdf(scan_text_pages(original.pages, dpi=args.dpi), args.dpi)
        started = time.perf_counter()
        outcome = document_create(
            name=path.name,
            stream=io.BytesIO(scan),
            size=len(scan),
            collection=collection,
            enqueue=False,
            title="" if args.no_titles else original.title,
        )
        assert outcome.document is not None, outcome.message
        document_ingest(document_id=outcome.document.pk)
        document = Document.objects.get(pk=outcome.document.pk)
        seconds = time.perf_counter() - started
        confidence = f"{document.ocr_confidence:.1f}" if document.ocr_confidence is not None else "-"
        print(f"| {path.name} | {document.page_count} | {document.ocr_pages} | {confidence} | {seconds:.1f} |")
        assert document.status == Document.Status.READY, document.error


if __name__ == "__main__":
    main()
