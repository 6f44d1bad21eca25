"""bpe: Sennrich's merges counted by hand, the tie rule, the vocabulary order, early stopping."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.bpe import DEMO, BPEParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject


def test_first_merge_on_sennrichs_corpus_breaks_a_three_way_tie():
    # low ×5, lower ×2, newest ×6, widest ×3: (e, s), (s, t), (t, </w>) all occur 6 + 3 = 9
    # times; (e, s) is the smallest pair in string order.
    result = compute(BPEParams(merges=1))
    assert result["merges"] == [["e", "s"]]
    assert result["pair_counts"] == [9]
    # 5·4 + 2·6 + 6·7 + 3·7 = 95 symbols; merging 9 occurrences leaves 86
    assert result["token_counts"] == [95, 86]


def test_ten_merges_by_hand():
    # after es, est, est</w> (9 each): lo, low (7); then the 6s (e, w) < (n, e) < (w, est</w>);
    # then (ew, est</w>) < (n, ew); (n, ewest</w>); low</w> (5); then the 3s: (d, est</w>)
    result = compute(BPEParams(merges=10))
    assert result["merges"] == [
        ["e", "s"], ["es", "t"], ["est", "</w>"], ["l", "o"], ["lo", "w"],
        ["e", "w"], ["ew", "est</w>"], ["n", "ewest</w>"], ["low", "</w>"], ["d", "est</w>"],
    ]  # fmt: skip
    assert result["pair_counts"] == [9, 9, 9, 7, 7, 6, 6, 6, 5, 3]
    assert result["vocab"][:11] == ["</w>", "d", "e", "i", "l", "n", "o", "r", "s", "t", "w"]
    assert result["vocab"][11:] == [
        "es", "est", "est</w>", "lo", "low", "ew", "ewest</w>", "newest</w>", "low</w>",
        "dest</w>",
    ]  # fmt: skip
    assert result["tokens"][0] == ["low</w>"]
    assert result["tokens"][5] == ["low", "e", "r", "</w>"]
    assert result["tokens"][-1] == ["w", "i", "dest</w>"]
    # low</w> ×5, low·e·r·</w> ×2, newest</w> ×6, w·i·dest</w> ×3: 5 + 8 + 6 + 9 = 28 tokens
    # for 5·3 + 2·5 + 6·6 + 3·6 = 79 characters
    assert result["token_counts"][-1] == 28
    assert result["chars_per_token"] == pytest.approx(79 / 28)


def test_low_lower_lowest():
    # low ×3, lower ×2, lowest ×1: (l, o) and (o, w) occur 6 times; (l, o) wins the tie
    result = compute(BPEParams(corpus="low lower lowest low lower low", merges=3))
    assert result["merges"] == [["l", "o"], ["lo", "w"], ["low", "</w>"]]
    assert result["pair_counts"] == [6, 6, 3]


def test_overlapping_pairs_and_early_stop():
    # "aaa" has (a, a) twice per word; merging left to right gives aa·a; a repeated merge
    # never exceeds what is left. Stops when each word is one symbol.
    result = compute(BPEParams(corpus="aaa aaa", merges=10))
    assert result["merges"] == [["a", "a"], ["a", "</w>"], ["aa", "a</w>"]]
    assert result["pair_counts"] == [4, 2, 2]
    assert result["tokens"] == [["aaa</w>"], ["aaa</w>"]]
    assert result["stopped_early"]


def test_a_pair_seen_once_is_never_merged():
    result = compute(BPEParams(corpus="ab cd", merges=5))
    assert result["merges"] == [] and result["tokens"] == [["a", "b", "</w>"], ["c", "d", "</w>"]]


def test_whitespace_of_any_kind_separates_words():
    result = compute(BPEParams(corpus="ab\tab\n ab", merges=1))
    assert result["tokens"] == [["ab", "</w>"]] * 3


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"corpus": "   "}, "corpus", "at least one word"),
        ({"corpus": "x" * 20_001}, "corpus", "at most 20000"),
        ({"merges": -1}, "merges", "greater than or equal to 0"),
        ({"preset": "klingon"}, "preset", "Input should be"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        BPEParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/bpe", json={"corpus": " \n "})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "corpus"] for e in r.json()["detail"])
    ok = client.post("/api/demos/bpe", json={"merges": 1})
    assert ok.status_code == 200 and ok.json()["merges"] == [["e", "s"]]


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="ab c\n", max_size=60), st.integers(0, 30))
def test_random_inputs_are_rejected_or_give_finite_results(corpus, merges):
    run_or_reject(DEMO, {"corpus": corpus, "merges": merges})


@settings(max_examples=40, deadline=None)
@given(
    st.text(alphabet="abc ", min_size=1, max_size=40).filter(lambda t: bool(t.split())),
    st.integers(0, 20),
)
def test_tokens_spell_the_words(corpus, merges):
    result = compute(BPEParams(corpus=corpus, merges=merges))
    assert ["".join(t) for t in result["tokens"]] == [w + "</w>" for w in corpus.split()]
    assert len(result["vocab"]) == len(set(result["vocab"]))  # a symbol is never repeated
    assert len(result["vocab"]) <= result["base_vocab"] + len(result["merges"])


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
