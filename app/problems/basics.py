"""Problems of activations, losses, training, optimization, normalization, evaluation, RNNs."""

# ruff: noqa: E501 — the worked steps are KaTeX strings, clearer unbroken than split mid-formula

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from app.demos import batchnorm, dropout, lr_schedule
from app.demos.activations import activation, softmax
from app.demos.gradient_descent import GradientDescentParams, make_step
from app.demos.init_depth import weight_std
from app.demos.loss_functions import loss_and_grad
from app.problems import formulas
from app.problems.core import Answer, Draw, Draws, Generator, decimals, fmt, sig3, vector


def _logits(d: Draws, count: int) -> list[float]:
    while True:
        z = d.reals("logit", 0.5, count)
        if len(set(z)) == count:
            return z


def softmax_temperature(d: Draws) -> Draw:
    z, t = _logits(d, d.int("classes")), d.pick([0.5, 1.0, 2.0])
    probs = softmax(np.array(z), t)
    top = max(z)
    e = [math.exp((v - top) / t) for v in z]
    worked = tuple(v / sum(e) for v in e)
    steps = [
        r"$\mathrm{softmax}(z/T)_i = e^{(z_i - \max z)/T} / \sum_j e^{(z_j - \max z)/T}$"
        " (subtracting the max changes nothing and never overflows).",
        rf"$(z - {fmt(top)})/{fmt(t)} = {vector([(v - top) / t for v in z])}$, exponentials "
        rf"${vector(e)}$, sum ${fmt(sum(e))}$.",
        rf"Divide: **{vector(worked)}**.",
    ]
    shown = {"z": vector(z), "t": fmt(t)}
    return Draw(
        {"z": z, "temperature": t},
        shown,
        Answer(value=tuple(float(p) for p in probs), **decimals(3, "numbers")),
        steps,
        worked,
        ("softmax", {"z": z, "temperature": t}),
    )


def sigmoid_derivative(d: Draws) -> Draw:
    z = d.real("z", 0.1)
    s, ds = (float(v[0]) for v in activation("sigmoid", np.array([z]), 0.0, []))
    sw = 1 / (1 + math.exp(-z))
    worked = (sw, sw * (1 - sw))
    steps = [
        r"$\sigma(z) = 1/(1 + e^{-z})$ and $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$.",
        rf"$e^{{-{fmt(z)}}} = {fmt(math.exp(-z))}$, so $\sigma = 1/{fmt(1 + math.exp(-z))} = {fmt(sw)}$.",
        rf"$\sigma' = {fmt(sw)}\cdot{fmt(1 - sw)}$; answer **{vector(worked)}**.",
    ]
    return Draw(
        {"z": z},
        {"z": fmt(z)},
        Answer(value=(s, ds), **decimals(3, "numbers")),
        steps,
        worked,
        ("activations", {"fn": "sigmoid", "at": z}),
    )


ACTIVATIONS: dict[str, tuple[str, Callable[[float, float], float]]] = {
    "gelu": (r"x\,\Phi(x)", lambda x, a: x * 0.5 * (1 + math.erf(x / math.sqrt(2)))),
    "silu": (r"x\,\sigma(x)", lambda x, a: x / (1 + math.exp(-x))),
    "elu": (
        r"x \text{ if } x > 0 \text{ else } \alpha(e^x - 1)",
        lambda x, a: x if x > 0 else a * math.expm1(x),
    ),
    "leaky_relu": (
        r"x \text{ if } x > 0 \text{ else } \alpha x",
        lambda x, a: x if x > 0 else a * x,
    ),
    "softplus": (r"\log(1 + e^x)", lambda x, a: math.log1p(math.exp(x))),
    "tanh": (r"\tanh x", lambda x, a: math.tanh(x)),
}
ALPHA = {"elu": 1.0, "leaky_relu": 0.1}


