"""Each rule of the answer checker (app/answers/rules.py) on the cases it exists for.

A rule must flip the right-words-wrong-meaning answer and leave the correct paraphrase alone,
so every test checks both sides.
"""

from __future__ import annotations

from app.answers.matcher import AGAIN, HARD, _synonyms, all_tokens, clauses, match, suggest_rating
from app.answers.rules import numeric_terms


def status(answer: str, point: str, confusions: list[str] | None = None) -> str:
    result = match(answer, [point], confusions=[confusions or []])
    return result.points[0].status


def test_negation_in_the_matched_clause_contradicts() -> None:
    point = "the sigmoid saturates for large |z|, where the gradient is close to zero"
    assert status("The sigmoid does not saturate for large inputs.", point) == "contradicted"
    assert status("The sigmoid saturates for large z, the gradient is near zero.", point) == (
        "covered"
    )


def test_negation_is_scoped_to_its_clause() -> None:
    point = "the sigmoid saturates for large |z|, where the gradient is close to zero"
    # "not" belongs to the second clause: it does not deny the saturation
    answer = (
        "The sigmoid saturates for large z, so the weights do not learn and the gradient is zero."
    )
    assert status(answer, point) == "covered"
    # a negation both sides share is agreement
    both = "layer norm normalizes each example over its features, not each feature over the batch"
    assert status("It normalizes each example over its features, not over the batch.", both) == (
        "covered"
    )


def test_contractions_and_never_are_negation_cues() -> None:
    point = "masked positions receive exactly zero attention weight"
    assert status("Masked positions never receive zero attention weight.", point) == "contradicted"
    assert status("Masked positions don't receive zero attention weight.", point) == "contradicted"


def test_comparative_direction_against_the_key_points_own() -> None:
    point = "a higher drop probability means stronger regularization"
    assert status("A higher drop probability means weaker regularization.", point) == (
        "contradicted"
    )
    # both directions reversed: the same relation
    assert status("A lower drop probability means weaker regularization.", point) == "covered"
    assert status("A higher drop probability gives stronger regularization.", point) == "covered"


def test_swapped_roles_within_a_clause() -> None:
    point = "L2 is a Gaussian prior and L1 a Laplace prior on the weights"
    swapped = "L1 corresponds to a Gaussian prior and L2 to a Laplace prior on the weights."
    assert status(swapped, point) == "contradicted"
    reordered = "L1 goes with a Laplace prior on the weights and L2 with a Gaussian prior."
    assert status(reordered, point) == "covered"


def test_an_entity_replaced_by_its_sibling() -> None:
    point = "the keys and values of earlier tokens are stored in the cache"
    assert status("The queries of earlier tokens are stored in the cache.", point) == (
        "contradicted"
    )
    assert status("The cache stores keys and values of earlier tokens.", point) == "covered"


def test_formula_in_words_and_symbols_divide_not_multiply() -> None:
    point = "Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V"
    assert status("softmax(QKᵀ · √d_k) V", point) == "contradicted"
    assert status("softmax(QK^T multiplied by the square root of d_k) V", point) == "contradicted"
    words = "the softmax of Q K^T divided by the square root of d_k, times V"
    assert status(words, point) == "covered"
    assert status("softmax(Q K^T / √d_k) V", point) == "covered"


def test_numbers_that_halve_count_as_halving() -> None:
    tokens = all_tokens("a 32×32 map becomes 16×16", _synonyms(()))
    assert numeric_terms(clauses("a 32×32 map becomes 16×16", tokens)[0].words) == {"halv"}
    assert numeric_terms(
        clauses("from 16 to 32", all_tokens("from 16 to 32", _synonyms(())))[0].words
    ) == {"doubl"}
    point = "pooling halves the feature map"
    assert status("Pooling turns a 32-wide feature map into a 16-wide one.", point) == "covered"


def test_authored_confusion_marks_the_point_contradicted_with_the_reason() -> None:
    point = "a higher dropout rate means stronger regularization"
    confusion = ["a higher dropout rate keeps more neurons active, so less regularization"]
    result = match(
        "With a higher dropout rate more neurons stay active, so there is less regularization.",
        [point],
        confusions=[confusion],
    )
    assert result.points[0].status == "contradicted"
    assert confusion[0] in result.points[0].reason
    # the same words, denied: not the confusion
    fine = "A higher dropout rate does not keep more neurons active; it means more regularization."
    assert status(fine, point, confusion) == "covered"


def test_a_confusion_with_swapped_roles_is_not_said_by_the_correct_order() -> None:
    point = "L2 is a Gaussian prior and L1 a Laplace prior on the weights"
    confusion = ["L1 is a Gaussian prior and L2 is a Laplace prior"]
    assert status("L1 is a Gaussian prior, and L2 is a Laplace prior.", point, confusion) == (
        "contradicted"
    )
    correct = "As priors, L2 corresponds to a Gaussian and L1 to a Laplace distribution."
    assert status(correct, point, confusion) != "contradicted"


def test_grade_is_capped_at_hard_by_a_contradicted_point_unless_ticked() -> None:
    marks = [True, True, True, True, False]
    assert suggest_rating(marks) == 3
    assert suggest_rating(marks, [False, False, False, False, True]) == HARD
    assert suggest_rating([True] * 5, [False, False, False, False, True]) == 3  # user ticked it
    assert suggest_rating([True] * 5, too_short=True) == AGAIN


def test_an_answer_too_short_to_judge_is_again() -> None:
    result = match("ReLU", ["ReLU outputs zero for negative inputs"])
    assert result.too_short
    assert result.suggested_rating == AGAIN


def test_partly_covered_is_reported_between_missing_and_covered() -> None:
    point = (
        "gradient clipping rescales the gradient norm before the optimizer step, with one global "
        "norm over all parameters, keeping the direction"
    )
    answer = "I would look at the gradient norm, then at data loading, batch size and epochs."
    result = match(answer, [point])
    assert result.points[0].status == "partly"
    assert not result.points[0].covered
