"""Diffusion on a 2-D Gaussian mixture, sampled with the exact noise predictor (no training).

Schedules are those of diffusers' DDPMScheduler, in float32 as there: "linear" is
linspace(beta_start, beta_end, T) and "cosine" is "squaredcos_cap_v2", betas_for_alpha_bar
with ᾱ(t) = cos²((t + 0.008)/1.008 · π/2) and β capped at 0.999. For data
x₀ ~ Σ_k w_k N(μ_k, σ²I), the noised x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε is again a mixture, of
N(√ᾱ_t μ_k, (ᾱ_t σ² + 1 − ᾱ_t) I), so the ideal ε-prediction E[ε | x_t] = −√(1 − ᾱ_t) ∇log p_t
is known in closed form. Sampling uses diffusers' "leading" timesteps t = k·⌊T/S⌋ for
k = S − 1 … 0 with ᾱ₋₁ = 1; DDPM with the fixed small posterior variance and no clipping of x₀,
DDIM with η = 0. Guidance mixes ε = (1 + w)·ε_cond − w·ε_uncond with ε_cond the exact ε of
one component alone, as classifier-free guidance does with a class.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_TIMESTEPS = 1000
MAX_COMPONENTS = 8
MAX_SAMPLES = 2000
MAX_WORK = 200_000  # samples × sampling steps: keeps the largest run under 100 ms
TRACED = 8  # samples whose trajectories are drawn
CURVE_POINTS = 120  # timesteps drawn in the schedule plots
SHOWN_POINTS = 150  # points per scatter series on the page; the JSON keeps all
MAX_BETA = 0.999
ABAR_FLOOR = 1e-12

Coordinate = Annotated[float, Field(ge=-10, le=10)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2)]

FOUR_BLOBS = [[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]]


class DiffusionParams(DemoParams):
    schedule: Literal["linear", "cosine"] = Field(
        "linear", description="β schedule: linear, or cosine (squaredcos_cap_v2)"
    )
    timesteps: int = Field(1000, ge=2, le=MAX_TIMESTEPS, description="Training timesteps T")
    beta_start: float = Field(0.0001, ge=1e-6, le=0.5, description="First β (linear schedule)")
    beta_end: float = Field(0.02, ge=1e-6, le=MAX_BETA, description="Last β (linear schedule)")
    sampler: Literal["ddpm", "ddim"] = Field(
        "ddim", description="DDPM (stochastic, posterior variance) or DDIM (η = 0)"
    )
    sampling_steps: int = Field(
        50,
        ge=1,
        le=MAX_TIMESTEPS,
        description="Sampling steps S ≤ T ('leading' spacing t = k·⌊T/S⌋)",
    )
    step: int | None = Field(
        None, ge=0, le=MAX_TIMESTEPS, description="Show the samples after this many steps"
    )
    means: list[Point] = Field(
        FOUR_BLOBS, min_length=1, max_length=MAX_COMPONENTS, description="Mixture means, K × 2"
    )
    std: float = Field(0.3, ge=0.01, le=5, description="Std σ of every (isotropic) component")
    weights: list[Annotated[float, Field(ge=0, le=1e6)]] | None = Field(
        None,
        max_length=MAX_COMPONENTS,
        description="Component weights (normalized); default uniform",
    )
    guide_to: int | None = Field(
        None, ge=0, le=MAX_COMPONENTS - 1, description="Component used as the guidance 'class'"
    )
    guidance_scale: float = Field(
        0.0,
        ge=0,
        le=20,
        description="w in ε = (1 + w)·ε_cond − w·ε_uncond (needs guide_to)",
        json_schema_extra={"slider": [0, 10, 0.5]},
    )
    n_samples: int = Field(500, ge=1, le=MAX_SAMPLES, description="Samples drawn")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the initial noise and steps")

    @model_validator(mode="after")
    def _consistent(self) -> DiffusionParams:
        k = len(self.means)
        if self.sampling_steps > self.timesteps:
            raise ValueError(
                f"sampling_steps ({self.sampling_steps}) exceeds timesteps ({self.timesteps})"
            )
        if self.step is not None and self.step > self.sampling_steps:
            raise ValueError(f"step ({self.step}) exceeds sampling_steps ({self.sampling_steps})")
        if self.weights is not None and len(self.weights) != k:
            raise ValueError(f"weights has {len(self.weights)} values but means has {k} rows")
        if self.weights is not None and sum(self.weights) <= 0:
            raise ValueError("weights needs at least one positive value")
        if self.guide_to is not None and self.guide_to >= k:
            raise ValueError(f"guide_to ({self.guide_to}) must name one of the {k} means")
        if self.n_samples * self.sampling_steps > MAX_WORK:
            raise ValueError(
                f"n_samples × sampling_steps is {self.n_samples * self.sampling_steps:,}, "
                f"above {MAX_WORK:,}: lower n_samples or sampling_steps"
            )
        return self


def betas_for(schedule: str, timesteps: int, beta_start: float, beta_end: float) -> np.ndarray:
    """DDPMScheduler's betas (float32)."""
    if schedule == "linear":
        return np.linspace(beta_start, beta_end, timesteps).astype(np.float32)

    def alpha_bar(t: np.ndarray) -> np.ndarray:
        return np.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    i = np.arange(timesteps, dtype=float)
    ratio = 1 - alpha_bar((i + 1) / timesteps) / alpha_bar(i / timesteps)
    return np.minimum(ratio, MAX_BETA).astype(np.float32)


