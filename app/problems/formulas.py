"""Counts with no demo of their own, shared by the problem generators and their steps.

Each is the textbook closed form; the generators' worked steps recompute them term by term.
"""

from __future__ import annotations

import math


def conv_params(k: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """A k×k convolution from c_in to c_out channels: k²·c_in·c_out weights (+ c_out biases)."""
    return k * k * c_in * c_out + (c_out if bias else 0)


def depthwise_separable_params(k: int, c_in: int, c_out: int) -> int:
    """Depthwise k×k (k²·c_in) then pointwise 1×1 (c_in·c_out), biases omitted."""
    return k * k * c_in + c_in * c_out


def mlp_params(sizes: list[int]) -> int:
    """Fully connected layers between consecutive sizes, each with a bias."""
    return sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))


def lstm_params(x: int, h: int) -> int:
    """torch.nn.LSTM: four gates, each W_ih (h×x), W_hh (h×h), b_ih and b_hh: 4(hx + h² + 2h)."""
    return 4 * (h * x + h * h + 2 * h)


def attention_params(d: int) -> int:
    """W_Q, W_K, W_V and W_O, each d×d, biases omitted."""
    return 4 * d * d


def transformer_params(layers: int, d: int, vocab: int) -> int:
    """≈ 12·L·d² (attention 4d², MLP with 4d hidden 8d²) plus the V·d tied embedding."""
    return 12 * layers * d * d + vocab * d


def lora_params(d_in: int, d_out: int, r: int, matrices: int) -> int:
    """A (r×d_in) and B (d_out×r) per adapted matrix."""
    return matrices * r * (d_in + d_out)


def iterations_per_epoch(samples: int, batch: int, drop_last: bool) -> int:
    return samples // batch if drop_last else math.ceil(samples / batch)


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p, r = tp / (tp + fp), tp / (tp + fn)
    return p, r, 2 * p * r / (p + r)


def perplexity(cross_entropy_nats: float) -> float:
    return math.exp(cross_entropy_nats)


def bits_per_byte(cross_entropy_nats: float, tokens: int, utf8_bytes: int) -> float:
    """Nats per token → bits per byte: × tokens / bytes / ln 2."""
    return cross_entropy_nats * tokens / (utf8_bytes * math.log(2))


def forward_flops(params: float, tokens: float) -> float:
    """≈ 2 FLOPs per parameter per token (one multiply-add)."""
    return 2 * params * tokens


def training_days(params: float, tokens: float, gpus: int, peak_flops: float, mfu: float) -> float:
    """6·N·D FLOPs at gpus × peak × MFU per second, in days."""
    return 6 * params * tokens / (gpus * peak_flops * mfu) / 86_400


def weight_bytes(params: float, bits: int) -> float:
    return params * bits / 8


def decode_tokens_per_second(params: float, bits: int, bandwidth_gb_s: float) -> float:
    """Memory-bound decoding at batch 1: every weight is read once per token."""
    return bandwidth_gb_s * 1e9 / weight_bytes(params, bits)


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))
