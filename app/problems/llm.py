"""Problems of attention, transformers, LLM inference and training at scale, fine-tuning,
decoding, alignment, language modelling and text: counts, bytes, rates and small vectors."""

# ruff: noqa: E501 — the worked steps are KaTeX strings, clearer unbroken than split mid-formula

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from app.demos import attention, bpe, broadcasting, preference, tfidf, training_memory
from app.demos.decoding import keep, min_p_mask, top_k_mask, top_p_mask
from app.demos.kv_cache import cache_bytes
from app.demos.quantization import fake_quantize_int
from app.demos.rope import inverse_frequencies
from app.demos.scaling_laws import HOFFMANN, optimum
from app.demos.speculative_decoding import expected_tokens
from app.problems import formulas
from app.problems.core import Answer, Draw, Draws, Generator, decimals, fmt, gib, sig3, vector


def _matrix(rows: list[list[float]]) -> str:
    return (
        r"\begin{bmatrix}"
        + r"\\".join(" & ".join(fmt(v) for v in r) for r in rows)
        + r"\end{bmatrix}"
    )


def attention_weights(d: Draws) -> Draw:
    while True:
        q = [[float(d.int("entry")) for _ in range(2)]]
        k = [[float(d.int("entry")) for _ in range(2)] for _ in range(3)]
        if any(q[0]) and len({tuple(r) for r in k}) == 3:
            break
    v = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    q3 = q + k[1:]  # the demo takes L queries; the first row is the one asked about
    _, _, weights = attention.attention(
        np.array(q3), np.array(k), np.array(v), False, 1 / math.sqrt(2)
    )
    scores = [(q[0][0] * r[0] + q[0][1] * r[1]) / math.sqrt(2) for r in k]
    top = max(scores)
    e = [math.exp(s - top) for s in scores]
    worked = tuple(x / sum(e) for x in e)
    steps = [
        r"Weights $= \mathrm{softmax}(q K^\top/\sqrt{d})$ with $d = 2$.",
        rf"$q K^\top = {vector([s * math.sqrt(2) for s in scores])}$, divided by $\sqrt2$: ${vector(scores)}$.",
        rf"Softmax: **{vector(worked)}**.",
    ]
    shown = {"q": vector(q[0]), "k": "$" + _matrix(k) + "$"}
    return Draw(
        {"q": q[0], "k": k},
        shown,
        Answer(value=tuple(float(w) for w in weights[0]), **decimals(3, "numbers")),
        steps,
        worked,
        ("attention", {"q": q3, "k": k, "v": v}),
    )


def attention_params(d: Draws) -> Draw:
    dm, bias = d.pick([512, 768, 1024, 2048, 4096]), bool(d.pick([True, False]))
    count = formulas.attention_params(dm) + (4 * dm if bias else 0)
    worked = 4 * dm * dm + (4 * dm if bias else 0)
    steps = [
        r"$W_Q, W_K, W_V, W_O$ are each $d\times d$ (the heads split $d$, they add no weights)"
        + (", plus a bias of $d$ each." if bias else "."),
        rf"$4\cdot{dm}^2" + (rf" + 4\cdot{dm}" if bias else "") + f" = $ **{fmt(worked)}**.",
    ]
    shown = {"d": str(dm), "bias": "with biases" if bias else "without biases"}
    return Draw({"d": dm, "bias": bias}, shown, Answer("integer", count), steps, worked)


def _shape(d: Draws, rank: int) -> list[int]:
    return [d.pick([1, 1, 2, 3, 4, 5]) for _ in range(rank)]


def _broadcast_by_hand(a: list[int], b: list[int]) -> tuple[list[str], tuple[int, ...] | None]:
    lines, out = [], []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            lines.append(f"axis −{i}: {x} vs {y}, neither is 1 → error")
            return lines, None
        out.append(max(x, y))
        lines.append(f"axis −{i}: {x} vs {y} → {max(x, y)}")
    return lines, tuple(reversed(out))


def broadcast_shape(d: Draws) -> Draw:
    a, b = _shape(d, d.int("rank")), _shape(d, d.int("rank"))
    result = broadcasting.compute(broadcasting.BroadcastingParams(a_shape=a, b_shape=b))
    expected = tuple(result["result_shape"]) if result["ok"] else None
    lines, worked = _broadcast_by_hand(a, b)
    steps = [
        "Right-align the shapes; a missing axis counts as 1; sizes must be equal or one of them 1.",
        "; ".join(lines) + ".",
        "Result: **" + ("error" if worked is None else str(worked)) + "**.",
    ]
    shown = {"a": str(tuple(a)), "b": str(tuple(b))}
    return Draw(
        {"a_shape": a, "b_shape": b},
        shown,
        Answer("shape", expected, error_ok=True, hint='a shape like (4, 3), or "error"'),
        steps,
        worked,
        ("broadcasting", {"a_shape": a, "b_shape": b}),
    )


