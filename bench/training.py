"""LoRA fine-tuning speed and peak memory: the workbench against the seed's recipe, on the float32
path everywhere and on the bf16 path where the CPU has it.

    .venv/bin/python bench/training.py [--data california tallrec] [--seed-steps 4] [--steps 10]

Every side trains the default model (SmolLM2-135M-Instruct) with LoRA on the same training rows
written as the same prompts with the same answers, each in its own fresh process (so each peak
resident memory is its own), one after the other on this machine:
(a) the seed's recipe: transformers as it comes (glibc's default allocator), the Trainer, every
    row padded to max_length=512, float32, LoRA r 8 on q_proj and v_proj, labels = the whole
    padded-out text, so the model computes logits and the loss over the whole vocabulary at every
    position; batch 8.
(b) the workbench in float32, as a run trains on a CPU without bf16 (most laptops;
    WORKBENCH_FLOAT32=1 forces this path): workbench.training.train on the spec's examples (each
    batch padded to its own longest row, micro-batches within the activation budget, logits of
    the answer positions only); the data set's own spec (California: the default LoRA on every
    projection, label-words loss, batch 16; TALLRec: its Alpaca recipe, LoRA on q/v, batch 16).
(c) the same with bf16 autocast, where the CPU runs bf16 natively.
`--data california-recipe` keeps (a) on the seed's own California prompts and trains (b) and (c)
on the prompts of the recipe users run, assets/specs/california-lora.yaml (each number's level
instead of the number: about two thirds of the seed's prompt tokens; its batch of 8): shorter
default prompts are one of the ways to a faster float32 path, and this measures what they bring
end to end. `--data california` is the same-prompts comparison.
Speed is training examples per second between the end of the first step and the end of the last
(the first step pays for warm-up). Memory is the process's peak resident set (ru_maxrss), model
load included. Ends with one line per path: `training float32: california N.Nx, tallrec N.Nx`
(the workbench's examples/s over the seed's).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from child_side import report, run_side  # noqa: E402  (bench/ is on the path: run as a script)

TALLREC_FILE = ROOT.parent / "shared" / "data" / "tallrec" / "book" / "valid.json"
ROWS = 96
SEED_BATCH = 8
SEED_MAX_LENGTH = 512


# The prompts the seed side trains on: the seed's own, whatever the workbench sides use.
SEED_DATA = {"california-recipe": "california"}
RECIPE_SPEC = ROOT / "assets" / "specs" / "california-lora.yaml"


def spec_for(data: str):
    from workbench.specs import FinetuneSpec, apply_overrides, load_spec

    if data == "california":
        return FinetuneSpec(data={"n_train": ROWS, "val_fraction": 0.0, "n_test": 8})
    if data == "california-recipe":
        return apply_overrides(load_spec(RECIPE_SPEC), [f"n_train={ROWS}", "n_test=8"])
    spec = load_spec(ROOT / "assets" / "specs" / "tallrec-book-lora.yaml")
    return apply_overrides(spec, [
        f"train_file={TALLREC_FILE}", f"test_file={TALLREC_FILE}", f"n_train={ROWS}",
        "data.val_fraction=0", "training.early_stopping_patience=null",
    ])


def rows_and_prompts(spec, tokenizer):
    from workbench.experiments import prepare_inputs
    from workbench.prompts import PromptBuilder

    rows = prepare_inputs(spec)
    builder = PromptBuilder(spec.template, rows.info, tokenizer=tokenizer, train=rows.train)
    return builder.prompts(rows.train), rows.labels(rows.train), builder.answer_words


def step_clock():
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def __init__(self):
            self.ends: list[float] = []

        def on_step_end(self, args, state, control, **kwargs):
            self.ends.append(time.perf_counter())

    return StepClock()


def examples_per_second(clock, batch_size: int) -> float:
    steps = len(clock.ends) - 1
    return steps * batch_size / (clock.ends[-1] - clock.ends[0])


def seed_side(data: str, steps: int) -> dict:
    """The seed's recipe, written the way its notebook trains."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from workbench.models.embedded import ensure_smollm2

    folder = ensure_smollm2()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    base = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    prompts, labels, answer_words = rows_and_prompts(spec_for(SEED_DATA.get(data, data)), tokenizer)
    texts = [prompt + answer_words[label] for prompt, label in zip(prompts, labels)]
    encoded = tokenizer(texts, padding="max_length", max_length=SEED_MAX_LENGTH, truncation=True)
    examples = []
    for ids, mask in zip(encoded["input_ids"], encoded["attention_mask"]):
        examples.append({"input_ids": ids, "attention_mask": mask,
                         "labels": [t if m else -100 for t, m in zip(ids, mask)]})
    model = get_peft_model(base, LoraConfig(
        task_type="CAUSAL_LM", r=8, lora_alpha=16, lora_dropout=0.05, target_modules=["q_proj", "v_proj"]))
    clock = step_clock()
    with tempfile.TemporaryDirectory() as scratch:
        arguments = TrainingArguments(
            output_dir=scratch, per_device_train_batch_size=SEED_BATCH, max_steps=steps,
            learning_rate=1e-4, logging_steps=1, save_strategy="no", report_to="none",
            use_cpu=True, disable_tqdm=True, remove_unused_columns=False)
        collate = lambda batch: {key: torch.tensor([row[key] for row in batch]) for key in batch[0]}  # noqa: E731
        Trainer(model=model, args=arguments, train_dataset=examples, data_collator=collate,
                callbacks=[clock]).train()
    return {"examples_per_second": examples_per_second(clock, SEED_BATCH), "batch": SEED_BATCH,
            "tokens": SEED_MAX_LENGTH, "dtype": "float32"}


