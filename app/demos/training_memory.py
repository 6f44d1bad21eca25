"""Training memory per GPU: ZeRO's bytes per parameter, activations (Korthikanti), the bubble.

Model states follow the ZeRO paper (Rajbhandari et al. 2020): mixed-precision Adam keeps 2 bytes
of 16-bit weights, 2 of 16-bit gradients and 12 of fp32 optimizer states (master weights,
momentum, variance) per parameter, and stages 1, 2, 3 shard the states, then the gradients, then
the weights over the data-parallel GPUs. Activations are those of Korthikanti et al. 2022
("Reducing activation recomputation in large transformer models", no tensor or sequence
parallelism): s·b·h·(34 + 5·a·s/h) bytes per layer in 16 bits, 2·s·b·h with full recomputation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from app.charts.bars import bar_chart
from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

GB = 1e9  # the ZeRO paper's GB (its 7.5B-parameter model needs "120GB")
PARTS = ("weights", "gradients", "optimizer_states", "activations")
STATE_BYTES = {"sgd": 0, "momentum": 4, "adam": 8}  # fp32 momentum and variance per parameter
MASTER_BYTES = 4  # bf16-mixed keeps an fp32 copy of the weights in the optimizer


class TrainingMemoryParams(DemoParams):
    params: float = Field(7.5e9, ge=1e6, le=1e13, description="Parameters N of the model")
    precision: Literal["fp32", "bf16-mixed"] = Field(
        "bf16-mixed", description="fp32 everywhere, or 16-bit weights, gradients and activations"
    )
    optimizer: Literal["sgd", "momentum", "adam"] = Field(
        "adam", description="Optimizer: its states per parameter (0, 1 or 2 fp32 tensors)"
    )
    zero_stage: int = Field(
        0,
        ge=0,
        le=3,
        description="ZeRO stage: 1 shards optimizer states, 2 also gradients, 3 also weights",
        json_schema_extra={"slider": [0, 3, 1]},
    )
    gpus: int = Field(64, ge=1, le=65536, description="Data-parallel GPUs G that ZeRO shards over")
    layers: int = Field(32, ge=1, le=512, description="Transformer layers L")
    hidden: int = Field(4096, ge=1, le=65536, description="Hidden size h")
    heads: int = Field(32, ge=1, le=1024, description="Attention heads a (must divide hidden)")
    seq_len: int = Field(2048, ge=1, le=1_048_576, description="Sequence length s")
    micro_batch: int = Field(1, ge=1, le=1024, description="Sequences per micro-batch b")
    checkpointing: Literal["none", "full"] = Field(
        "none", description="Activation checkpointing: none, or full recomputation per layer"
    )
    pipeline_stages: int = Field(4, ge=1, le=1024, description="Pipeline stages p (bubble only)")
    micro_batches: int = Field(
        8, ge=1, le=4096, description="Micro-batches m per pipeline flush (bubble only)"
    )

    @model_validator(mode="after")
    def _heads_divide_hidden(self) -> TrainingMemoryParams:
        if self.hidden % self.heads:
            raise ValueError(
                f"heads ({self.heads}) must divide hidden ({self.hidden}): "
                "each head has h/a dimensions"
            )
        return self


def bytes_per_param(precision: str, optimizer: str) -> dict[str, int]:
    """Weights, gradients and optimizer states in bytes per parameter, before sharding."""
    if precision == "fp32":
        return {"weights": 4, "gradients": 4, "optimizer_states": STATE_BYTES[optimizer]}
    return {
        "weights": 2,
        "gradients": 2,
        "optimizer_states": MASTER_BYTES + STATE_BYTES[optimizer],
    }


def shard_divisors(stage: int, gpus: int) -> dict[str, int]:
    """What each model state is divided by at a ZeRO stage: states from 1, grads 2, weights 3."""
    return {
        "weights": gpus if stage >= 3 else 1,
        "gradients": gpus if stage >= 2 else 1,
        "optimizer_states": gpus if stage >= 1 else 1,
    }


def activation_bytes(p: TrainingMemoryParams, checkpointing: str, seq_len: int) -> float:
    """All L layers of one micro-batch: s·b·h·(34 + 5as/h) per layer, or 2sbh recomputing."""
    sbh = seq_len * p.micro_batch * p.hidden
    per_layer = (
        2 * sbh if checkpointing == "full" else sbh * (34 + 5 * p.heads * seq_len / p.hidden)
    )
    return p.layers * per_layer * (2 if p.precision == "fp32" else 1)


def model_states(p: TrainingMemoryParams, stage: int) -> dict[str, float]:
    per_param = bytes_per_param(p.precision, p.optimizer)
    divisors = shard_divisors(stage, p.gpus)
    return {k: per_param[k] * p.params / divisors[k] for k in per_param}


def bubble(stages: int, micro_batches: int) -> float:
    """GPipe's idle share of a pipeline flush: (p − 1) / (m + p − 1)."""
    return (stages - 1) / (micro_batches + stages - 1)


