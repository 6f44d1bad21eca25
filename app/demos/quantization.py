"""Quantization of a weight matrix: int8/int4 with per-tensor, per-channel or per-group scales,
and the float formats fp16, bf16, fp8 E4M3 and E5M2.

Integer formats follow ``torch.fake_quantize_per_tensor_affine`` / ``_per_channel_affine``
(asymmetric ranges include 0, as ``MinMaxObserver``; round half to even, in float64). Float
formats are ``torch.tensor(x, dtype=float32).clamp(-m, m).to(dtype)``: float16 by NumPy's cast,
bfloat16 by rounding the float32 bits to their top 16, fp8 by rounding to the nearest value of
the format's grid; every rounding is to nearest with ties to even.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.grids import heat_table
from app.charts.lines import Mark, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_ROWS = 64
MAX_COLS = 256
SHOWN_ROWS, SHOWN_COLUMNS = 8, 16

Value = Annotated[float, Field(ge=-1e6, le=1e6)]
Row = Annotated[list[Value], Field(min_length=1, max_length=MAX_COLS)]
Format = Literal["int8", "int4", "fp16", "bf16", "fp8-e4m3", "fp8-e5m2"]
Granularity = Literal["tensor", "channel", "group"]
INT_BITS = {"int8": 8, "int4": 4}


@dataclass(frozen=True)
class FloatFormat:
    """A binary float format: exponent bias, mantissa bits and largest finite value."""

    bias: int
    mantissa: int
    largest: float

    @property
    def smallest_normal(self) -> float:
        return 2.0 ** (1 - self.bias)

    @property
    def subnormal_step(self) -> float:
        return 2.0 ** (1 - self.bias - self.mantissa)


FLOATS = {
    "fp16": FloatFormat(bias=15, mantissa=10, largest=65504.0),
    "bf16": FloatFormat(bias=127, mantissa=7, largest=float.fromhex("0x1.fep127")),
    "fp8-e4m3": FloatFormat(bias=7, mantissa=3, largest=448.0),  # e4m3fn: no inf
    "fp8-e5m2": FloatFormat(bias=15, mantissa=2, largest=57344.0),
}


class QuantizationParams(DemoParams):
    x: list[Row] | list[Value] | None = Field(
        None,
        min_length=1,
        max_length=MAX_ROWS,
        description=f"Values to quantize: a matrix (rows = output channels, ≤ {MAX_ROWS} × "
        f"{MAX_COLS}) or, through the API, a vector (≤ {MAX_ROWS}); replaces the seeded weights",
    )
    rows: int = Field(8, ge=1, le=MAX_ROWS, description="Rows of the seeded weights")
    cols: int = Field(
        256,
        ge=1,
        le=MAX_COLS,
        description="Columns of the seeded weights (256: any power-of-two group)",
    )
    outliers: int = Field(2, ge=0, le=64, description="Entries of the seeded weights made outliers")
    outlier_scale: float = Field(
        20.0, ge=1, le=1000, description="How many times larger the outliers are"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the weights ~ N(0, 1)")
    format: Format = Field("int8", description="Number format")
    symmetric: bool = Field(True, description="Integer formats: zero point 0 (else min/max)")
    granularity: Granularity = Field(
        "tensor", description="Integer formats: one scale per tensor, per row, or per group"
    )
    group_size: int = Field(
        8,
        ge=1,
        le=MAX_COLS,
        validate_default=True,
        description="Values per group (must divide the row length)",
    )

    @field_validator("x")
    @classmethod
    def _rectangular(cls, x: Any) -> Any:
        if x and isinstance(x[0], list) and any(len(r) != len(x[0]) for r in x):
            raise ValueError(f"must be rectangular: every row needs {len(x[0])} values")
        return x

    @field_validator("group_size")
    @classmethod
    def _divides_rows(cls, group_size: int, info: ValidationInfo) -> int:
        if info.data.get("granularity") != "group" or "x" not in info.data:
            return group_size
        x = info.data["x"]
        if x is None:
            length, source = info.data.get("cols"), "cols"
        else:
            length = len(x[0]) if isinstance(x[0], list) else len(x)
            source = "the rows of x"
        if length is not None and length % group_size:
            raise ValueError(f"group_size = {group_size} does not divide {source} ({length})")
        return group_size


def weights(params: QuantizationParams) -> tuple[np.ndarray, bool]:
    """The values as a matrix, and whether they came as a vector (returned in that shape)."""
    if params.x is not None:
        x = np.array(params.x, dtype=float)
        return (x[None, :], True) if x.ndim == 1 else (x, False)
    rng = np.random.default_rng(params.seed)
    w = rng.standard_normal((params.rows, params.cols))
    count = min(params.outliers, w.size)
    spots = rng.choice(w.size, size=count, replace=False)
    w.flat[spots] *= params.outlier_scale
    return w, False


def int_blocks(x: np.ndarray, granularity: str, group_size: int) -> np.ndarray:
    """x reshaped to (blocks, values per block): the tensor, each row, or each group of a row."""
    if granularity == "tensor":
        return x.reshape(1, -1)
    if granularity == "channel":
        return x
    return x.reshape(-1, group_size)


def fake_quantize_int(
    x: np.ndarray, bits: int, symmetric: bool, granularity: str, group_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dequantized values, scale and zero point per block."""
    blocks = int_blocks(x, granularity, group_size)
    if symmetric:
        top = 2 ** (bits - 1) - 1
        scale = np.abs(blocks).max(axis=1) / top
        scale = np.where(scale == 0, 1.0, scale)
        zero = np.zeros_like(scale)
        q = np.clip(np.rint(blocks / scale[:, None]), -top, top)
    else:
        top = 2**bits - 1
        lo = np.minimum(blocks.min(axis=1), 0.0)
        hi = np.maximum(blocks.max(axis=1), 0.0)
        scale = (hi - lo) / top
        scale = np.where(scale == 0, 1.0, scale)
        zero = np.clip(np.rint(-lo / scale), 0, top)
        q = np.clip(np.rint(blocks / scale[:, None]) + zero[:, None], 0, top)
    dequantized = (q - zero[:, None]) * scale[:, None]
    return dequantized.reshape(x.shape), scale, zero


