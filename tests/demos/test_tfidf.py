"""TF-IDF against hand-computed values on the 'animals' corpus and the classic 0.12 example."""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.tfidf import DEMO, MAX_COLUMNS, TfidfParams, compute, tokenize, view

# animals: d1 "The cat sat on the mat." (6 tokens), d3 has 10 tokens, "the" is in all 4 docs.


def run(**kw):
    return compute(TfidfParams(**kw))


def cell(result, matrix, doc, term):
    return result[matrix][doc][result["vocabulary"].index(term)]


def test_tokens_are_lowercase_unicode_words():
    assert tokenize("The CAT, the café—naïve_x 42!") == [
        "the",
        "cat",
        "the",
        "café",
        "naïve_x",
        "42",
    ]


@given(st.text(alphabet=st.characters(max_codepoint=0x17F), max_size=60))
def test_fast_ascii_tokenizer_agrees_with_the_regex(text):
    assert tokenize(text) == re.findall(r"\w+", text.lower())


def test_vocabulary_is_sorted_with_document_frequencies():
    r = run()
    assert r["vocabulary"] == sorted(r["vocabulary"])
    df = dict(zip(r["vocabulary"], r["df"], strict=True))
    assert df["the"] == 4 and df["cat"] == 2 and df["on"] == 3 and df["mat"] == 1


def test_frequency_tf_and_standard_idf_by_hand():
    r = run(tf="frequency", idf="standard", log_base="e")
    assert cell(r, "tf", 0, "the") == pytest.approx(2 / 6)
    assert cell(r, "tfidf", 0, "the") == 0.0  # idf = ln(4/4) = 0
    assert cell(r, "tfidf", 0, "cat") == pytest.approx(math.log(2) / 6)  # 0.11552
    assert cell(r, "tfidf", 0, "mat") == pytest.approx(math.log(4) / 6)
    assert cell(r, "tf", 1, "cat") == 0.0


def test_raw_and_log_tf_smooth_idf_and_bases():
    raw = run(tf="raw")
    assert cell(raw, "tf", 0, "the") == 2
    log = run(tf="log", log_base="2")
    assert cell(log, "tf", 0, "the") == pytest.approx(2.0)  # 1 + log2(2)
    assert cell(log, "tf", 0, "cat") == pytest.approx(1.0)
    smooth = run(idf="smooth", log_base="10")
    idf = dict(zip(smooth["vocabulary"], smooth["idf"], strict=True))
    assert idf["the"] == pytest.approx(1.0)  # log10(5/5) + 1
    assert idf["mat"] == pytest.approx(math.log10(5 / 2) + 1)


def test_l2_rows_have_unit_length():
    r = run(norm="l2")
    norms = np.linalg.norm(np.array(r["tfidf"]), axis=1)
    assert norms == pytest.approx([1.0] * 4)


def test_worked_example_gives_the_classic_0_12():
    w = run(log_base="10")["worked"]
    assert w["tf"] == pytest.approx(0.03)
    assert w["idf"] == pytest.approx(4.0)
    assert w["tfidf"] == pytest.approx(0.12)
    e = w["by_base"]["e"]
    assert e["idf"] == pytest.approx(math.log(1e4)) and e["tfidf"] == pytest.approx(0.2763102)


def test_query_ranks_by_cosine_similarity():
    r = run(query="cat mat", norm="l2")
    ranking = r["ranking"]
    assert [x["document"] for x in ranking][:2] == [0, 2]
    # cosine(d1, q): both vectors over {cat, mat, ...}; check against a dense computation
    dense = np.array(r["tfidf"])
    vocab = r["vocabulary"]
    q = np.zeros(len(vocab))
    idf = np.array(r["idf"])
    for term in ("cat", "mat"):
        q[vocab.index(term)] = 0.5 * idf[vocab.index(term)]
    expected = dense @ q / (np.linalg.norm(dense, axis=1) * np.linalg.norm(q))
    assert ranking[0]["score"] == pytest.approx(expected[0])
    assert run(query="zebra")["ranking"] == []


def test_top_terms_exclude_zero_weights():
    top = run()["top_terms"][0]
    terms = [t for t, _ in top]
    assert terms[0] == "mat" and "the" not in terms


def test_documents_override_the_corpus_and_empty_documents_are_fine():
    r = run(documents=["a a b", ""])
    assert r["vocabulary"] == ["a", "b"]
    assert r["tf"][1] == [0.0, 0.0]
    r = run(documents=["", "!!"], norm="l2", query="x")
    assert r["vocabulary"] == [] and r["tfidf"] == [[], []]
    assert view(TfidfParams(documents=["", "!!"]), r)["table"][0]["cells"] == []


def test_log_base_accepts_numbers():
    assert TfidfParams(log_base=10).log_base == "10"


def test_large_vocabularies_return_the_most_frequent_columns():
    docs = [f"common w{i} w{i + 1}" for i in range(200)]
    r = run(documents=docs)
    assert r["vocabulary_size"] == 202
    assert len(r["vocabulary"]) == MAX_COLUMNS and "common" in r["vocabulary"]
    assert len(r["tfidf"][0]) == MAX_COLUMNS


@pytest.mark.parametrize(
    "bad",
    [
        {"documents": ["x"] * 201},
        {"documents": ["x" * 5001]},
        {"tf": "binary"},
        {"log_base": "3"},
        {"count": 101},
        {"df_docs": 10**8},
        {"n_docs": 0},
        {"query": "q" * 1001},
    ],
)
def test_invalid_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        TfidfParams(**bad)


def test_maximum_example_is_valid():
    params = TfidfParams(**DEMO.examples["maximum"])
    assert len(params.documents) == 200
    r = compute(params)
    assert np.isfinite(np.array(r["tfidf"])).all()


def test_idf_note_names_exactly_the_terms_in_every_document() -> None:
    """The text under the matrix is computed from it: "the" (in all 4) vanishes, "on" does not."""
    from app.demos.tfidf import TfidfParams, compute, idf_note

    params = TfidfParams()
    result = compute(params)
    column = result["vocabulary"].index("on")
    assert 0 < result["df"][column] < 4 and any(row[column] > 0 for row in result["tfidf"])
    note = idf_note(params, result)
    assert note.startswith("“the” is in all 4 documents: idf = log(4/4) = 0")
    assert "“on”" not in note and note.endswith("it vanishes.")

    smooth = TfidfParams(idf="smooth")
    weights = [row[result["vocabulary"].index("the")] for row in compute(smooth)["tfidf"]]
    assert idf_note(smooth, compute(smooth)) == (
        "“the” is in all 4 documents, yet the smooth idf gives it 1 (the lowest), so its weights "
        f"range from {min(weights):.4g} to {max(weights):.4g}: small, not 0. "
        "The standard idf would make them exactly 0."
    )
    reviews = TfidfParams(corpus="reviews")
    assert idf_note(reviews, compute(reviews)).startswith("No term is in all 4 documents")
