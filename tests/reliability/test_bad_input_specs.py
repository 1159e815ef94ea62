"""Bad input for run specs and the command line: every case ends in a plain message of the
workbench's own (SpecError, ModelUnavailableError, ...) and, for `python -m workbench`, a non-zero
exit with one paragraph on stderr and no traceback. The CLI runs in-process through its main
function; one real subprocess checks the same from the outside.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import hub
from workbench.cli import main
from workbench.errors import ModelUnavailableError
from workbench.models.loading import load_model
from workbench.specs import (
    MAX_NAME_CHARS, MAX_SPEC_BYTES, MAX_TEXT_CHARS, MAX_YAML_ALIASES, FinetuneSpec,
    SpecError, apply_overrides, load_spec, parse_spec,
)

REPO = Path(__file__).resolve().parents[2]
XGBOOST = str(REPO / "assets/specs/california-xgboost.yaml")
ZERO_SHOT = str(REPO / "assets/specs/california-zero-shot.yaml")
LORA = str(REPO / "assets/specs/california-lora.yaml")


@pytest.fixture(autouse=True)
def hub_unreachable(monkeypatch):
    """The hub at a closed local port: refused at once, as on a machine without network."""
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    hub._CACHE.clear()
    yield
    hub._CACHE.clear()


def spec_error(data) -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    return str(caught.value)


def finetune(**training) -> dict:
    return {"kind": "finetune", "training": training}


# --- spec files ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "content, words",
    [
        ("", "is empty"),
        ("   \n\t\n", "is empty"),
        ("kind: finetune\ntraining: [lora\n", "is not valid YAML (line 3)"),
        ("kind: evaluate\n  bad: indent\n", "is not valid YAML (line 2)"),
        ("- kind: evaluate\n- kind: baseline\n", "this one is a list"),
        ("42\n", "this one is a number"),
        ("just some words\n", "this one is a text"),
        ("kind: train\n", "'train' is not a run kind"),
        ("kind: [finetune]\n", "kind"),
        ("kind: evaluate\ndata:\n  datset: imdb\n",
         "data.datset: not a field of this spec (a typo?); did you mean `dataset`?"),
        ("kind: finetune\ntraining:\n  lr: 0.1\n", "training.lr: not a field of this spec"),
    ],
)
def test_bad_input_spec_files(tmp_path, content, words):
    path = tmp_path / "spec.yaml"
    path.write_text(content)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert words in message, message
    assert "Traceback" not in message


def test_bad_input_spec_file_that_is_binary_missing_a_folder_or_huge(tmp_path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81 not text")
    huge = tmp_path / "huge.yaml"
    huge.write_text("name: " + "x" * (MAX_SPEC_BYTES + 1))
    for path, words in [
        (binary, "is not a UTF-8 text (YAML) file"),
        (tmp_path / "no" / "such.yaml", "Cannot read the spec file"),
        (tmp_path, "Is a directory"),
        (huge, "a spec is a short YAML file"),
    ]:
        with pytest.raises(SpecError) as caught:
            load_spec(path)
        assert words in str(caught.value), str(caught.value)


def test_bad_input_yaml_bomb_is_refused_at_once(tmp_path):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]"
               for i in range(8)]
    path = tmp_path / "bomb.yaml"
    path.write_text("kind: baseline\nparams:\n" + "\n".join("  " + line for line in levels))
    started = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert f"more than {MAX_YAML_ALIASES} aliases" in str(caught.value)
    assert time.perf_counter() - started < 2


# --- values --------------------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "data, words",
    [
        (finetune(learning_rate=NAN), "training.learning_rate: Input should be a finite number"),
        (finetune(learning_rate=INF), "training.learning_rate: Input should be a finite number"),
        (finetune(learning_rate=-INF), "training.learning_rate: Input should be a finite number"),
        (finetune(epochs=NAN), "training.epochs: Input should be a finite number"),
        ({"kind": "evaluate", "data": {"test_fraction": NAN}}, "data.test_fraction: Input should "
                                                               "be a finite number"),
        ({"kind": "forgetting", "tasks": [{"data": {"dataset": "imdb"}},
                                          {"data": {"dataset": "ag-news"}}], "ewc_lambda": INF},
         "ewc_lambda: Input should be a finite number"),
        (finetune(learning_rate=0), "training.learning_rate: Input should be greater than 0"),
        (finetune(learning_rate=-1e-4), "training.learning_rate: Input should be greater than 0"),
        (finetune(learning_rate=1e9), "training.learning_rate: Input should be less than or equal "
                                      "to 1 (fine-tuning uses about 1e-5"),
        (finetune(epochs=0), "training.epochs: Input should be greater than 0"),
        (finetune(epochs=-3), "training.epochs: Input should be greater than 0"),
        (finetune(batch_size=0), "training.batch_size: Input should be greater than or equal to 1"),
        (finetune(batch_size=-8), "training.batch_size: Input should be greater than or equal"),
        (finetune(lora_r=0), "training.lora_r: Input should be greater than or equal to 1"),
        (finetune(lora_alpha=-16), "training.lora_alpha: Input should be greater than or equal"),
        (finetune(max_steps=0), "training.max_steps: Input should be greater than or equal to 1"),
        (finetune(warmup_ratio=-0.1), "training.warmup_ratio: Input should be greater than"),
        ({"kind": "evaluate", "data": {"n_train": 0}}, "data.n_train: Input should be greater than "
                                                       "or equal to 1"),
        ({"kind": "evaluate", "data": {"n_test": -5}}, "data.n_test: Input should be greater than"),
        ({"kind": "evaluate", "template": {"shots": -1}}, "template.shots: Input should be"),
        ({"kind": "evaluate", "template": {"shots": 10**6}}, "template.shots: Input should be less "
                                                             "than or equal to 64"),
        # wrong types
        (finetune(epochs="many"), "training.epochs: Input should be a valid number"),
        (finetune(batch_size=[16]), "training.batch_size: Input should be a valid integer"),
        ({"kind": "evaluate", "data": {"n_train": 2.5}}, "got a number with a fractional part"),
        ({"kind": "evaluate", "data": "california-housing"}, "data: Input should be a valid "
                                                             "dictionary"),
        ({"kind": "evaluate", "template": {"answers": ["No", "Yes"]}},
         "template.answers: Input should be a valid dictionary"),
        ({"kind": "evaluate", "model": {"name": 7}}, "model.name: Input should be a valid string"),
        # empty, whitespace and absurdly long text
        ({"kind": "evaluate", "data": {"dataset": ""}}, "data.dataset: String should have at "),
        ({"kind": "evaluate", "model": {"name": ""}}, "model.name: String should have at least 1"),
        ({"kind": "evaluate", "template": {"answers": {"no": " ", "yes": "Yes"}}},
         "answer words cannot be empty"),
        ({"kind": "evaluate", "template": {"answers": {"no": "Yes", "yes": " Yes"}}},
         "each class needs a different answer word"),
        ({"kind": "evaluate", "template": {"serializer": "jinja", "jinja": "  \n "}},
         "the jinja serializer needs a template text"),
        ({"kind": "evaluate", "name": "x" * 10**6}, f"name: String should have at most "
                                                     f"{MAX_NAME_CHARS} characters"),
        ({"kind": "evaluate", "template": {"question": "?" * 10**6}},
         f"template.question: String should have at most {MAX_TEXT_CHARS} characters"),
        ({"kind": "evaluate", "template": {"jinja": "{{ x }}" * 10**5, "serializer": "jinja"}},
         "template.jinja: String should have at most 20000 characters"),
        ({"kind": "evaluate", "template": {"answers": {"no": "n" * 500, "yes": "Yes"}}},
         "answer words are limited to 100 characters"),
        ({"kind": "evaluate", "model": {"name": "m" * 10**5}}, "model.name: String should have at "
                                                                "most"),
    ],
)
def test_bad_input_spec_values(data, words):
    message = spec_error(data)
    assert message.startswith("The spec is not valid:\n- "), message
    assert words in message, message
    assert "Traceback" not in message and len(message) < 2_000


def test_bad_input_many_problems_are_listed_briefly():
    data = {"kind": "finetune", **{f"unknown_{n}": n for n in range(100)}}
    message = spec_error(data)
    assert message.count("\n- ") == 13 and "... and 88 more problems" in message


def test_bad_input_unicode_and_emoji_are_kept_where_text_is_free():
    spec = parse_spec({
        "kind": "evaluate", "name": "Prüfung 🚀 价格",
        "template": {"question": "Ist dieser Block teuer? 🏠", "answers": {"no": "Nein ❌",
                                                                          "yes": "Ja ✅"}},
    })
    assert spec.name == "Prüfung 🚀 价格"
    assert spec.template.answers == {"no": "Nein ❌", "yes": "Ja ✅"}


def test_bad_input_learning_rate_1e9_is_refused_and_1_is_the_highest_allowed():
    """Decision: learning rates above 1 are refused by the spec (never a useful value); at 1 a run
    may diverge, and then fails with the trainer's "Training diverged ... Lower the learning
    rate" reason (tests/training/test_finetune_runs.py::test_a_diverging_loss_fails_the_run...)."""
    assert "less than or equal to 1" in spec_error(finetune(learning_rate=1e9))
    assert FinetuneSpec.model_validate(finetune(learning_rate=1.0)).training.learning_rate == 1.0


