"""Axis arithmetic: round tick values, compact number labels, data-to-pixel frames."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FAR = 1e6  # data further than FAR ranges from the plot is clamped before clipping


def fmt(value: float) -> str:
    """A short label for a number: 0.25, 1200, 1e+06 -> "1e6", never "-0"."""
    if not math.isfinite(value):
        return ""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e4 or magnitude < 1e-3:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:.4g}"


def _nice(value: float) -> float:
    """The number of the form 1, 2 or 5 times a power of ten closest to ``value``."""
    exponent = math.floor(math.log10(value))
    fraction = value / 10**exponent
    nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    return nice * 10**exponent


def _tick_step(lo: float, hi: float, count: int) -> float:
    return _nice((hi - lo) / max(count - 1, 1))


def nice_ticks(lo: float, hi: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """About ``count`` round tick values inside [lo, hi] (Heckbert's "nice numbers").

    ``integer``: whole-number ticks only (a step axis has no step 1.5).
    """
    lo, hi = widen(lo, hi)
    step = _tick_step(lo, hi, count)
    if integer:
        step = max(step, 1.0)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [_clean(k * step) for k in range(first, last + 1)]


def _clean(value: float) -> float:
    """Drop float noise (0.30000000000000004 -> 0.3) and negative zero."""
    return float(f"{value:.12g}") + 0.0


def widen(lo: float, hi: float) -> tuple[float, float]:
    """A non-empty finite range."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    return lo, hi


def padded_range(values: np.ndarray, count: int = 5) -> tuple[float, float]:
    """The range of the finite values, extended outward to the nearest ticks."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = widen(float(finite.min()), float(finite.max()))
    step = _tick_step(lo, hi, count)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step


def log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log10 axis whose range [lo, hi] is in decades."""
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first <= 1:  # a decade or less: 1-2-5 subdivisions
        candidates = [math.log10(m) + d for d in range(first - 1, last + 2) for m in (1, 2, 5)]
        return [t for t in candidates if lo - 1e-9 <= t <= hi + 1e-9]
    stride = max(1, math.ceil((last - first + 1) / 8))
    return [float(d) for d in range(first, last + 1, stride)]


@dataclass(frozen=True)
class Frame:
    """Maps data coordinates to pixels inside the plot area."""

    left: float
    top: float
    right: float
    bottom: float
    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float

    def px(self, x: np.ndarray) -> np.ndarray:
        return self.left + (x - self.x_lo) / (self.x_hi - self.x_lo) * (self.right - self.left)

    def py(self, y: np.ndarray) -> np.ndarray:
        return self.bottom - (y - self.y_lo) / (self.y_hi - self.y_lo) * (self.bottom - self.top)

    def clamp(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pull far-away points in (the visible angle barely changes) so pixels stay finite."""
        xs, ys = self.x_hi - self.x_lo, self.y_hi - self.y_lo
        return (
            np.clip(x, self.x_lo - FAR * xs, self.x_hi + FAR * xs),
            np.clip(y, self.y_lo - FAR * ys, self.y_hi + FAR * ys),
        )
