"""autoencoder: gradient descent approaches PCA's optimum, which no linear code can beat."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.autoencoder import DEMO, AutoencoderParams, compute, dataset
from tests.demos._finite import assert_pages_render, run_or_reject


def run(**params):
    return compute(AutoencoderParams(**params))


@pytest.mark.parametrize(
    "params", [{}, {"seed": 7}, {"dataset": "digits", "k": 8}, {"dataset": "blobs", "k": 1}]
)
def test_linear_autoencoder_error_is_within_5_percent_of_pca(params):
    result = run(**params)
    assert result["pca_error"] <= result["reconstruction_error"] <= 1.05 * result["pca_error"]


def test_pca_error_is_the_discarded_eigenvalues_of_the_covariance():
    x, _ = dataset("blobs")
    xc = x - x.mean(axis=0)
    eigenvalues = np.sort(np.linalg.eigvalsh(xc.T @ xc / len(x)))[::-1]
    by_k = run()["pca_error_by_k"]
    expected = [eigenvalues[k:].sum() / x.shape[1] for k in range(x.shape[1] + 1)]
    np.testing.assert_allclose(by_k, expected, atol=1e-12)
    assert by_k[0] == pytest.approx(np.mean(xc**2))
    assert by_k[-1] == 0


def test_training_lowers_the_loss_and_reports_the_final_error():
    result = run(steps=300)
    assert result["loss"][0] > result["loss"][-1]
    assert result["loss"][-1] == pytest.approx(result["reconstruction_error"])
    assert result["loss_steps"][-1] == 300
    assert len(result["loss"]) == len(result["loss_steps"])


def test_relu_bottleneck_cannot_beat_pca_here():
    result = run(kind="relu")
    assert result["reconstruction_error"] > result["pca_error"]
    assert min(min(code) for code in result["codes"]) >= 0


def test_results_are_seeded():
    assert run(seed=3) == run(seed=3)
    assert run(seed=3)["reconstruction_error"] != run(seed=4)["reconstruction_error"]


def test_digits_come_with_their_image_shape():
    result = run(dataset="digits")
    assert result["image_shape"] == [7, 5]
    assert len(result["samples"]["original"][0]) == 35


def test_k_larger_than_the_features_names_k():
    with pytest.raises(ValidationError) as error:
        AutoencoderParams(dataset="blobs", k=9)
    assert error.value.errors()[0]["loc"] == ("k",)
    assert "at most 8" in error.value.errors()[0]["msg"]


def test_maximum_example_is_finite():
    result = compute(AutoencoderParams(**DEMO.examples["maximum"]))
    assert np.isfinite(result["reconstruction_error"])


@settings(max_examples=15, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "dataset": st.sampled_from(["blobs", "digits"]),
            "kind": st.sampled_from(["linear", "relu"]),
            "k": st.integers(0, 36),
            "steps": st.integers(0, 300),
            "seed": st.integers(0, 2**32 - 1),
        }
    )
)
def test_random_inputs_are_rejected_or_give_finite_results(params):
    run_or_reject(DEMO, params)


@pytest.mark.parametrize("dataset", ["blobs", "digits"])
def test_view_draws_curves_codes_and_samples(dataset):
    params = AutoencoderParams(dataset=dataset)
    shown = DEMO.view(params, compute(params))
    assert "PCA, k = 2" in shown["loss_svg"]
    assert "autoencoder" in shown["by_k_svg"]
    if dataset == "digits":
        assert len(shown["samples"]) == 6 and shown["samples"][0]["pca"].startswith("<svg")
    else:
        assert len(shown["sample_tables"]["original"]) == 6


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
