"""diffusion: DDPMScheduler's schedules by formula, leading timesteps, the exact ε of a mixture,
one sampling step by hand, and DDPM over all T steps matching the mixture's moments."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.demos.diffusion import DEMO, DiffusionParams, Mixture, compute, leading_timesteps
from tests.demos._finite import assert_pages_render, run_or_reject


def test_linear_schedule_as_diffusers():
    r = compute(DiffusionParams(sampling_steps=1, n_samples=1))
    betas = np.array(r["betas"])
    expected = 1e-4 + np.arange(1000) * (0.02 - 1e-4) / 999  # linspace(1e-4, 0.02, 1000)
    np.testing.assert_allclose(betas, expected, rtol=1e-6)  # float32, as the torch tensor
    abar = np.array(r["alphas_cumprod"])
    assert abar[0] == pytest.approx(1 - 1e-4, rel=1e-7)
    assert abar[1] == pytest.approx((1 - 1e-4) * (1 - expected[1]), rel=1e-6)
    # ᾱ_999 = Π (1 − β_t) ≈ 4.04e-5: almost pure noise at the last step
    assert abar[-1] == pytest.approx(np.prod(1 - expected), rel=1e-3)
    assert abar[-1] == pytest.approx(4.036e-5, rel=1e-3)


def test_cosine_schedule_as_squaredcos_cap_v2():
    r = compute(DiffusionParams(schedule="cosine", sampling_steps=1, n_samples=1))

    def alpha_bar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = r["betas"]
    assert betas[0] == pytest.approx(1 - alpha_bar(1 / 1000) / alpha_bar(0), rel=1e-6)
    assert betas[500] == pytest.approx(1 - alpha_bar(501 / 1000) / alpha_bar(500 / 1000), rel=1e-6)
    assert betas[-1] == pytest.approx(0.999, rel=1e-7)  # ᾱ(1) = 0: capped at max_beta
    # the product telescopes: ᾱ_t = alpha_bar((t + 1)/T) / alpha_bar(0) before the cap
    assert r["alphas_cumprod"][499] == pytest.approx(alpha_bar(0.5) / alpha_bar(0), rel=1e-5)


@pytest.mark.parametrize(
    ("t", "s", "expected"),
    [
        (1000, 50, list(range(980, -1, -20))),
        (10, 3, [6, 3, 0]),
        (1000, 1000, list(range(999, -1, -1))),
    ],
)
def test_leading_timesteps(t, s, expected):
    assert leading_timesteps(t, s).tolist() == expected


def test_exact_eps_is_the_scaled_score_of_the_noised_mixture():
    means, std, weights = [[2.0, 0.0], [-1.0, 1.0]], 0.5, [0.7, 0.3]
    mix = Mixture(means, std, weights)
    abar = 0.36
    a, s2 = math.sqrt(abar), abar * std**2 + 1 - abar

    def log_p(p):  # the noised mixture's density, written out
        return math.log(
            sum(
                w * math.exp(-((p[0] - a * m[0]) ** 2 + (p[1] - a * m[1]) ** 2) / (2 * s2))
                for w, m in zip(weights, means, strict=True)
            )
        )

    for point in ([0.3, -0.2], [1.5, 0.5], [-2.0, 2.0]):
        h = 1e-6
        grad = [
            (log_p([point[0] + h, point[1]]) - log_p([point[0] - h, point[1]])) / (2 * h),
            (log_p([point[0], point[1] + h]) - log_p([point[0], point[1] - h])) / (2 * h),
        ]
        eps = mix.eps(np.array(point)[:, None], abar)[:, 0]
        np.testing.assert_allclose(eps, -math.sqrt(1 - abar) * np.array(grad), rtol=1e-6)
    # one component alone: ε = √(1 − ᾱ)(x − √ᾱ μ)/s²
    single = mix.eps(np.array([[1.0], [1.0]]), abar, only=1)[:, 0]
    np.testing.assert_allclose(
        single, math.sqrt(0.64) * (np.array([1, 1]) - 0.6 * np.array([-1, 1])) / s2
    )


@pytest.mark.parametrize("sampler", ["ddpm", "ddim"])
def test_one_step_from_t_zero_by_hand(sampler):
    # T = 2, β = 0.5 -> ᾱ_0 = 0.5; S = 1 uses t = 0 with ᾱ_prev = 1, so both samplers return
    # x̂₀ = (x − √0.5 ε)/√0.5. For one component N(μ, 1): s² = 1 and x̂₀ = μ + √0.5 (x − √0.5 μ):
    # mean μ/2 and std √0.5 over x ~ N(0, I)
    r = compute(
        DiffusionParams(
            timesteps=2,
            beta_start=0.5,
            beta_end=0.5,
            sampling_steps=1,
            sampler=sampler,
            means=[[4.0, -2.0]],
            std=1.0,
            n_samples=2000,
        )
    )
    s = np.array(r["samples"])
    np.testing.assert_allclose(s.mean(axis=0), [2.0, -1.0], atol=4 * math.sqrt(0.5 / 2000))
    np.testing.assert_allclose(s.std(axis=0), math.sqrt(0.5), rtol=0.06)


def test_ddpm_over_all_steps_matches_the_mixture_moments():
    pooled = np.concatenate(
        [
            compute(DiffusionParams(sampler="ddpm", sampling_steps=1000, n_samples=200, seed=s))[
                "samples"
            ]
            for s in range(3)
        ]
    )
    mixture = compute(DiffusionParams(sampling_steps=1, n_samples=1))
    # four blobs at distance 2 with σ = 0.3: mean 0, variance 4/2 + 0.09 = 2.09 per axis
    assert mixture["mixture_mean"] == [0, 0]
    np.testing.assert_allclose(mixture["mixture_cov"], [[2.09, 0], [0, 2.09]], atol=1e-12)
    se = math.sqrt(2.09 / len(pooled))
    np.testing.assert_allclose(pooled.mean(axis=0), [0, 0], atol=4 * se)
    np.testing.assert_allclose(np.cov(pooled.T), [[2.09, 0], [0, 2.09]], atol=0.3)


def test_ddpm_over_all_steps_recovers_one_component():
    r = compute(
        DiffusionParams(
            sampler="ddpm", sampling_steps=1000, n_samples=200, means=[[1.0, -1.0]], std=0.5
        )
    )
    s = np.array(r["samples"])
    np.testing.assert_allclose(s.mean(axis=0), [1, -1], atol=4 * 0.5 / math.sqrt(200))
    np.testing.assert_allclose(s.std(axis=0), 0.5, rtol=0.2)


def test_ddim_is_deterministic_and_guidance_concentrates_the_samples():
    assert compute(DiffusionParams(seed=4)) == compute(DiffusionParams(seed=4))
    guided = np.array(compute(DiffusionParams(guide_to=0, guidance_scale=3.0))["samples"])
    nearest = np.argmin(
        ((guided[:, None] - np.array([[2, 0], [0, 2], [-2, 0], [0, -2]])) ** 2).sum(axis=2), axis=1
    )
    assert (nearest == 0).mean() > 0.95
    assert guided.std(axis=0).max() < 0.3  # tighter than the component's own σ


def test_step_shows_the_process():
    r = compute(DiffusionParams(step=0, n_samples=1000))
    assert np.array(r["shown_samples"]).std() == pytest.approx(1, abs=0.1)  # pure noise
    final = compute(DiffusionParams(step=50))
    assert final["shown_samples"] == final["samples"]
    assert len(final["trajectories"][0]) == 51


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"timesteps": 10, "sampling_steps": 20}, "sampling_steps (20) exceeds timesteps (10)"),
        ({"step": 60}, "step (60) exceeds sampling_steps (50)"),
        ({"weights": [1, 1]}, "weights has 2 values but means has 4 rows"),
        ({"guide_to": 5}, "guide_to (5) must name one of the 4 means"),
        ({"n_samples": 2000, "sampling_steps": 1000}, "n_samples × sampling_steps is 2,000,000"),
    ],
)
def test_contradictions_name_both_fields(params, words):
    with pytest.raises(ValidationError) as error:
        DiffusionParams(**params)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"schedule": "quadratic"}, "schedule"),
        ({"means": [[1, 2, 3]]}, "means"),
        ({"guidance_scale": -1}, "guidance_scale"),
        ({"n_samples": 2001}, "n_samples"),
    ],
)
def test_api_422_names_the_field(client, body, field):
    r = client.post("/api/demos/diffusion", json=body)
    assert r.status_code == 422
    assert any(e["loc"][:2] == ["body", field] for e in r.json()["detail"])


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["linear", "cosine"]),
    st.sampled_from(["ddpm", "ddim"]),
    st.integers(2, 60),
    st.integers(1, 60),
    st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=1, max_size=4),
    st.floats(0.01, 5),
    st.floats(0, 20),
)
def test_random_inputs_are_rejected_or_give_finite_results(schedule, sampler, t, s, means, std, w):
    run_or_reject(
        DEMO,
        {
            "schedule": schedule,
            "sampler": sampler,
            "timesteps": t,
            "sampling_steps": s,
            "means": [list(m) for m in means],
            "std": std,
            "guide_to": 0,
            "guidance_scale": w,
            "n_samples": 50,
        },
    )


def test_presets_round_trip_and_render(client):
    assert_pages_render(client, DEMO)