def compute(params: TrainingMemoryParams) -> dict[str, Any]:
    states = model_states(params, params.zero_stage)
    activations = activation_bytes(params, params.checkpointing, params.seq_len)
    by_stage = []
    for stage in range(4):
        s = model_states(params, stage)
        by_stage.append({"stage": stage, **s, "total": sum(s.values()) + activations})
    return {
        **states,
        "activations": activations,
        "total": sum(states.values()) + activations,
        "bubble_fraction": bubble(params.pipeline_stages, params.micro_batches),
        "bytes_per_param": bytes_per_param(params.precision, params.optimizer),
        "by_stage": by_stage,
        "activations_other": activation_bytes(
            params, "full" if params.checkpointing == "none" else "none", params.seq_len
        ),
    }


def _gb(value: float) -> str:
    return f"{value / GB:,.2f} GB" if value >= 0.01 * GB else f"{value / 1e6:,.2f} MB"


def view(params: TrainingMemoryParams, result: dict[str, Any]) -> dict[str, Any]:
    """The four parts as bars, total per ZeRO stage, activations against s, bubble against m."""
    labels = ["weights", "gradients", "optimizer states", "activations"]
    parts_svg = bar_chart(
        labels,
        [result[k] / GB for k in PARTS],
        title=f"Bytes per GPU at ZeRO stage {params.zero_stage}",
        desc=f"Weights, gradients, optimizer states and activations per GPU, "
        f"{_gb(result['total'])} in all",
        y_label="GB per GPU",
        value_labels=[f"{result[k] / GB:.3g}" for k in PARTS],
        width=PAIR_WIDTH,
    )
    stages_svg = bar_chart(
        [f"stage {s['stage']}" for s in result["by_stage"]],
        [s["total"] / GB for s in result["by_stage"]],
        title=f"Total per GPU for each ZeRO stage, G = {params.gpus}",
        desc="Total bytes per GPU at ZeRO stages 0 to 3 with the same model and activations",
        y_label="GB per GPU",
        highlight=[params.zero_stage],
        value_labels=[f"{s['total'] / GB:.3g}" for s in result["by_stage"]],
        width=PAIR_WIDTH,
    )
    lengths = sorted({2**k for k in range(7, 18)} | {params.seq_len})
    kept = [s for s in lengths if s <= max(4 * params.seq_len, 1024)]
    seq_svg = line_plot(
        [
            Series(kept, [activation_bytes(params, "none", s) / GB for s in kept], "none"),
            Series(
                kept, [activation_bytes(params, "full", s) / GB for s in kept], "full", dashed=True
            ),
        ],
        title="Activations against sequence length",
        desc="Activation bytes of one micro-batch without and with full recomputation; the "
        "5as/h term of the attention scores makes the first grow with s squared",
        x_label="sequence length s",
        y_label="GB (log scale)",
        log_y=True,
        vlines=[Line(params.seq_len, f"s = {params.seq_len}")],
        width=PAIR_WIDTH,
    )
    p = params.pipeline_stages
    ms = list(range(1, max(4 * p, 2 * params.micro_batches, 16) + 1))
    bubble_svg = line_plot(
        [Series(ms, [bubble(p, m) for m in ms], f"p = {p}")],
        title="Pipeline bubble against micro-batches",
        desc=f"(p − 1)/(m + p − 1) for p = {p} stages; it falls as m grows",
        x_label="micro-batches m",
        y_label="idle fraction",
        y_range=(0, 1),
        vlines=[Line(params.micro_batches, f"m = {params.micro_batches}")],
        width=PAIR_WIDTH,
    )
    per_param = result["bytes_per_param"]
    return {
        "parts_svg": parts_svg,
        "stages_svg": stages_svg,
        "seq_svg": seq_svg,
        "bubble_svg": bubble_svg,
        "rows": [
            {
                "name": label,
                "per_param": per_param.get(key),
                "bytes": _gb(result[key]),
            }
            for key, label in zip(PARTS, labels, strict=True)
        ],
        "total": _gb(result["total"]),
        "stage_rows": [
            {"stage": s["stage"], **{k: _gb(s[k]) for k in (*PARTS[:3], "total")}}
            for s in result["by_stage"]
        ],
        "activations_other": _gb(result["activations_other"]),
        "bubble": fmt(result["bubble_fraction"]),
        "model_bytes": sum(per_param.values()),
    }


