"""Convolution and pooling on a small image, with PyTorch's conventions (conv2d, max/avg_pool2d)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from pydantic import Field, ValidationInfo, field_validator

from app.charts.grids import grid_svg, heat_table
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

MAX_IMAGE = 28
MAX_KERNEL = 7

Value = Annotated[float, Field(ge=-1e6, le=1e6)]

IMAGES: dict[str, list[str]] = {
    "digit-7": [
        "00000000",
        "01111110",
        "00000110",
        "00001100",
        "00011000",
        "00110000",
        "00110000",
        "00000000",
    ],
    "cross": [
        "00011000",
        "00011000",
        "00011000",
        "11111111",
        "11111111",
        "00011000",
        "00011000",
        "00011000",
    ],
    "square": [
        "00000000",
        "01111110",
        "01000010",
        "01000010",
        "01000010",
        "01000010",
        "01111110",
        "00000000",
    ],
    "diagonal": ["".join("1" if i == j else "0" for j in range(8)) for i in range(8)],
}

KERNELS: dict[str, list[list[float]]] = {
    "edge-vertical": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "edge-horizontal": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "blur": [[1 / 9] * 3 for _ in range(3)],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}


_NUMBERS = re.compile(r"[\s\d.,;eE+-]+")


def parse_matrix(value: Any) -> Any:
    """Turn a query-string matrix ``"1,2;3,4"`` into rows; leave anything else as it is."""
    if isinstance(value, str) and _NUMBERS.fullmatch(value):
        return [[float(x) for x in row.split(",")] for row in value.split(";") if row.strip()]
    return value


def check_matrix(rows: list[list[float]], max_side: int) -> list[list[float]]:
    """A non-empty rectangular matrix of at most ``max_side`` × ``max_side`` values."""
    if not rows or not rows[0]:
        raise ValueError("needs at least one row and one column")
    if len(rows) > max_side or any(len(r) > max_side for r in rows):
        raise ValueError(f"may be at most {max_side} × {max_side}")
    if any(len(r) != len(rows[0]) for r in rows):
        raise ValueError(f"must be rectangular: every row needs {len(rows[0])} values")
    return rows


class ConvPoolParams(DemoParams):
    image: str | list[list[Value]] = Field(
        "cross",
        description=(
            f"A preset ({', '.join(IMAGES)}) or a matrix of pixel values, "
            f"up to {MAX_IMAGE} × {MAX_IMAGE} (rows separated by ';')"
        ),
    )
    kernel: str | list[list[Value]] = Field(
        "edge-vertical",
        description=(
            f"A preset ({', '.join(KERNELS)}) or a matrix of weights, "
            f"up to {MAX_KERNEL} × {MAX_KERNEL}"
        ),
    )
    stride: int = Field(1, ge=1, le=8, description="Step of the convolution window")
    padding: int = Field(
        0, ge=0, le=6, validate_default=True, description="Zeros added on every side of the image"
    )
    pool: Literal["max", "avg", "none"] = Field("max", description="Pooling after the conv")
    pool_size: int = Field(
        2, ge=1, le=8, validate_default=True, description="Side of the pooling window"
    )
    pool_stride: int = Field(2, ge=1, le=8, description="Step of the pooling window")

    @field_validator("image", "kernel", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return parse_matrix(value)

    @field_validator("image")
    @classmethod
    def _check_image(cls, value: str | list[list[float]]) -> str | list[list[float]]:
        if isinstance(value, str):
            if value not in IMAGES:
                raise ValueError(f"must be one of {', '.join(IMAGES)} or a matrix")
            return value
        return check_matrix(value, MAX_IMAGE)

    @field_validator("kernel")
    @classmethod
    def _check_kernel(cls, value: str | list[list[float]]) -> str | list[list[float]]:
        if isinstance(value, str):
            if value not in KERNELS:
                raise ValueError(f"must be one of {', '.join(KERNELS)} or a matrix")
            return value
        return check_matrix(value, MAX_KERNEL)

    @field_validator("padding")
    @classmethod
    def _kernel_fits(cls, padding: int, info: ValidationInfo) -> int:
        if "image" not in info.data or "kernel" not in info.data:
            return padding
        image, kernel = _matrix(info.data["image"], IMAGES), _matrix(info.data["kernel"], KERNELS)
        for side, n, k in zip(("height", "width"), image.shape, kernel.shape, strict=True):
            if k > n + 2 * padding:
                raise ValueError(
                    f"kernel {side} {k} is larger than the padded image {side} "
                    f"{n} + 2·{padding} = {n + 2 * padding}: "
                    "increase padding or use a smaller kernel"
                )
        return padding

    @field_validator("pool_size")
    @classmethod
    def _pool_fits(cls, pool_size: int, info: ValidationInfo) -> int:
        data = info.data
        needed = {"image", "kernel", "stride", "padding"}
        if data.get("pool", "none") == "none" or not needed <= set(data):
            return pool_size
        image, kernel = _matrix(data["image"], IMAGES), _matrix(data["kernel"], KERNELS)
        conv = conv_output_size(image.shape, kernel.shape, data["stride"], data["padding"])
        for side, n in zip(("height", "width"), conv, strict=True):
            if pool_size > n:
                raise ValueError(
                    f"the {pool_size} × {pool_size} window is larger than the feature map "
                    f"{side} {n}: "
                    "use a smaller pool_size, a smaller stride or more padding"
                )
        return pool_size


def _matrix(value: str | list[list[float]], presets: dict[str, Any]) -> np.ndarray:
    """A preset (image rows are strings of digits) or a given matrix, as an array."""
    rows = presets[value] if isinstance(value, str) else value
    return np.array([[float(c) for c in row] for row in rows])


def image_of(params: ConvPoolParams) -> np.ndarray:
    return _matrix(params.image, IMAGES)


def kernel_of(params: ConvPoolParams) -> np.ndarray:
    return _matrix(params.kernel, KERNELS)


def conv_output_size(
    shape: tuple[int, ...], kernel: tuple[int, ...], stride: int, padding: int
) -> tuple[int, int]:
    """⌊(n + 2p − k)/s⌋ + 1 per axis, as conv2d (may be ≤ 0 when the kernel does not fit)."""
    h, w = ((n + 2 * padding - k) // stride + 1 for n, k in zip(shape, kernel, strict=True))
    return h, w


def conv2d(image: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """Cross-correlation with zero padding, as torch.nn.functional.conv2d (one channel)."""
    padded = np.pad(image, padding)
    windows = sliding_window_view(padded, kernel.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def pool2d(x: np.ndarray, kind: str, size: int, stride: int) -> np.ndarray:
    """max_pool2d / avg_pool2d without padding, floor mode."""
    windows = sliding_window_view(x, (size, size))[::stride, ::stride]
    return windows.max(axis=(2, 3)) if kind == "max" else windows.mean(axis=(2, 3))


def size_formula(n: int, k: int, s: int, p: int) -> dict[str, Any]:
    value = (n + 2 * p - k) // s + 1
    text = f"⌊({n} + 2·{p} − {k})/{s}⌋ + 1 = {value}"
    return {"size": value, "formula": text}


def compute(params: ConvPoolParams) -> dict[str, Any]:
    image, kernel = image_of(params), kernel_of(params)
    feature_map = conv2d(image, kernel, params.stride, params.padding)
    sizes = {
        "conv": {
            side: size_formula(image.shape[a], kernel.shape[a], params.stride, params.padding)
            for a, side in enumerate(("height", "width"))
        }
    }
    pooled = None
    if params.pool != "none":
        pooled_map = pool2d(feature_map, params.pool, params.pool_size, params.pool_stride)
        pooled = pooled_map.tolist()
        sizes["pool"] = {
            side: size_formula(feature_map.shape[a], params.pool_size, params.pool_stride, 0)
            for a, side in enumerate(("height", "width"))
        }
    return {
        "image": image.tolist(),
        "kernel": kernel.tolist(),
        "feature_map": feature_map.tolist(),
        "pooled": pooled,
        "sizes": sizes,
    }


def view(params: ConvPoolParams, result: dict[str, Any]) -> dict[str, Any]:
    """Pictures of the image, feature map and pooled map; the strongest window worked out."""
    image, kernel = np.array(result["image"]), np.array(result["kernel"])
    feature_map = np.array(result["feature_map"])
    p, s = params.padding, params.stride
    (kh, kw), (h, w) = kernel.shape, image.shape
    r, c = (int(i) for i in np.unravel_index(np.argmax(np.abs(feature_map)), feature_map.shape))
    window = np.pad(image, p)[r * s : r * s + kh, c * s : c * s + kw]
    image_outlines = [(p, p, h, w, True)] if p else []
    image_outlines.append((r * s, c * s, kh, kw, False))
    pooled = result["pooled"]
    small = feature_map.shape[1] <= 16
    return {
        "image_svg": grid_svg(
            np.pad(image, p),
            title="Padded input image",
            desc=f"{h} × {w} image with {p} px of zero padding; the window at output "
            f"({r}, {c}) is outlined",
            outlines=image_outlines,
        ),
        "feature_svg": grid_svg(
            feature_map,
            title="Feature map",
            desc=f"{feature_map.shape[0]} × {feature_map.shape[1]} feature map; "
            f"output ({r}, {c}) is outlined",
            outlines=[(r, c, 1, 1, False)],
        ),
        "pooled_svg": None
        if pooled is None
        else grid_svg(
            pooled,
            title=f"{params.pool} pooled map",
            desc=f"{len(pooled)} × {len(pooled[0])} map after {params.pool} pooling",
        ),
        "window": {
            "row": r,
            "col": c,
            "values": heat_table(window),
            "kernel": heat_table(kernel),
            "products": heat_table(window * kernel),
            "sum": fmt(float(feature_map[r, c])),
        },
        "feature_table": heat_table(feature_map) if small else None,
        "pooled_table": heat_table(pooled) if pooled is not None and small else None,
        "formulas": [
            f"{stage} {side}: {size['formula']}"
            for stage, sides in result["sizes"].items()
            for side, size in sides.items()
        ],
    }


_MAX_IMAGE = [[float((i * j) % 7 - 3) for j in range(MAX_IMAGE)] for i in range(MAX_IMAGE)]
_MAX_KERNEL = [[1.0] * MAX_KERNEL for _ in range(MAX_KERNEL)]

DEMO = Demo(
    slug="conv-pool",
    title="Convolution and pooling",
    summary="Slide a kernel over a small image, pool the feature map, and size the output.",
    params=ConvPoolParams,
    compute=compute,
    view=view,
    explain=(
        "The kernel slides over the zero-padded image; each output value is the sum of the "
        "window times the kernel (cross-correlation, as in PyTorch's `conv2d`: the kernel is "
        "not flipped). An edge kernel answers strongly only where the intensity changes across "
        "it, so the feature map lights up along the edges of the shape. Every output side is "
        "⌊(n + 2p − k)/s⌋ + 1: padding keeps the map large, stride shrinks it. Pooling then "
        "keeps the maximum (or the mean) of each window, which halves the map with a 2×2 "
        "window and stride 2 and makes the answer tolerant to small shifts."
    ),
    examples={
        "maximum": {
            "image": _MAX_IMAGE,
            "kernel": _MAX_KERNEL,
            "stride": 1,
            "padding": 6,
            "pool": "avg",
            "pool_size": 8,
            "pool_stride": 1,
        },
        "blur-no-pool": {"image": "digit-7", "kernel": "blur", "pool": "none"},
        "same-padding": {"image": "square", "kernel": "edge-horizontal", "padding": 1},
    },
    predict=Prediction(
        question=(
            "Add padding 1 to the 3×3 convolution on the 8×8 image: what are the feature map and "
            "pooled sizes?"
        ),
        preset="same-padding",
        answer=(
            "8×8 and 4×4 instead of 6×6 and 3×3: ⌊(8 + 2·1 − 3)/1⌋ + 1 = 8. Padding (k − 1)/2 "
            'with stride 1 is "same" padding, so the size is kept and only the 2×2 pooling halves '
            "it."
        ),
    ),
)