def matmul_shape(d: Draws) -> Draw:
    n, k, m = d.pick([2, 3, 4, 8]), d.pick([3, 5, 16]), d.pick([2, 6, 7])
    batch = [d.pick([1, 2, 4, 10])] * int(d.pick([0, 1, 2]))
    other = d.pick([[], [1], [d.pick([2, 4, 10])]])
    a = [*batch, n, k]
    b = [*other, k if d.pick([1, 1, 1, 0]) else k + 1, m]
    result = broadcasting.compute(
        broadcasting.BroadcastingParams(a_shape=a, b_shape=b, op="matmul")
    )
    expected = tuple(result["result_shape"]) if result["ok"] else None
    lines, batch_shape = _broadcast_by_hand(a[:-2], b[:-2])
    worked = None if b[-2] != k or batch_shape is None else (*batch_shape, n, m)
    steps = [
        r"`a @ b`: the last two axes multiply, $(n, k) @ (k, m) \to (n, m)$; the other (batch) axes broadcast.",
        f"core: ({n}, {k}) @ ({b[-2]}, {m}) → "
        + (f"({n}, {m})" if b[-2] == k else "inner sizes differ: error"),
        "batch axes: " + ("; ".join(lines) if lines else "none") + ".",
        "Result: **" + ("error" if worked is None else str(worked)) + "**.",
    ]
    shown = {"a": str(tuple(a)), "b": str(tuple(b))}
    return Draw(
        {"a_shape": a, "b_shape": b},
        shown,
        Answer("shape", expected, error_ok=True, hint='a shape like (4, 3), or "error"'),
        steps,
        worked,
        ("broadcasting", {"a_shape": a, "b_shape": b, "op": "matmul"}),
    )


MODELS = [
    (12, 768, 50257),
    (24, 1024, 50257),
    (24, 2048, 32000),
    (32, 4096, 32000),
    (40, 5120, 32000),
    (32, 4096, 128256),
    (80, 8192, 128256),
]


def transformer_params(d: Draws) -> Draw:
    layers, dm, vocab = d.pick(MODELS)
    count = float(formulas.transformer_params(layers, dm, vocab))
    block = 12 * dm * dm
    worked = layers * block + vocab * dm
    steps = [
        r"A block: attention $4d^2$ + MLP with hidden $4d$ ($2\cdot 4d^2$) $= 12d^2$ (norms and biases ignored).",
        rf"$12\cdot{dm}^2 = {fmt(block)}$ per block, $\times {layers}$ blocks $= {fmt(layers * block)}$.",
        rf"Embedding $V\cdot d = {vocab}\cdot{dm} = {fmt(vocab * dm)}$; total **{fmt(worked)}**.",
    ]
    shown = {"layers": str(layers), "d": str(dm), "vocab": f"{vocab:,}"}
    return Draw(
        {"layers": layers, "d": dm, "vocab": vocab},
        shown,
        Answer(value=count, **sig3()),
        steps,
        float(worked),
    )


def forward_flops(d: Draws) -> Draw:
    n, tokens = d.pick([1.3e9, 7e9, 13e9, 70e9, 175e9]), d.pick([1000, 2048, 4096, 8192])
    flops = formulas.forward_flops(n, tokens)
    steps = [
        r"Each parameter does one multiply-add (2 FLOPs) per token: $\approx 2N$ FLOPs per token"
        r" (attention over the context adds a little more; ignored).",
        rf"$2\cdot{fmt(n)}\cdot{tokens} = $ **{fmt(2 * n * tokens)}** FLOPs.",
    ]
    shown = {"n": fmt(n), "tokens": f"{tokens:,}"}
    return Draw(
        {"params": n, "tokens": tokens}, shown, Answer(value=flops, **sig3()), steps, 2 * n * tokens
    )


CONFIGS = [(32, 32, 8, 128), (80, 64, 8, 128), (32, 32, 4, 128), (40, 40, 8, 128), (28, 28, 4, 128)]


def gqa_saving(d: Draws) -> Draw:
    layers, heads, kv, hd = d.pick(CONFIGS)
    tokens = d.pick([4096, 8192, 32768, 131072])
    mha, gqa = cache_bytes(layers, heads, hd, tokens, 2), cache_bytes(layers, kv, hd, tokens, 2)
    worked = 2 * layers * hd * tokens * 2 * (heads - kv)
    steps = [
        r"Cache $= 2\,(K, V)\cdot L\cdot h_{kv}\cdot d_h\cdot T\cdot$ bytes; bf16 is 2 bytes.",
        rf"MHA: $2\cdot{layers}\cdot{heads}\cdot{hd}\cdot{tokens}\cdot2 = {gib(mha)}$; "
        rf"GQA with {kv} KV heads: ${gib(gqa)}$.",
        rf"Saved: **{fmt(worked)}** bytes $= {gib(worked)}$ (a factor {heads // kv}).",
    ]
    shown = {
        "layers": str(layers),
        "heads": str(heads),
        "kv": str(kv),
        "hd": str(hd),
        "tokens": f"{tokens:,}",
    }
    params = {"layers": layers, "heads": heads, "kv_heads": kv, "head_dim": hd, "seq_len": tokens}
    return Draw(
        params,
        shown,
        Answer(value=float(mha - gqa), **sig3("bytes")),
        steps,
        float(worked),
        ("kv-cache", params | {"bytes_per_value": 2}),
    )