def alphas_cumprod_of(betas: np.ndarray) -> np.ndarray:
    return np.cumprod(np.float32(1) - betas, dtype=np.float32)


def leading_timesteps(timesteps: int, steps: int) -> np.ndarray:
    """diffusers' "leading" spacing with steps_offset 0: k·⌊T/S⌋ for k = S − 1 … 0."""
    return (np.arange(steps) * (timesteps // steps))[::-1]


class Mixture:
    """The data distribution and its noised versions, with their exact ε."""

    def __init__(self, means: list[list[float]], std: float, weights: list[float] | None):
        self.mu = np.array(means, dtype=float)
        w = np.ones(len(means)) if weights is None else np.array(weights, dtype=float)
        self.w = w / w.sum()
        self.std = std
        self.mu_sq = (self.mu**2).sum(axis=1)
        with np.errstate(divide="ignore"):
            self.log_w = np.log(self.w)

    def eps(self, x: np.ndarray, abar: float, only: int | None = None) -> np.ndarray:
        """E[ε | x_t] for points as columns (2 × n): √(1 − ᾱ)(x − √ᾱ·E[μ | x_t]) / s²,
        with s² = ᾱσ² + 1 − ᾱ. Components run along axis 0, so the reductions over them
        are vectorized over the samples."""
        a = math.sqrt(abar)
        s2 = abar * self.std**2 + 1 - abar
        if only is None:
            # log w_k − |x − aμ_k|²/(2s²), dropping |x|²/(2s²), shared by all k
            centre = (a / s2) * self.mu
            logits = centre[:, :1] * x[0] + centre[:, 1:] * x[1]
            logits += (self.log_w - (a * a / (2 * s2)) * self.mu_sq)[:, None]
            logits -= logits.max(axis=0)
            r = np.exp(logits, out=logits)
            r /= r.sum(axis=0)
            mean = self.mu.T @ r
        else:
            mean = self.mu[only][:, None]
        return (math.sqrt(1 - abar) / s2) * (x - a * mean)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        which = rng.choice(len(self.w), size=n, p=self.w)
        return self.mu[which] + self.std * rng.standard_normal((n, 2))

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.w @ self.mu
        centred = self.mu - mean
        cov = (self.w[:, None] * centred).T @ centred + self.std**2 * np.eye(2)
        return mean, cov


def sample(
    params: DiffusionParams, mix: Mixture, alphas_cumprod: np.ndarray
) -> dict[str, np.ndarray]:
    """Reverse process from x ~ N(0, I); returns the final and the shown samples and traces."""
    rng = np.random.default_rng(params.seed)
    n, steps = params.n_samples, params.sampling_steps
    ts = leading_timesteps(params.timesteps, steps)
    gap = params.timesteps // steps
    x = rng.standard_normal((2, n))  # samples as columns: see Mixture.eps
    ddpm = params.sampler == "ddpm"
    noise = rng.standard_normal((steps, 2, n)) if ddpm else None
    guided = params.guide_to is not None and params.guidance_scale > 0
    w = params.guidance_scale
    shown_at = steps if params.step is None else params.step
    shown = x.copy() if shown_at == 0 else None
    trace = [x[:, :TRACED].T.copy()]
    # float32 ᾱ can underflow to 0 (or round to 1) at extreme schedules, where diffusers would
    # divide by zero; the sampler keeps it inside [ABAR_FLOOR, 1 − ABAR_FLOOR]
    abar = np.clip(alphas_cumprod.astype(float), ABAR_FLOOR, 1 - ABAR_FLOOR)
    for i, t in enumerate(ts.tolist()):
        a_t = abar[t]
        a_prev = abar[t - gap] if t - gap >= 0 else 1.0
        eps = mix.eps(x, a_t)
        if guided:
            eps = (1 + w) * mix.eps(x, a_t, params.guide_to) - w * eps
        # x̂₀ = (x − √(1 − ᾱ_t)·ε)/√ᾱ_t, folded into one linear update of x and ε
        if ddpm:
            alpha = a_t / a_prev
            beta = 1 - alpha
            c0 = math.sqrt(a_prev) * beta / (1 - a_t)  # coefficient of x̂₀ in the mean
            ct = math.sqrt(alpha) * (1 - a_prev) / (1 - a_t)  # coefficient of x_t
            x = (c0 / math.sqrt(a_t) + ct) * x - (c0 * math.sqrt((1 - a_t) / a_t)) * eps
            if t > 0 and noise is not None:  # always drawn in this DDPM branch
                variance = max((1 - a_prev) / (1 - a_t) * beta, 1e-20)
                x += math.sqrt(variance) * noise[i]
        else:  # x = √ᾱ_prev·x̂₀ + √(1 − ᾱ_prev)·ε
            ratio = math.sqrt(a_prev / a_t)
            x = ratio * x + (math.sqrt(1 - a_prev) - ratio * math.sqrt(1 - a_t)) * eps
        trace.append(x[:, :TRACED].T.copy())
        if i + 1 == shown_at:
            shown = x.copy()
    assert shown is not None  # 0 <= shown_at <= steps: set before the loop or at its step
    return {"samples": x.T, "shown": shown.T, "trace": np.stack(trace), "timesteps": ts}


def compute(params: DiffusionParams) -> dict[str, Any]:
    betas = betas_for(params.schedule, params.timesteps, params.beta_start, params.beta_end)
    alphas_cumprod = alphas_cumprod_of(betas)
    mix = Mixture(params.means, params.std, params.weights)
    run = sample(params, mix, alphas_cumprod)
    abar = alphas_cumprod.astype(float)
    mean, cov = mix.moments()
    samples = run["samples"]
    return {
        "betas": betas.astype(float).tolist(),
        "alphas_cumprod": abar.tolist(),
        "samples": samples.tolist(),
        "timesteps_used": run["timesteps"].tolist(),
        "shown_samples": run["shown"].tolist(),
        "trajectories": run["trace"].transpose(1, 0, 2).tolist(),
        "snr": (abar / np.maximum(1 - abar, 1e-300)).tolist(),
        "mixture_mean": mean.tolist(),
        "mixture_cov": cov.tolist(),
        "sample_mean": samples.mean(axis=0).tolist(),
        "sample_cov": np.cov(samples.T).tolist() if len(samples) > 1 else [[0, 0], [0, 0]],
        "weights": mix.w.tolist(),
    }


def view(params: DiffusionParams, result: dict[str, Any]) -> dict[str, Any]:
    """Schedules compared, forward noising, reverse samples with trajectories, moments."""
    # ~120 timesteps draw a smooth curve at a fraction of the cost of 1000 in the SVG
    t_axis = np.unique(np.linspace(0, params.timesteps - 1, CURVE_POINTS).round().astype(int))
    other = "cosine" if params.schedule == "linear" else "linear"
    other_abar = alphas_cumprod_of(
        betas_for(other, params.timesteps, params.beta_start, params.beta_end)
    ).astype(float)[t_axis]
    all_abar = np.array(result["alphas_cumprod"])
    abar = all_abar[t_axis]
    schedule_svg = line_plot(
        [
            Series(t_axis, abar, f"ᾱ_t {params.schedule}"),
            Series(t_axis, other_abar, f"ᾱ_t {other}", dashed=True),
        ],
        title="Signal kept, ᾱ_t, per timestep",
        desc=f"ᾱ_t of the {params.schedule} and {other} schedules over T = {params.timesteps} "
        f"steps; ᾱ at the last step is {fmt(all_abar[-1])}",
        x_label="timestep t",
        y_label="ᾱ_t",
        y_range=(0, 1),
        width=PAIR_WIDTH,
    )
    snr_svg = line_plot(
        [
            Series(t_axis, np.array(result["snr"])[t_axis], params.schedule),
            Series(t_axis, other_abar / np.maximum(1 - other_abar, 1e-300), other, dashed=True),
        ],
        title="Signal-to-noise ratio ᾱ/(1 − ᾱ)",
        desc="SNR per timestep on a log scale for both schedules",
        x_label="timestep t",
        y_label="SNR (log scale)",
        log_y=True,
        width=PAIR_WIDTH,
    )
    mix = Mixture(params.means, params.std, params.weights)
    rng = np.random.default_rng(params.seed + 1)
    data = mix.sample(rng, min(params.n_samples, SHOWN_POINTS))
    eps = rng.standard_normal(data.shape)
    forward = []
    for frac, css in ((0.1, "series-2"), (0.4, "series-3")):
        t = int(frac * (params.timesteps - 1))
        noisy = math.sqrt(all_abar[t]) * data + math.sqrt(1 - all_abar[t]) * eps
        forward.append(Series(noisy[:, 0], noisy[:, 1], f"x_t, t = {t}", kind="markers", css=css))
    forward_svg = line_plot(
        [Series(data[:, 0], data[:, 1], "data x₀", kind="markers", css="series-1"), *forward],
        title="Forward process: the data noised",
        desc="Samples of the mixture and the same points noised to two timesteps",
        x_label="x",
        y_label="y",
        width=PAIR_WIDTH,
    )
    shown = np.array(result["shown_samples"])[:SHOWN_POINTS]
    step = params.sampling_steps if params.step is None else params.step
    trajectories = np.array(result["trajectories"])[:, : step + 1]
    # one series, the paths separated by a NaN point (app.charts breaks lines at non-finite points)
    gaps = np.full((len(trajectories), 1, 2), np.nan)
    paths = np.concatenate([trajectories, gaps], axis=1).reshape(-1, 2)
    reverse_svg = line_plot(
        [
            Series(data[:, 0], data[:, 1], "data", kind="markers", css="series-8"),
            Series(shown[:, 0], shown[:, 1], f"samples after {step} steps", kind="markers"),
            Series(paths[:, 0], paths[:, 1], "trajectories", css="series-5"),
        ],
        title=f"Reverse process: {params.sampler.upper()}, step {step} of {params.sampling_steps}",
        desc=f"The first {len(shown)} of {params.n_samples} samples after {step} of "
        f"{params.sampling_steps} sampling steps "
        f"against data from the mixture, with the paths of {len(trajectories)} samples",
        x_label="x",
        y_label="y",
        width=PAIR_WIDTH,
    )
    nearest = np.argmin(
        ((np.array(result["samples"])[:, None, :] - mix.mu[None]) ** 2).sum(axis=2), axis=1
    )
    share = np.bincount(nearest, minlength=len(mix.w)) / max(len(nearest), 1)
    ts = result["timesteps_used"]
    return {
        "schedule_svg": schedule_svg,
        "snr_svg": snr_svg,
        "forward_svg": forward_svg,
        "reverse_svg": reverse_svg,
        "components": [
            {
                "k": k,
                "mean": f"({fmt(m[0])}, {fmt(m[1])})",
                "weight": f"{mix.w[k]:.3f}",
                "share": f"{share[k]:.3f}",
                "guided": k == params.guide_to and params.guidance_scale > 0,
            }
            for k, m in enumerate(params.means)
        ],
        "moments": [
            {"name": name, "mixture": fmt(a), "samples": fmt(b)}
            for name, a, b in (
                ("mean x", result["mixture_mean"][0], result["sample_mean"][0]),
                ("mean y", result["mixture_mean"][1], result["sample_mean"][1]),
                ("var x", result["mixture_cov"][0][0], result["sample_cov"][0][0]),
                ("var y", result["mixture_cov"][1][1], result["sample_cov"][1][1]),
                ("cov xy", result["mixture_cov"][0][1], result["sample_cov"][0][1]),
            )
        ],
        "timesteps_text": ", ".join(str(t) for t in ts[:6])
        + (" … " + ", ".join(str(t) for t in ts[-3:]) if len(ts) > 9 else ""),
        "abar_last": fmt(all_abar[-1]),
        "step": step,
    }


DEMO = Demo(
    slug="diffusion",
    title="Diffusion sampling on a Gaussian mixture",
    summary="ᾱ_t and SNR of the linear and cosine schedules, forward noising, and DDPM/DDIM "
    "sampling with the exact noise predictor of a 2-D mixture.",
    params=DiffusionParams,
    compute=compute,
    view=view,
    explain=(
        "The forward process mixes data with noise, x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, until "
        "ᾱ_T ≈ 0 leaves pure noise. A diffusion model learns to predict ε from x_t; its best "
        "possible answer is E[ε | x_t] = −√(1 − ᾱ_t)·∇log p_t(x_t), a rescaled score. For a "
        "Gaussian mixture p_t is known exactly, so here the sampler uses that ideal predictor "
        "and nothing is trained: what you see is the sampler itself. DDPM adds fresh noise "
        "at every step and needs many of them; DDIM (η = 0) follows a deterministic path and "
        "stays close with 20–50 steps. The cosine schedule destroys information more evenly "
        "than the linear one (compare the SNR curves), which matters most at low resolution. "
        "Guidance pushes ε toward one component's own predictor: with a scale w > 0 the "
        "samples gather on that component, beyond it, and tighter than its σ, which is the "
        "sharper but less diverse output of classifier-free guidance."
    ),
    examples={
        "maximum": {
            "means": [
                [math.cos(k * math.pi / 4) * 3, math.sin(k * math.pi / 4) * 3] for k in range(8)
            ],
            "guide_to": 0,
            "guidance_scale": 2.0,
            "sampler": "ddpm",
            "sampling_steps": 100,
            "n_samples": MAX_SAMPLES,
        },
        "ddpm-all-steps": {"sampler": "ddpm", "sampling_steps": 1000, "n_samples": 200},
        "ddim-5-steps": {"sampling_steps": 5},
        "cosine": {"schedule": "cosine"},
        "unequal-weights": {"means": [[-2.0, 0.0], [2.0, 0.0]], "weights": [0.8, 0.2]},
        "guided": {"guide_to": 0, "guidance_scale": 3.0},
        "halfway": {"step": 25},
    },
    predict=Prediction(
        question="DDIM with 50 steps gives samples on all four blobs. Now guide toward blob 0 "
        "with scale w = 3. Where do the samples end up, and how spread out are they?",
        preset="guided",
        answer="Almost all on blob 0, and tighter than its σ = 0.3 (and pushed a little away "
        "from the other blobs): ε = 4·ε_cond − 3·ε_uncond over-weights the direction toward "
        "blob 0, which samples a sharpened p(x | blob 0)·(p(blob 0 | x))^w rather than the "
        "component itself, the diversity loss of strong classifier-free guidance.",
    ),
)
