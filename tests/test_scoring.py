"""Label-word scoring: batched, sorted, left-padded scores equal one-prompt-at-a-time scores."""

import numpy as np
import pytest
import torch

from workbench.data import load
from workbench.models import load_model
from workbench.scoring import ScoringError, answer_token_ids, score_prompts

YES_NO = [" No", " Yes"]
ONE_MULTI = [" No", " Valuable"]  # " Valuable" is two tokens
MIXED = [" not valuable", " Valuable", " Yes"]  # two multi-token answers and a one-token one


@pytest.fixture(scope="module")
def smollm2_fp32():
    return load_model("smollm2-135m-instruct", dtype="float32")


@pytest.fixture(scope="module")
def tiny():
    return load_model("tiny-random-llama", dtype="float32")


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


def full_log_probs(model, ids):
    """float32 log-softmax at every position of one unpadded sequence."""
    return torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), dim=-1)


def reference_log_probs(loaded, prompts, answers):
    """The slow way: each prompt alone, unpadded, full logits of every position; a longer answer
    is appended to the prompt, one-token answers are read from the prompt's own pass."""
    tokenizer, model = loaded.tokenizer, loaded.model
    answer_ids = answer_token_ids(tokenizer, answers)
    scores = np.zeros((len(prompts), len(answers)))
    with torch.inference_mode():
        for row, prompt in enumerate(prompts):
            prompt_ids = tokenizer(prompt)["input_ids"]
            alone = full_log_probs(model, prompt_ids)
            for column, ids in enumerate(answer_ids):
                log_probs = alone if len(ids) == 1 else full_log_probs(model, prompt_ids + ids)
                start = len(prompt_ids) - 1
                scores[row, column] = sum(log_probs[start + j, t].item() for j, t in enumerate(ids))
    return scores


def test_prompts_have_different_lengths(tiny, prompts):
    lengths = {len(tiny.tokenizer(p)["input_ids"]) for p in prompts}
    assert len(lengths) >= 7


@pytest.mark.parametrize(
    "model_name, answers, n_prompts, batch_size",
    [
        ("smollm2_fp32", YES_NO, 8, 3),
        ("smollm2_fp32", ONE_MULTI, 5, 3),
        ("tiny", YES_NO, 20, 6),
        ("tiny", MIXED, 20, 6),
    ],
)
def test_batched_equals_one_at_a_time(request, prompts, model_name, answers, n_prompts, batch_size):
    loaded = request.getfixturevalue(model_name)
    subset = prompts[:n_prompts]
    result = score_prompts(loaded.model, loaded.tokenizer, subset, answers, batch_size=batch_size)
    expected = reference_log_probs(loaded, subset, answers)
    np.testing.assert_allclose(result.log_probs, expected, atol=1e-4)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert not result.stopped and result.truncated == 0 and result.scored.all()


def test_order_is_preserved(tiny, prompts):
    forward = score_prompts(tiny.model, tiny.tokenizer, prompts, MIXED, batch_size=8)
    shuffled = np.random.default_rng(0).permutation(len(prompts))
    result = score_prompts(tiny.model, tiny.tokenizer, [prompts[i] for i in shuffled], MIXED)
    np.testing.assert_allclose(result.log_probs, forward.log_probs[shuffled], atol=1e-4)
    expected_lengths = [len(tiny.tokenizer(prompts[i])["input_ids"]) for i in shuffled]
    assert result.tokens_per_prompt.tolist() == expected_lengths


def test_progress_after_each_batch(tiny, prompts):
    calls = []
    score_prompts(
        tiny.model, tiny.tokenizer, prompts, YES_NO, batch_size=8,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(8, 20), (16, 20), (20, 20)]


def test_should_stop_ends_early(tiny, prompts):
    calls = []
    result = score_prompts(
        tiny.model, tiny.tokenizer, prompts, YES_NO, batch_size=5,
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
    result = score_prompts(loaded.model, loaded.tokenizer, prompts[:10], YES_NO)
    assert loaded.model.dtype == dtype
    exact = score_prompts(smollm2_fp32.model, smollm2_fp32.tokenizer, prompts[:10], YES_NO)
    assert np.abs(result.probabilities - exact.probabilities).mean() < 0.05


def test_long_prompts_lose_their_start(tiny, monkeypatch):
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


def test_no_prompts_give_empty_results(tiny):
    result = score_prompts(tiny.model, tiny.tokenizer, [], YES_NO)
    assert result.log_probs.shape == (0, 2) and not result.stopped


# --- answer words --------------------------------------------------------------------------------


def test_answer_ids_keep_the_leading_space(tiny):
    tokenizer = tiny.tokenizer  # SmolLM2's tokenizer
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
def test_answer_ids_refuse_bad_answers(tiny, answers, message):
    with pytest.raises(ScoringError, match=message):
        answer_token_ids(tiny.tokenizer, answers)


def test_a_shared_instruction_runs_once_and_scores_stay_the_same(smollm2_fp32, prompts, monkeypatch):
    import workbench.prefix_cache as prefix_cache

    instruction = ("Below is an instruction that describes a task. Write a response that "
                   "appropriately completes the request.\n\n")
    shared = [instruction + prompt for prompt in prompts[:8]]
    model, tokenizer = smollm2_fp32.model, smollm2_fp32.tokenizer
    ids = tokenizer(shared)["input_ids"]
    assert prefix_cache.common_prefix_length(ids) >= prefix_cache.MIN_SHARED_TOKENS
    built = []
    original = prefix_cache.SharedPrefix.build.__func__
    monkeypatch.setattr(prefix_cache.SharedPrefix, "build",
                        classmethod(lambda cls, *a: built.append(original(cls, *a)) or built[-1]))
    with_prefix = score_prompts(model, tokenizer, shared, MIXED, batch_size=3)
    assert built and built[0] is not None and built[0].length >= 15
    monkeypatch.setattr(prefix_cache, "MIN_SHARED_TOKENS", 10**6)
    whole = score_prompts(model, tokenizer, shared, MIXED, batch_size=3)
    np.testing.assert_allclose(with_prefix.log_probs, whole.log_probs, atol=1e-4)


def test_the_common_prefix_leaves_every_prompt_a_token_of_its_own():
    from workbench.prefix_cache import common_prefix_length

    assert common_prefix_length([[1, 2, 3], [1, 2, 3]]) == 2
    assert common_prefix_length([[1, 2, 3, 4], [1, 2, 5]]) == 2
    assert common_prefix_length([[7], [7, 8]]) == 0
    assert common_prefix_length([]) == 0
