"""PromptBuilder: layout, answer words as they follow the prompt, Alpaca and chat wrappers."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.prompts import ALPACA_TEMPLATE, ChatTemplateError, PromptBuilder, TemplateError
from workbench.specs import TemplateSpec

ROW_ONLY = {"serializer": "list", "features": ["MedInc"]}


def train_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "MedInc": [1.0, 2.0, 3.0, 9.0, 8.0, 7.0],
            "HouseAge": [10.0] * 6,
            "AveRooms": [5.0] * 6, "AveBedrms": [1.0] * 6, "Population": [100.0] * 6,
            "AveOccup": [2.0] * 6, "Latitude": [37.0] * 6, "Longitude": [-122.0] * 6,
            "valuable": ["no", "no", "no", "yes", "yes", "yes"],
        }
    )


def test_zero_shot_prompt_ends_with_the_answer_prefix(first_row, california_info):
    builder = PromptBuilder(TemplateSpec(**ROW_ONLY), california_info)
    assert builder.prompt(first_row) == (
        "- MedInc: 8.33\nIs this house block valuable? Yes or no?\nAnswer:"
    )
    assert builder.answer_words == [" No", " Yes"]


def test_few_shot_examples_come_first_with_their_answers(first_row, california_info):
    builder = PromptBuilder(TemplateSpec(**ROW_ONLY, shots=2), california_info, train=train_rows())
    shots = builder.shot_rows
    assert sorted(shots["valuable"]) == ["no", "yes"]
    blocks = builder.prompt(first_row).split("\n\n")
    assert len(blocks) == 3
    for block, (_, shot) in zip(blocks, shots.iterrows()):
        word = {"no": "No", "yes": "Yes"}[shot["valuable"]]
        question = "Is this house block valuable? Yes or no?"
        assert block == f"- MedInc: {shot['MedInc']:g}\n{question}\nAnswer: {word}"
    assert blocks[-1].endswith("Answer:")


def test_shots_without_train_is_an_error(california_info):
    with pytest.raises(TemplateError, match="training rows"):
        PromptBuilder(TemplateSpec(shots=2), california_info)


def test_prompts_of_a_frame(california, california_info):
    builder = PromptBuilder(TemplateSpec(), california_info)
    rows = california.head(3)
    assert builder.prompts(rows) == [builder.prompt(row) for _, row in rows.iterrows()]


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"answer_prefix": "Answer:"}, [" No", " Yes"]),
        ({"answer_prefix": "Answer:\n"}, ["No", "Yes"]),
        ({"answer_prefix": "Answer: "}, ["No", "Yes"]),
        ({"answer_prefix": ""}, [" No", " Yes"]),  # right after the question mark
        ({"answer_prefix": "", "question": ""}, [" No", " Yes"]),  # right after the row
        ({"wrapper": "alpaca"}, ["No", "Yes"]),
    ],
)
def test_answer_words_follow_the_prompt(fields, words, first_row, california_info):
    builder = PromptBuilder(TemplateSpec(**ROW_ONLY, **fields), california_info)
    prompt = builder.prompt(first_row)
    assert builder.answer_words == words
    assert prompt[-1:].isspace() == (not words[0].startswith(" "))


def test_answer_words_in_class_order(california_info):
    template = TemplateSpec(answers={"yes": "True", "no": "False"})
    assert PromptBuilder(template, california_info).answer_words == [" False", " True"]


def test_answers_must_cover_the_classes(california_info):
    with pytest.raises(TemplateError, match="class `yes`"):
        PromptBuilder(TemplateSpec(answers={"no": "No", "maybe": "Maybe"}), california_info)


def test_jinja_rows_lose_trailing_blank_lines(first_row, california_info):
    loop = "{% for k in ['MedInc'] %}{{ k }}\n{% endfor %}\n"
    template = TemplateSpec(serializer="jinja", jinja=loop)
    prompt = PromptBuilder(template, california_info).prompt(first_row)
    assert prompt.startswith("MedInc\nIs this house block valuable?")


def test_alpaca_wrapper_text(first_row, california_info):
    builder = PromptBuilder(TemplateSpec(**ROW_ONLY, wrapper="alpaca"), california_info)
    assert builder.prompt(first_row) == (
        "Below is an instruction that describes a task, paired with an input that provides "
        "further context. Write a response that appropriately completes the request.\n\n"
        "### Instruction:\nIs this house block valuable? Yes or no?\n\n"
        "### Input:\n- MedInc: 8.33\n\n### Response:\n"
    )
    assert ALPACA_TEMPLATE.endswith("### Response:\n")


def test_alpaca_with_an_instruction_keeps_the_question(first_row, california_info):
    template = TemplateSpec(**ROW_ONLY, wrapper="alpaca", instruction="Judge the house block.")
    prompt = PromptBuilder(template, california_info).prompt(first_row)
    assert "### Instruction:\nJudge the house block.\n\n" in prompt
    assert "### Input:\n- MedInc: 8.33\nIs this house block valuable? Yes or no?\n\n" in prompt


def test_chat_wrapper_with_smollm2(first_row, california_info, smollm_tokenizer):
    template = TemplateSpec(**ROW_ONLY, wrapper="chat")
    builder = PromptBuilder(template, california_info, smollm_tokenizer)
    prompt = builder.prompt(first_row)
    assert prompt.endswith(
        "<|im_start|>user\n- MedInc: 8.33\nIs this house block valuable? Yes or no?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert builder.answer_words == ["No", "Yes"]


def test_chat_few_shot_examples_are_turns(first_row, california_info, smollm_tokenizer):
    template = TemplateSpec(**ROW_ONLY, wrapper="chat", shots=2, instruction="Answer Yes or No.")
    builder = PromptBuilder(template, california_info, smollm_tokenizer, train=train_rows())
    prompt = builder.prompt(first_row)
    assert prompt.count("<|im_start|>user\n") == 3
    assert prompt.count("<|im_start|>assistant\n") == 3  # two answers and the open one
    assert "<|im_start|>user\nAnswer Yes or No.\n\n- MedInc:" in prompt
    assert "<|im_start|>assistant\nYes<|im_end|>" in prompt
    assert "<|im_start|>assistant\nNo<|im_end|>" in prompt


class NoChatTemplate:
    chat_template = None


def test_chat_without_a_chat_template_is_a_clear_error(california_info):
    with pytest.raises(ChatTemplateError, match="no chat template"):
        PromptBuilder(TemplateSpec(wrapper="chat"), california_info, NoChatTemplate())
    with pytest.raises(ChatTemplateError, match="needs the model's tokenizer"):
        PromptBuilder(TemplateSpec(wrapper="chat"), california_info)
