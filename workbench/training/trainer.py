"""The transformers Trainer, set up from a TrainingSpec: dynamic padding, bf16 autocast where the
hardware has it, evaluation of validation loss, accuracy and AUC, early stopping on the AUC,
progress, history, cancel and a stop on a diverging loss through a callback.

Validation AUC comes from the same forward pass as the validation loss: for each row only the
logits at the position before the answer, for the first token of each class's answer word, are
kept (preprocess_logits_for_metrics), then renormalised over the classes.

Over 400 lines as one idea: the Trainer's arguments, losses, metrics and callbacks, all set up
from one TrainingSpec.
"""

from __future__ import annotations

import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from workbench import distributed
from workbench.errors import WorkbenchError
from workbench.metrics import auc
from workbench.models.hardware import bf16_supported
from workbench.scoring import softmax_rows
from workbench.specs import TrainingSpec
from workbench.models.forward_args import accepts
from workbench.training.data import IGNORE, AnswerWindowCollator, DynamicPaddingCollator
from workbench.training.ewc import EWCPenalty, anchor_callback
from workbench.training.methods import Trainable
from workbench.training.micro_batch import micro_batch_size

Progress = Callable[..., None]  # progress(stage, done, total, **details)
ShouldStop = Callable[[], bool]
OnHistory = Callable[[dict], None]


class TrainingDivergedError(WorkbenchError):
    """The training loss became NaN or infinite: the weights are garbage from there on."""


@dataclass
class TrainOutcome:
    history: list[dict] = field(default_factory=list)
    best_step: int | None = None
    steps: int = 0
    seconds: float = 0.0
    examples_per_second: float | None = None
    cancelled: bool = False


# --- arguments -----------------------------------------------------------------------------------


def mixed_precision(training: TrainingSpec, device: str) -> str:
    """bf16, fp16 or fp32: the autocast precision training (and scoring after it) runs in."""
    if training.precision != "auto":
        return training.precision
    return "bf16" if bf16_supported(device) else "fp32"


def precision_flags(training: TrainingSpec, device: str) -> dict:
    precision = mixed_precision(training, device)
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}


def evaluation_arguments(training: TrainingSpec, has_eval: bool) -> dict:
    if not has_eval:
        return {"eval_strategy": "no", "save_strategy": "no"}
    strategy = "steps" if training.eval_every else "epoch"
    arguments = {"eval_strategy": strategy, "eval_steps": training.eval_every, "save_strategy": "no"}
    if training.early_stopping_patience:
        # Checkpoints exist only so that the best one can be reloaded at the end.
        arguments.update(
            save_strategy=strategy, save_steps=training.eval_every, save_total_limit=1,
            save_only_model=True, load_best_model_at_end=True,
            metric_for_best_model="eval_auc", greater_is_better=True,
        )
    return arguments


