"""Loading models: embedded default, tiny test model, local folders, hub errors, quantization."""

import time

import pytest
import torch

from workbench.errors import ModelUnavailableError, QuantizationUnavailableError
from workbench.models import generate_text, load_model
from workbench.models.embedded import ensure_smollm2, smollm2_converted
from workbench.models.hardware import pick_device, pick_dtype
from workbench.models.quantization import check_quantization


@pytest.fixture(scope="module")
def smollm2():
    return load_model("smollm2-135m-instruct")


def test_embedded_model_knows_the_capital_of_france(smollm2):
    assert generate_text(smollm2, "The capital of France is", 4).startswith(" Paris")
    assert smollm2.parameters == 134_515_008
    assert smollm2.tokenizer.padding_side == "left"
    assert smollm2.tokenizer.pad_token is not None


def test_embedded_model_is_converted_once_to_safetensors():
    folder = ensure_smollm2()
    assert smollm2_converted()
    assert (folder / "model.safetensors").is_file()
    assert (folder / "tokenizer.json").is_file()
    started = time.perf_counter()
    assert ensure_smollm2() == folder  # already there: no conversion
    assert time.perf_counter() - started < 1.0


def test_tiny_model_is_small_random_and_flagged():
    tiny = load_model("tiny-random-llama")
    assert tiny.model.config.num_hidden_layers == 2
    assert tiny.parameters < 5_000_000
    assert tiny.notes and "untrained" in tiny.notes[0]
    assert isinstance(generate_text(tiny, "Hello", 3), str)


def test_same_tiny_weights_in_every_process():
    first = load_model("tiny-random-llama").model.model.embed_tokens.weight
    second = load_model("tiny-random-llama").model.model.embed_tokens.weight
    assert torch.equal(first, second)


def test_local_folder_loads_as_local(tmp_path):
    tiny = load_model("tiny-random-llama", dtype="float32")
    tiny.model.save_pretrained(tmp_path / "mine")
    tiny.tokenizer.save_pretrained(tmp_path / "mine")
    mine = load_model(str(tmp_path / "mine"), dtype="float32")
    assert mine.info.kind == "local"
    assert torch.equal(mine.model.lm_head.weight, tiny.model.lm_head.weight)


def test_unreachable_hub_names_the_offline_default(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    with pytest.raises(ModelUnavailableError, match="smollm2-135m-instruct"):
        load_model("some-org/model-that-is-not-cached")
    assert time.perf_counter() - started < 5


def test_invalid_names_get_a_clear_message():
    with pytest.raises(ModelUnavailableError, match="neither a registered model"):
        load_model("not a model/../x")


def test_auto_device_and_dtype_on_this_machine():
    device = pick_device("auto")
    assert device in {"cuda", "mps", "cpu"}
    assert pick_dtype("cpu", "float32") == torch.float32
    assert pick_dtype(device) in {torch.bfloat16, torch.float16, torch.float32}
    with pytest.raises(ValueError):
        pick_device("tpu")


def test_quantization_is_checked_before_loading():
    with pytest.raises(QuantizationUnavailableError, match="must be one of"):
        check_quantization("3bit", "cpu")
    with pytest.raises(QuantizationUnavailableError, match="MPS"):
        check_quantization("4bit", "mps")
    check_quantization("none", "cpu")


# Largest share of the float32 footprint (538 MB) a quantized load may keep. The embeddings
# (28M parameters) stay in the load dtype: bf16 where the CPU has it (8-bit: 163 MB, 0.30), else
# float32 (8-bit: 220 MB, 0.41; 4-bit: 166 MB, 0.31).
QUANTIZED_SHARE = {"4bit": 0.35, "8bit": 0.45}
FLOAT32_BYTES = 4 * 134_515_008  # SmolLM2-135M's parameters


@pytest.mark.parametrize("quantization", ["4bit", "8bit"])
def test_quantized_default_model_still_answers_paris_on_cpu(quantization):
    loaded = load_model("smollm2-135m-instruct", device="cpu", quantization=quantization)
    assert loaded.footprint_bytes < QUANTIZED_SHARE[quantization] * FLOAT32_BYTES
    assert generate_text(loaded, "The capital of France is", 3).startswith(" Paris")
