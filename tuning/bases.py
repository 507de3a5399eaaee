"""Starting points for fine-tuning: the shipped cross-encoder, or a folder (an earlier version)."""

from pathlib import Path

from django.conf import settings

from retrieval.onnx_to_torch import export
from retrieval.rerankers import bundled_onnx_dir

BASES = {
    "shipped": "the shipped MS MARCO MiniLM-L-12 cross-encoder (its float copy)",
}


def base_model_dir(name: str) -> Path:
    """A PyTorch model folder to start from; the shipped model's float copy is made once, on first use."""
    if name == "shipped":
        folder = settings.VAR_DIR / "models" / "base-ms-marco-MiniLM-L-12-v2"
        if not (folder / "config.json").exists():
            export(bundled_onnx_dir(), folder)
        return folder
    folder = Path(name)
    if not (folder / "config.json").exists():
        raise ValueError(f"{name!r} is neither one of {', '.join(BASES)} nor a model folder with a config.json")
    return folder
