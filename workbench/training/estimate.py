"""Before a fine-tuning run: how many parameters train, how much memory it needs, how long it takes.

    estimate(spec, past_runs=store.list(status="done"))
    # Estimate(trainable_parameters=..., memory_bytes=..., seconds=..., basis="based on your 2 ...")

Counts come from the method's model built without weights (workbench.training.meta). Memory adds
the weights (by dtype, 4-bit or 8-bit), the gradients and AdamW's two moments of the trainable
parameters, and the activations (batch x prompt tokens x hidden size x layers that need a
gradient, plus the logits). Time comes from earlier done runs of the same model and method on
this device when there are any, else from the method's reference speed (its entry in
workbench.tuners, measured on a 2-core CPU), scaled by the model's size and the prompts' length.
Everything that differs between methods (quantization, base kind, options, added tokens, blocks
that train) comes from the method's entry: nothing here names a method.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Sequence

from workbench.data import get_info
from workbench.environment import cpu_name
from workbench.models.hardware import pick_device
from workbench.models.registry import get_model_info
from workbench.models.tokenizer import preview_tokenizer
from workbench.prompts import PromptBuilder
from workbench.rows import prepare_rows
from workbench.specs import DataSpec, FinetuneSpec, TemplateSpec, TrainingSpec
from workbench.store import RunRecord
from workbench.training.meta import ModelShape, model_shape
from workbench.training.methods import training_dtype
from workbench.training.micro_batch import micro_batch_size
from workbench.training.speed_probe import kept_speeds
from workbench.training.trainer import mixed_precision
from workbench.tuners import METHOD_TITLES, TUNERS

# Each method's reference speed (its entry's `reference_speed`): training and scoring examples/s
# of SmolLM2-135M measured with bench/training_speeds.py on this project's 2-core AMD EPYC
# (AVX512-BF16) while it was otherwise idle: bf16 autocast, batch 16 (micro-batches within the CPU
# activation budget), 5 steps on California rows written as lists (about REFERENCE_PROMPT_TOKENS
# tokens), no validation, then the test rows scored. Re-measured after training moved to
# answer-window logits: LoRA 4.6 -> 6.6 examples/s. Full fine-tuning (5.2 -> 4.0) and the head
# (6.8 -> 5.6) came out slower than in the earlier table, not because of micro-batches (whole
# batches of 16 measured the same: 4.2 and 5.3); not investigated further.
REFERENCE_MODEL = "smollm2-135m-instruct"
REFERENCE_PARAMETERS = 134_515_008
REFERENCE_PROMPT_TOKENS = 96
REFERENCE_SPEEDS: dict[str, tuple[float, float]] = {
    name: tuner.reference_speed for name, tuner in TUNERS.items()
}
REFERENCE_DEVICE = "a 2-core CPU with bf16 (AVX512-BF16)"
STARTUP_SECONDS = 15.0  # the run's process imports torch and transformers, loads the model

DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
QUANTIZED_BYTES = {"4bit": 0.5 + 0.03, "8bit": 1.0 + 0.03}  # plus the scales
OPTIMIZER_BYTES = 4 + 8  # per trainable parameter: its fp32 gradient and AdamW's two moments
# Activations kept for the backward pass, per token and per block that needs a gradient: about
# 40 bytes per unit of hidden size for a Llama block under bf16 autocast, plus the attention
# probabilities (fp32, heads x prompt length); LoRA with dropout keeps a dropped-out copy of each
# adapted layer's input too. With gradient checkpointing only the block input stays. Fitted to
# peak RSS of SmolLM2-135M runs on the CPU: LoRA batch 4 / 16 took 2.2 / 4.3 GB, full 3.5 GB
# after one step (before AdamW's first step allocated its moments).
ACTIVATION_BYTES_PER_HIDDEN = 40
FLOAT32_ACTIVATION_FACTOR = 135 / 65  # float32 training keeps that much more (micro_batch.py)
LORA_DROPOUT_BYTES_PER_HIDDEN = 50
CHECKPOINTED_BYTES_PER_HIDDEN = 4
LOGIT_BYTES = 6  # bf16 logits over the vocabulary, their gradient, a float copy for the loss
RUNTIME_BYTES = {"cpu": 700 * 2**20, "cuda": 500 * 2**20}  # libraries / CUDA context


@dataclass(frozen=True)
class Estimate:
    trainable_parameters: int
    total_parameters: int
    memory_bytes: int
    seconds: float
    basis: str  # where the time comes from, in words
    memory_parts: dict[str, int] = field(default_factory=dict)
    training_examples: int = 0
    prompt_tokens: float = 0.0  # a training example's, cut to max_length
    device: str = "cpu"
    measured: bool = True  # False: the time is a guess from another machine's speeds


@dataclass(frozen=True)
class Speeds:
    train: float  # training examples per second
    score: float  # scored examples per second
    basis: str
    startup_seconds: float = STARTUP_SECONDS
    measured: bool = True


# --- rows and prompts ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _row_counts(data_json: str) -> tuple[int, int, int]:
    rows = prepare_rows(DataSpec.model_validate_json(data_json))
    return len(rows.train), len(rows.val), len(rows.test)


def row_counts(data: DataSpec) -> tuple[int, int, int]:
    """(training, validation, test) rows the spec uses."""
    return _row_counts(data.model_dump_json())


@dataclass(frozen=True)
class PromptTokens:
    """Typical tokens a row costs: training cuts examples to `training.max_length` (the question
    stays), scoring reads the whole prompt."""

    train: float  # a training example: prompt and answer, cut to max_length
    score: float  # a test prompt and its answer, whole

    @classmethod
    def alike(cls, tokens: float) -> "PromptTokens":
        """Prompts short enough that training and scoring read the same tokens."""
        return cls(train=tokens, score=tokens)

    def rescale(self, train: float, score: float, measured_at: "PromptTokens") -> tuple[float, float]:
        """Speeds (examples/s) measured at `measured_at` tokens, at these tokens instead: the
        time per example grows with its tokens."""
        return train * measured_at.train / self.train, score * measured_at.score / self.score


@functools.lru_cache(maxsize=16)
def _prompt_tokens(model_name: str, data_json: str, template_json: str, sample: int,
                   max_length: int) -> PromptTokens:
    rows = prepare_rows(DataSpec.model_validate_json(data_json))
    tokenizer = preview_tokenizer(model_name)
    template = TemplateSpec.model_validate_json(template_json)
    builder = PromptBuilder(template, rows.info, tokenizer=tokenizer, train=rows.train)
    frame = rows.train.head(sample)
    lengths = [len(ids) + 1 for ids in tokenizer(builder.prompts(frame))["input_ids"]]
    if not lengths:
        return PromptTokens.alike(float(REFERENCE_PROMPT_TOKENS))
    return PromptTokens(train=float(statistics.mean(min(n, max_length) for n in lengths)),
                        score=float(statistics.mean(lengths)))


def prompt_tokens(spec: FinetuneSpec, sample: int = 32) -> PromptTokens:
    """Typical tokens of a training example and of a scored prompt, over the first training rows."""
    return _prompt_tokens(
        spec.model.name, spec.data.model_dump_json(), spec.template.model_dump_json(), sample,
        spec.training.max_length,
    )


# --- steps and examples --------------------------------------------------------------------------


def examples_per_step(training: TrainingSpec) -> int:
    return training.batch_size * training.gradient_accumulation


def examples_in(steps: int, per_step: int, rows: int) -> int:
    """Examples seen in `steps` steps over `rows` rows (an epoch's last batch may be short)."""
    steps_per_epoch = max(1, math.ceil(rows / per_step))
    return min(steps * per_step, math.ceil(steps / steps_per_epoch) * rows)


def training_plan(training: TrainingSpec, train_rows: int) -> tuple[int, int, int]:
    """(optimizer steps, training examples, evaluations) of a run on `train_rows` rows."""
    per_step = examples_per_step(training)
    steps_per_epoch = max(1, math.ceil(train_rows / per_step))
    if training.max_steps:
        steps = training.max_steps
        examples = examples_in(steps, per_step, train_rows)
        epochs = math.ceil(steps / steps_per_epoch)
    else:
        steps = math.ceil(steps_per_epoch * training.epochs)
        examples = math.ceil(train_rows * training.epochs)
        epochs = math.ceil(training.epochs)
    evaluations = steps // training.eval_every if training.eval_every else epochs
    return steps, examples, max(evaluations, 1)


# --- memory --------------------------------------------------------------------------------------


def weight_bytes(shape: ModelShape, spec: FinetuneSpec) -> int:
    quantization = TUNERS[spec.training.method].quantization
    if quantization == "none":
        return shape.total * DTYPE_BYTES.get(training_dtype(spec), 4)
    # Quantized bases keep their other weights (embeddings, norms, adapters) in float32.
    rest = shape.total - shape.quantizable
    return int(shape.quantizable * QUANTIZED_BYTES[quantization] + rest * 4)


def layers_with_gradient(training: TrainingSpec, layers: int) -> int:
    """Blocks whose activations the backward pass needs: all but what lies below the trained
    part (last_layers trains only the last k blocks)."""
    return TUNERS[training.method].blocks_with_gradient(training, layers)


def rows_at_once(shape: ModelShape, training: TrainingSpec, tokens: float, device: str) -> int:
    """Rows whose activations are alive together: a CPU trains in micro-batches within an
    activation budget (workbench.training.micro_batch), a GPU takes the whole batch."""
    config = SimpleNamespace(hidden_size=shape.hidden_size, num_hidden_layers=shape.layers)
    return micro_batch_size(training.batch_size, [math.ceil(tokens)], config, device,
                            mixed_precision(training, device))


def activation_bytes(shape: ModelShape, training: TrainingSpec, tokens: float,
                     device: str = "cpu") -> int:
    tuner = TUNERS[training.method]
    tokens += tuner.added_tokens(training)  # prompt tuning's virtual tokens go through every block
    batch_tokens = rows_at_once(shape, training, tokens, device) * tokens
    layers = layers_with_gradient(training, shape.layers)
    per_hidden = ACTIVATION_BYTES_PER_HIDDEN
    if "lora_dropout" in tuner.options and training.lora_dropout > 0:
        per_hidden += LORA_DROPOUT_BYTES_PER_HIDDEN
    per_hidden *= FLOAT32_ACTIVATION_FACTOR if mixed_precision(training, device) == "fp32" else 1
    per_layer = per_hidden * shape.hidden_size + 4 * shape.heads * tokens
    if training.gradient_checkpointing:
        blocks = batch_tokens * (CHECKPOINTED_BYTES_PER_HIDDEN * shape.hidden_size * layers + per_layer)
    else:
        blocks = batch_tokens * per_layer * layers
    logits = batch_tokens * shape.vocab_size * LOGIT_BYTES
    if tuner.is_classifier:
        logits = 0  # a head scores classes, not the vocabulary
    return int(blocks + logits)


def memory_parts(shape: ModelShape, spec: FinetuneSpec, tokens: float, device: str) -> dict[str, int]:
    return {
        "weights": weight_bytes(shape, spec),
        "gradients and optimizer": shape.trainable * OPTIMIZER_BYTES,
        "activations": activation_bytes(shape, spec.training, tokens, device),
        "runtime": RUNTIME_BYTES.get(device, 0),
    }


# --- speed ---------------------------------------------------------------------------------------


def method_title(method: str) -> str:
    """The method's title inside a sentence: "LoRA", "full fine-tuning"."""
    title = METHOD_TITLES.get(method, method)
    first_word = title.split()[0]
    return title[:1].lower() + title[1:] if first_word[1:].islower() else title


def run_speeds(record: RunRecord) -> tuple[float, float] | None:
    """(training examples/s without the evaluations, scoring examples/s) of a done run."""
    metrics, training = record.metrics, record.spec.get("training") or {}
    score = metrics.get("examples_per_second")
    seconds, steps = metrics.get("training_seconds"), metrics.get("steps")
    if not (score and seconds and steps):
        return None
    per_step = training.get("batch_size", 16) * training.get("gradient_accumulation", 1)
    examples = examples_in(steps, per_step, metrics.get("n_train") or steps * per_step)
    evaluations = sum(1 for entry in metrics.get("history", []) if "val_loss" in entry)
    training_only = seconds - evaluations * metrics.get("n_val", 0) / score
    if training_only < 0.3 * seconds:  # the evaluations cannot have taken most of it
        training_only = seconds
    return examples / training_only, float(score)


def ran_here(record: RunRecord) -> bool:
    """Whether a run ran on this machine's CPU (runs made before environments were recorded
    count as this machine's)."""
    hardware = (record.metrics.get("environment") or {}).get("hardware") or {}
    return hardware.get("cpu", cpu_name()) == cpu_name()


def earlier_runs(spec: FinetuneSpec, past_runs: Sequence[RunRecord], device: str) -> list[RunRecord]:
    precision = mixed_precision(spec.training, device)
    return [
        record for record in past_runs
        if record.status == "done" and record.kind == "finetune"
        and record.model == spec.model.name and record.method == spec.training.method
        and record.metrics.get("device", device) == device
        and record.metrics.get("precision", precision) == precision and ran_here(record)
    ]


def stored_speeds(
    spec: FinetuneSpec, past_runs: Sequence[RunRecord], device: str, tokens: PromptTokens
) -> Speeds | None:
    """Speeds of the same model and method in the store, scaled to this spec's prompt length."""
    measured = []
    for record in earlier_runs(spec, past_runs, device):
        speeds = run_speeds(record)
        if speeds is None:
            continue
        try:
            their_tokens = prompt_tokens(FinetuneSpec.model_validate(record.spec))
        except Exception:  # noqa: BLE001 - an old spec that no longer loads just does not count
            their_tokens = tokens
        measured.append(tokens.rescale(*speeds, measured_at=their_tokens))
    if not measured:
        return None
    count = len(measured)
    runs = f"{count} earlier {method_title(spec.training.method)} run" + ("s" if count > 1 else "")
    probed = kept_speeds(spec)
    return Speeds(
        train=statistics.median(speed for speed, _ in measured),
        score=statistics.median(speed for _, speed in measured),
        basis=f"based on your {runs} of this model on this machine",
        startup_seconds=probed.startup_seconds if probed else STARTUP_SECONDS,
    )


def probed_speeds(spec: FinetuneSpec, tokens: PromptTokens) -> Speeds | None:
    """The speed probe's measurement on this machine, scaled to this spec's prompt length."""
    probed = kept_speeds(spec)
    if probed is None:
        return None
    busy = (f"; other programs used {1 - probed.cpu_share:.0%} of the CPU meanwhile, so it may "
            "be pessimistic" if probed.busy else "")
    train, score = tokens.rescale(probed.train, probed.score, PromptTokens.alike(probed.tokens))
    return Speeds(
        train=train, score=score,
        basis=f"measured on this machine ({method_title(spec.training.method)} speed probe, "
              f"{probed.measured_at[:10]}{busy})",
        startup_seconds=probed.startup_seconds)


def reference_speeds(spec: FinetuneSpec, parameters: int, tokens: PromptTokens, device: str) -> Speeds:
    train, score = TUNERS[spec.training.method].reference_speed
    scale = REFERENCE_PARAMETERS / max(parameters, 1)
    title = get_model_info(REFERENCE_MODEL).title
    basis = (f"a first guess, not measured on this machine yet: a reference "
             f"{method_title(spec.training.method)} run of {title} on {REFERENCE_DEVICE}")
    if spec.model.name != REFERENCE_MODEL:
        basis += f", scaled by model size ({parameters / 1e6:,.0f}M parameters)"
    if device != "cpu":
        basis += f"; this {device.upper()} device is likely much faster"
    train, score = tokens.rescale(train * scale, score * scale,
                                  PromptTokens.alike(float(REFERENCE_PROMPT_TOKENS)))
    return Speeds(train, score, basis, measured=False)


def speeds_here(spec: FinetuneSpec, past_runs: Sequence[RunRecord], tokens: PromptTokens,
                parameters: int) -> Speeds:
    """This machine's speeds for the spec's model and method at `tokens` a prompt: from earlier
    runs here, else the speed probe, else (not measured) the reference."""
    device = pick_device(spec.model.device)
    return (stored_speeds(spec, past_runs, device, tokens) or probed_speeds(spec, tokens)
            or reference_speeds(spec, parameters, tokens, device))


# --- the estimate --------------------------------------------------------------------------------


def estimate(
    spec: FinetuneSpec, past_runs: Sequence[RunRecord] = (), num_labels: int | None = None
) -> Estimate:
    """Parameters, memory and time of a fine-tuning run, before it runs."""
    device = pick_device(spec.model.device)
    classes = num_labels or len(get_info(spec.data.dataset).classes)
    shape = model_shape(spec.model.name, spec.training, classes)
    tokens = prompt_tokens(spec)
    train_rows, val_rows, test_rows = row_counts(spec.data)
    _, examples, evaluations = training_plan(spec.training, train_rows)
    speeds = speeds_here(spec, past_runs, tokens, shape.total)
    validated = evaluations * min(val_rows, spec.training.validation_rows)  # cut as in training
    scoring_seconds = (validated * tokens.train / tokens.score + test_rows) / speeds.score
    seconds = speeds.startup_seconds + examples / speeds.train + scoring_seconds
    parts = memory_parts(shape, spec, tokens.train, device)
    return Estimate(
        trainable_parameters=shape.trainable, total_parameters=shape.total,
        memory_bytes=sum(parts.values()), seconds=seconds, basis=speeds.basis,
        memory_parts=parts, training_examples=examples, prompt_tokens=tokens.train, device=device,
        measured=speeds.measured,
    )