@pytest.mark.parametrize(
    "override, words",
    [
        ("learning_rate=1e9", "less than or equal to 1"),
        ("learning_rate=nan", "finite number"),
        ("learning_rate=.inf", "finite number"),
        ("epochs=0", "training.epochs: Input should be greater than 0"),
        ("n_train=-1", "data.n_train: Input should be greater than or equal to 1"),
        ("n_train=lots", "data.n_train: Input should be a valid integer"),
        ("training.lora_r=0", "training.lora_r"),
        ("trainng.epochs=2", "'trainng' is not a section"),
        ("training.epoch=2", "training.epoch: not a field of this spec (a typo?); did you mean "
                             "`epochs`?"),
        ("=3", "--set takes key=value"),
        ("no equals sign", "--set takes key=value"),
        ("dataset=", "data.dataset: Input should be a valid string"),
    ],
)
def test_bad_input_set_overrides(override, words):
    with pytest.raises(SpecError) as caught:
        apply_overrides(FinetuneSpec(), [override])
    assert words in str(caught.value), str(caught.value)


# --- models --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, words",
    [
        ("no-such-org/no-such-model-4d2f", "Could not reach the Hugging Face hub to download "
                                           "'no-such-org/no-such-model-4d2f'"),
        ("🤖 robot", "is neither a registered model, an existing folder, nor a valid Hugging Face "
                    "hub id"),
        ("../no/such/folder", "is neither a registered model"),
        (str(REPO / "assets"), "holds no transformers model (no config.json in it)"),
        ("   ", "is neither a registered model"),
    ],
)
def test_bad_input_model_ids_fail_quickly_and_clearly(name, words):
    started = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as caught:
        load_model(name)
    assert words in str(caught.value), str(caught.value)
    assert "smollm2-135m-instruct" in str(caught.value)  # the offline default is named
    assert time.perf_counter() - started < 5  # no retries against an unreachable hub


