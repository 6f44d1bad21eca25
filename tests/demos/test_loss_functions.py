"""Loss functions: gradients against hand-computed values at z = −5, y = 1."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.loss_functions import DEMO, LossParams, compute
from tests.demos._finite import run_or_reject

SIGMA_MINUS_5 = 1 / (1 + math.exp(5))  # 0.0066928509


def run(**kw):
    return compute(LossParams(**kw))


def test_confidently_wrong_mse_gradient_is_tiny_and_ce_is_not():
    r = run(z=-5, y=1)
    assert r["p"] == pytest.approx(SIGMA_MINUS_5)
    # convention ½(σ − y)²: dL/dz = (σ − y)·σ·(1 − σ)
    assert r["losses"]["mse"]["grad"] == pytest.approx(-0.0066036, abs=1e-6)
    assert r["losses"]["mse"]["grad"] == pytest.approx(-0.0066, abs=5e-5)
    assert r["losses"]["bce"]["grad"] == pytest.approx(-0.9933071, abs=1e-6)
    assert r["losses"]["mse"]["value"] == pytest.approx(0.5 * (1 - SIGMA_MINUS_5) ** 2)
    assert r["losses"]["bce"]["value"] == pytest.approx(5 + math.log1p(math.exp(-5)))


def test_selected_loss_is_reported_at_top_level():
    r = run(loss="mse", z=-5, y=1)
    assert r["value"] == r["losses"]["mse"]["value"]
    assert r["grad"] == r["losses"]["mse"]["grad"]


def test_hinge_uses_label_2y_minus_1_and_stops_past_margin():
    assert run(z=-5, y=1)["losses"]["hinge"] == {"value": 6.0, "grad": -1.0}
    assert run(z=2, y=1)["losses"]["hinge"] == {"value": 0.0, "grad": 0.0}
    assert run(z=0.5, y=0)["losses"]["hinge"] == {"value": 1.5, "grad": 1.0}


def test_gradients_match_central_differences():
    h = 1e-6
    for name in ("mse", "bce"):
        for z in (-3.0, 0.2, 4.0):
            for y in (0.0, 0.3, 1.0):
                up = run(loss=name, z=z + h, y=y)["value"]
                down = run(loss=name, z=z - h, y=y)["value"]
                assert run(loss=name, z=z, y=y)["grad"] == pytest.approx(
                    (up - down) / (2 * h), abs=1e-6
                )


def test_extreme_logits_are_finite_without_overflow():
    r = run(**DEMO.examples["maximum"])
    assert r["losses"]["bce"]["value"] == pytest.approx(50.0)
    assert r["losses"]["bce"]["grad"] == pytest.approx(-1.0)
    for curve in r["curves"].values():
        assert np.isfinite(curve["loss"]).all() and np.isfinite(curve["grad"]).all()
    assert len(r["z_grid"]) == 201 and r["z_grid"][0] == -50.0


@pytest.mark.parametrize("bad", [{"z": 51}, {"y": 1.5}, {"loss": "l1"}, {"z": float("nan")}])
def test_out_of_bounds_rejected(bad):
    with pytest.raises(ValidationError):
        LossParams(**bad)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["mse", "bce", "hinge"]), st.floats(-0.5, 1.5), st.floats(-60, 60))
def test_random_inputs_are_rejected_or_finite(loss, y, z):
    run_or_reject(DEMO, {"loss": loss, "y": y, "z": z})