def rows_per_process(batch_size: int) -> int:
    """Under a launcher each process takes its share of the spec's batch, so a step still
    learns from `batch_size` rows however many processes there are."""
    return max(1, batch_size // distributed.world_size())


def training_arguments(training: TrainingSpec, output_dir: Path, device: str, has_eval: bool,
                       micro_batch: int | None = None):
    """`micro_batch`: rows per forward pass; the batch's other rows come by gradient accumulation
    (workbench.training.micro_batch)."""
    from transformers import TrainingArguments

    per_process = rows_per_process(training.batch_size)
    micro_batch = min(micro_batch or per_process, per_process)

    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=training.epochs,
        max_steps=training.max_steps or -1,
        learning_rate=training.learning_rate,
        per_device_train_batch_size=micro_batch,
        per_device_eval_batch_size=micro_batch,
        gradient_accumulation_steps=training.gradient_accumulation * (per_process // micro_batch),
        warmup_steps=training.warmup_ratio,  # a float below 1 is a ratio of all steps
        lr_scheduler_type=training.lr_scheduler,
        weight_decay=training.weight_decay,
        seed=training.seed,
        data_seed=training.seed,
        activation_checkpointing=training.gradient_checkpointing,
        train_sampling_strategy="group_by_length" if training.group_by_length else "random",
        logging_steps=1,
        # Otherwise a NaN step loss is logged as the running mean and divergence goes unseen.
        logging_nan_inf_filter=False,
        report_to="none",
        disable_tqdm=True,
        label_names=["labels"],  # peft models hide `labels` behind **kwargs
        remove_unused_columns=False,
        # Our losses are means over the process's own rows (they ignore num_items_in_batch), so
        # the Trainer must not also multiply them by the number of processes.
        average_tokens_across_devices=False,
        dataloader_num_workers=0,
        use_cpu=device == "cpu",
        **precision_flags(training, device),
        **evaluation_arguments(training, has_eval),
    )


# --- validation metrics --------------------------------------------------------------------------


def without_gather_padding(labels: torch.Tensor) -> torch.Tensor:
    """Labels as the batch had them: with several processes the Trainer pads every process's
    labels on the right to the longest (pad_across_processes) before this sees them. Every row
    ends with its answer, so the batch's own last column is labelled."""
    labelled = (labels != IGNORE).any(dim=0).nonzero()
    return labels[:, :int(labelled[-1]) + 1] if len(labelled) else labels


def answer_logits_keeper(first_answer_ids: list[int]):
    """preprocess_logits_for_metrics for causal models: (class scores, true class) per row."""
    answer_ids = torch.tensor(first_answer_ids)

    def keep(logits, labels):
        logits = logits[0] if isinstance(logits, tuple) else logits
        labels = without_gather_padding(labels)
        rows = torch.arange(labels.shape[0], device=labels.device)
        start = (labels != IGNORE).int().argmax(dim=1)  # first answer token
        # Virtual tokens of prompt tuning come first (> 0); an answer window keeps the end (< 0).
        offset = logits.shape[1] - labels.shape[1]
        before = logits[rows, start - 1 + offset]
        ids = answer_ids.to(before.device)
        classes = (labels[rows, start].unsqueeze(1) == ids.to(labels.device)).int().argmax(dim=1)
        return before[:, ids].float(), classes

    return keep


def answer_choice_loss(first_answer_ids: list[int]):
    """The label-words loss: cross-entropy over the classes' first answer tokens only, at the
    position that predicts the answer. Scoring renormalises over the same tokens, so training
    moves exactly the probabilities the AUC is read from (a loss over the whole vocabulary also
    spends its effort on tokens no class uses)."""
    choose = answer_logits_keeper(first_answer_ids)

    def loss(outputs, labels, num_items_in_batch=None):
        class_scores, classes = choose(outputs.logits, labels)
        return torch.nn.functional.cross_entropy(class_scores, classes.to(class_scores.device))

    return loss


def answer_tokens_loss(outputs, labels, num_items_in_batch=None):
    """The causal LM loss (each labelled token predicted from the position before it) when the
    model returned logits of the last positions only (AnswerWindowCollator): the model cannot
    compute it itself, its logits no longer line up with the labels."""
    logits = outputs.logits
    targets = labels[:, labels.shape[1] - logits.shape[1] + 1:].to(logits.device)
    predictions = logits[:, :-1].float()
    return torch.nn.functional.cross_entropy(
        predictions.reshape(-1, predictions.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


def classification_loss(outputs, labels, num_items_in_batch=None):
    """Cross-entropy of a classification head, as the model computes it itself."""
    return torch.nn.functional.cross_entropy(outputs.logits.float(), labels.to(outputs.logits.device))


def loss_function(trainable: Trainable, training: TrainingSpec, first_answer_ids: list[int],
                  windowed: bool = False):
    """The Trainer's compute_loss_func: None lets the model compute its own loss. `windowed`:
    the batches ask for the logits of the answer window only (AnswerWindowCollator)."""
    if not trainable.is_classifier and training.objective == "label_words":
        return answer_choice_loss(first_answer_ids)
    if not trainable.is_classifier and windowed:
        return answer_tokens_loss
    return None


HEAD_NAMES = ("score", "classifier")  # classification layers of transformers' *ForSequenceClassification


def is_head_parameter(name: str) -> bool:
    return any(part in HEAD_NAMES for part in name.split("."))


def head_optimizer(model, training: TrainingSpec, head_learning_rate: float):
    """AdamW in which a fresh classification layer learns at its own rate: started from random
    weights, it needs far larger steps than the pretrained body it sits on."""
    groups: dict[bool, list] = {True: [], False: []}
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            groups[is_head_parameter(name)].append(parameter)
    return torch.optim.AdamW(
        [{"params": groups[False], "lr": training.learning_rate},
         {"params": groups[True], "lr": head_learning_rate}],
        lr=training.learning_rate, weight_decay=training.weight_decay,
    )


def uses_answer_window(trainable: Trainable) -> bool:
    """Whether training can ask for the answer positions' logits only: causal models whose
    forward takes logits_to_keep. Prompt and prefix tuning keep whole right-padded rows: their
    virtual tokens sit in front, and left padding would move them away from the prompt."""
    if trainable.is_classifier:
        return False
    peft_config = getattr(trainable.model, "active_peft_config", None)
    if peft_config is not None and getattr(peft_config, "is_prompt_learning", False):
        return False
    return accepts(trainable.model, "logits_to_keep")


def collator_for(trainable: Trainable):
    pad_id = trainable.tokenizer.pad_token_id if trainable.tokenizer.pad_token_id is not None else 0
    if uses_answer_window(trainable):
        return AnswerWindowCollator(pad_id, position_ids=accepts(trainable.model, "position_ids"))
    return DynamicPaddingCollator(pad_id)


def class_logits_keeper(logits, labels):
    """preprocess_logits_for_metrics for classification heads."""
    logits = logits[0] if isinstance(logits, tuple) else logits
    return logits.float(), labels


def validation_metrics(eval_prediction) -> dict:
    scores, classes = eval_prediction.predictions
    probabilities = softmax_rows(np.asarray(scores, dtype=np.float64))
    classes = np.asarray(classes, dtype=np.int64)
    value = auc(classes, probabilities)
    return {
        "accuracy": float((probabilities.argmax(axis=1) == classes).mean()),
        "auc": float("nan") if value is None else float(value),
    }


# --- progress, cancel and history ----------------------------------------------------------------


def history_entry(logs: dict, step: int, epoch: float | None) -> dict | None:
    entry: dict = {"step": step, "epoch": epoch}
    if "loss" in logs:
        entry.update(loss=logs["loss"], learning_rate=logs.get("learning_rate"))
    elif "eval_loss" in logs:
        entry.update(val_loss=logs["eval_loss"], val_auc=logs.get("eval_auc"),
                     val_accuracy=logs.get("eval_accuracy"))
    else:  # the end-of-training summary
        return None
    return entry


def divergence_message(step: int, loss: float, learning_rate: float, fp16: bool = False) -> str:
    what = "NaN" if math.isnan(loss) else "infinite"
    advice = " or use float32 or bf16 instead of float16, which overflows easily" if fp16 else ""
    return (f"Training diverged at step {step}: the loss became {what}. Lower the learning rate "
            f"(it was {learning_rate:g}){advice}.")


def make_run_callback(
    progress: Progress, should_stop: ShouldStop, examples_per_step: int,
    on_history: OnHistory | None = None,
):
    from transformers import TrainerCallback

    class RunCallback(TrainerCallback):
        """Keeps the history and reports it with progress, stops at the next step on cancel, and
        raises TrainingDivergedError on a NaN or infinite training loss."""

        def __init__(self):
            self.history: list[dict] = []
            self.latest: dict = {}  # the newest value of each history field, sent as details
            self.cancelled = False
            self.started = time.perf_counter()

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()
            progress("training", 0, state.max_steps)

        def on_step_end(self, args, state, control, **kwargs):
            if should_stop():
                self.cancelled = True
                control.should_training_stop = True

        def on_log(self, args, state, control, logs=None, **kwargs):
            # With logging_steps=1 this runs after every step (and evaluation): progress goes
            # out here, once the step's loss is known.
            entry = history_entry(logs or {}, state.global_step, state.epoch)
            if entry is None:
                return
            if "loss" in entry:
                entry.update(self.speed(state.global_step, state.max_steps))
            self.history.append(entry)
            if on_history is not None:
                on_history(entry)
            self.latest.update({key: value for key, value in entry.items() if key != "step"})
            progress("training", state.global_step, state.max_steps, **self.latest)
            loss = entry.get("loss")
            if loss is not None and not math.isfinite(loss):
                fp16 = args.fp16 or getattr(kwargs.get("model"), "dtype", None) == torch.float16
                raise TrainingDivergedError(
                    divergence_message(state.global_step, loss, args.learning_rate, fp16))

        def speed(self, step: int, max_steps: int) -> dict:
            elapsed = time.perf_counter() - self.started
            per_second = step * examples_per_step / elapsed if elapsed > 0 else None
            eta = elapsed / step * (max_steps - step) if step else None
            return {"examples_per_second": per_second, "eta_seconds": eta}

    return RunCallback()


def best_step(history: list[dict]) -> int | None:
    scored = [e for e in history if e.get("val_auc") is not None and not math.isnan(e["val_auc"])]
    return max(scored, key=lambda e: e["val_auc"])["step"] if scored else None


# --- the run -------------------------------------------------------------------------------------


def train(
    trainable: Trainable,
    training: TrainingSpec,
    train_examples: list[dict],
    val_examples: list[dict],
    first_answer_ids: list[int],
    output_dir: Path,
    progress: Progress,
    should_stop: ShouldStop,
    on_history: OnHistory | None = None,
    penalty: EWCPenalty | None = None,
    extra_callbacks: tuple = (),
    head_learning_rate: float | None = None,
) -> TrainOutcome:
    """Train in place; with early stopping the best evaluated weights are loaded at the end.

    `on_history(entry)` gets each history entry (a step's loss, an evaluation) as it is logged.
    `penalty` (EWC) pulls the weights toward its anchor after each optimizer step (see
    workbench.training.ewc); `extra_callbacks` are TrainerCallbacks
    (the forgetting runs' evaluations during training); `head_learning_rate` gives a
    classification head its own learning rate."""
    from transformers import EarlyStoppingCallback, PrinterCallback, Trainer

    has_eval = bool(val_examples)
    micro_batch = micro_batch_size(rows_per_process(training.batch_size),
                                   [len(e["input_ids"]) for e in train_examples],
                                   trainable.model.config, trainable.device,
                                   mixed_precision(training, trainable.device))
    arguments = training_arguments(training, output_dir, trainable.device, has_eval, micro_batch)
    run_callback = make_run_callback(
        progress, should_stop, training.batch_size * training.gradient_accumulation, on_history
    )
    callbacks = [run_callback, *extra_callbacks]
    if penalty is not None:
        callbacks.append(anchor_callback(penalty))
    if has_eval and training.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=training.early_stopping_patience))
    keeper = class_logits_keeper if trainable.is_classifier else answer_logits_keeper(first_answer_ids)
    windowed = uses_answer_window(trainable)
    compute_loss = loss_function(trainable, training, first_answer_ids, windowed)
    trainer = Trainer(
        model=trainable.model, args=arguments, train_dataset=train_examples,
        compute_loss_func=compute_loss,
        eval_dataset=val_examples or None, data_collator=collator_for(trainable),
        compute_metrics=validation_metrics, preprocess_logits_for_metrics=keeper,
        callbacks=callbacks,
        optimizers=(head_optimizer(trainable.model, training, head_learning_rate)
                    if head_learning_rate and trainable.is_classifier else None, None),
    )
    trainer.remove_callback(PrinterCallback)
    if compute_loss is not None:
        # Our losses are means over a micro-batch: the Trainer must divide them by the
        # accumulation steps (it assumes a compute_loss_func did).
        trainer.loss_is_scaled_for_ga = False
    try:
        result = trainer.train()
        distributed.wait_for_all()  # other processes may still be reading the best checkpoint
    finally:
        if distributed.is_main_process():  # checkpoints: the run saves its own weights
            shutil.rmtree(output_dir, ignore_errors=True)
    trainable.model.eval()
    return TrainOutcome(
        history=run_callback.history,
        best_step=best_step(run_callback.history),
        steps=trainer.state.global_step,
        seconds=float(result.metrics.get("train_runtime", 0.0)),
        examples_per_second=result.metrics.get("train_samples_per_second"),
        cancelled=run_callback.cancelled,
    )