# --- the command line, in-process ---------------------------------------------------------------

def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_paragraph(err: str) -> None:
    """Progress lines may come first; then one `error:` paragraph (or argparse's usage)."""
    assert "Traceback" not in err, err
    start = min(err.find(word) for word in ("error:", "usage:") if word in err)
    assert start >= 0, err
    assert "\n\n" not in err[start:].strip(), err


STORE = "{store}"  # replaced by a temporary run store


@pytest.mark.parametrize(
    "args, words",
    [
        (("run", "no/such/spec.yaml", "--store", STORE), "Cannot read the spec file"),
        (("run", XGBOOST, "--set", "learning_rate=1e9", "--store", STORE),
         "'training' is not a section of a baseline spec"),
        (("run", LORA, "--set", "learning_rate=1e9", "--store", STORE), "less than or equal to 1"),
        (("run", LORA, "--set", "learning_rate=nan", "--store", STORE), "finite number"),
        (("run", LORA, "--set", "epochs=-1", "--set", "training.batch_size=0", "--store", STORE),
         "training.batch_size: Input should be greater than or equal to 1"),
        (("run", LORA, "--set", "n_train=0", "--store", STORE), "data.n_train"),
        (("run", LORA, "--set", "training.lora_alpha=0", "--store", STORE), "lora_alpha"),
        (("run", LORA, "--set", "max_steps=0", "--store", STORE), "max_steps"),
        (("run", XGBOOST, "--set", "dataset=🚀", "--store", STORE), "Unknown data set '🚀'. Known: "),
        (("run", XGBOOST, "--set", "name=" + "n" * 100_000, "--store", STORE),
         "at most 200 characters"),
        (("show", "no-such-run", "--store", STORE), "No run with id"),
        (("run",), "the following arguments are required: spec"),
        (("run", XGBOOST, "--set"), "expected one argument"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_bad_input_cli_exits_non_zero_with_one_paragraph(capsys, tmp_path, args, words):
    args = [str(tmp_path) if arg == STORE else arg for arg in args]
    code, out, err = cli(capsys, *args)
    assert code == 2, (code, err)
    assert words in err, err
    assert_one_paragraph(err)


def test_bad_input_cli_bad_spec_files(capsys, tmp_path):
    for name, content in [("empty.yaml", b""), ("blank.yaml", b"  \n\n "), ("list.yaml", b"- 1\n"),
                          ("broken.yaml", b"kind: [\n"), ("binary.yaml", b"\x00\xff\xfe junk")]:
        path = tmp_path / name
        path.write_bytes(content)
        code, _, err = cli(capsys, "run", str(path), "--store", str(tmp_path / "store"))
        assert code == 2 and err.startswith("error: "), (name, err)
        assert_one_paragraph(err)


def test_bad_input_cli_model_that_does_not_exist(capsys, tmp_path):
    started = time.perf_counter()
    code, out, err = cli(capsys, "run", ZERO_SHOT, "--set", "model_name=no-such-org/nope-3f1c",
                         "--set", "n_test=4", "--store", str(tmp_path))
    assert code == 1 and "failed" in out
    assert "Could not reach the Hugging Face hub to download 'no-such-org/nope-3f1c'" in err
    assert "Traceback" not in err
    assert time.perf_counter() - started < 15


def test_bad_input_cli_n_train_larger_than_the_data_uses_all_rows_and_says_so(capsys, tmp_path):
    """Decision: a run asked for more rows than the split has uses them all and says so (a note on
    stderr and in metrics.json); the Training page refuses the same value before launch."""
    code, out, err = cli(capsys, "run", str(REPO / "assets/specs/california-logreg.yaml"),
                         "--set", "dataset=pima-diabetes", "--set", "n_train=10000000",
                         "--set", "n_test=99999999", "--json", "--store", str(tmp_path))
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "done"
    notes = result["metrics"]["notes"]
    assert any(re.fullmatch(r"asked for 10000000 training rows, the split has \d+: using all of "
                            r"them", note) for note in notes), notes
    assert re.search(r"note: asked for 99999999 test rows, the split has \d+: using all of them",
                     err), err


def test_bad_input_cli_unexpected_error_is_one_line(capsys, monkeypatch, tmp_path):
    import workbench.cli as cli_module

    def broken(args):
        raise KeyError("something internal")

    monkeypatch.setattr(cli_module, "cmd_runs", broken)  # build_parser reads it at each main()
    code, _, err = cli(capsys, "runs", "--store", str(tmp_path))
    assert code == 1
    assert err.startswith("error: KeyError: 'something internal' (unexpected; run again with "
                          "WORKBENCH_TRACEBACK=1"), err
    assert_one_paragraph(err)


def test_bad_input_cli_as_a_real_process(tmp_path):
    """From the outside, as a user types it: exit code 2, one paragraph, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: finetune\ntraining:\n  learning_rate: .nan\n  epochs: -1\n  lr: 3\n")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "run", str(bad), "--store", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: The spec is not valid:\n")
    for words in ("training.learning_rate: Input should be a finite number",
                  "training.epochs: Input should be greater than 0",
                  "training.lr: not a field of this spec"):
        assert words in result.stderr, result.stderr
