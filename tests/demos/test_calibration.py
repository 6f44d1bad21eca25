"""calibration: ECE on hand-computed bins (Guo et al. 2017), NLL, and the fitted temperature."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.calibration import DEMO, CalibrationParams, compute
from tests.demos._finite import assert_pages_render, run_or_reject

# top-1 probabilities: σ(2) = 0.8808 (right), σ(3) = 0.9526 (right), 0.5 (tie -> class 0,
# wrong), σ(4) = 0.9820 (wrong)
GIVEN = {"logits": [[2, 0], [0, 3], [1, 1], [4, 0]], "labels": [0, 1, 1, 1]}


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_ece_by_hand_with_five_bins():
    r = compute(CalibrationParams(**GIVEN, bins=5, temperature=1.0))
    # bins (0.4, 0.6]: {0.5, wrong}; (0.8, 1]: {0.8808 right, 0.9526 right, 0.9820 wrong}
    high = (sig(2) + sig(3) + sig(4)) / 3
    expected = 1 / 4 * abs(0 - 0.5) + 3 / 4 * abs(2 / 3 - high)
    assert r["ece"] == pytest.approx(expected)
    assert [b["count"] for b in r["bins"]] == [0, 0, 1, 0, 3]
    assert r["bins"][4]["accuracy"] == pytest.approx(2 / 3)
    assert r["bins"][0]["confidence"] is None
    assert (r["bins"][2]["lo"], r["bins"][2]["hi"]) == (0.4, 0.6)
    assert r["accuracy"] == 0.5


def test_nll_by_hand():
    r = compute(CalibrationParams(**GIVEN, temperature=1.0))
    expected = -(math.log(sig(2)) + math.log(sig(3)) + math.log(0.5) + math.log(sig(-4))) / 4
    assert r["nll"] == pytest.approx(expected)
    half = compute(CalibrationParams(**GIVEN, temperature=2.0))
    assert half["nll"] == pytest.approx(
        -(math.log(sig(1)) + math.log(sig(1.5)) + math.log(0.5) + math.log(sig(-2))) / 4
    )


def test_a_confidence_on_an_edge_belongs_to_the_lower_bin():
    # logits [0, 0]: confidence 0.5 exactly, the upper edge of (0.4, 0.5] with 10 bins
    r = compute(CalibrationParams(logits=[[0, 0]], labels=[0], bins=10, temperature=1.0))
    assert [b["count"] for b in r["bins"]][4] == 1
    # and confidence 1/3 (3 classes) with 3 bins falls in [0, 1/3]
    r = compute(CalibrationParams(logits=[[0, 0, 0]], labels=[0], bins=3, temperature=1.0))
    assert r["bins"][0]["count"] == 1


def test_fitted_temperature_minimizes_the_nll():
    r = compute(CalibrationParams(**GIVEN))
    grid = np.geomspace(0.05, 20, 20001)
    z = np.array(GIVEN["logits"], dtype=float)
    y = np.array(GIVEN["labels"])
    nlls = []
    for t in grid:
        s = z / t
        log_z = np.log(np.exp(s).sum(axis=1))
        nlls.append((log_z - s[np.arange(4), y]).mean())
    best = grid[int(np.argmin(nlls))]
    assert r["temperature"] == pytest.approx(best, rel=1e-3)
    assert r["nll"] <= min(nlls) + 1e-12


@pytest.mark.parametrize(("model", "k"), [("overconfident", 2.5), ("underconfident", 0.5)])
def test_fit_recovers_the_sharpness_of_the_seeded_model(model, k):
    r = compute(CalibrationParams(model=model, samples=2000))
    assert r["temperature"] == pytest.approx(k, rel=0.1)
    assert r["ece"] < r["uncalibrated"]["ece"] / 2
    assert r["accuracy"] == r["uncalibrated"]["accuracy"]


def test_overconfident_model_sits_below_the_diagonal():
    r = compute(CalibrationParams(temperature=1.0))
    assert r["uncalibrated"]["mean_confidence"] > r["accuracy"] + 0.1
    assert r["temperature"] == 1.0


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"logits": [[1, 0]]}, "labels", "give logits and labels together"),
        ({"logits": [[1, 0]], "labels": [0, 1]}, "labels", "labels has 2 entries but logits has 1"),
        ({"logits": [[1, 0]], "labels": [2]}, "labels", "below 2, the number of columns"),
        ({"temperature": 0}, "temperature", "greater than or equal to 0.05"),
        ({"temperature": "auto"}, "temperature", "'fit'"),
    ],
)
def test_bad_inputs_name_the_parameter(params, field, words):
    with pytest.raises(ValidationError) as error:
        CalibrationParams(**params)
    messages = [(e["loc"][0], e["msg"]) for e in error.value.errors()]
    assert any(loc == field and words in msg for loc, msg in messages), messages


def test_api_422_names_the_field(client):
    r = client.post("/api/demos/calibration", json={"logits": [[1, 0]], "labels": [5]})
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", "labels"] for e in r.json()["detail"])


def test_api_accepts_fit_and_a_number(client):
    fit = client.post("/api/demos/calibration", json={**GIVEN, "temperature": "fit"}).json()
    given_t = client.post("/api/demos/calibration", json={**GIVEN, "temperature": 1.5}).json()
    assert given_t["temperature"] == 1.5 and fit["temperature"] != 1.5
    assert {"ece", "bins", "nll", "temperature"} <= set(fit)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(2, 4), st.integers(1, 20), st.data())
def test_random_inputs_are_rejected_or_give_finite_results(n, c, bins, data):
    logits = data.draw(
        st.lists(st.lists(st.floats(-1e3, 1e3), min_size=c, max_size=c), min_size=n, max_size=n)
    )
    labels = data.draw(st.lists(st.integers(0, c), min_size=n, max_size=n))
    temperature = data.draw(st.one_of(st.just("fit"), st.floats(0.05, 20)))
    run_or_reject(
        DEMO, {"logits": logits, "labels": labels, "bins": bins, "temperature": temperature}
    )


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)


def test_a_size_that_contradicts_the_logits_names_both():
    with pytest.raises(ValidationError) as error:
        CalibrationParams(**GIVEN, classes=3)
    assert "logits gives classes = 2, but classes = 3 was given" in str(error.value)
    assert compute(CalibrationParams(**GIVEN, samples=None, classes=2))["temperature"] > 0
