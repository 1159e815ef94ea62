"""Replay mixing: how many of task A's examples join task B's, drawn without replacement, and a
deterministic shuffle."""

from collections import Counter

import pytest

from workbench.forgetting.replay import mix_replay

B = [{"task": "b", "id": i} for i in range(10)]
A = [{"task": "a", "id": i} for i in range(20)]


def replayed(mixed):
    return [example for example in mixed if example["task"] == "a"]


@pytest.mark.parametrize("fraction, expected", [(0.0, 0), (0.3, 3), (0.25, 3), (1.0, 10)])
def test_the_number_of_replayed_examples_is_the_rounded_fraction_of_b(fraction, expected):
    mixed = mix_replay(B, A, fraction, seed=0)  # 0.25 * 10 = 2.5 rounds up to 3
    assert len(replayed(mixed)) == expected and len(mixed) == 10 + expected
    assert all(example in mixed for example in B)


def test_replayed_examples_are_drawn_without_replacement():
    ids = [example["id"] for example in replayed(mix_replay(B, A, 1.0, seed=3))]
    assert len(set(ids)) == len(ids) == 10


def test_all_of_a_when_it_has_fewer_than_asked():
    mixed = mix_replay(B, A[:4], 1.0, seed=0)
    assert Counter(e["id"] for e in replayed(mixed)) == Counter(range(4)) and len(mixed) == 14


def test_the_mix_is_shuffled_deterministically_by_the_seed():
    first = mix_replay(B, A, 0.5, seed=7)
    assert first == mix_replay(B, A, 0.5, seed=7)
    assert first != mix_replay(B, A, 0.5, seed=8)
    assert first[:10] != B  # B's examples do not stay in a block at the front


@pytest.mark.parametrize("fraction", [-0.1, 1.5, float("nan"), "half"])
def test_a_fraction_outside_0_1_is_refused(fraction):
    with pytest.raises(ValueError, match="between 0 and 1"):
        mix_replay(B, A, fraction, seed=0)