def activation_value(d: Draws) -> Draw:
    fn = d.pick(sorted(ACTIVATIONS))
    while (x := d.real("x", 0.1)) == 0:
        pass
    alpha = ALPHA.get(fn, 0.0)
    value = float(activation(fn, np.array([x]), alpha, [])[0][0])
    formula, by_hand = ACTIVATIONS[fn]
    worked = by_hand(x, alpha)
    steps = [
        rf"$\mathrm{{{fn.replace('_', '')}}}(x) = {formula}$"
        + (rf" with $\alpha = {alpha}$." if fn in ALPHA else "."),
        rf"At $x = {fmt(x)}$: **{fmt(worked)}**.",
    ]
    name = fn.replace("_", " ") + (f" (α = {alpha})" if fn in ALPHA else "")
    demo_params: dict[str, Any] = {"fn": fn, "at": x} | ({"alpha": alpha} if fn in ALPHA else {})
    return Draw(
        {"fn": fn, "x": x, "alpha": alpha},
        {"fn": name, "x": fmt(x)},
        Answer(value=value, **decimals(3)),
        steps,
        worked,
        ("activations", demo_params),
    )


def bce_logit(d: Draws) -> Draw:
    z, y = d.real("z", 0.1), float(d.pick([0.0, 1.0]))
    loss, grad = (float(v[0]) for v in loss_and_grad("bce", np.array([z]), y))
    p = 1 / (1 + math.exp(-z))
    worked = (-(y * math.log(p) + (1 - y) * math.log(1 - p)), p - y)
    steps = [
        r"$p = \sigma(z)$, $L = -y\log p - (1-y)\log(1-p)$, and $\partial L/\partial z = p - y$.",
        rf"$p = \sigma({fmt(z)}) = {fmt(p)}$.",
        rf"$L = -\log {fmt(p if y else 1 - p)} = {fmt(worked[0])}$; gradient ${fmt(p)} - {fmt(y)}$;"
        rf" answer **{vector(worked)}**.",
    ]
    return Draw(
        {"z": z, "y": y},
        {"z": fmt(z), "y": fmt(y)},
        Answer(value=(loss, grad), **decimals(3, "numbers")),
        steps,
        worked,
        ("loss-functions", {"loss": "bce", "y": y, "z": z}),
    )


def cross_entropy(d: Draws) -> Draw:
    z = _logits(d, d.int("classes"))
    target = int(d.rng.integers(len(z)))
    value = float(-np.log(softmax(np.array(z))[target]))
    top = max(z)
    lse = top + math.log(sum(math.exp(v - top) for v in z))
    worked = lse - z[target]
    steps = [
        r"$L = -\log \mathrm{softmax}(z)_y = \log\sum_j e^{z_j} - z_y$.",
        rf"$\log\sum_j e^{{z_j}} = {fmt(top)} + \log\sum_j e^{{z_j - {fmt(top)}}} = {fmt(lse)}$.",
        rf"$L = {fmt(lse)} - {fmt(z[target])} = $ **{fmt(worked)}** nats.",
    ]
    shown = {"z": vector(z), "y": str(target)}
    return Draw(
        {"z": z, "target": target},
        shown,
        Answer(value=value, **decimals(3)),
        steps,
        worked,
        ("softmax", {"z": z}),
    )


def _run(name: str, x0: float, grads: list[float], lr: float, **optim: Any) -> float:
    """``x`` after the optimizer's steps (``optim``: GradientDescentParams fields, validated there)."""
    step = make_step(GradientDescentParams(function="parabola", start=[x0], **optim), name, lr)
    x = x0
    for g in grads:
        x, _ = step(x, 0.0, g, 0.0)
    return x


def _gradients(d: Draws) -> tuple[float, float]:
    while True:
        g1, g2 = d.real("g", 0.1), d.real("g", 0.1)
        if g1 and g2:
            return g1, g2


def momentum_step(d: Draws) -> Draw:
    x0, (g1, g2) = d.real("x", 0.5), _gradients(d)
    lr, mu = d.pick([0.1, 0.05, 0.01]), d.pick([0.9, 0.8, 0.5])
    x = _run("momentum", x0, [g1, g2], lr, momentum=mu)
    b1 = g1
    x1 = x0 - lr * b1
    b2 = mu * b1 + g2
    worked = x1 - lr * b2
    steps = [
        r"`torch.optim.SGD` with momentum: $b_1 = g_1$, then $b_t = \mu b_{t-1} + g_t$; $x_t = x_{t-1} - \eta\, b_t$.",
        rf"$b_1 = {fmt(g1)}$, $x_1 = {fmt(x0)} - {lr}\cdot{fmt(g1)} = {fmt(x1)}$.",
        rf"$b_2 = {mu}\cdot{fmt(b1)} + {fmt(g2)} = {fmt(b2)}$, $x_2 = {fmt(x1)} - {lr}\cdot{fmt(b2)} = $ **{fmt(worked)}**.",
    ]
    shown = {"x0": fmt(x0), "g1": fmt(g1), "g2": fmt(g2), "lr": fmt(lr), "mu": fmt(mu)}
    params = {"x0": x0, "g1": g1, "g2": g2, "lr": lr, "momentum": mu}
    return Draw(params, shown, Answer(value=x, **decimals(4)), steps, worked)