def workbench_side(data: str, steps: int) -> dict:
    from workbench.training.examples import training_examples
    from workbench.scoring import answer_token_ids
    from workbench.training import build_trainable, train
    from workbench.training.trainer import mixed_precision

    spec = spec_for(data)
    spec = spec.model_copy(update={"training": spec.training.model_copy(update={"max_steps": steps})})
    trainable = build_trainable(spec, 2)
    prompts, labels, answer_words = rows_and_prompts(spec, trainable.tokenizer)
    answer_ids = answer_token_ids(trainable.tokenizer, answer_words)
    examples = training_examples(spec, trainable, prompts, labels, answer_ids)
    clock = step_clock()
    with tempfile.TemporaryDirectory() as scratch:
        train(trainable, spec.training, examples, [], [ids[0] for ids in answer_ids],
              Path(scratch) / "checkpoints", lambda *a, **k: None, lambda: False,
              extra_callbacks=(clock,))
    tokens = sum(len(example["input_ids"]) for example in examples) / len(examples)
    return {"examples_per_second": examples_per_second(clock, spec.training.batch_size),
            "batch": spec.training.batch_size, "tokens": round(tokens),
            "dtype": mixed_precision(spec.training, trainable.device)}


def child(side: str, data: str, steps: int) -> None:
    measured = seed_side(data, steps) if side == "seed" else workbench_side(data, steps)
    measured["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    report(measured)


def measure(side: str, data: str, steps: int) -> dict:
    return run_side(__file__, [side, "--data", data, "--steps", str(steps)],
                    float32=side == "fp32", what=f"the {side} side on {data}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["california", "tallrec"],
                        choices=["california", "california-recipe", "tallrec"])
    parser.add_argument("--seed-steps", type=int, default=4)
    parser.add_argument("--steps", type=int, default=10, help="workbench steps")
    parser.add_argument("--child", choices=["seed", "fp32", "bf16"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data[0], args.steps)
        return
    if "tallrec" in args.data and not TALLREC_FILE.exists():
        sys.exit(f"bench/training.py: TALLRec's book file is missing ({TALLREC_FILE}); use --data california")

    import torch

    from workbench.models.hardware import cpu_supports_bf16

    paths = ["fp32"] + (["bf16"] if cpu_supports_bf16() else [])
    print(f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, torch {torch.__version__}, "
          f"{torch.backends.cpu.get_cpu_capability()}, {ROWS} training rows, LoRA on "
          f"SmolLM2-135M-Instruct; paths: {', '.join(paths)}")
    ratios: dict[str, list[str]] = {path: [] for path in paths}
    for data in args.data:
        seed = measure("seed", data, args.seed_steps)
        sides = {"(a) seed recipe  ": seed}
        for path in paths:
            sides[f"(b) workbench {path}" if path == "fp32" else f"(c) workbench {path}"] = measure(path, data, args.steps)
        for name, result in sides.items():
            print(f"{data:10s} {name}: {result['examples_per_second']:6.2f} examples/s, batch "
                  f"{result['batch']}, {result['tokens']} tokens/row, {result['dtype']}, "
                  f"peak memory {result['peak_rss_gb']:.2f} GB")
        for path, result in zip(paths, list(sides.values())[1:]):
            ratio = result["examples_per_second"] / seed["examples_per_second"]
            ratios[path].append(f"{data} {ratio:.1f}x")
            limit = "within" if result["peak_rss_gb"] <= 3.0 else "OVER"
            print(f"{data:10s} workbench {path}: {ratio:.1f}x the seed's speed, peak memory "
                  f"{result['peak_rss_gb']:.2f} GB ({limit} 3 GB; seed {seed['peak_rss_gb']:.2f} GB)")
    for path in paths:
        print(f"training {'float32' if path == 'fp32' else path}: " + ", ".join(ratios[path]))


if __name__ == "__main__":
    main()
