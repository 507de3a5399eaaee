import pytest

from retrieval.onnx_to_torch import export
from retrieval.rerankers import OnnxCrossEncoder, SentenceTransformersCrossEncoder, bundled_onnx_dir
from tests.retrieval.test_rerankers import PASSAGES, PRUNING


# torch wrapping a read-only array from the ONNX file is undefined behaviour if anything writes to it.
@pytest.mark.filterwarnings("error:The given NumPy array is not writable")
def test_the_float_copy_scores_like_the_int8_onnx_model(tmp_path) -> None:
    folder = export(bundled_onnx_dir(), tmp_path / "reranker")
    onnx_logits = OnnxCrossEncoder(bundled_onnx_dir(), 512, 8, 1).score(PRUNING, PASSAGES)
    torch_logits = SentenceTransformersCrossEncoder(str(folder), 512, 8, "float32").score(PRUNING, PASSAGES)
    assert torch_logits == pytest.approx(onnx_logits, abs=0.3)
    assert int(torch_logits.argmax()) == 0
