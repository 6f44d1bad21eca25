"""Problems of the cnn and vision-tasks topics: sizes, parameters, receptive fields, IoU."""

# ruff: noqa: E501 — the worked steps are KaTeX strings, clearer unbroken than split mid-formula

from __future__ import annotations

from typing import Any

import numpy as np

from app.demos import detection, receptive_field
from app.demos.conv_pool import conv_output_size
from app.problems import formulas
from app.problems.core import Answer, Draw, Draws, Generator, decimals, fmt

CONV_DEMO_MAX = 28  # the conv-pool demo's largest image side


def _diagonal(n: int) -> list[list[float]]:
    return np.eye(n).tolist()


def _conv_demo(n: int, k: int, s: int, p: int) -> tuple[str, dict[str, Any]] | None:
    if n > CONV_DEMO_MAX or k > 7 or p > 3:
        return None
    blur = [[round(1 / (k * k), 6)] * k for _ in range(k)]
    return "conv-pool", {
        "image": _diagonal(n),
        "kernel": blur,
        "stride": s,
        "padding": p,
        "pool": "none",
    }


def conv_output(d: Draws) -> Draw:
    while True:
        n, k, s, p = d.int("n"), d.int("k"), d.int("s"), d.int("p")
        if p < k and n + 2 * p >= k:
            break
    out = conv_output_size((n, n), (k, k), s, p)[0]
    worked = (n + 2 * p - k) // s + 1
    steps = [
        r"Output side $= \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1$ (as `torch.nn.Conv2d`).",
        rf"$n + 2p - k = {n} + 2\cdot{p} - {k} = {n + 2 * p - k}$.",
        rf"$\lfloor {n + 2 * p - k} / {s} \rfloor = {(n + 2 * p - k) // s}$, plus 1 gives **{worked}**;"
        rf" the output is ${worked}\times{worked}$.",
    ]
    return Draw(
        {"n": n, "k": k, "s": s, "p": p},
        {"n": str(n), "k": str(k), "s": str(s), "p": str(p)},
        Answer("integer", out),
        steps,
        worked,
        _conv_demo(n, k, s, p),
    )


def pool_output(d: Draws) -> Draw:
    n, k = d.int("n"), d.pick([2, 3])
    s = d.pick([k, 2])
    out = conv_output_size((n, n), (k, k), s, 0)[0]
    worked = (n - k) // s + 1
    steps = [
        r"Pooling has no padding here: side $= \lfloor (n - k)/s \rfloor + 1$ (floor mode).",
        rf"$\lfloor ({n} - {k}) / {s} \rfloor + 1 = {(n - k) // s} + 1 = $ **{worked}**.",
    ]
    demo = None
    if n <= CONV_DEMO_MAX:
        demo = (
            "conv-pool",
            {
                "image": _diagonal(n),
                "kernel": [[1.0]],
                "pool": "max",
                "pool_size": k,
                "pool_stride": s,
            },
        )
    return Draw(
        {"n": n, "k": k, "s": s},
        {"n": str(n), "k": str(k), "s": str(s)},
        Answer("integer", out),
        steps,
        worked,
        demo,
    )


def stem_output(d: Draws) -> Draw:
    """A ResNet-style stem: 7×7/2 conv with padding 3, then 3×3/2 max-pool with padding 1."""
    n = d.pick([160, 192, 224, 256, 288, 320, 384])
    k1, s1, p1 = d.pick([(7, 2, 3), (5, 2, 2), (3, 2, 1)])
    after_conv = conv_output_size((n, n), (k1, k1), s1, p1)[0]
    out = conv_output_size((after_conv, after_conv), (3, 3), 2, 1)[0]
    a = (n + 2 * p1 - k1) // s1 + 1
    worked = (a + 2 - 3) // 2 + 1
    steps = [
        r"Each layer: $\lfloor (n + 2p - k)/s \rfloor + 1$.",
        rf"Conv: $\lfloor ({n} + {2 * p1} - {k1}) / {s1} \rfloor + 1 = {a}$.",
        rf"Max-pool $3\times3$, stride 2, padding 1: $\lfloor ({a} + 2 - 3)/2 \rfloor + 1 = $ **{worked}**.",
    ]
    shown = {"n": str(n), "k": str(k1), "s": str(s1), "p": str(p1)}
    return Draw({"n": n, "k": k1, "s": s1, "p": p1}, shown, Answer("integer", out), steps, worked)


def conv_layer_params(d: Draws) -> Draw:
    k, c_in, c_out = (
        d.pick([1, 3, 5, 7]),
        d.pick([3, 16, 32, 64, 128, 256]),
        d.pick([16, 32, 64, 128, 256, 512]),
    )
    bias = bool(d.pick([True, False]))
    count = formulas.conv_params(k, c_in, c_out, bias)
    weights = k * k * c_in * c_out
    worked = weights + (c_out if bias else 0)
    steps = [
        r"Each of the $C_\text{out}$ filters has $k \cdot k \cdot C_\text{in}$ weights"
        + (" and one bias." if bias else "; there is no bias."),
        rf"Weights: ${k}\cdot{k}\cdot{c_in}\cdot{c_out} = {fmt(weights)}$.",
        (rf"Biases: ${c_out}$, total **{fmt(worked)}**." if bias else rf"Total **{fmt(worked)}**."),
    ]
    shown = {
        "k": str(k),
        "c_in": str(c_in),
        "c_out": str(c_out),
        "bias": "with a bias" if bias else "without bias",
    }
    params = {"k": k, "c_in": c_in, "c_out": c_out, "bias": bias}
    return Draw(params, shown, Answer("integer", count), steps, worked)


