"""Fine-tuning: trainable models per method (peft adapters, heads, last layers, full), tokenized
examples with a dynamic-padding collator, and a transformers Trainer wrapper.

    trainable = build_trainable(spec)
    outcome = train(trainable, spec.training, train_examples, val_examples, ...)
"""

from workbench.training.methods import Trainable, build_trainable, count_parameters
from workbench.training.trainer import TrainOutcome, train

__all__ = ["Trainable", "TrainOutcome", "build_trainable", "count_parameters", "train"]