def round_to_format(x32: np.ndarray, fmt_: FloatFormat) -> np.ndarray:
    """Round float32 values (already within ± the largest) to the format's grid, ties to even.

    The spacing of the grid at |v| is 2^(e − mantissa) for a normal v = 1.f × 2^e and the
    subnormal step below the smallest normal; np.rint rounds the count of steps half to even,
    which is the even last mantissa bit.
    """
    v = np.abs(x32.astype(np.float64))
    _, exponent = np.frexp(v)  # v = f · 2^exponent with f in [0.5, 1): e = exponent − 1
    normal = v >= fmt_.smallest_normal
    step = np.where(normal, np.ldexp(1.0, exponent - 1 - fmt_.mantissa), fmt_.subnormal_step)
    return np.sign(x32) * np.rint(v / step) * step


def to_bfloat16(x32: np.ndarray) -> np.ndarray:
    """Round the float32 bits to their top 16, to nearest with ties to even."""
    bits = x32.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32).astype(np.float64)


def cast_float(x: np.ndarray, name: str) -> np.ndarray:
    fmt_ = FLOATS[name]
    x32 = np.clip(x.astype(np.float32), -fmt_.largest, fmt_.largest)
    if name == "fp16":
        return x32.astype(np.float16).astype(np.float64)
    if name == "bf16":
        return to_bfloat16(x32)
    return round_to_format(x32, fmt_)


def quantize(
    x: np.ndarray, name: str, symmetric: bool, granularity: str, group_size: int
) -> tuple[np.ndarray, list[float], list[float]]:
    if name in INT_BITS:
        d, scale, zero = fake_quantize_int(x, INT_BITS[name], symmetric, granularity, group_size)
        return d, scale.tolist(), zero.tolist()
    return cast_float(x, name), [1.0], [0.0]


def errors(x: np.ndarray, d: np.ndarray) -> tuple[float, float | None]:
    """MSE and SQNR = 10 log10(Σx² / Σ(x − x̂)²) in dB (None when the error is 0)."""
    noise = float(np.sum((x - d) ** 2))
    signal = float(np.sum(x**2))
    mse = noise / x.size
    if noise == 0 or signal == 0:
        return mse, None
    # A difference of logs: the ratio itself overflows when the noise is subnormal.
    return mse, 10 * (math.log10(signal) - math.log10(noise))


