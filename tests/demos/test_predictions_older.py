"""The numbers quoted in the "predict, then reveal" answers of the older demos.

Each test recomputes the prediction's preset (and, where the answer compares, the setting it
changes from) and checks every value the answer quotes, within the answer's rounding.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.demos.registry import get_demo


def _demo(slug: str):
    demo = get_demo(slug)
    assert demo is not None and demo.predict is not None
    return demo


def preset(slug: str) -> dict[str, Any]:
    """The result of the prediction's preset."""
    demo = _demo(slug)
    return demo.compute(demo.params.model_validate(demo.examples[demo.predict.preset]))


def run(slug: str, **params: Any) -> dict[str, Any]:
    demo = _demo(slug)
    return demo.compute(demo.params.model_validate(params))


def mean(values) -> float:
    return sum(values) / len(values)


def test_attention():
    r, base = preset("attention"), run("attention")
    assert mean(r["max_weight"]) == pytest.approx(0.86, abs=0.005)
    assert max(r["max_weight"]) == pytest.approx(1.00, abs=0.005)
    assert mean(base["max_weight"]) == pytest.approx(0.38, abs=0.005)
    assert mean(r["entropy"]) == pytest.approx(0.41, abs=0.005)
    assert mean(base["entropy"]) == pytest.approx(1.57, abs=0.005)
    assert r["uniform_entropy"][0] == pytest.approx(1.79, abs=0.005)
    assert r["score_std"]["used"] == pytest.approx(7.12, abs=0.005)


def test_autoencoder():
    r, linear = preset("autoencoder"), run("autoencoder", kind="linear")
    assert r["reconstruction_error"] == pytest.approx(0.0868, abs=0.00005)
    assert r["pca_error"] == pytest.approx(0.0705, abs=0.00005)
    assert linear["reconstruction_error"] == pytest.approx(0.0713, abs=0.00005)
    excess = linear["reconstruction_error"] / linear["pca_error"] - 1
    assert excess == pytest.approx(0.01, abs=0.005)


def test_batchnorm():
    r = preset("batchnorm")
    assert r["batch_var"] == [0.0]
    assert r["y"] == [[0.0]] * 4
    assert r["running_mean"][0] == pytest.approx(0.3)
    assert r["running_var"][0] == pytest.approx(0.9)


def test_bidirectional():
    r = preset("bidirectional")
    assert r["h_n"]["backward"] == pytest.approx([0.827, 0.527], abs=0.0005)
    assert r["h_n"]["backward"] == r["backward"][0]
    assert r["h_n"]["forward"] == pytest.approx([0.073, -0.863], abs=0.0005)
    assert r["h_n"]["forward"] == r["forward"][-1]


def test_broadcasting():
    r = preset("broadcasting")
    assert r["ok"] and r["result_shape"] == [5, 5]


def test_conv_pool():
    r, base = preset("conv-pool"), run("conv-pool")
    assert r["sizes"]["conv"]["height"]["size"] == r["sizes"]["conv"]["width"]["size"] == 8
    assert r["sizes"]["pool"]["height"]["size"] == r["sizes"]["pool"]["width"]["size"] == 4
    assert base["sizes"]["conv"]["height"]["size"] == 6
    assert base["sizes"]["pool"]["height"]["size"] == 3


def test_dropout():
    r, inverted = preset("dropout"), run("dropout", inverted=True)
    assert r["kept"] == 12
    assert r["mean_y"] == pytest.approx(0.6)
    assert r["expected_train_mean"] == pytest.approx(0.5)
    assert r["eval_mean"] == pytest.approx(0.5)
    assert inverted["mean_y"] == pytest.approx(1.2)
    assert inverted["expected_train_mean"] == pytest.approx(1.0)


def test_hyperparameter_search():
    r = preset("hyperparameter-search")
    assert r["random"]["best"] == pytest.approx(0.79, abs=0.005)
    assert r["grid"]["best"] == pytest.approx(0.065, abs=0.0005)
    assert r["optimum"] == pytest.approx(1.02, abs=0.005)
    assert r["per_axis"] == 2
    assert r["random"]["distinct"][0] == 16


