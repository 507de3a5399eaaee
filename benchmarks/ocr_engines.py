"""Tesseract (the product's reader, ingestion/ocr.py) against RapidOCR on scans made from known text: character
error rate by resolution, and pages per second on this machine.

    .venv/bin/python benchmarks/ocr_engines.py [--dpi 150 200 300] [--engines tesseract rapidocr]

The pages are the demo documents' text, typeset (demo/pdfwriter.py), rendered, turned up to 0.8 degrees,
blurred and sprinkled with noise (demo/scans.py). RapidOCR is not a dependency of the product:
`pip install rapidocr` (its wheel ships its ONNX models) to run its rows.
"""

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")


def demo_pages() -> list[str]:
    """The demo documents' text, a page each (the handbook's own pages), as the product extracts it."""
    from ingestion.extraction import sniff_content_type
    from ingestion.formats import extract

    pages = []
    for path in sorted((ROOT / "demo" / "documents").iterdir()):
        data = path.read_bytes()
        pages += [p for p in extract(data, sniff_content_type(data, path.name), path.name).pages if p.strip()]
    return pages


def tesseract() -> Callable[[object], str]:
    from ingestion.ocr import OcrBudget, ocr_image

    return lambda image: ocr_image(image, page=1, budget=OcrBudget(seconds=600)).text  # type: ignore[arg-type]


def rapidocr() -> Callable[[Any], str]:
    from rapidocr import RapidOCR

    engine: Any = RapidOCR()  # typed loosely: not installed with the product
    return lambda image: "\n".join(engine(image).txts or ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    parser.add_argument("--engines", nargs="+", default=["tesseract", "rapidocr"])
    args = parser.parse_args()
    import django

    django.setup()
    from pypdf import PdfReader

    from demo.pdfwriter import make_pdf
    from demo.scans import character_error_rate, scan_text_pages

    pdf = make_pdf(demo_pages())
    references = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    print("| engine | dpi | pages | CER mean | CER worst | s/page | pages/s |")
    print("|---|---|---|---|---|---|---|")
    for name in args.engines:
        read = {"tesseract": tesseract, "rapidocr": rapidocr}[name]()
        for dpi in args.dpi:
            images = scan_text_pages(demo_pages(), dpi=dpi)
            started = time.perf_counter()
            texts = [read(image) for image in images]
            seconds = (time.perf_counter() - started) / len(images)
            rates = [character_error_rate(ref, text) for ref, text in zip(references, texts, strict=True)]
            print(
                f"| {name} | {dpi} | {len(images)} | {sum(rates) / len(rates):.3f} | {max(rates):.3f} "
                f"| {seconds:.2f} | {1 / seconds:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