def adam_step(d: Draws) -> Draw:
    x0, (g1, g2) = d.real("x", 0.5), _gradients(d)
    lr, (b1, b2) = d.pick([0.1, 0.01]), (0.9, 0.999)
    x = _run("adam", x0, [g1, g2], lr, betas=(b1, b2), eps=1e-8)
    m, v, xs, lines = 0.0, 0.0, x0, []
    for t, g in enumerate([g1, g2], start=1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        mh, vh = m / (1 - b1**t), v / (1 - b2**t)
        xs = xs - lr * mh / (math.sqrt(vh) + 1e-8)
        lines.append(
            rf"$t={t}$: $m = {fmt(m)}$, $v = {fmt(v)}$, $\hat m = {fmt(mh)}$, "
            rf"$\hat v = {fmt(vh)}$, $x_{t} = {fmt(xs)}$."
        )
    steps = [
        r"Adam: $m_t = \beta_1 m + (1-\beta_1) g$, $v_t = \beta_2 v + (1-\beta_2) g^2$, "
        r"$\hat m = m_t/(1-\beta_1^t)$, $\hat v = v_t/(1-\beta_2^t)$, "
        r"$x_t = x_{t-1} - \eta\,\hat m/(\sqrt{\hat v} + \epsilon)$, with $\beta = (0.9, 0.999)$.",
        *lines,
        rf"Answer **{fmt(xs)}** (the first step moves by exactly $\eta$: $\hat m/\sqrt{{\hat v}} = \pm 1$).",
    ]
    shown = {"x0": fmt(x0), "g1": fmt(g1), "g2": fmt(g2), "lr": fmt(lr)}
    params = {"x0": x0, "g1": g1, "g2": g2, "lr": lr}
    return Draw(params, shown, Answer(value=x, **decimals(4)), steps, xs)


def _schedule(d: Draws) -> dict[str, Any]:
    steps = d.pick([1000, 2000, 5000, 10000])
    return {
        "steps": steps,
        "base_lr": d.pick([0.001, 0.0003, 0.003, 0.1]),
        "warmup_steps": steps // d.pick([10, 20, 50]),
    }


def _lr_at(p: dict[str, Any], schedule: lr_schedule.Schedule, t: int) -> float:
    params = lr_schedule.LRScheduleParams(schedule=schedule, compare="", function="none", **p)
    return float(lr_schedule.learning_rates(params, schedule)[t])


def warmup_cosine(d: Draws) -> Draw:
    p = _schedule(d)
    p["min_lr"] = round(p["base_lr"] / d.pick([10, 100]), 12)
    while (t := int(d.rng.integers(0, p["steps"]))) == p["warmup_steps"]:
        pass
    lr = _lr_at(p, "warmup-cosine", t)
    base, low, w, n = p["base_lr"], p["min_lr"], p["warmup_steps"], p["steps"]
    if t < w:
        worked = base * (t + 1) / w
        last = rf"$t < {w}$: warm-up, $\eta = {fmt(base)}\cdot({t}+1)/{w} = $ **{fmt(worked)}**."
    else:
        c = (1 + math.cos(math.pi * (t - w) / (n - w))) / 2
        worked = low + (base - low) * c
        last = (
            rf"$t \ge {w}$: $\tfrac12(1 + \cos(\pi\cdot{t - w}/{n - w})) = {fmt(c)}$, "
            rf"$\eta = {fmt(low)} + ({fmt(base)} - {fmt(low)})\cdot{fmt(c)} = $ **{fmt(worked)}**."
        )
    steps = [
        r"Warm-up: $\eta_t = \eta_\max (t+1)/W$ for $t < W$; then "
        r"$\eta_t = \eta_\min + (\eta_\max - \eta_\min)\,\tfrac12\left(1 + \cos\frac{\pi (t - W)}{T - W}\right)$.",
        last,
    ]
    shown = {"base": fmt(base), "min": fmt(low), "w": fmt(w), "n": fmt(n), "t": fmt(t)}
    return Draw(
        {**p, "t": t},
        shown,
        Answer(value=lr, **sig3()),
        steps,
        worked,
        ("lr-schedule", {"schedule": "warmup-cosine", **p}),
    )


def wsd(d: Draws) -> Draw:
    p = _schedule(d)
    p |= {"min_lr": 0.0, "decay_fraction": d.pick([0.1, 0.2])}
    decay = lr_schedule.decay_steps(p["decay_fraction"], p["steps"])
    start = p["steps"] - decay
    t = (
        int(d.rng.integers(start, p["steps"]))
        if d.pick([0, 1, 1])
        else int(d.rng.integers(0, p["warmup_steps"]))
    )
    lr = _lr_at(p, "wsd", t)
    base, w = p["base_lr"], p["warmup_steps"]
    if t < w:
        worked = base * (t + 1) / w
        last = rf"$t < {w}$: warm-up, $\eta = {fmt(base)}\cdot({t}+1)/{w} = $ **{fmt(worked)}**."
    else:
        worked = base * (1 - (t - start + 1) / decay)
        last = (
            rf"Decay starts at $T - D = {start}$: $\eta = {fmt(base)}\,(1 - ({t} - {start} + 1)/{decay})"
            rf" = $ **{fmt(worked)}**."
        )
    steps = [
        r"Warmup-stable-decay: linear warm-up over $W$ steps, constant $\eta_\max$, then a linear "
        r"decay to 0 over the last $D = \mathrm{round}(f\cdot T)$ steps.",
        rf"$D = {p['decay_fraction']}\cdot{p['steps']} = {decay}$.",
        last,
    ]
    shown = {
        "base": fmt(base),
        "w": fmt(w),
        "n": fmt(p["steps"]),
        "f": fmt(p["decay_fraction"]),
        "t": fmt(t),
    }
    return Draw(
        {**p, "t": t},
        shown,
        Answer(value=lr, rel_tol=0.006, abs_tol=1e-9, hint="3 significant figures", kind="number"),
        steps,
        worked,
        ("lr-schedule", {"schedule": "wsd", **p}),
    )


def step_decay(d: Draws) -> Draw:
    n, size = d.pick([90, 100, 200, 300]), d.pick([10, 20, 30])
    base, gamma = d.pick([0.1, 0.01, 0.05]), d.pick([0.1, 0.5])
    t = int(d.rng.integers(size, min(n, 4 * size)))  # at most three decays: no 1e-14 rates
    p = {"steps": n, "base_lr": base, "step_size": size, "gamma": gamma}
    lr = _lr_at(p, "step", t)
    k = t // size
    worked = base * gamma**k
    steps = [
        r"`StepLR`: $\eta_t = \eta_0\,\gamma^{\lfloor t/s \rfloor}$.",
        rf"$\lfloor {t}/{size} \rfloor = {k}$, $\eta = {fmt(base)}\cdot{fmt(gamma)}^{{{k}}} = $ **{fmt(worked)}**.",
    ]
    shown = {"base": fmt(base), "gamma": fmt(gamma), "size": str(size), "t": str(t)}
    return Draw(
        {**p, "t": t},
        shown,
        Answer(value=lr, **sig3()),
        steps,
        worked,
        ("lr-schedule", {"schedule": "step", "warmup_steps": 0, **p}),
    )


def iterations(d: Draws) -> Draw:
    while True:
        n, b = d.int("samples"), d.pick([16, 32, 64, 128, 256])
        if n % b:
            break
    drop = bool(d.pick([True, False]))
    count = formulas.iterations_per_epoch(n, b, drop)
    worked = n // b + (0 if drop else 1)
    rule = r"\lfloor N/B \rfloor" if drop else r"\lceil N/B \rceil"
    steps = [
        rf"`drop_last={drop}`: ${rule}$ (the last partial batch is {'dropped' if drop else 'kept'}).",
        rf"${fmt(n)}/{b} = {n / b:.3f}$ → **{fmt(worked)}**.",
    ]
    shown = {"n": fmt(n), "b": str(b), "drop": "True" if drop else "False"}
    return Draw(
        {"samples": n, "batch": b, "drop_last": drop},
        shown,
        Answer("integer", count),
        steps,
        worked,
    )


def mlp(d: Draws) -> Draw:
    sizes = [
        d.pick([784, 512, 1024, 100]),
        d.pick([256, 128, 512, 64]),
        d.pick([128, 64, 32]),
        d.pick([10, 2, 100]),
    ]
    count = formulas.mlp_params(sizes)
    terms = [f"{a}\\cdot{b} + {b}" for a, b in zip(sizes, sizes[1:], strict=False)]
    worked = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    steps = [
        r"A linear layer from $a$ to $b$ units has $a\cdot b$ weights and $b$ biases.",
        "$" + " + ".join(f"({t})" for t in terms) + "$",
        f"Total **{fmt(worked)}**.",
    ]
    return Draw(
        {"sizes": sizes},
        {"sizes": " → ".join(map(str, sizes))},
        Answer("integer", count),
        steps,
        worked,
    )


def batchnorm_output(d: Draws) -> Draw:
    while True:
        x = d.reals("x", 0.5, 4)
        if len(set(x)) > 1:
            break
    g, b = d.pick([1.0, 2.0, 0.5]), d.pick([0.0, 1.0, -0.5])
    params = batchnorm.BatchNormParams(x=[[v] for v in x], gamma=[g], beta=[b])
    y = float(batchnorm.compute(params)["y"][0][0])
    mean = sum(x) / 4
    var = sum((v - mean) ** 2 for v in x) / 4
    xh = (x[0] - mean) / math.sqrt(var + 1e-5)
    worked = g * xh + b
    steps = [
        r"Training mode: $\mu = \frac1n\sum x_i$, $\sigma^2 = \frac1n\sum (x_i - \mu)^2$ (biased), "
        r"$y = \gamma\,(x - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta$, $\epsilon = 10^{-5}$.",
        rf"$\mu = {fmt(mean)}$, $\sigma^2 = {fmt(var)}$.",
        rf"$\hat x_1 = ({fmt(x[0])} - {fmt(mean)})/\sqrt{{{fmt(var)} + 10^{{-5}}}} = {fmt(xh)}$; "
        rf"$y_1 = {fmt(g)}\cdot{fmt(xh)} + {fmt(b)} = $ **{fmt(worked)}**.",
    ]
    shown = {"x": vector(x), "gamma": fmt(g), "beta": fmt(b)}
    return Draw(
        {"x": x, "gamma": g, "beta": b},
        shown,
        Answer(value=y, **decimals(3)),
        steps,
        worked,
        ("batchnorm", {"x": [[v] for v in x], "gamma": [g], "beta": [b]}),
    )


INIT_DEMO_WIDTH = 512  # the init-depth demo's widest layer


def init_std(d: Draws) -> Draw:
    init, width = d.pick(["he", "xavier"]), d.pick([64, 128, 256, 512, 1024, 768, 300])
    std = weight_std(init, width, 0.0)
    if init == "he":
        worked = math.sqrt(2 / width)
        rule = rf"He (ReLU): $\sigma = \sqrt{{2/n_\text{{in}}}} = \sqrt{{2/{width}}}$"
    else:
        worked = math.sqrt(2 / (width + width))
        rule = rf"Xavier: $\sigma = \sqrt{{2/(n_\text{{in}} + n_\text{{out}})}} = \sqrt{{2/{2 * width}}}$"
    steps = [rule + ".", f"$\\sigma = $ **{fmt(worked)}**."]
    name = "He (Kaiming) normal" if init == "he" else "Xavier (Glorot) normal"
    demo = ("init-depth", {"init": init, "width": width}) if width <= INIT_DEMO_WIDTH else None
    return Draw(
        {"init": init, "width": width},
        {"init": name, "width": str(width)},
        Answer(value=std, **sig3()),
        steps,
        worked,
        demo,
    )


def dropout_scale(d: Draws) -> Draw:
    x, p = d.real("x", 0.1), d.pick([0.1, 0.2, 0.25, 0.5])
    if x == 0:
        x = 1.0
    rng = np.random.default_rng(0)
    mask, out = dropout.apply_dropout(np.full(64, x), p, True, True, rng)
    kept = float(out[mask == 1][0])
    _, test = dropout.apply_dropout(np.array([x]), p, False, False, rng)
    worked = (x / (1 - p), x * (1 - p))
    steps = [
        r"Inverted dropout scales kept units by $1/(1-p)$ in training and does nothing at test time.",
        r"Original dropout leaves kept units alone in training and multiplies by $1-p$ at test time.",
        rf"${fmt(x)}/{fmt(1 - p)} = {fmt(worked[0])}$ and ${fmt(x)}\cdot{fmt(1 - p)} = {fmt(worked[1])}$:"
        rf" **{vector(worked)}**.",
    ]
    return Draw(
        {"x": x, "p": p},
        {"x": fmt(x), "p": fmt(p)},
        Answer(value=(kept, float(test[0])), **decimals(3, "numbers")),
        steps,
        worked,
        ("dropout", {"x": [x] * 20, "p": p}),
    )


def prf1(d: Draws) -> Draw:
    tp, fp, fn = d.int("tp"), d.int("fp"), d.int("fn")
    p, r, f1 = formulas.precision_recall_f1(tp, fp, fn)
    wp, wr = tp / (tp + fp), tp / (tp + fn)
    worked = (wp, wr, 2 * wp * wr / (wp + wr))
    steps = [
        r"$P = \frac{TP}{TP + FP}$, $R = \frac{TP}{TP + FN}$, $F_1 = \frac{2PR}{P + R}$.",
        rf"$P = {tp}/{tp + fp} = {fmt(wp)}$, $R = {tp}/{tp + fn} = {fmt(wr)}$.",
        rf"$F_1 = 2\cdot{fmt(wp)}\cdot{fmt(wr)}/({fmt(wp)} + {fmt(wr)}) = {fmt(worked[2])}$:"
        rf" **{vector(worked)}**.",
    ]
    return Draw(
        {"tp": tp, "fp": fp, "fn": fn},
        {"tp": str(tp), "fp": str(fp), "fn": str(fn)},
        Answer(value=(p, r, f1), **decimals(3, "numbers")),
        steps,
        worked,
    )


def lstm(d: Draws) -> Draw:
    x, h = d.pick([32, 50, 100, 128, 300]), d.pick([64, 128, 256, 512])
    count = formulas.lstm_params(x, h)
    worked = 4 * (h * x + h * h + 2 * h)
    steps = [
        r"`torch.nn.LSTM` (one layer): 4 gates, each $W_{ih}$ ($h\times x$), $W_{hh}$ ($h\times h$) "
        r"and two bias vectors $b_{ih}, b_{hh}$.",
        rf"$4\,({h}\cdot{x} + {h}^2 + 2\cdot{h}) = 4\cdot{fmt(h * x + h * h + 2 * h)} = $ **{fmt(worked)}**.",
    ]
    return Draw(
        {"x": x, "h": h}, {"x": str(x), "h": str(h)}, Answer("integer", count), steps, worked
    )


GENERATORS = [
    Generator(
        "softmax-temperature",
        "activations",
        {"logit": (-3, 3), "classes": (3, 4)},
        softmax_temperature,
    ),
    Generator("sigmoid-derivative", "activations", {"z": (-4, 4)}, sigmoid_derivative),
    Generator("activation-value", "activations", {"x": (-3, 3)}, activation_value),
    Generator("bce-from-logit", "losses", {"z": (-4, 4)}, bce_logit),
    Generator(
        "softmax-cross-entropy", "losses", {"logit": (-3, 3), "classes": (3, 5)}, cross_entropy
    ),
    Generator("momentum-steps", "optimization", {"x": (-3, 3), "g": (-2, 2)}, momentum_step),
    Generator("adam-steps", "optimization", {"x": (-3, 3), "g": (-2, 2)}, adam_step),
    Generator("warmup-cosine-lr", "optimization", {}, warmup_cosine),
    Generator("wsd-lr", "optimization", {}, wsd),
    Generator("step-decay-lr", "optimization", {}, step_decay),
    Generator("iterations-per-epoch", "training", {"samples": (1000, 100000)}, iterations),
    Generator("mlp-params", "foundations", {}, mlp),
    Generator("batchnorm-output", "initialization-normalization", {"x": (-3, 5)}, batchnorm_output),
    Generator("init-std", "initialization-normalization", {}, init_std),
    Generator("dropout-scaling", "regularization", {"x": (-3, 3)}, dropout_scale),
    Generator(
        "precision-recall-f1", "evaluation", {"tp": (5, 200), "fp": (1, 100), "fn": (1, 100)}, prf1
    ),
    Generator("lstm-params", "rnn", {}, lstm),
]
