"""Specs: validation with clear messages, YAML round trip, overrides, content-hash cache keys."""

from pathlib import Path

import pytest

from workbench.specs import (
    BaselineSpec, EvaluateSpec, SpecError, apply_overrides, cache_key, load_spec, parse_spec,
    read_yaml, spec_to_yaml,
)

SPECS = sorted((Path(__file__).resolve().parents[1] / "assets" / "specs").glob("*.yaml"))


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_example_specs_are_valid_and_round_trip(path):
    spec = load_spec(path)
    assert parse_spec(read_yaml(spec_to_yaml(spec))) == spec


def test_yes_and_no_stay_strings_in_yaml():
    assert read_yaml("answers: {no: No, yes: Yes}") == {"answers": {"no": "No", "yes": "Yes"}}
    assert read_yaml("flag: true")["flag"] is True


def test_kind_selects_the_spec_model():
    assert isinstance(parse_spec({"kind": "baseline"}), BaselineSpec)
    assert isinstance(parse_spec({}), EvaluateSpec)


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"kind": "train"}, "kind"),
        ({"kind": "baseline", "method": "svm"}, "method"),
        ({"data": {"n_train": 0}}, "data.n_train"),
        ({"data": {"test_fraction": 1.5}}, "data.test_fraction"),
        ({"data": {"test_fraction": 0.5, "val_fraction": 0.49}}, "at least 5%"),
        ({"template": {"answers": {"yes": "Yes"}}}, "at least two classes"),
        ({"template": {"answers": {"yes": "Yes", "no": "Yes "}}}, "different answer word"),
        ({"template": {"serializer": "jinja"}}, "needs a template text"),
        ({"batch_size": -1}, "batch_size"),
        ({"unknown_field": 1}, "unknown_field"),
        ("just text", "mapping"),
    ],
)
def test_invalid_specs_say_what_is_wrong(data, fragment):
    with pytest.raises(SpecError, match=fragment):
        parse_spec(data)


def test_unreadable_spec_files(tmp_path):
    with pytest.raises(SpecError, match="Cannot read"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [unclosed")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(bad)


def test_overrides_use_aliases_and_dotted_paths():
    spec = apply_overrides(EvaluateSpec(), ["n_test=500", "template.shots=4", "model.dtype=float32"])
    assert (spec.data.n_test, spec.template.shots, spec.model.dtype) == (500, 4, "float32")
    with pytest.raises(SpecError, match="key=value"):
        apply_overrides(EvaluateSpec(), ["n_test"])
    with pytest.raises(SpecError, match="not a section"):
        apply_overrides(EvaluateSpec(), ["n_test.x=1"])
    with pytest.raises(SpecError, match="n_train"):
        apply_overrides(EvaluateSpec(), ["n_train=-5"])


def test_cache_key_follows_content_not_names():
    base = EvaluateSpec()
    key = cache_key(base, "data1", "model1")
    assert cache_key(base.model_copy(update={"name": "my label", "batch_size": 64}), "data1", "model1") == key
    assert cache_key(base, "data2", "model1") != key
    assert cache_key(base, "data1", "model2") != key
    changed = apply_overrides(base, ["template.question=Is it pricey?"])
    assert cache_key(changed, "data1", "model1") != key
    assert cache_key(apply_overrides(base, ["n_test=10"]), "data1", "model1") != key


def test_validation_rows_stay_out_of_stored_specs_until_set():
    from workbench.specs import FinetuneSpec, spec_to_dict

    spec = FinetuneSpec()
    assert "val_rows" not in spec_to_dict(spec)["training"]  # runs stored before it keep their key
    assert spec.training.validation_rows == 200
    fewer = apply_overrides(spec, ["training.val_rows=64"])
    assert spec_to_dict(fewer)["training"]["val_rows"] == fewer.training.validation_rows == 64
    assert cache_key(fewer, "data1", "model1") != cache_key(spec, "data1", "model1")
    assert parse_spec(spec_to_dict(fewer)) == fewer


def test_top_level_fields_win_over_aliases():
    from workbench.specs import FinetuneSpec

    assert apply_overrides(BaselineSpec(), ["method=logreg"]).method == "logreg"
    assert apply_overrides(FinetuneSpec(), ["method=full"]).training.method == "full"
