"""Rotary position embedding (RoPE): rotation angles, both layouts, and context-extension scaling.

Conventions: inv_freq_i = base^(−2i/d) as Hugging Face's LLaMA; the "half" layout rotates
x[:d/2] with x[d/2:] (``rotate_half``, GPT-NeoX/LLaMA) and "interleaved" rotates the pairs
(x[2i], x[2i+1]) as the RoFormer paper; "linear" interpolation divides positions by the factor,
"ntk" replaces base by base · factor^(d/(d−2)).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.grids import heat_table
from app.charts.heat import heatmap
from app.charts.lines import Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_LENGTH = 512
MAX_DIM = 256
SHOWN_ROWS = 8  # of the rotated table
SHOWN_COLUMNS = 16
CURVE_POINTS = 400  # the plot draws at most 400 points anyway
MAP_SIDE = 64  # rows and columns of the angle map at most (every k-th one beyond)

Value = Annotated[float, Field(ge=-1e4, le=1e4)]
Position = Annotated[float, Field(ge=-1e7, le=1e7)]


class RopeParams(DemoParams):
    seq_len: int | None = Field(
        None, ge=1, le=MAX_LENGTH, description="Rows of the seeded x (default 32; else from x)"
    )
    head_dim: int | None = Field(
        None, ge=4, le=MAX_DIM, description="d, even (default 16; else from x)"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of x ~ N(0, 1)")
    x: list[Annotated[list[Value], Field(min_length=4, max_length=MAX_DIM)]] | None = Field(
        None, min_length=1, max_length=MAX_LENGTH, description="Vectors to rotate, n × d"
    )
    positions: list[Position] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LENGTH,
        description="Position of each row (default 0 … n − 1)",
    )
    base: float = Field(10000.0, gt=1, le=1e9, description="θ of inv_freq = θ^(−2i/d)")
    layout: Literal["half", "interleaved"] = Field(
        "half", description="half: x[i] with x[i + d/2] (LLaMA); interleaved: x[2i] with x[2i+1]"
    )
    scaling: Literal["none", "linear", "ntk"] = Field(
        "none", description="Context extension: divide positions, or enlarge the base (NTK)"
    )
    factor: float = Field(
        1.0, ge=1, le=1000, description="Scaling factor (new context / trained context)",
        json_schema_extra={"slider": [1, 16, 0.5]},
    )  # fmt: skip
    max_distance: int = Field(
        256, ge=1, le=1_000_000, description="Relative distances drawn in the q·k plot"
    )

    @field_validator("head_dim")
    @classmethod
    def _even(cls, d: int | None) -> int | None:
        if d is not None and d % 2:
            raise ValueError(f"head_dim = {d} must be even (RoPE rotates pairs)")
        return d

    @field_validator("x")
    @classmethod
    def _x_shape(cls, x: Any, info: ValidationInfo) -> Any:
        if x is None:
            return x
        d = len(x[0])
        if any(len(row) != d for row in x):
            raise ValueError(f"must be rectangular: every row needs {d} values")
        if d % 2:
            raise ValueError(f"x has {d} columns; d must be even")
        for name, size in (("seq_len", len(x)), ("head_dim", d)):
            given = info.data.get(name)
            if given is not None and given != size:
                raise ValueError(f"x gives {name} = {size}, but {name} = {given} was given")
        return x

    @field_validator("positions")
    @classmethod
    def _one_position_per_row(cls, positions: Any, info: ValidationInfo) -> Any:
        if positions is None or "x" not in info.data:
            return positions
        x, seq_len = info.data["x"], info.data.get("seq_len")
        if x is not None and len(positions) != len(x):
            raise ValueError(f"positions has {len(positions)} entries for the {len(x)} rows of x")
        if x is None and seq_len is not None and len(positions) != seq_len:
            raise ValueError(f"positions has {len(positions)} entries, but seq_len = {seq_len}")
        return positions


def inverse_frequencies(base: float, d: int, scaling: str, factor: float) -> np.ndarray:
    """base^(−2i/d) for i < d/2; NTK-aware scaling first replaces base by base·factor^(d/(d−2))."""
    if scaling == "ntk":
        base = base * factor ** (d / (d - 2))
    return base ** (-np.arange(0, d, 2) / d)


def angles_of(
    positions: np.ndarray, inv_freq: np.ndarray, scaling: str, factor: float
) -> np.ndarray:
    """θ[p, i] = position_p · inv_freq_i (positions divided by factor for linear scaling)."""
    scaled = positions / factor if scaling == "linear" else positions
    return np.outer(scaled, inv_freq)


def rotate(x: np.ndarray, angles: np.ndarray, layout: str) -> np.ndarray:
    """Rotate each pair of coordinates of each row by its angle."""
    cos, sin = np.cos(angles), np.sin(angles)
    out = np.empty_like(x)
    if layout == "half":
        h = x.shape[1] // 2
        a, b = x[:, :h], x[:, h:]
        out[:, :h], out[:, h:] = a * cos - b * sin, b * cos + a * sin
    else:
        a, b = x[:, 0::2], x[:, 1::2]
        out[:, 0::2], out[:, 1::2] = a * cos - b * sin, b * cos + a * sin
    return out


def relative_scores(distances: np.ndarray, inv_freq: np.ndarray, divide: float) -> np.ndarray:
    """q·k / (q·q) for q = k = all ones at relative distance Δ: mean of cos(Δ·θᵢ) over pairs."""
    return np.cos(np.outer(distances / divide, inv_freq)).mean(axis=1)


def compute(params: RopeParams) -> dict[str, Any]:
    if params.x is not None:
        x = np.array(params.x, dtype=float)
    else:
        rng = np.random.default_rng(params.seed)
        rows = params.seq_len or (len(params.positions) if params.positions else 32)
        x = rng.standard_normal((rows, params.head_dim or 16))
    n, d = x.shape
    positions = np.array(params.positions if params.positions is not None else range(n), float)
    inv_freq = inverse_frequencies(params.base, d, params.scaling, params.factor)
    angles = angles_of(positions, inv_freq, params.scaling, params.factor)
    distances = np.unique(np.linspace(0, params.max_distance, CURVE_POINTS).round())
    plain = inverse_frequencies(params.base, d, "none", 1.0)
    curves = {
        "none": relative_scores(distances, plain, 1.0),
        "linear": relative_scores(distances, plain, params.factor),
        "ntk": relative_scores(
            distances, inverse_frequencies(params.base, d, "ntk", params.factor), 1.0
        ),
    }
    # Effective frequency of each pair relative to no scaling: what a long position turns into.
    effective = inv_freq / (params.factor if params.scaling == "linear" else 1.0)
    return {
        "rotated": rotate(x, angles, params.layout).tolist(),
        "inv_freq": inv_freq.tolist(),
        "angles": angles.tolist(),
        "x": x.tolist(),
        "positions": positions.tolist(),
        "frequency_ratio": (effective / plain).tolist(),
        "wavelengths": (2 * np.pi / effective).tolist(),
        "distances": distances.tolist(),
        "relative_scores": {k: v.tolist() for k, v in curves.items()},
        "norms_kept": bool(
            np.allclose(
                np.linalg.norm(rotate(x, angles, params.layout), axis=1), np.linalg.norm(x, axis=1)
            )
        ),  # fmt: skip
    }


def view(params: RopeParams, result: dict[str, Any]) -> dict[str, Any]:
    angles = np.array(result["angles"])
    n, pairs = angles.shape
    rows = np.arange(0, n, -(-n // MAP_SIDE))
    cols = np.arange(0, pairs, -(-pairs // MAP_SIDE))
    angle_map = heatmap(
        np.cos(angles[np.ix_(rows, cols)]),
        cols,
        rows,
        title="cos of the rotation angle per pair and position",
        desc=f"cos(position × inv_freq_i) for {n} positions and {pairs} pairs; the first pairs "
        "turn fast, the last barely move",
        x_label="pair i (frequency falls to the right)",
        y_label="row (position)",
        levels=0,
        width=PAIR_WIDTH,
    )
    scores = result["relative_scores"]
    chosen = params.scaling
    curve = line_plot(
        [
            Series(result["distances"], scores[name], name, dashed=name != chosen)
            for name in ("none", "linear", "ntk")
        ],
        title="q·k against relative distance",
        desc="For q = k = all ones, q·k after rotation divided by q·q, the mean of cos(Δθᵢ), "
        f"with no scaling, linear interpolation and NTK scaling by {fmt(params.factor)}",
        x_label="relative distance Δ = m − n",
        y_label="q·k / |q|²",
        width=PAIR_WIDTH,
    )
    ratio = np.array(result["frequency_ratio"])
    return {
        "angle_map": angle_map,
        "curve": curve,
        "rotated": heat_table(np.array(result["rotated"])[:SHOWN_ROWS, :SHOWN_COLUMNS]),
        "x": heat_table(np.array(result["x"])[:SHOWN_ROWS, :SHOWN_COLUMNS]),
        "pairs": [
            {
                "i": i,
                "inv_freq": f"{result['inv_freq'][i]:.4g}",
                "ratio": f"{ratio[i]:.4g}",
                "wavelength": fmt(result["wavelengths"][i]),
            }
            for i in range(pairs)
        ][:32],
        "cut": n > SHOWN_ROWS or len(result["x"][0]) > SHOWN_COLUMNS,
        "ntk_base": fmt(
            params.base * params.factor ** (len(result["x"][0]) / (len(result["x"][0]) - 2))
        ),
    }


DEMO = Demo(
    slug="rope",
    title="RoPE: rotary position embeddings",
    summary="Rotation angles per pair and position, q·k as a function of relative distance, "
    "and what linear and NTK-aware scaling do to long positions.",
    params=RopeParams,
    compute=compute,
    view=view,
    explain=(
        "RoPE rotates each pair of coordinates of q and k by an angle proportional to the "
        "position, θᵢ = position · base^(−2i/d). A rotation keeps lengths, and the dot product "
        "of q rotated by m and k rotated by n depends only on m − n: attention sees relative "
        "positions without any added vector. The first pairs turn fast (wavelength 2π) and "
        "resolve neighbours; the last turn slowly (wavelength up to 2π · base) and carry "
        "long-range position. Beyond the trained context the slow pairs reach angles never "
        "seen in training. **Linear interpolation** divides every position by the factor, "
        "so the angles stay in range but neighbours also become factor times closer; "
        "**NTK-aware** scaling enlarges the base instead, which leaves the fast pairs almost "
        "unchanged and slows the slowest pair by exactly the factor. The two layouts compute "
        "the same thing on permuted coordinates; a checkpoint only works with its own."
    ),
    examples={
        "maximum": {
            "seq_len": MAX_LENGTH,
            "head_dim": MAX_DIM,
            "scaling": "ntk",
            "factor": 8,
            "max_distance": 1_000_000,
        },
        "long-range-decay": {"max_distance": 2048, "head_dim": 64},
        "linear-x4": {"scaling": "linear", "factor": 4, "head_dim": 64, "max_distance": 1024},
        "ntk-x4": {"scaling": "ntk", "factor": 4, "head_dim": 64, "max_distance": 1024},
        "interleaved": {"layout": "interleaved"},
        "small-base": {"base": 100},
        "given": {"x": [[1, 0, 0, 0], [1, 0, 0, 0]], "positions": [0, 1]},
    },  # fmt: skip
    predict=Prediction(
        question="Extend the context 4× with NTK-aware scaling (head_dim 64). Which pairs change "
        "their frequency the most: the fast first pairs or the slow last ones — and by how much "
        "does the slowest one change?",
        preset="ntk-x4",
        answer=(
            "The slow ones. NTK scaling multiplies frequency i by factor^(−2i/(d−2)): pair 0 is "
            "unchanged (ratio 1), the last pair is slowed by exactly the factor (ratio 0.25), "
            "so nearby tokens stay as distinguishable as before while long positions land in "
            "the trained range. Linear interpolation would divide all 32 frequencies by 4."
        ),
    ),
)