def rope_angle(d: Draws) -> Draw:
    hd, base = d.pick([64, 128]), 10000.0
    i, pos = int(d.rng.integers(1, 8)), d.pick([1, 10, 100, 1000, 4096])
    theta = float(inverse_frequencies(base, hd, "none", 1.0)[i] * pos)
    freq = base ** (-2 * i / hd)
    steps = [
        r"Pair $i$ rotates by $\theta = p\cdot b^{-2i/d}$ at position $p$ (base $b = 10{,}000$).",
        rf"$b^{{-2\cdot{i}/{hd}}} = {fmt(freq)}$; $\theta = {pos}\cdot{fmt(freq)} = $ **{fmt(pos * freq)}** rad.",
    ]
    shown = {"d": str(hd), "i": str(i), "p": str(pos)}
    return Draw(
        {"head_dim": hd, "i": i, "position": pos},
        shown,
        Answer(value=theta, **sig3()),
        steps,
        pos * freq,
        ("rope", {"head_dim": hd, "base": base}),
    )


def kv_cache(d: Draws) -> Draw:
    layers, heads, kv, hd = d.pick(CONFIGS)
    tokens, batch, vb = d.pick([2048, 4096, 8192, 32768]), d.pick([1, 4, 8, 16, 32]), d.pick([1, 2])
    total = float(cache_bytes(layers, kv, hd, tokens * batch, vb))
    worked = 2 * layers * kv * hd * tokens * batch * vb
    steps = [
        r"Bytes $= 2\,(K, V)\cdot L\cdot h_{kv}\cdot d_h\cdot T\cdot B\cdot$ bytes per value.",
        rf"$2\cdot{layers}\cdot{kv}\cdot{hd}\cdot{tokens}\cdot{batch}\cdot{vb} = $ **{fmt(worked)}** bytes "
        rf"$= {gib(worked)}$.",
    ]
    shown = {
        "layers": str(layers),
        "kv": str(kv),
        "hd": str(hd),
        "tokens": f"{tokens:,}",
        "batch": str(batch),
        "vb": str(vb),
        "heads": str(heads),
    }
    params = {
        "layers": layers,
        "heads": heads,
        "kv_heads": kv,
        "head_dim": hd,
        "seq_len": tokens,
        "batch": batch,
        "bytes_per_value": vb,
    }
    return Draw(
        params,
        shown,
        Answer(value=total, **sig3("bytes")),
        steps,
        float(worked),
        ("kv-cache", params),
    )


def speculative(d: Draws) -> Draw:
    alpha, gamma = d.real("alpha", 0.05), d.int("gamma")
    value = expected_tokens(alpha, gamma)
    worked = (1 - alpha ** (gamma + 1)) / (1 - alpha)
    steps = [
        r"Each draft token is accepted with probability $\alpha$ until the first rejection; the target"
        r" always adds one token: $E = \frac{1 - \alpha^{\gamma+1}}{1 - \alpha}$.",
        rf"$\alpha^{{{gamma + 1}}} = {fmt(alpha ** (gamma + 1))}$; $E = (1 - {fmt(alpha ** (gamma + 1))})/{fmt(1 - alpha)} = $"
        rf" **{fmt(worked)}** tokens per target call.",
    ]
    return Draw(
        {"alpha": alpha, "gamma": gamma},
        {"alpha": fmt(alpha), "gamma": str(gamma)},
        Answer(value=value, **decimals(2)),
        steps,
        worked,
    )


def decode_speed(d: Draws) -> Draw:
    n, bits = d.pick([7e9, 8e9, 13e9, 70e9]), d.pick([16, 8, 4])
    bw = d.pick([1000, 2000, 3350, 900])
    rate = formulas.decode_tokens_per_second(n, bits, bw)
    wb = n * bits / 8
    steps = [
        "At batch 1 every weight is read from memory once per generated token, so the rate is "
        "bandwidth / weight bytes (an upper bound).",
        rf"Weights: ${fmt(n)}\cdot{bits}/8 = {fmt(wb)}$ bytes.",
        rf"${bw}\cdot10^9 / {fmt(wb)} = $ **{fmt(bw * 1e9 / wb)}** tokens/s.",
    ]
    shown = {"n": fmt(n), "bits": str(bits), "bw": f"{bw:,}"}
    return Draw(
        {"params": n, "bits": bits, "bandwidth_gb_s": bw},
        shown,
        Answer(value=rate, **sig3()),
        steps,
        bw * 1e9 / wb,
    )


