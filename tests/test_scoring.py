"""Label-word scoring: batched, sorted, left-padded scores equal one-prompt-at-a-time scores."""

import numpy as np
import pytest
import torch

from workbench.data import load
from workbench.models import load_model
from workbench.scoring import ScoringError, answer_token_ids, score_prompts

YES_NO = [" No", " Yes"]
MIXED = [" not valuable", " Valuable", " Yes"]  # two multi-token answers and a one-token one


@pytest.fixture(scope="module")
def smollm2_fp32():
    return load_model("smollm2-135m-instruct", dtype="float32")


@pytest.fixture(scope="module")
def prompts():
    """20 California prompts of different lengths (2 to 8 feature lines)."""
    frame, info = load("california-housing", use_cache=False)
    names = info.feature_names
    rows = frame.head(20).to_dict("records")
    return [
        "".join(f"- {name}: {row[name]:.2f}\n" for name in names[: 2 + i % 7])
        + "Is this house block valuable? Yes or No?\nAnswer:"
        for i, row in enumerate(rows)
    ]


def reference_log_probs(loaded, prompts, answers):
    """The slow way: each prompt + answer alone, full logits of every position, no padding."""
    tokenizer, model = loaded.tokenizer, loaded.model
    answer_ids = answer_token_ids(tokenizer, answers)
    scores = np.zeros((len(prompts), len(answers)))
    with torch.inference_mode():
        for row, prompt in enumerate(prompts):
            prompt_ids = tokenizer(prompt)["input_ids"]
            for column, ids in enumerate(answer_ids):
                logits = model(torch.tensor([prompt_ids + ids])).logits[0].float()
                log_probs = torch.log_softmax(logits, dim=-1)
                start = len(prompt_ids) - 1
                scores[row, column] = sum(log_probs[start + j, t].item() for j, t in enumerate(ids))
    return scores


def test_prompts_have_different_lengths(smollm2_fp32, prompts):
    lengths = {len(smollm2_fp32.tokenizer(p)["input_ids"]) for p in prompts}
    assert len(lengths) >= 5


def test_batched_equals_one_at_a_time_for_one_token_answers(smollm2_fp32, prompts):
    result = score_prompts(smollm2_fp32.model, smollm2_fp32.tokenizer, prompts, YES_NO, batch_size=6)
    expected = reference_log_probs(smollm2_fp32, prompts, YES_NO)
    np.testing.assert_allclose(result.log_probs, expected, atol=1e-4)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert not result.stopped and result.truncated == 0
    assert result.scored.all()


def test_batched_equals_one_at_a_time_for_multi_token_answers(smollm2_fp32, prompts):
    subset = prompts[:9]
    result = score_prompts(smollm2_fp32.model, smollm2_fp32.tokenizer, subset, MIXED, batch_size=4)
    assert [len(ids) for ids in result.answer_ids] == [2, 2, 1]
    expected = reference_log_probs(smollm2_fp32, subset, MIXED)
    np.testing.assert_allclose(result.log_probs, expected, atol=1e-4)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-9)


def test_order_is_preserved(smollm2_fp32, prompts):
    model, tokenizer = smollm2_fp32.model, smollm2_fp32.tokenizer
    forward = score_prompts(model, tokenizer, prompts, YES_NO, batch_size=8)
    shuffled = np.random.default_rng(0).permutation(len(prompts))
    result = score_prompts(model, tokenizer, [prompts[i] for i in shuffled], YES_NO, batch_size=8)
    np.testing.assert_allclose(result.log_probs, forward.log_probs[shuffled], atol=1e-4)
    expected_lengths = [len(tokenizer(prompts[i])["input_ids"]) for i in shuffled]
    assert result.tokens_per_prompt.tolist() == expected_lengths


def test_progress_after_each_batch(smollm2_fp32, prompts):
    calls = []
    score_prompts(
        smollm2_fp32.model, smollm2_fp32.tokenizer, prompts, YES_NO, batch_size=8,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(8, 20), (16, 20), (20, 20)]


