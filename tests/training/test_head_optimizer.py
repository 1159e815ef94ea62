"""A fresh classification head can learn at its own rate (the forgetting runs' shared head)."""

from workbench.models.embedded import TINY_NAME
from workbench.specs import FinetuneSpec, TrainingSpec
from workbench.training.methods import load_classifier
from workbench.training.trainer import head_optimizer, is_head_parameter


def test_a_classification_head_can_learn_at_its_own_rate():
    spec = FinetuneSpec(model={"name": TINY_NAME}, training={"method": "head", "learning_rate": 1e-5})
    model = load_classifier(spec, 4).model
    optimizer = head_optimizer(model, TrainingSpec(learning_rate=1e-5), head_learning_rate=1e-2)
    body, head = optimizer.param_groups
    assert (body["lr"], head["lr"]) == (1e-5, 1e-2)
    assert [p.shape for p in head["params"]] == [model.score.weight.shape]
    assert len(body["params"]) == sum(1 for _ in model.parameters()) - 1


def test_head_parameters_are_found_inside_peft_wrappers_too():
    assert is_head_parameter("base_model.model.score.modules_to_save.default.weight")
    assert is_head_parameter("score.weight")
    assert not is_head_parameter("model.layers.0.self_attn.q_proj.weight")
    assert not is_head_parameter("model.scoreboard.weight")


def test_a_fresh_head_starts_from_the_same_weights_for_the_same_seed():
    spec = FinetuneSpec(model={"name": TINY_NAME}, training={"method": "head", "seed": 3})
    first, second = (load_classifier(spec, 2).model.score.weight for _ in range(2))
    other = load_classifier(spec.model_copy(update={"training": spec.training.model_copy(
        update={"seed": 4})}), 2).model.score.weight
    assert (first == second).all() and not (first == other).all()
