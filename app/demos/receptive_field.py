"""Receptive field of stacked convolutions, and why VGG stacks 3×3 kernels instead of big ones."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from app.charts.bars import bar_chart
from app.charts.lines import Series, line_plot
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

POOL_SIZE = 2  # every pool is 2×2 with stride 2, as in VGG


class ReceptiveFieldParams(DemoParams):
    layers: int = Field(3, ge=1, le=20, description="Number of stacked convolutions (stride 1)")
    kernel_size: int = Field(3, ge=1, le=11, description="Side of every convolution kernel")
    channels: int = Field(
        64, ge=1, le=1024, description="Channels C in and out of every layer (for parameters)"
    )
    pool_after: list[int] = Field(
        [],
        max_length=20,
        validate_default=True,
        description="Layers (1-based) followed by a 2×2 max-pool with stride 2",
    )

    @field_validator("pool_after")
    @classmethod
    def _known_layers(cls, pool_after: list[int], info: ValidationInfo) -> list[int]:
        layers = info.data.get("layers")
        if layers is None:
            return pool_after
        outside = [i for i in pool_after if not 1 <= i <= layers]
        if outside:
            raise ValueError(f"may only name layers 1 to {layers}, not {outside}")
        if len(set(pool_after)) != len(pool_after):
            raise ValueError("names a layer twice")
        return sorted(pool_after)


def compute(params: ReceptiveFieldParams) -> dict[str, Any]:
    """Each layer adds (k − 1)·jump to the field; a stride-s layer multiplies the jump by s."""
    k, channels = params.kernel_size, params.channels
    rf, jump = 1, 1
    steps: list[dict[str, Any]] = []
    for layer in range(1, params.layers + 1):
        growth = (k - 1) * jump
        rf += growth
        steps.append(_step(f"conv{layer}", k, 1, jump, growth, rf))
        if layer in params.pool_after:
            growth = (POOL_SIZE - 1) * jump
            rf += growth
            steps.append(_step(f"pool after conv{layer}", POOL_SIZE, POOL_SIZE, jump, growth, rf))
            jump *= POOL_SIZE
    stacked = params.layers * k * k * channels * channels
    single = rf * rf * channels * channels
    return {
        "receptive_field": rf,
        "jump": jump,
        "steps": steps,
        "stacked_params": stacked,
        "stacked_formula": f"{params.layers}·{k}²·C² = {params.layers * k * k}C²",
        "single_kernel": rf,
        "single_params": single,
        "single_formula": f"{rf}²·C² = {rf * rf}C²",
        "nonlinearities": {"stacked": params.layers, "single": 1},
        "params_note": "biases ignored: they add only C per layer",
    }


def _step(name: str, k: int, stride: int, jump: int, growth: int, rf: int) -> dict[str, Any]:
    return {
        "layer": name,
        "kernel": k,
        "stride": stride,
        "jump": jump,
        "growth": growth,
        "receptive_field": rf,
    }


def view(params: ReceptiveFieldParams, result: dict[str, Any]) -> dict[str, Any]:
    """Growth of the receptive field per layer, and the two parameter counts side by side."""
    steps = result["steps"]
    k, rf = params.kernel_size, result["receptive_field"]
    growth = line_plot(
        [
            Series(
                range(len(steps) + 1),
                [1] + [s["receptive_field"] for s in steps],
                "receptive field",
                kind="both",
            )
        ],
        title="Receptive field per layer",
        desc=f"Receptive field after each of {len(steps)} layers, ending at {rf} × {rf} pixels",
        x_label="layers applied (convolutions and pools)",
        y_label="receptive field (px)",
        width=PAIR_WIDTH,
        height=300,
    )
    params_svg = bar_chart(
        [f"{params.layers} stacked {k}×{k}", f"one {rf}×{rf}"],
        [result["stacked_params"], result["single_params"]],
        title="Weights: stacked kernels against one big kernel",
        desc=f"{result['stacked_formula']} against {result['single_formula']}, "
        f"with C = {params.channels}",
        y_label="weights",
        value_labels=[result["stacked_formula"], result["single_formula"]],
        highlight=[0],
        width=PAIR_WIDTH,
        height=300,
    )
    return {"growth_svg": growth, "params_svg": params_svg}


DEMO = Demo(
    slug="receptive-field",
    title="Receptive field of stacked convolutions",
    summary="How far each output pixel sees, and what stacked 3×3 kernels cost against a big one.",
    params=ReceptiveFieldParams,
    compute=compute,
    view=view,
    explain=(
        "Each stride-1 convolution widens the receptive field by (k − 1)·jump, where jump is "
        "the distance in input pixels between neighbouring units: two 3×3 layers see 5×5, "
        "three see 7×7. A 2×2 pool with stride 2 doubles the jump, so every layer after it "
        "grows the field twice as fast. Three stacked 3×3 layers see as far as one 7×7 layer "
        "but cost 27C² weights instead of 49C² (biases ignored) and put three non-linearities "
        "in between instead of one: this is why VGG uses 3×3 kernels."
    ),
    examples={
        "maximum": {
            "layers": 20,
            "kernel_size": 11,
            "channels": 1024,
            "pool_after": list(range(1, 21)),
        },
        "two-layers": {"layers": 2},
        "vgg-block-pools": {"layers": 6, "pool_after": [2, 4]},
    },
    predict=Prediction(
        question=(
            "Stack 6 3×3 convolutions with a 2×2 pool after layers 2 and 4: how big is the "
            "receptive field?"
        ),
        preset="vgg-block-pools",
        answer=(
            "32 pixels (jump 4) instead of the 13 of six plain layers. Each pool doubles the "
            "jump, so the later 3×3 layers add 2·4 = 8 pixels each; a single 32×32 kernel would "
            "need 4,194,304 weights at C = 64 against 221,184 for the stack."
        ),
    ),
)