def separable_params(d: Draws) -> Draw:
    k, c_in, c_out = d.pick([3, 5]), d.pick([32, 64, 128, 256]), d.pick([64, 128, 256, 512])
    count = formulas.depthwise_separable_params(k, c_in, c_out)
    full = formulas.conv_params(k, c_in, c_out, bias=False)
    worked = k * k * c_in + c_in * c_out
    steps = [
        rf"Depthwise: one ${k}\times{k}$ filter per input channel, ${k}^2\cdot{c_in} = {k * k * c_in}$.",
        rf"Pointwise $1\times1$: ${c_in}\cdot{c_out} = {fmt(c_in * c_out)}$.",
        rf"Total **{fmt(worked)}** (a full ${k}\times{k}$ conv has {fmt(full)}: "
        rf"{full / worked:.1f}× more).",
    ]
    shown = {"k": str(k), "c_in": str(c_in), "c_out": str(c_out)}
    return Draw(
        {"k": k, "c_in": c_in, "c_out": c_out}, shown, Answer("integer", count), steps, worked
    )


def receptive(d: Draws) -> Draw:
    layers, k = d.int("layers"), d.pick([3, 5])
    pools = (
        sorted(
            int(i)
            for i in d.rng.choice(np.arange(1, layers + 1), size=d.int("pools"), replace=False)
        )
        if layers > 1
        else []
    )
    params = receptive_field.ReceptiveFieldParams(layers=layers, kernel_size=k, pool_after=pools)
    rf_demo = receptive_field.compute(params)["receptive_field"]
    rf, jump, lines = 1, 1, []
    for layer in range(1, layers + 1):
        rf += (k - 1) * jump
        lines.append(rf"conv{layer}: $+({k}-1)\cdot{jump}$ → {rf}")
        if layer in pools:
            rf += jump
            lines.append(rf"pool: $+(2-1)\cdot{jump}$ → {rf}, jump ×2 = {jump * 2}")
            jump *= 2
    steps = [
        r"Start at $r = 1$, jump $j = 1$; each layer adds $(k - 1)\cdot j$; a stride-2 pool doubles $j$.",
        "; ".join(lines) + ".",
        f"Receptive field **{rf}** pixels per side.",
    ]
    where = ", ".join(f"conv{i}" for i in pools) if pools else "none"
    shown = {"layers": str(layers), "k": str(k), "pools": where}
    demo = ("receptive-field", {"layers": layers, "kernel_size": k, "pool_after": pools})
    return Draw(
        {"layers": layers, "k": k, "pool_after": pools},
        shown,
        Answer("integer", rf_demo),
        steps,
        rf,
        demo,
    )


def _box(d: Draws) -> list[int]:
    x0, y0 = d.int("corner"), d.int("corner")
    return [x0, y0, x0 + d.int("side"), y0 + d.int("side")]


def box_iou(d: Draws) -> Draw:
    while True:
        a, b = _box(d), _box(d)
        iou = float(detection.box_iou(np.array([a], float), np.array([b], float))[0, 0])
        if 0.05 < iou < 0.95:
            break
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    inter = iw * ih
    area_a, area_b = (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])
    union = area_a + area_b - inter
    steps = [
        r"$\text{IoU} = \frac{|A\cap B|}{|A| + |B| - |A\cap B|}$, boxes as $(x_1, y_1, x_2, y_2)$.",
        rf"Intersection: width $\min({a[2]}, {b[2]}) - \max({a[0]}, {b[0]}) = {iw}$, height "
        rf"$\min({a[3]}, {b[3]}) - \max({a[1]}, {b[1]}) = {ih}$, area ${inter}$.",
        rf"Areas ${area_a}$ and ${area_b}$; union ${area_a} + {area_b} - {inter} = {union}$.",
        rf"IoU $= {inter}/{union} = $ **{inter / union:.4f}**.",
    ]
    shown = {"a": f"({', '.join(map(str, a))})", "b": f"({', '.join(map(str, b))})"}
    demo = ("detection", {"boxes": [a], "scores": [0.9], "ground_truth": [b]})
    return Draw(
        {"a": a, "b": b}, shown, Answer(value=iou, **decimals(3)), steps, inter / union, demo
    )


GENERATORS = [
    Generator(
        "conv-output-size",
        "cnn",
        {"n": (7, 28), "k": (1, 7), "s": (1, 3), "p": (0, 3)},
        conv_output,
    ),
    Generator("pool-output-size", "cnn", {"n": (8, 112)}, pool_output),
    Generator("conv-stem-output", "cnn", {}, stem_output),
    Generator("conv-layer-params", "cnn", {}, conv_layer_params),
    Generator("separable-conv-params", "cnn", {}, separable_params),
    Generator("receptive-field-stack", "cnn", {"layers": (2, 6), "pools": (0, 2)}, receptive),
    Generator("box-iou", "vision-tasks", {"corner": (0, 40), "side": (10, 40)}, box_iou),
]