def zero_memory(d: Draws) -> Draw:
    n, stage, gpus = d.pick([1.3e9, 7e9, 13e9, 70e9]), d.int("stage"), d.pick([8, 16, 64, 256])
    p = training_memory.TrainingMemoryParams(params=n, zero_stage=stage, gpus=gpus)
    total = float(sum(training_memory.model_states(p, stage).values()))
    w = 2 / (gpus if stage >= 3 else 1)
    g = 2 / (gpus if stage >= 2 else 1)
    o = 12 / (gpus if stage >= 1 else 1)
    worked = n * (w + g + o)
    steps = [
        "Mixed-precision Adam: 2 bytes of bf16 weights, 2 of gradients, 12 of fp32 master weights "
        "and two moments per parameter; ZeRO-1 shards the 12, ZeRO-2 also the gradients, ZeRO-3 also the weights.",
        rf"Stage {stage} on {gpus} GPUs: ${fmt(w)} + {fmt(g)} + {fmt(o)} = {fmt(w + g + o)}$ bytes per parameter.",
        rf"${fmt(n)}\cdot{fmt(w + g + o)} = $ **{fmt(worked)}** bytes $= {gib(worked)}$ per GPU (activations not counted).",
    ]
    shown = {"n": fmt(n), "stage": str(stage), "gpus": str(gpus)}
    return Draw(
        {"params": n, "zero_stage": stage, "gpus": gpus},
        shown,
        Answer(value=total, **sig3("bytes")),
        steps,
        worked,
        ("training-memory", {"params": n, "zero_stage": stage, "gpus": gpus}),
    )


def pipeline_bubble(d: Draws) -> Draw:
    stages, micro = d.pick([2, 4, 8, 16]), d.pick([4, 8, 16, 32, 64])
    value = training_memory.bubble(stages, micro)
    worked = (stages - 1) / (micro + stages - 1)
    steps = [
        r"GPipe / 1F1B: the pipeline fills and drains once per batch: bubble $= \frac{p - 1}{m + p - 1}$.",
        rf"$({stages} - 1)/({micro} + {stages} - 1) = {stages - 1}/{micro + stages - 1} = $ **{fmt(worked)}**.",
    ]
    return Draw(
        {"stages": stages, "micro_batches": micro},
        {"p": str(stages), "m": str(micro)},
        Answer(value=value, **decimals(3)),
        steps,
        worked,
        ("training-memory", {"pipeline_stages": stages, "micro_batches": micro}),
    )


def chinchilla(d: Draws) -> Draw:
    c = d.pick([1e21, 1e22, 1e23, 5.76e23, 1e24, 1e25])
    n_opt, d_opt = optimum(dict(HOFFMANN), c)
    a, b, aa, bb = HOFFMANN["alpha"], HOFFMANN["beta"], HOFFMANN["A"], HOFFMANN["B"]
    g = (a * aa / (b * bb)) ** (1 / (a + b))
    n_w = g * (c / 6) ** (b / (a + b))
    worked = (n_w, (c / 6) / n_w)
    steps = [
        r"Minimize $E + A/N^\alpha + B/D^\beta$ subject to $6ND = C$: "
        r"$N^* = G\,(C/6)^{\beta/(\alpha+\beta)}$ with $G = (\alpha A/\beta B)^{1/(\alpha+\beta)}$, $D^* = C/(6N^*)$.",
        rf"Hoffmann et al.'s fit: $A = {aa}$, $B = {bb}$, $\alpha = {a}$, $\beta = {b}$; $G = {fmt(g)}$.",
        rf"$N^* = {fmt(g)}\cdot({fmt(c)}/6)^{{{fmt(b / (a + b))}}} = {fmt(n_w)}$, $D^* = {fmt(worked[1])}$:"
        rf" **{vector(worked)}** ($D^*/N^* \approx {worked[1] / n_w:.0f}$).",
    ]
    return Draw(
        {"compute": c},
        {"c": fmt(c)},
        Answer(value=(float(n_opt), float(d_opt)), **sig3("numbers")),
        steps,
        worked,
        ("scaling-laws", {"compute": c}),
    )


def training_days(d: Draws) -> Draw:
    n, tokens = d.pick([7e9, 13e9, 70e9]), d.pick([1e12, 2e12, 15e12])
    gpus, peak, mfu = d.pick([256, 1024, 2048]), d.pick([312e12, 989e12]), d.pick([0.35, 0.4, 0.5])
    days = formulas.training_days(n, tokens, gpus, peak, mfu)
    flops = 6 * n * tokens
    rate = gpus * peak * mfu
    steps = [
        r"Training costs $\approx 6ND$ FLOPs (2 forward, 4 backward per parameter per token).",
        rf"$6\cdot{fmt(n)}\cdot{fmt(tokens)} = {fmt(flops)}$ FLOPs; the cluster does "
        rf"${gpus}\cdot{fmt(peak)}\cdot{mfu} = {fmt(rate)}$ FLOP/s.",
        rf"${fmt(flops)}/{fmt(rate)} = {fmt(flops / rate)}$ s $= $ **{fmt(flops / rate / 86400)}** days.",
    ]
    shown = {"n": fmt(n), "d": fmt(tokens), "gpus": f"{gpus:,}", "peak": fmt(peak), "mfu": fmt(mfu)}
    params = {"params": n, "tokens": tokens, "gpus": gpus, "peak_flops": peak, "mfu": mfu}
    return Draw(params, shown, Answer(value=days, **sig3()), steps, flops / rate / 86400)