def compute(params: QuantizationParams) -> dict[str, Any]:
    x, vector = weights(params)
    d, scale, zero = quantize(x, params.format, params.symmetric, params.granularity,
                              params.group_size)  # fmt: skip
    mse, sqnr = errors(x, d)
    divides = x.shape[1] % params.group_size == 0
    comparison = []
    for name in ("int8", "int4", "fp16", "bf16", "fp8-e4m3", "fp8-e5m2"):
        for granularity in ("tensor", "channel", "group") if name in INT_BITS else ("tensor",):
            if granularity == "group" and not divides:
                continue
            other, *_ = quantize(x, name, params.symmetric, granularity, params.group_size)
            e, s = errors(x, other)
            comparison.append({"format": name, "granularity": granularity, "mse": e, "sqnr_db": s})
    return {
        "dequantized": (d[0] if vector else d).tolist(),
        "scale": scale,
        "zero_point": zero,
        "mse": mse,
        "sqnr_db": sqnr,
        "x": (x[0] if vector else x).tolist(),
        "max_abs_error": float(np.abs(x - d).max()),
        "comparison": comparison,
    }


def grid_points(
    params: QuantizationParams, result: dict[str, Any], lo: float, hi: float
) -> np.ndarray | None:
    """Representable values inside [lo, hi]: the first block's integer grid, or every fp8
    value; fp16 and bf16 are too fine to draw (None)."""
    name = params.format
    if name in INT_BITS:
        bits, scale, zero = INT_BITS[name], result["scale"][0], result["zero_point"][0]
        codes = (np.arange(-(2 ** (bits - 1) - 1), 2 ** (bits - 1)) if params.symmetric
                 else np.arange(2**bits) - zero)  # fmt: skip
        values = codes * scale
    elif name.startswith("fp8"):
        f = FLOATS[name]
        normal = [
            (1 + m / 2**f.mantissa) * 2.0**e
            for e in range(1 - f.bias, 17)
            for m in range(2**f.mantissa)
        ]
        positive = [k * f.subnormal_step for k in range(2**f.mantissa)] + normal
        values = np.array(sorted({-v for v in positive} | set(positive)))
        values = values[np.abs(values) <= f.largest]
    else:
        return None
    return values[(values >= lo) & (values <= hi)]


def view(params: QuantizationParams, result: dict[str, Any]) -> dict[str, Any]:
    x = np.atleast_2d(np.array(result["x"]))
    d = np.atleast_2d(np.array(result["dequantized"]))
    lo, hi = float(x.min()), float(x.max())
    pad = 0.05 * (hi - lo or 1.0)
    scatter = line_plot(
        [
            Series([lo, hi], [lo, hi], "x̂ = x", dashed=True),
            Series(x.ravel(), d.ravel(), "dequantized", kind="markers"),
        ],
        title=f"Dequantized against original values, {params.format}",
        desc="Each weight's dequantized value against its original; on the dashed line the "
        "error is zero",
        x_label="original x",
        y_label="dequantized x̂",
        x_range=(lo - pad, hi + pad),
        width=PAIR_WIDTH,
    )
    grid = grid_points(params, result, lo - pad, hi + pad)
    grid_plot = ""
    if grid is not None:
        grid_plot = line_plot(
            [
                Series(
                    grid,
                    np.ones_like(grid),
                    f"representable ({grid.size} in range)",
                    kind="markers",
                ),
                Series(x.ravel(), np.zeros(x.size), "the values", kind="markers"),
            ],  # fmt: skip
            title=f"The value grid of {params.format}"
            + (" (first block)" if params.format in INT_BITS else ""),
            desc="Representable values over the range of the data (top) and the data (bottom)",
            x_label="value",
            y_range=(-0.5, 1.5),
            x_range=(lo - pad, hi + pad),
            marks=[Mark(float(v), 0.0) for v in x.ravel()[np.argsort(-np.abs(x.ravel()))[:3]]],
            height=200,
        )
    spacing = ""  # fp16/bf16: the grid is too fine to draw; its step at max |x| instead
    if params.format in ("fp16", "bf16"):
        f = FLOATS[params.format]
        top = float(np.abs(x).max())
        e = math.frexp(top)[1] - 1 if top else 1 - f.bias
        spacing = fmt(2.0 ** (max(e, 1 - f.bias) - f.mantissa))
    return {
        "scatter": scatter,
        "grid_plot": grid_plot,
        "spacing": spacing,
        "x": heat_table(x[:SHOWN_ROWS, :SHOWN_COLUMNS]),
        "dequantized": heat_table(d[:SHOWN_ROWS, :SHOWN_COLUMNS]),
        "error": heat_table((d - x)[:SHOWN_ROWS, :SHOWN_COLUMNS]),
        "cut": x.shape[0] > SHOWN_ROWS or x.shape[1] > SHOWN_COLUMNS,
        "shape": " × ".join(str(s) for s in x.shape),
        "mse": fmt(result["mse"]),
        "sqnr": "∞ (no error)" if result["sqnr_db"] is None else f"{result['sqnr_db']:.2f} dB",
        "scales": [fmt(s) for s in result["scale"][:16]],
        "more_scales": max(0, len(result["scale"]) - 16),
        "zero_points": [fmt(z) for z in result["zero_point"][:16]],
        "comparison": [
            {
                **c,
                "mse": fmt(c["mse"]),
                "sqnr": "∞" if c["sqnr_db"] is None else f"{c['sqnr_db']:.1f}",
                "chosen": c["format"] == params.format
                and (c["granularity"] == params.granularity or params.format not in INT_BITS),
            }
            for c in result["comparison"]
        ],
        "is_int": params.format in INT_BITS,
    }


