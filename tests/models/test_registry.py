"""Model registry and name resolution."""

import pytest

from workbench.models import DEFAULT_MODEL, MODELS, get_model_info, list_models
from workbench.models.registry import is_hub_id


def test_default_and_test_models_are_registered():
    assert DEFAULT_MODEL == "smollm2-135m-instruct"
    assert MODELS[DEFAULT_MODEL].trained
    assert not MODELS["tiny-random-llama"].trained


@pytest.mark.parametrize(
    "name, valid",
    [("gpt2", True), ("meta-llama/Llama-2-7b-hf", True), ("a/b/c", False), ("../etc", False),
     ("", False), ("has space", False), ("org/..", False)],
)
def test_hub_id_validation(name, valid):
    assert is_hub_id(name) is valid


def test_names_resolve_to_the_right_kind(tmp_path):
    assert get_model_info("gpt2").kind == "hub"
    assert not get_model_info("gpt2").offline
    assert get_model_info(str(tmp_path)).kind == "local"
    assert get_model_info(DEFAULT_MODEL).kind == "embedded"


def test_listing_includes_hub_suggestions():
    names = [info.name for info in list_models()]
    assert names[:2] == [DEFAULT_MODEL, "tiny-random-llama"]
    assert "meta-llama/Llama-2-7b-hf" in names
