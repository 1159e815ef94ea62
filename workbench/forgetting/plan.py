"""From a forgetting comparison (several methods, maybe an EWC sweep) to its runs: one
single-method spec per run, with every default spelled out, so each run is stored and cached on
its own and adding a method later re-runs nothing.

Settings a method does not use are reset to their defaults in its run (a new replay fraction
does not re-run EWC), and each run carries its own learning rate in `training.learning_rate`.
"""

from __future__ import annotations

from workbench.forgetting.labels import METHOD_TITLES
from workbench.specs import (
    ForgettingSpec, ForgettingTask, LambdaSweep, SpecError, content_hash, without_later_task_fields,
)

# The training method each forgetting method trains with, per setting.
TRAINING_METHOD = {
    "label_words": {"naive": "full", "replay": "full", "ewc": "full", "multitask": "full",
                    "lora": "lora", "last_layers": "last_layers"},
    "class_incremental": {"naive": "head", "replay": "head", "ewc": "head", "multitask": "head",
                          "lora": "head_lora", "last_layers": "head"},
}
# Methods whose first stage is the same full fine-tuning: they can share it.
FULL_FINE_TUNING = ("naive", "replay", "ewc", "multitask")

_DEFAULTS = ForgettingSpec.model_fields


def with_templates(task: ForgettingTask) -> ForgettingTask:
    """The task with its data set's default template written in, if it had none (answer words
    only for the task's classes when it keeps some)."""
    if task.template is not None:
        return task
    from workbench.prompts.builtin import default_template

    template = default_template(task.data.dataset)
    if task.classes:
        answers = {name: word for name, word in template.answers.items() if name in task.classes}
        template = template.model_copy(update={"answers": answers})
    return task.model_copy(update={"template": template})


def lambdas(spec: ForgettingSpec) -> list[float]:
    sweep: LambdaSweep | None = spec.ewc_sweep
    if sweep is None:
        return [spec.ewc_lambda]
    from workbench.training.ewc import log_grid  # imports torch: only when a sweep needs it

    return log_grid(sweep.low, sweep.high, sweep.count)


def _reset(method: str, ewc_lambda: float | None) -> dict:
    """Fields this method ignores, back at their defaults."""
    update: dict = {"ewc_sweep": None, "learning_rates": {}}
    if method != "replay":
        update["replay_fraction"] = _DEFAULTS["replay_fraction"].default
    if method == "ewc":
        update["ewc_lambda"] = ewc_lambda
    else:
        update["ewc_lambda"] = _DEFAULTS["ewc_lambda"].default
        update["fisher_rows"] = _DEFAULTS["fisher_rows"].default
    return update


def method_runs(spec: ForgettingSpec) -> list[ForgettingSpec]:
    """One run spec per method (per lambda for an EWC sweep), in the order the spec lists them."""
    tasks = [with_templates(task).model_dump() for task in spec.tasks]
    runs = []
    for method in spec.methods:
        for value in (lambdas(spec) if method == "ewc" else [None]):
            data = spec.model_dump()
            data.update(methods=[method], tasks=tasks, name=run_name(spec, method, value),
                        **_reset(method, value))
            data["training"].update(method=TRAINING_METHOD[spec.setting][method],
                                    learning_rate=spec.learning_rate(method))
            runs.append(ForgettingSpec.model_validate(data))
    return runs


def run_name(spec: ForgettingSpec, method: str, ewc_lambda: float | None) -> str:
    title = METHOD_TITLES[method]
    if method == "ewc" and ewc_lambda is not None:
        title = f"{title} (lambda {ewc_lambda:g})"
    prefix = f"{spec.name}: " if spec.name else ""
    return f"{prefix}{title}"


def is_single_run(spec: ForgettingSpec) -> bool:
    return len(spec.methods) == 1 and spec.ewc_sweep is None


def the_method(spec: ForgettingSpec) -> str:
    """The one method of a run spec."""
    if not is_single_run(spec):
        raise SpecError("A forgetting run has one method and no sweep: run the comparison "
                        "with `python -m workbench run`, which makes one run per method.")
    return spec.methods[0]


# Fields one method of a comparison sets for itself; the rest make the comparison.
_PER_METHOD = ("name", "methods", "replay_fraction", "ewc_lambda", "ewc_sweep", "fisher_rows",
               "learning_rates", "batch_size")


def shared_settings(spec: ForgettingSpec) -> dict:
    """The spec without the fields one method of a comparison sets for itself, templates
    spelled out."""
    content = spec.model_dump(mode="json", exclude=set(_PER_METHOD))
    content["tasks"] = [without_later_task_fields(with_templates(task).model_dump(mode="json"))
                        for task in spec.tasks]
    return content


def comparison_key(spec: ForgettingSpec) -> str:
    """Runs with the same key compare methods on the same tasks, model and schedule."""
    content = shared_settings(spec)
    content["training"].pop("method")
    content["training"].pop("learning_rate")
    return content_hash(content)
