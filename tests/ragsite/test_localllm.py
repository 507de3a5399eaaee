"""The embedded reader's installation and process: verified model files, a server that starts, answers, stops."""

import hashlib
import os
import sys
import urllib.request
from pathlib import Path

import pytest

from ragsite import localllm
from ragsite.localllm import LocalLLMError, ModelPackage, join_parts, model_file, start_server, stop_servers
from ragsite.processes import alive, free_port


def parts(tmp_path: Path, contents: list[bytes]) -> ModelPackage:
    for n, content in enumerate(contents, start=1):
        (tmp_path / f"part{n:02d}.bin").write_bytes(content)
    whole = b"".join(contents)
    return ModelPackage("m.gguf", "pkg-part{n}", "1.0", len(contents), str(tmp_path / "part{nn}.bin"), len(whole),
                        hashlib.sha256(whole).hexdigest())  # fmt: skip


@pytest.fixture
def local_parts(monkeypatch):
    monkeypatch.setattr(ModelPackage, "part_file", lambda self, n: Path(self.part_path.format(n=n, nn=f"{n:02d}")))


def test_parts_are_joined_in_order_into_the_official_file(tmp_path, local_parts) -> None:
    model = parts(tmp_path, [b"GGUF", b"-weights-", b"end"])
    joined = join_parts(model, tmp_path / "models" / "m.gguf")
    assert joined.read_bytes() == b"GGUF-weights-end"


def test_a_joined_file_that_differs_from_the_official_one_is_refused_and_removed(tmp_path, local_parts) -> None:
    model = parts(tmp_path, [b"GGUF", b"-weights-"])
    (tmp_path / "part02.bin").write_bytes(b"-tampered")  # same size, other bytes
    with pytest.raises(LocalLLMError, match="not the official file"):
        join_parts(model, tmp_path / "models" / "m.gguf")
    assert list((tmp_path / "models").iterdir()) == []  # neither the file nor a partial one is left


def test_an_unknown_model_name_is_refused_with_the_known_ones(tmp_path) -> None:
    with pytest.raises(LocalLLMError, match=r"qwen2\.5-coder-1\.5b"):
        model_file("gpt-5-mini", tmp_path)
    given = tmp_path / "mine.gguf"
    given.write_bytes(b"GGUF")
    assert model_file(str(given), tmp_path) == given  # any GGUF file can be the setting


def test_a_model_server_is_waited_for_and_nothing_is_left_running(tmp_path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "models").write_text('{"data": []}')
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
    url = start_server(command, port, tmp_path / "server.log", timeout=30)
    assert url == f"http://127.0.0.1:{port}/v1"
    with urllib.request.urlopen(f"{url}/models", timeout=5) as reply:
        assert reply.status == 200
    [process] = localllm._servers
    stop_servers()
    assert process.poll() is not None and not alive(process.pid) and localllm._servers == []


def test_a_model_server_that_dies_at_start_is_reported_with_its_log(tmp_path) -> None:
    command = [sys.executable, "-c", "import sys; print('no model here'); sys.exit(3)"]
    with pytest.raises(LocalLLMError, match="exited at start"):
        start_server(command, free_port(), tmp_path / "server.log", timeout=30)
    assert "no model here" in (tmp_path / "server.log").read_text()


def test_nothing_starts_when_off_or_when_another_server_is_configured(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_LLM", "off")
    assert localllm.start_local_llm(tmp_path) == {}
    monkeypatch.setenv("LOCAL_LLM", "qwen2.5-coder-1.5b")
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    assert localllm.start_local_llm(tmp_path) == {}
    assert os.environ["LLM_BASE_URL"] == "http://127.0.0.1:9/v1"


def test_the_local_reader_reads_evidence_unless_told_otherwise(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_LLM", "qwen2.5-coder-1.5b")
    for name in ("LLM_BASE_URL", "LLM_SOURCE_TEXT"):
        monkeypatch.delenv(name, raising=False)
    chosen: list[str] = []

    def model_file(key: str, folder: Path) -> Path:
        chosen.append(key)
        return tmp_path / "reader.gguf"

    monkeypatch.setattr(localllm, "ensure_llama_server", lambda folder: None)
    monkeypatch.setattr(localllm, "model_file", model_file)
    monkeypatch.setattr(localllm, "start_server", lambda command, port, log: "http://127.0.0.1:9/v1")
    started = localllm.start_local_llm(tmp_path)
    assert chosen == ["qwen2.5-coder-1.5b"]
    assert started == {"LLM_BASE_URL": "http://127.0.0.1:9/v1", "LLM_MODEL": "reader", "LLM_SOURCE_TEXT": "evidence"}
    monkeypatch.setenv("LLM_SOURCE_TEXT", "passage")
    assert localllm.start_local_llm(tmp_path)["LLM_SOURCE_TEXT"] == "passage"