DEMO = Demo(
    slug="training-memory",
    title="Training memory per GPU",
    summary="Weights, gradients, optimizer states and activations per GPU under ZeRO 0–3, "
    "and the pipeline bubble.",
    params=TrainingMemoryParams,
    compute=compute,
    view=view,
    explain=(
        "Mixed-precision Adam costs 16 bytes per parameter before any activation: 2 for the "
        "16-bit weights, 2 for the 16-bit gradients and 12 for the optimizer (an fp32 master "
        "copy, momentum and variance), so a 7.5B model needs 120 GB, more than one GPU has. "
        "ZeRO (Rajbhandari et al. 2020) removes the redundancy of data parallelism: stage 1 "
        "splits the optimizer states over the G GPUs ((2 + 2 + 12/G)·N, 31.4 GB at G = 64), "
        "stage 2 also the gradients, stage 3 also the weights (16N/G). Activations do not "
        "shrink with G: per layer a micro-batch keeps s·b·h·(34 + 5·a·s/h) bytes "
        "(Korthikanti et al. 2022), the 5as/h term being the attention scores, quadratic in "
        "s. Full checkpointing keeps only each layer's 2sbh input and recomputes the rest "
        "in the backward pass (about a third more compute). With p pipeline stages and m "
        "micro-batches a flush leaves each GPU idle (p − 1)/(m + p − 1) of the time; the "
        "memory above assumes every GPU holds the whole model (p and m enter only the bubble)."
    ),
    examples={
        "maximum": {
            "params": 1e13,
            "zero_stage": 3,
            "gpus": 65536,
            "layers": 512,
            "hidden": 65536,
            "heads": 1024,
            "seq_len": 1_048_576,
            "micro_batch": 1024,
            "pipeline_stages": 1024,
            "micro_batches": 4096,
        },
        "zero-paper-stage-0": {"zero_stage": 0},
        "zero-paper-stage-1": {"zero_stage": 1},
        "zero-paper-stage-3": {"zero_stage": 3},
        "fp32-sgd": {"precision": "fp32", "optimizer": "sgd", "gpus": 1},
        "long-context": {"seq_len": 16384, "zero_stage": 3},
        "long-context-checkpointed": {"seq_len": 16384, "zero_stage": 3, "checkpointing": "full"},
        "deep-pipeline": {"pipeline_stages": 16, "micro_batches": 16},
    },
    predict=Prediction(
        question="A 7.5B-parameter model with mixed-precision Adam needs 120 GB per GPU at "
        "ZeRO stage 0. On 64 GPUs, what is left when stage 1 shards only the optimizer states?",
        preset="zero-paper-stage-1",
        answer="31.4 GB: (2 + 2 + 12/64) bytes × 7.5e9. The optimizer states are 12 of the 16 "
        "bytes, so sharding them alone removes three quarters; the 16-bit weights and gradients "
        "(4 bytes per parameter, 30 GB) stay on every GPU until stages 2 and 3 shard them too.",
    ),
)
