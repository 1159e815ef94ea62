"""Run specs: one typed, validated value per experiment.

The same spec drives the page form, the YAML file, the CLI (`--set key=value`), the cache key, the
run record and the comparison. Each run kind is one model; `kind` tells them apart in YAML.

    spec = load_spec("assets/specs/california-lora.yaml")    # or parse_spec(mapping)
    spec = apply_overrides(spec, ["n_train=64"])
    key = cache_key(spec, data_fingerprint, model_fingerprint)

The schema is one module per part (data, template, model, training, forgetting; runs.py holds the
run specs and the table of kinds); parsing with its error wording, YAML, overrides, cache keys and
the example specs are each a module beside it. Everything is imported from here.
"""

from workbench.specs.base import (
    MAX_ANSWER_CHARS, MAX_NAME_CHARS, MAX_PATH_CHARS, MAX_TEXT_CHARS, SpecError, _Strict,
)
from workbench.specs.cache_keys import SPEC_VERSION, cache_key, content_hash, forgetting_cache_key
from workbench.specs.data import TABLE_FIELDS, DataSpec, TableRole
from workbench.specs.examples import EXAMPLE_SPECS, SPLIT_FIELDS, example_split
from workbench.specs.forgetting import (
    FORGETTING_METHODS, ForgettingMethod, ForgettingSetting, ForgettingSpec, ForgettingTask,
    LambdaSweep,
)
from workbench.specs.model import ModelSpec
from workbench.specs.overrides import SET_ALIASES, apply_overrides
from workbench.specs.parse import MAX_LISTED_PROBLEMS, parse_spec
from workbench.specs.runs import (
    RUN_KINDS, AnySpec, BaselineSpec, EvaluateSpec, FinetuneSpec, RunKind, kinds_text,
)
from workbench.specs.template import SerializerName, TemplateSpec, WrapperName
from workbench.specs.training import VALIDATION_ROWS, TrainingMethod, TrainingSpec
from workbench.specs.yaml_io import (
    LATER_FIELDS, MAX_SPEC_BYTES, MAX_YAML_ALIASES, load_spec, read_yaml, spec_to_dict,
    spec_to_yaml, without_later_task_fields, yaml_problem,
)

__all__ = [
    "EXAMPLE_SPECS", "FORGETTING_METHODS", "LATER_FIELDS", "MAX_ANSWER_CHARS", "MAX_LISTED_PROBLEMS",
    "MAX_NAME_CHARS", "MAX_PATH_CHARS", "MAX_SPEC_BYTES", "MAX_TEXT_CHARS", "MAX_YAML_ALIASES",
    "RUN_KINDS", "SET_ALIASES", "SPEC_VERSION", "SPLIT_FIELDS", "TABLE_FIELDS", "VALIDATION_ROWS",
    "AnySpec", "BaselineSpec", "DataSpec", "EvaluateSpec", "FinetuneSpec", "ForgettingMethod",
    "ForgettingSetting", "ForgettingSpec", "ForgettingTask", "LambdaSweep", "ModelSpec", "RunKind",
    "SerializerName", "SpecError", "TableRole", "TemplateSpec", "TrainingMethod", "TrainingSpec",
    "WrapperName", "_Strict", "apply_overrides", "cache_key", "content_hash", "example_split",
    "forgetting_cache_key", "kinds_text", "load_spec", "parse_spec", "read_yaml", "spec_to_dict",
    "spec_to_yaml", "without_later_task_fields", "yaml_problem",
]