def test_init_depth():
    r, he = preset("init-depth"), run("init-depth", depth=30)
    assert r["activation_std"][-1] == pytest.approx(2e-29, rel=0.25)
    assert r["activation_std"][0] == pytest.approx(0.093, abs=0.0005)
    assert r["grad_norm"][0] == pytest.approx(2e-26, rel=0.25)
    assert he["activation_std"][-1] == pytest.approx(0.51, abs=0.005)
    assert he["grad_norm"][0] == pytest.approx(55, abs=0.5)


def test_kfold():
    r, shuffled = preset("kfold"), run("kfold")
    assert r["mean"] == pytest.approx(0.153, abs=0.0005)
    assert r["std"] == pytest.approx(0.098, abs=0.0005)
    assert shuffled["mean"] == pytest.approx(0.044, abs=0.0005)
    assert shuffled["std"] == pytest.approx(0.022, abs=0.0005)
    assert r["scores"][:2] == pytest.approx([0.263, 0.259], abs=0.0005)


def test_loss_functions():
    r = preset("loss-functions")
    assert r["grad"] == pytest.approx(-0.0066, abs=0.00005)
    assert r["value"] == pytest.approx(0.493, abs=0.0005)
    assert r["losses"]["bce"]["grad"] == pytest.approx(-0.993, abs=0.0005)
    assert r["losses"]["bce"]["value"] == pytest.approx(5.01, abs=0.005)
    assert r["losses"]["bce"]["grad"] / r["grad"] == pytest.approx(150, abs=1)


def test_normalization():
    r = preset("normalization")
    assert r["converged_at"] == 40
    assert r["comparison"]["none"]["condition_number"] == pytest.approx(96.8, abs=0.05)
    assert r["condition_number"] == pytest.approx(1.32, abs=0.005)
    assert r["comparison"]["none"]["max_stable_lr"] == pytest.approx(0.022, abs=0.0005)
    assert r["max_stable_lr"] == pytest.approx(1.76, abs=0.005)
    assert run("normalization")["diverged_at"] == 7


def test_overfitting():
    r = preset("overfitting")
    assert r["train_error"][12] == pytest.approx(0.0011, abs=0.00005)
    assert r["val_error"][12] == pytest.approx(62, abs=0.5)
    assert r["best_degree"] == 5
    assert r["val_error"][5] == pytest.approx(0.054, abs=0.0005)


def test_rbm():
    r = preset("rbm")
    states = [tuple(int(x) for x in v) for v in r["visible_states"]]
    i1100, i0011 = states.index((1, 1, 0, 0)), states.index((0, 0, 1, 1))
    assert r["p_v"][i1100] == pytest.approx(0.486, abs=0.0005)
    assert r["p_v"][i0011] == pytest.approx(0.486, abs=0.0005)
    assert r["p_v"][i1100] + r["p_v"][i0011] == pytest.approx(0.97, abs=0.005)
    assert r["sample_frequencies"][i1100] == pytest.approx(0.388, abs=0.0005)
    assert r["sample_frequencies"][i0011] == pytest.approx(0.402, abs=0.0005)
    assert r["total_variation"] == pytest.approx(0.18, abs=0.005)


def test_receptive_field():
    r = preset("receptive-field")
    assert r["receptive_field"] == 32 and r["jump"] == 4
    assert run("receptive-field", layers=6)["receptive_field"] == 13
    assert [s["growth"] for s in r["steps"] if s["layer"] in ("conv5", "conv6")] == [8, 8]
    assert r["single_params"] == 4_194_304 and r["stacked_params"] == 221_184


def test_regularization():
    r, l2 = preset("regularization"), run("regularization", penalty="l2", lam=0.1)
    assert r["zeros"] == 3
    assert r["weights"][5:] == [0.0, 0.0, 0.0]
    assert l2["zeros"] == 0
    assert l2["weights"][6] == pytest.approx(0.071, abs=0.0005)


def test_vanishing_rnn():
    r, tanh = preset("vanishing-rnn"), run("vanishing-rnn")
    assert r["grad_norm"][-1] == pytest.approx(9100, abs=50)
    assert r["linear_bound"][-1] == pytest.approx(9100, abs=50)
    assert r["clipped_norm"][-1] == pytest.approx(5)
    assert tanh["grad_norm"][-1] == pytest.approx(0.001, abs=0.00005)


def test_xor():
    r = preset("xor")
    assert r["perceptron"]["accuracy"] == 0.75
    assert r["perceptron"]["rule_converges"] is False
    assert r["predictions"] == [0.0, 1.0, 1.0, 1.0]