def lora(d: Draws) -> Draw:
    layers, dm = d.pick([(24, 1024), (32, 4096), (40, 5120), (80, 8192)])
    r, matrices = d.pick([4, 8, 16, 64]), d.pick([2, 4])
    count = formulas.lora_params(dm, dm, r, matrices) * layers
    worked = layers * matrices * r * (dm + dm)
    which = "W_Q and W_V" if matrices == 2 else "W_Q, W_K, W_V and W_O"
    steps = [
        r"LoRA adds $B A$ with $A \in \mathbb{R}^{r\times d_\text{in}}$, $B \in \mathbb{R}^{d_\text{out}\times r}$:"
        r" $r\,(d_\text{in} + d_\text{out})$ per adapted matrix.",
        rf"${r}\cdot({dm} + {dm}) = {fmt(r * 2 * dm)}$ per matrix, $\times {matrices}$ matrices $\times {layers}$ layers"
        rf" $= $ **{fmt(worked)}**.",
    ]
    shown = {"layers": str(layers), "d": str(dm), "r": str(r), "which": which}
    return Draw(
        {"layers": layers, "d": dm, "r": r, "matrices": matrices},
        shown,
        Answer("integer", count),
        steps,
        worked,
    )


def int8_quant(d: Draws) -> Draw:
    while True:
        x = d.reals("x", 0.01, 6)
        if max(abs(v) for v in x) > 0.1:
            break
    j = int(d.rng.integers(len(x)))
    deq, scale, _ = fake_quantize_int(np.array([x]), 8, True, "tensor", 8)
    s = max(abs(v) for v in x) / 127
    q = max(-127, min(127, round(x[j] / s)))
    worked = (s, q * s)
    steps = [
        r"Symmetric int8 per tensor: $s = \max|x| / 127$, $q = \mathrm{round}(x/s)$ (half to even), $\hat x = q\,s$.",
        rf"$s = {fmt(max(abs(v) for v in x))}/127 = {fmt(s)}$.",
        rf"$x_{{{j + 1}}}/s = {fmt(x[j] / s)}$, $q = {q}$, $\hat x = {q}\cdot{fmt(s)} = {fmt(q * s)}$: **{vector(worked)}**.",
    ]
    shown = {"x": vector(x), "j": str(j + 1), "xj": fmt(x[j])}
    return Draw(
        {"x": x, "index": j},
        shown,
        Answer(
            value=(float(scale[0]), float(deq.flat[j])),
            kind="numbers",
            rel_tol=0.006,
            abs_tol=6e-5,
            hint="4 decimals or 3 significant figures",
        ),
        steps,
        worked,
        ("quantization", {"x": [x], "format": "int8", "symmetric": True, "granularity": "tensor"}),
    )


def weight_memory(d: Draws) -> Draw:
    n, bits = d.pick([1.3e9, 7e9, 8e9, 13e9, 34e9, 70e9, 405e9]), d.pick([32, 16, 8, 4])
    size = formulas.weight_bytes(n, bits)
    steps = [
        rf"{bits}-bit weights take {bits}/8 = {fmt(bits / 8)} bytes per parameter.",
        rf"${fmt(n)}\cdot{fmt(bits / 8)} = $ **{fmt(n * bits / 8)}** bytes $= {gib(n * bits / 8)}$.",
    ]
    return Draw(
        {"params": n, "bits": bits},
        {"n": fmt(n), "bits": str(bits)},
        Answer(value=size, **sig3("bytes")),
        steps,
        n * bits / 8,
        ("kv-cache", {"params_billion": n / 1e9, "weight_bytes": bits / 8}),
    )


def _probabilities(d: Draws) -> list[float]:
    """Five probabilities, multiples of 0.05, all different, summing to 1."""
    while True:
        cuts = sorted(int(c) for c in d.rng.choice(np.arange(1, 20), size=4, replace=False))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]
        if len(set(parts)) == 5:
            return [p / 20 for p in parts]


TOKENS = ("0", "1", "2", "3", "4")


def _logits_of(probs: list[float]) -> list[float]:
    return [round(math.log(p), 6) for p in probs]


