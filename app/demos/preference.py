"""Preference optimization: the DPO loss and implicit rewards, and GRPO's group advantages.

DPO (Rafailov et al. 2023) trains on pairs without a reward model: the implicit reward of an
answer is β·(log π(y|x) − log π_ref(y|x)), and the loss is −log σ(r_chosen − r_rejected),
the Bradley–Terry likelihood of the human preference. Conventions follow TRL's DPOTrainer
(sigmoid loss; margins = chosen − rejected rewards). GRPO (Shao et al. 2024) replaces a
value network by normalizing each answer's reward within its group: (r − mean) / (std + 1e-4)
with torch.std's unbiased default.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from app.charts.bars import bar_chart
from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_PAIRS = 256
MAX_GROUP = 256
GRPO_EPS = 1e-4
LogProb = Annotated[float, Field(ge=-1e5, le=0)]
Pairs = Annotated[list[LogProb], Field(min_length=1, max_length=MAX_PAIRS)]
SEQUENCES = ("policy_chosen", "policy_rejected", "reference_chosen", "reference_rejected")
BETAS = np.geomspace(0.01, 10, 121)  # the sweep of β on the page


class PreferenceParams(DemoParams):
    policy_chosen: Pairs = Field(
        [-12.0, -30.5, -8.2, -45.0],
        description="log π(chosen | prompt) per pair, summed over tokens (≤ 256 pairs)",
    )
    policy_rejected: Pairs = Field(
        [-14.0, -29.0, -9.0, -52.0], description="log π(rejected | prompt) per pair"
    )
    reference_chosen: Pairs = Field(
        [-13.0, -31.0, -8.0, -47.0], description="log π_ref(chosen | prompt) per pair"
    )
    reference_rejected: Pairs = Field(
        [-13.5, -30.0, -8.5, -50.0], description="log π_ref(rejected | prompt) per pair"
    )
    beta: float = Field(
        0.1,
        gt=0,
        le=10,
        description="β: strength of the KL anchor to the reference (TRL's default 0.1)",
        json_schema_extra={"slider": [0.01, 2, 0.01]},
    )
    group_rewards: list[Annotated[float, Field(ge=-1e6, le=1e6)]] | None = Field(
        [1.0, 0.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.0],
        min_length=2,
        max_length=MAX_GROUP,
        description="GRPO: rewards of a group of answers to one prompt (2 to 256)",
    )

    @model_validator(mode="after")
    def _same_number_of_pairs(self) -> PreferenceParams:
        n = len(self.policy_chosen)
        for name in SEQUENCES[1:]:
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"{name} has {len(getattr(self, name))} values but policy_chosen has {n}: "
                    "give one value per pair in each list"
                )
        return self


def sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def dpo(params: PreferenceParams, beta: float | np.ndarray) -> dict[str, np.ndarray]:
    """Implicit rewards, margins and −log σ(margin) (as softplus(−margin), stable)."""
    pc, pr, rc, rr = (np.array(getattr(params, k), dtype=float) for k in SEQUENCES)
    b = np.atleast_1d(np.asarray(beta, dtype=float))[:, None]  # one row per β
    chosen, rejected = b * (pc - rc), b * (pr - rr)
    margins = chosen - rejected
    return {
        "chosen": chosen,
        "rejected": rejected,
        "margins": margins,
        "losses": np.logaddexp(0.0, -margins),
    }


def grpo_advantages(rewards: list[float]) -> tuple[np.ndarray, float, float]:
    r = np.array(rewards, dtype=float)
    mean, std = float(r.mean()), float(r.std(ddof=1))
    return (r - mean) / (std + GRPO_EPS), mean, std


def compute(params: PreferenceParams) -> dict[str, Any]:
    out = dpo(params, params.beta)
    margins = out["margins"][0]
    result: dict[str, Any] = {
        "loss": float(out["losses"].mean()),
        "chosen_rewards": out["chosen"][0].tolist(),
        "rejected_rewards": out["rejected"][0].tolist(),
        "margins": margins.tolist(),
        "losses": out["losses"][0].tolist(),
        "preference_probability": sigmoid(margins).tolist(),  # Bradley–Terry P(chosen ≻ rejected)
        "gradient_weight": sigmoid(-margins).tolist(),  # σ(−margin): how hard each pair pushes
        "accuracy": float((margins > 0).mean()),
    }
    if params.group_rewards is not None:
        adv, mean, std = grpo_advantages(params.group_rewards)
        result |= {"advantages": adv.tolist(), "group_mean": mean, "group_std": std}
    return result


def view(params: PreferenceParams, result: dict[str, Any]) -> dict[str, Any]:
    """Loss and margin against β, the pairs as a table, the advantages as bars."""
    sweep = dpo(params, BETAS)
    log_beta = np.log10(BETAS)
    beta_line = [Line(float(np.log10(params.beta)), f"β = {fmt(params.beta)}")]
    loss_svg = line_plot(
        [
            Series(log_beta, sweep["losses"].mean(axis=1), "mean DPO loss"),
            Series(
                log_beta, np.full(BETAS.size, np.log(2)), "log 2 (policy = reference)", dashed=True
            ),
        ],
        title="DPO loss against β",
        desc="Mean −log σ(β·Δ) over the pairs for β from 0.01 to 10, with log 2, the loss "
        "when the policy equals the reference",
        x_label="log10 β",
        y_label="loss",
        vlines=beta_line,
        width=PAIR_WIDTH,
    )
    prob_svg = line_plot(
        [
            Series(log_beta, sigmoid(sweep["margins"][:, i]), f"pair {i + 1}")
            for i in range(min(len(result["margins"]), 6))
        ],
        title="Bradley–Terry probability of each preference against β",
        desc="σ(margin) for the first pairs as β grows: β scales the log-ratio difference, "
        "pushing each probability toward 0 or 1",
        x_label="log10 β",
        y_label="P(chosen ≻ rejected)",
        y_range=(0, 1),
        vlines=beta_line,
        width=PAIR_WIDTH,
    )
    rows = [
        {
            "pair": i + 1,
            **{k: fmt(getattr(params, k)[i]) for k in SEQUENCES},
            "chosen": fmt(result["chosen_rewards"][i]),
            "rejected": fmt(result["rejected_rewards"][i]),
            "margin": fmt(result["margins"][i]),
            "probability": f"{result['preference_probability'][i]:.4f}",
            "loss": f"{result['losses'][i]:.4f}",
            "weight": f"{result['gradient_weight'][i]:.4f}",
        }
        for i in range(len(result["margins"]))
    ]
    shown: dict[str, Any] = {"loss_svg": loss_svg, "prob_svg": prob_svg, "rows": rows}
    if "advantages" in result:
        adv = result["advantages"]
        shown["advantages_svg"] = bar_chart(
            [str(i + 1) for i in range(len(adv))],
            adv,
            title="GRPO advantages of the group",
            desc="(r − mean)/(std + 1e-4) for each answer of the group; above zero is "
            "made more likely, below less likely",
            y_label="advantage",
            highlight=[i for i, a in enumerate(adv) if a > 0],
            width=PAIR_WIDTH,
        )
        shown["group"] = [
            {"i": i + 1, "reward": fmt(r), "advantage": f"{a:.4f}"}
            for i, (r, a) in enumerate(zip(params.group_rewards or [], adv, strict=True))
        ]
        shown["group_mean"] = fmt(result["group_mean"])
        shown["group_std"] = fmt(result["group_std"])
    return shown


DEMO = Demo(
    slug="preference",
    title="DPO and GRPO: preference optimization",
    summary="The DPO loss and implicit rewards of preference pairs as β changes, and GRPO's "
    "group-normalized advantages.",
    params=PreferenceParams,
    compute=compute,
    view=view,
    explain=(
        "DPO needs, for each pair, the summed log-probabilities of the chosen and the rejected "
        "answer under the policy being trained and under a frozen reference. The implicit "
        "reward β·(log π − log π_ref) says how much more likely the policy made an answer; "
        "the loss −log σ(r_chosen − r_rejected) is the Bradley–Terry likelihood that the "
        "chosen answer wins. At the start the policy is the reference, every margin is 0 and "
        "the loss is log 2 ≈ 0.693 whatever β. The gradient of each pair is weighted by "
        "σ(−margin): pairs the policy already ranks right push little, wrong ones push hard. "
        "A large β makes the same log-ratios count more (sharper probabilities, a tighter "
        "leash to the reference); note a pair can have a positive margin while both answers "
        "lose probability. GRPO (DeepSeekMath) scores a group of sampled answers to one "
        "prompt and uses (r − mean)/(std + 1e-4) as each answer's advantage: no value "
        "network, and a group whose rewards are all equal teaches nothing (every advantage 0)."
    ),
    examples={
        "maximum": {
            name: [float(-(i % 97) - 1 - k) for i in range(MAX_PAIRS)]
            for k, name in enumerate(SEQUENCES)
        }
        | {"beta": 10, "group_rewards": [float(i % 7) for i in range(MAX_GROUP)]},
        "at-init": {
            "policy_chosen": [-12.0, -30.5, -8.2, -45.0],
            "policy_rejected": [-14.0, -29.0, -9.0, -52.0],
            "reference_chosen": [-12.0, -30.5, -8.2, -45.0],
            "reference_rejected": [-14.0, -29.0, -9.0, -52.0],
        },
        "large-beta": {"beta": 2.0},
        "both-fall": {
            "policy_chosen": [-20.0],
            "policy_rejected": [-40.0],
            "reference_chosen": [-15.0],
            "reference_rejected": [-25.0],
            "beta": 0.1,
        },
        "all-equal-group": {"group_rewards": [1.0, 1.0, 1.0, 1.0]},
        "one-correct": {"group_rewards": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]},
    },
    predict=Prediction(
        question="Before any DPO step the policy is a copy of the reference. What is the DPO "
        "loss, and does it depend on β?",
        preset="at-init",
        answer="log 2 ≈ 0.6931 for every β: each implicit reward β·(log π − log π_ref) is 0, "
        "so every margin is 0 and −log σ(0) = log 2. β only scales margins that are not "
        "zero; the β sweep on the page is a flat line at log 2.",
    ),
)