def test_should_stop_ends_early(smollm2_fp32, prompts):
    calls = []
    result = score_prompts(
        smollm2_fp32.model, smollm2_fp32.tokenizer, prompts, YES_NO, batch_size=5,
        progress=lambda done, total: calls.append(done),
        should_stop=lambda: len(calls) >= 2,
    )
    assert result.stopped
    assert calls == [5, 10]
    assert result.scored.sum() == 10
    assert np.isnan(result.probabilities[~result.scored]).all()


def test_default_dtype_is_kept_and_agrees_with_float32(smollm2_fp32, prompts):
    loaded = load_model("smollm2-135m-instruct")  # bf16 where the CPU has it
    dtype = loaded.model.dtype
    result = score_prompts(loaded.model, loaded.tokenizer, prompts, YES_NO)
    assert loaded.model.dtype == dtype
    exact = score_prompts(smollm2_fp32.model, smollm2_fp32.tokenizer, prompts, YES_NO)
    assert np.abs(result.probabilities - exact.probabilities).mean() < 0.05


def test_long_prompts_lose_their_start(monkeypatch):
    tiny = load_model("tiny-random-llama", dtype="float32")
    monkeypatch.setattr(tiny.model.config, "max_position_embeddings", 12)
    long_prompt = "one two three four five six seven eight nine ten eleven twelve thirteen. Answer:"
    prompts = [long_prompt, "Answer:"]
    result = score_prompts(tiny.model, tiny.tokenizer, prompts, MIXED)
    assert result.truncated == 1
    # Answers of up to 2 tokens leave 11 positions for the prompt.
    assert result.tokens_per_prompt.tolist() == [11, len(tiny.tokenizer("Answer:")["input_ids"])]
    kept = tiny.tokenizer.decode(tiny.tokenizer(long_prompt)["input_ids"][-11:])
    expected = reference_log_probs(tiny, [kept], MIXED)
    np.testing.assert_allclose(result.log_probs[:1], expected, atol=1e-4)


def test_no_prompts_give_empty_results(smollm2_fp32):
    result = score_prompts(smollm2_fp32.model, smollm2_fp32.tokenizer, [], YES_NO)
    assert result.log_probs.shape == (0, 2) and not result.stopped


# --- answer words --------------------------------------------------------------------------------


def test_answer_ids_keep_the_leading_space(smollm2_fp32):
    tokenizer = smollm2_fp32.tokenizer
    spaced = answer_token_ids(tokenizer, [" No", " Yes"])
    bare = answer_token_ids(tokenizer, ["No", "Yes"])
    assert spaced == [tokenizer.encode(w, add_special_tokens=False) for w in (" No", " Yes")]
    assert bare == [tokenizer.encode(w, add_special_tokens=False) for w in ("No", "Yes")]
    assert spaced != bare
    assert all(len(ids) == 1 for ids in spaced + bare)
    assert len(answer_token_ids(tokenizer, [" not valuable", " Yes"])[0]) == 2


def test_answer_ids_as_they_follow_a_prompt_with_a_sentencepiece_tokenizer():
    """SentencePiece-style tokenizers put "▁" before any text encoded on its own, so a bare "Yes"
    would get the id of " Yes"; encoded after the prompt, it keeps its own id."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "▁Yes": 1, "▁No": 2, "Yes": 3, "No": 4, "▁Answer": 5, ":": 6}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="<unk>", continuing_subword_prefix=""))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")
    assert tokenizer.encode("Yes", add_special_tokens=False) == [1]  # the trap
    assert answer_token_ids(tokenizer, [" No", " Yes"]) == [[2], [1]]
    assert answer_token_ids(tokenizer, ["No", "Yes"]) == [[4], [3]]


@pytest.mark.parametrize(
    "answers, message",
    [([" Yes", " Yes"], "same tokens"), ([" Yes", ""], "no tokens"), ([" Yes"], "at least two")],
)
def test_answer_ids_refuse_bad_answers(smollm2_fp32, answers, message):
    with pytest.raises(ScoringError, match=message):
        answer_token_ids(smollm2_fp32.tokenizer, answers)