def top_p(d: Draws) -> Draw:
    probs, p = _probabilities(d), d.pick([0.5, 0.6, 0.7, 0.75, 0.8, 0.9])
    mask = top_p_mask(np.array(probs), p)
    kept = frozenset(TOKENS[i] for i in np.nonzero(mask)[0])
    order = sorted(range(5), key=lambda i: -probs[i])
    total, chosen, lines = 0.0, [], []
    for i in order:
        total += probs[i]
        chosen.append(TOKENS[i])
        lines.append(f"+ token {i} ({fmt(probs[i])}) → {fmt(round(total, 10))}")
        if total >= p - 1e-9:
            break
    steps = [
        "Sort by probability, keep the smallest prefix whose mass reaches $p$ (the token that crosses"
        " $p$ is kept).",
        "; ".join(lines) + f" ≥ {fmt(p)}.",
        f"Kept: **{', '.join(sorted(chosen))}**.",
    ]
    shown = {"probs": vector(probs), "p": fmt(p)}
    return Draw(
        {"probs": probs, "top_p": p},
        shown,
        Answer("set", kept, choices=TOKENS, hint="token numbers, e.g. 0, 3"),
        steps,
        frozenset(chosen),
        ("decoding", {"logits": _logits_of(probs), "top_p": p}),
    )


def top_k(d: Draws) -> Draw:
    probs, k = _probabilities(d), d.pick([2, 3, 4])
    arr = np.array(probs)
    best = int(np.argmax(arr))
    value = float(keep(arr, top_k_mask(arr, k))[best])
    largest = sorted(probs, reverse=True)[:k]
    worked = max(probs) / sum(largest)
    steps = [
        "Top-k keeps the k most likely tokens and renormalizes their probabilities to sum to 1.",
        rf"Kept: ${vector(largest)}$, mass ${fmt(sum(largest))}$.",
        rf"${fmt(max(probs))}/{fmt(sum(largest))} = $ **{fmt(worked)}**.",
    ]
    return Draw(
        {"probs": probs, "top_k": k},
        {"probs": vector(probs), "k": str(k)},
        Answer(value=value, **decimals(3)),
        steps,
        worked,
        ("decoding", {"logits": _logits_of(probs), "top_k": k}),
    )


def min_p(d: Draws) -> Draw:
    while True:
        probs, mp = _probabilities(d), d.pick([0.1, 0.2, 0.3, 0.5])
        mask = min_p_mask(np.array(probs), mp)
        tie = any(abs(p - mp * max(probs)) < 1e-9 for p in probs)
        if not tie and not mask.all():  # a cut that drops nothing teaches nothing
            break
    kept = frozenset(TOKENS[i] for i in np.nonzero(mask)[0])
    cut = mp * max(probs)
    chosen = frozenset(TOKENS[i] for i, q in enumerate(probs) if q >= cut)
    steps = [
        r"Min-p keeps every token with $p_i \ge p_\min\cdot\max_j p_j$.",
        rf"Threshold ${fmt(mp)}\cdot{fmt(max(probs))} = {fmt(cut)}$.",
        f"Kept: **{', '.join(sorted(chosen))}**.",
    ]
    return Draw(
        {"probs": probs, "min_p": mp},
        {"probs": vector(probs), "min_p": fmt(mp)},
        Answer("set", kept, choices=TOKENS, hint="token numbers, e.g. 0, 3"),
        steps,
        chosen,
        ("decoding", {"logits": _logits_of(probs), "min_p": mp}),
    )


def dpo_loss(d: Draws) -> Draw:
    pc, pr = -d.real("logp", 0.5), -d.real("logp", 0.5)
    rc, rr = -d.real("logp", 0.5), -d.real("logp", 0.5)
    beta = d.pick([0.1, 0.2, 0.5])
    params = preference.PreferenceParams(
        policy_chosen=[pc],
        policy_rejected=[pr],
        reference_chosen=[rc],
        reference_rejected=[rr],
        beta=beta,
    )
    loss = float(preference.dpo(params, beta)["losses"][0][0])
    margin = beta * ((pc - rc) - (pr - rr))
    worked = math.log1p(math.exp(-margin))
    steps = [
        r"$L = -\log\sigma\big(\beta[(\log\pi(y_w) - \log\pi_\text{ref}(y_w)) - (\log\pi(y_l) - \log\pi_\text{ref}(y_l))]\big)$.",
        rf"Margin $= {beta}\,[({fmt(pc)} - ({fmt(rc)})) - ({fmt(pr)} - ({fmt(rr)}))] = {fmt(margin)}$.",
        rf"$L = \log(1 + e^{{-{fmt(margin)}}}) = $ **{fmt(worked)}**.",
    ]
    shown = {"pc": fmt(pc), "pr": fmt(pr), "rc": fmt(rc), "rr": fmt(rr), "beta": fmt(beta)}
    demo = {
        "policy_chosen": [pc],
        "policy_rejected": [pr],
        "reference_chosen": [rc],
        "reference_rejected": [rr],
        "beta": beta,
    }
    return Draw(demo, shown, Answer(value=loss, **decimals(3)), steps, worked, ("preference", demo))


