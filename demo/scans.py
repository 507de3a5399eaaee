"""Scans made from known text, for the OCR tests and benchmarks: text pages are rendered (pypdfium2), turned a
little, blurred and sprinkled with noise the way a flatbed scanner or a phone camera leaves them, then saved as
an image-only PDF or image files. Their text is known, so the character error rate of a reader can be measured.
"""

import io
import random
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter

from demo.pdfwriter import make_pdf


def render_pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page of a PDF as a greyscale image at this resolution."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()


def degrade(
    image: Image.Image, *, seed: int, angle: float = 0.8, noise: float = 18.0, blur: float = 0.6
) -> Image.Image:
    """A scanner's marks: a slight turn (up to `angle` degrees either way), blur and grey noise."""
    rng = random.Random(seed)
    turned = image.rotate(rng.uniform(-angle, angle), resample=Image.Resampling.BICUBIC, fillcolor=255)
    soft = turned.filter(ImageFilter.GaussianBlur(blur)) if blur else turned
    pixels = np.asarray(soft, dtype=np.float32)
    grain = np.random.default_rng(seed).normal(0, noise, pixels.shape)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))


def scanned_pdf(images: Sequence[Image.Image], dpi: int) -> bytes:
    """An image-only PDF, one page per image: what a scanner writes."""
    out = io.BytesIO()
    first, *rest = images
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=dpi)
    return out.getvalue()


def scan_text_pages(pages: Sequence[str], *, dpi: int = 200, seed: int = 0, **marks: float) -> list[Image.Image]:
    """Text pages typeset, rendered at `dpi` and degraded: the images a scanner would produce of them."""
    return [degrade(img, seed=seed + i, **marks) for i, img in enumerate(render_pages(make_pdf(pages), dpi))]


def character_error_rate(reference: str, read: str) -> float:
    """Edit distance between the texts (whitespace runs count as one space) over the reference's length."""
    ref, hyp = " ".join(reference.split()), " ".join(read.split())
    if not ref:
        return float(bool(hyp))
    codes = np.frombuffer(hyp.encode("utf-32-le"), dtype=np.uint32)
    row = np.arange(len(hyp) + 1, dtype=np.int64)
    for i, char in enumerate(ref, start=1):
        substitute = row[:-1] + (codes != ord(char))
        best = np.minimum(substitute, row[1:] + 1)
        new = np.empty_like(row)
        new[0] = i
        # Insertions run along the row: a running minimum of (cost - position) does them in one pass.
        new[1:] = best
        new = np.minimum.accumulate(new - np.arange(len(new))) + np.arange(len(new))
        row = new
    return float(row[-1]) / len(ref)