DEMO = Demo(
    slug="quantization",
    title="Quantization: int8, int4, fp16, bf16, fp8",
    summary="A weight matrix with outliers quantized to integer and float formats: the value "
    "grid, the error per granularity, and why one outlier ruins a per-tensor scale.",
    params=QuantizationParams,
    compute=compute,
    view=view,
    explain=(
        "Integer quantization maps a block of values onto 2^b evenly spaced levels: the "
        "**scale** is the step between levels, chosen so that the largest |x| (symmetric) or "
        "the range [min, max] (asymmetric, with a zero point) just fits. One outlier 20× "
        "larger than the rest stretches the scale 20×, and every ordinary weight then falls "
        "on a handful of levels near 0: the SQNR collapses. Smaller blocks contain the "
        "damage: per-**channel** scales (one per row) keep the outlier's row to itself, "
        "**groups** of g values (as in GPTQ/AWQ int4 with g = 128) confine it further, at the "
        "cost of storing more scales. Float formats have no scale: their grid is dense near 0 "
        "and sparse far away, so the relative error stays roughly constant (2^−(mantissa+1)) — "
        "fp16 and bf16 trade range for precision (bf16 has float32's range with 8 bits of "
        "precision), fp8 E4M3 (max 448) favours precision, E5M2 (max 57344) range."
    ),
    examples={
        "maximum": {
            "rows": MAX_ROWS,
            "cols": MAX_COLS,
            "outliers": 64,
            "format": "int4",
            "granularity": "group",
            "group_size": 1,
            "symmetric": False,
        },
        "outlier-per-tensor": {"format": "int8", "granularity": "tensor"},
        "outlier-per-channel": {"format": "int8", "granularity": "channel"},
        "int4-groups": {"format": "int4", "granularity": "group", "group_size": 8},
        "int4-per-tensor": {"format": "int4", "granularity": "tensor"},
        "no-outliers": {"outliers": 0, "format": "int4"},
        "asymmetric": {"symmetric": False, "x": [[0, 0.5, 1, 2, 4]], "format": "int4"},
        "fp8-e4m3": {"format": "fp8-e4m3"},
        "fp8-e5m2": {"format": "fp8-e5m2"},
        "bf16": {"format": "bf16"},
        "fp16-overflow": {"format": "fp16", "x": [[1, 1000, 70000, -1e5]]},
    },  # fmt: skip
    predict=Prediction(
        question="The 8 × 256 weights have two outliers 20× larger than the rest. Going from "
        "one int8 scale for the whole tensor to one per row: by how many dB does the SQNR improve?",
        preset="outlier-per-channel",
        answer=(
            "By about 8.5 dB (22.7 → 31.3 dB). The largest outlier (48) set the one scale; per "
            "row, the six rows without an outlier get scales 12–19× finer (their own max |x| "
            "of 2.5–3.9, over 127), so their error falls 150× or more, and what is left is "
            "dominated by the two rows that hold the outliers. Groups of 8 confine them "
            "further: 47 dB."
        ),
    ),
)