def grpo(d: Draws) -> Draw:
    while True:
        rewards = [d.pick([0.0, 0.5, 1.0]) for _ in range(d.int("group"))]
        if len(set(rewards)) > 1:
            break
    adv, mean, std = preference.grpo_advantages(rewards)
    m = sum(rewards) / len(rewards)
    s = math.sqrt(sum((r - m) ** 2 for r in rewards) / (len(rewards) - 1))
    worked = (rewards[0] - m) / (s + preference.GRPO_EPS)
    steps = [
        r"GRPO: $A_i = (r_i - \bar r)/(s + \epsilon)$, $s$ the sample standard deviation of the group.",
        rf"$\bar r = {fmt(m)}$, $s = {fmt(s)}$.",
        rf"$A_1 = ({fmt(rewards[0])} - {fmt(m)})/{fmt(s)} = $ **{fmt(worked)}**.",
    ]
    return Draw(
        {"rewards": rewards},
        {"rewards": vector(rewards)},
        Answer(value=float(adv[0]), **decimals(3)),
        steps,
        worked,
        ("preference", {"group_rewards": rewards}),
    )


def perplexity(d: Draws) -> Draw:
    ce = d.real("ce", 0.05)
    value = formulas.perplexity(ce)
    steps = [
        r"Perplexity $= e^{H}$ for a cross-entropy $H$ in nats per token (use $2^H$ for bits).",
        rf"$e^{{{fmt(ce)}}} = $ **{fmt(math.exp(ce))}**.",
    ]
    return Draw(
        {"cross_entropy": ce}, {"ce": fmt(ce)}, Answer(value=value, **sig3()), steps, math.exp(ce)
    )


def bits_per_byte(d: Draws) -> Draw:
    ce, tokens = d.real("ce", 0.05), d.pick([1000, 2000, 5000])
    chars = d.pick([3.5, 4.0, 4.2, 4.5])
    nbytes = int(tokens * chars)
    value = formulas.bits_per_byte(ce, tokens, nbytes)
    worked = ce * tokens / nbytes / math.log(2)
    steps = [
        r"Total nats $= H\cdot T$; divide by the bytes and by $\ln 2$ to get bits per byte.",
        rf"${fmt(ce)}\cdot{tokens} = {fmt(ce * tokens)}$ nats over {nbytes:,} bytes $= {fmt(ce * tokens / nbytes)}$ nats/byte.",
        rf"$/\ln 2$: **{fmt(worked)}** bits per byte.",
    ]
    shown = {"ce": fmt(ce), "tokens": f"{tokens:,}", "bytes": f"{nbytes:,}"}
    return Draw(
        {"cross_entropy": ce, "tokens": tokens, "bytes": nbytes},
        shown,
        Answer(value=value, **decimals(3)),
        steps,
        worked,
    )


WORDS = ["low", "lower", "lowest", "newer", "wider", "new", "widest", "slow", "slower", "newest"]


def _bpe_by_hand(words: Counter[str], merges: int) -> tuple[dict[str, list[str]], list[str]]:
    """Plain BPE, recounting every pair after each merge (ties to the smaller pair)."""
    seg = {w: [*w, bpe.END] for w in words}
    lines = []
    for _ in range(merges):
        counts: Counter[tuple[str, str]] = Counter()
        for w, s in seg.items():
            for pair in zip(s, s[1:], strict=False):
                counts[pair] += words[w]
        if not counts:
            break
        best = max(counts.values())
        if best < 2:
            break
        a, b = min(p for p, c in counts.items() if c == best)
        lines.append(f"`{a}`+`{b}` ({best})")
        for w, s in seg.items():
            out, k = [], 0
            while k < len(s):
                if k + 1 < len(s) and s[k] == a and s[k + 1] == b:
                    out.append(a + b)
                    k += 2
                else:
                    out.append(s[k])
                    k += 1
            seg[w] = out
    return seg, lines


def bpe_merges(d: Draws) -> Draw:
    chosen = [WORDS[i] for i in sorted(d.rng.choice(len(WORDS), size=4, replace=False))]
    words = Counter({w: d.int("count") for w in chosen})
    merges = d.int("merges")
    word = d.pick(chosen)
    result = bpe.learn(words, merges)
    tokens = len(result["final"][word])
    seg, lines = _bpe_by_hand(words, merges)
    steps = [
        f"Start from characters plus the end marker `{bpe.END}`; each merge joins the most frequent"
        " adjacent pair (counted with word frequencies).",
        "Merges in order: " + ", ".join(lines) + ".",
        f"`{word}` → " + " ".join(f"`{t}`" for t in seg[word]) + f": **{len(seg[word])}** tokens.",
    ]
    corpus = ", ".join(f"{w} ×{c}" for w, c in words.items())
    text = " ".join(w for w, c in words.items() for _ in range(c))
    return Draw(
        {"words": dict(words), "merges": merges, "word": word},
        {"corpus": corpus, "merges": str(merges), "word": word},
        Answer("integer", tokens),
        steps,
        len(seg[word]),
        ("bpe", {"corpus": text, "merges": merges}),
    )


def tfidf_weight(d: Draws) -> Draw:
    length = d.pick([100, 200, 250, 500])
    count = int(d.rng.integers(1, 11))
    n, df = d.pick([1000, 10_000, 1_000_000]), d.pick([10, 50, 100, 500])
    base = d.pick(["e", "10"])
    params = tfidf.TfidfParams(count=count, doc_length=length, n_docs=n, df_docs=df, log_base=base)
    value = tfidf.worked_example(params)["tfidf"]
    log = math.log if base == "e" else math.log10
    tf, idf = count / length, log(n / df)
    steps = [
        r"$\text{tf} = \text{count}/\text{length}$, $\text{idf} = \log(N/\text{df})$, weight $= \text{tf}\cdot\text{idf}$.",
        rf"tf $= {count}/{length} = {fmt(tf)}$; idf $= \log_{{{base}}}({n:,}/{df}) = {fmt(idf)}$.",
        rf"tf·idf $= $ **{fmt(tf * idf)}**.",
    ]
    shown = {
        "count": str(count),
        "length": str(length),
        "n": f"{n:,}",
        "df": str(df),
        "base": "natural" if base == "e" else "base-10",
    }
    demo = {"count": count, "doc_length": length, "n_docs": n, "df_docs": df, "log_base": base}
    return Draw(demo, shown, Answer(value=value, **sig3()), steps, tf * idf, ("tfidf", demo))


def cosine_similarity(d: Draws) -> Draw:
    while True:
        a = [float(d.int("entry")) for _ in range(3)]
        b = [float(d.int("entry")) for _ in range(3)]
        if any(a) and any(b) and abs(formulas.cosine(a, b)) < 0.999:
            break
    value = formulas.cosine(a, b)
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    steps = [
        r"$\cos(a, b) = \frac{a\cdot b}{\|a\|\,\|b\|}$.",
        rf"$a\cdot b = {fmt(dot)}$, $\|a\| = {fmt(na)}$, $\|b\| = {fmt(nb)}$.",
        rf"${fmt(dot)}/({fmt(na)}\cdot{fmt(nb)}) = $ **{fmt(dot / (na * nb))}**.",
    ]
    return Draw(
        {"a": a, "b": b},
        {"a": vector(a), "b": vector(b)},
        Answer(value=value, **decimals(3)),
        steps,
        dot / (na * nb),
    )


GENERATORS = [
    Generator("attention-weights", "transformers", {"entry": (-2, 2)}, attention_weights),
    Generator("attention-params", "transformers", {}, attention_params),
    Generator("broadcast-shape", "pytorch", {"rank": (1, 3)}, broadcast_shape),
    Generator("matmul-shape", "pytorch", {}, matmul_shape),
    Generator("transformer-params", "llm-architecture", {}, transformer_params),
    Generator("forward-flops", "llm-architecture", {}, forward_flops),
    Generator("gqa-cache-saving", "llm-architecture", {}, gqa_saving),
    Generator("rope-angle", "llm-architecture", {}, rope_angle),
    Generator("kv-cache-bytes", "llm-inference", {}, kv_cache),
    Generator(
        "speculative-expected-tokens",
        "llm-inference",
        {"alpha": (0.5, 0.95), "gamma": (2, 8)},
        speculative,
    ),
    Generator("decode-tokens-per-second", "llm-inference", {}, decode_speed),
    Generator("zero-memory-per-gpu", "training-at-scale", {"stage": (0, 3)}, zero_memory),
    Generator("pipeline-bubble", "training-at-scale", {}, pipeline_bubble),
    Generator("chinchilla-optimum", "training-at-scale", {}, chinchilla),
    Generator("training-days", "training-at-scale", {}, training_days),
    Generator("lora-params", "efficient-finetuning", {}, lora),
    Generator("int8-quantization", "efficient-finetuning", {"x": (-2, 2)}, int8_quant),
    Generator("weight-memory", "efficient-finetuning", {}, weight_memory),
    Generator("top-p-kept", "decoding", {}, top_p),
    Generator("top-k-renormalized", "decoding", {}, top_k),
    Generator("min-p-kept", "decoding", {}, min_p),
    Generator("dpo-loss", "alignment", {"logp": (5, 40)}, dpo_loss),
    Generator("grpo-advantage", "alignment", {"group": (4, 8)}, grpo),
    Generator("perplexity", "language-modeling", {"ce": (1.0, 4.0)}, perplexity),
    Generator("bits-per-byte", "language-modeling", {"ce": (1.0, 4.0)}, bits_per_byte),
    Generator("bpe-merges", "language-modeling", {"count": (2, 8), "merges": (2, 6)}, bpe_merges),
    Generator("tfidf-weight", "nlp-embeddings", {}, tfidf_weight),
    Generator("cosine-similarity", "nlp-embeddings", {"entry": (-3, 4)}, cosine_similarity),
]
