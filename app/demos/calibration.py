"""Calibration: reliability diagram, ECE and NLL, and temperature scaling (Guo et al. 2017).

ECE bins the top-1 probability into equal-width bins (lo, hi], the first also holding 0, and
averages |accuracy − confidence| weighted by bin size. Temperature scaling divides every logit
by one T > 0 fitted to minimize the NLL: it never changes the arg-max, so accuracy is kept.
Seeded classifiers draw labels from softmax(l) of "true" logits l, so l itself is calibrated,
and report k·l: k > 1 is overconfident, k < 1 underconfident, and the fitted T recovers k.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from app.charts.bars import bar_chart
from app.charts.lines import Line, Mark, Series, line_plot
from app.charts.scale import fmt
from app.charts.svg import PAIR_WIDTH
from app.demos.registry import Demo, DemoParams, Prediction

MAX_SAMPLES = 2000
MAX_CLASSES = 20
DEFAULT_SAMPLES, DEFAULT_CLASSES = 1000, 10  # of the seeded classifier
T_RANGE = (0.05, 20.0)  # the fitted temperature is searched in this range
FIT_STEPS = 100  # at most; Newton usually converges in under ten
CURVE_POINTS = 13  # temperatures of the NLL curve on the page
SHARPNESS = {"overconfident": 2.5, "calibrated": 1.0, "underconfident": 0.5}

Logit = Annotated[float, Field(ge=-1e3, le=1e3)]
Temperature = Annotated[float, Field(ge=T_RANGE[0], le=T_RANGE[1])]


class CalibrationParams(DemoParams):
    model: Literal["overconfident", "calibrated", "underconfident"] = Field(
        "overconfident",
        description="Seeded classifier: logits 2.5×, 1× or 0.5× the calibrated ones",
    )
    samples: int | None = Field(
        None, ge=10, le=MAX_SAMPLES, description="Examples n (default 1000; else from logits)"
    )
    classes: int | None = Field(
        None, ge=2, le=MAX_CLASSES, description="Classes C (default 10; else from logits)"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the classifier's outputs")
    bins: int = Field(
        15,
        ge=1,
        le=100,
        description="Equal-width confidence bins for ECE (15 as Guo et al.)",
        json_schema_extra={"slider": [1, 50, 1]},
    )
    temperature: Temperature | Literal["fit"] = Field(
        "fit",
        description=f"T dividing the logits ({T_RANGE[0]}–{T_RANGE[1]}); empty: fit T by NLL",
    )
    logits: (
        Annotated[
            list[Annotated[list[Logit], Field(min_length=2, max_length=MAX_CLASSES)]],
            Field(min_length=1, max_length=MAX_SAMPLES),
        ]
        | None
    ) = Field(None, description=f"Given logits, n × C (≤ {MAX_SAMPLES} × {MAX_CLASSES})")
    labels: list[Annotated[int, Field(ge=0)]] | None = Field(
        None,
        max_length=MAX_SAMPLES,
        validate_default=True,
        description="Given labels, one class index per row of logits",
    )

    @field_validator("logits")
    @classmethod
    def _rectangular(
        cls, logits: list[list[float]] | None, info: ValidationInfo
    ) -> list[list[float]] | None:
        if logits is None:
            return logits
        if any(len(r) != len(logits[0]) for r in logits):
            raise ValueError(f"must be rectangular: every row needs {len(logits[0])} values")
        for name, size in (("samples", len(logits)), ("classes", len(logits[0]))):
            given = info.data.get(name)
            if given is not None and given != size:
                raise ValueError(f"logits gives {name} = {size}, but {name} = {given} was given")
        return logits

    @field_validator("labels")
    @classmethod
    def _labels_match(cls, labels: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if "logits" not in info.data:
            return labels
        logits = info.data["logits"]
        if (logits is None) != (labels is None):
            raise ValueError("give logits and labels together")
        if logits is None or labels is None:
            return labels
        if len(labels) != len(logits):
            raise ValueError(f"labels has {len(labels)} entries but logits has {len(logits)} rows")
        classes = len(logits[0])
        if max(labels) >= classes:
            raise ValueError(f"labels must be below {classes}, the number of columns of logits")
        return labels


def seeded(params: CalibrationParams) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated logits l ~ N(0, 2²), labels ~ softmax(l), reported as k·l."""
    rng = np.random.default_rng(params.seed)
    n, c = params.samples or DEFAULT_SAMPLES, params.classes or DEFAULT_CLASSES
    true = 2.0 * rng.standard_normal((n, c))
    probs = softmax(true)
    cdf = np.cumsum(probs, axis=1)
    u = rng.random((n, 1))
    labels = np.minimum((cdf < u).sum(axis=1), c - 1)
    return SHARPNESS[params.model] * true, labels


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float | np.ndarray) -> Any:
    """Mean −log softmax(z/T)_y, for one T or an array of them at once. With d = z − max z
    (≤ 0), −log softmax(z/T)_y = log Σ exp(d/T) − d_y/T, stable for every T > 0."""
    d = logits - logits.max(axis=1, keepdims=True)
    d_y = d[np.arange(len(labels)), labels]
    t = np.atleast_1d(np.asarray(temperature, dtype=float))
    log_z = np.log(np.exp(d[None] / t[:, None, None]).sum(axis=2))
    means = (log_z - d_y[None] / t[:, None]).mean(axis=1)
    return float(means[0]) if np.ndim(temperature) == 0 else means


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """argmin_T NLL. The NLL is convex in β = 1/T, with slope mean(E_p[z] − z_y) and
    curvature mean(Var_p[z]) under p = softmax(βz): safeguarded Newton on β, bisecting
    whenever a step would leave the bracket of the root."""
    z_y = logits[np.arange(len(labels)), labels]

    def slope_curvature(beta: float) -> tuple[float, float]:
        p = softmax(beta * logits)
        mean = (p * logits).sum(axis=1)
        var = (p * logits**2).sum(axis=1) - mean**2
        return float((mean - z_y).mean()), float(var.mean())

    lo, hi = 1 / T_RANGE[1], 1 / T_RANGE[0]
    if slope_curvature(lo)[0] >= 0:
        return T_RANGE[1]
    if slope_curvature(hi)[0] <= 0:
        return T_RANGE[0]
    beta = min(max(1.0, lo), hi)
    for _ in range(FIT_STEPS):
        slope, curvature = slope_curvature(beta)
        lo, hi = (beta, hi) if slope < 0 else (lo, beta)
        step = beta - slope / curvature if curvature > 0 else -1.0
        new = step if lo < step < hi else (lo + hi) / 2
        if abs(new - beta) <= 1e-12 * beta:
            break
        beta = new
    return 1 / beta


def reliability(
    logits: np.ndarray, labels: np.ndarray, temperature: float, bins: int
) -> dict[str, Any]:
    """Bins (lo, hi] over the top-1 probability (0 in the first), ECE, NLL and accuracy."""
    probs = softmax(logits / temperature)
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels  # ties: the lower class, as torch.argmax
    edges = np.arange(bins + 1) / bins
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    conf_sum = np.bincount(which, weights=confidence, minlength=bins)
    acc_sum = np.bincount(which, weights=correct.astype(float), minlength=bins)
    filled = counts > 0
    mean_conf = np.divide(conf_sum, counts, out=np.zeros(bins), where=filled)
    mean_acc = np.divide(acc_sum, counts, out=np.zeros(bins), where=filled)
    ece = float((counts / len(labels) * np.abs(mean_acc - mean_conf)).sum())
    table = [
        {
            "lo": float(edges[b]),
            "hi": float(edges[b + 1]),
            "confidence": float(mean_conf[b]) if filled[b] else None,
            "accuracy": float(mean_acc[b]) if filled[b] else None,
            "count": int(counts[b]),
        }
        for b in range(bins)
    ]
    return {
        "ece": ece,
        "bins": table,
        "nll": nll(logits, labels, temperature),
        "accuracy": float(correct.mean()),
        "mean_confidence": float(confidence.mean()),
    }


def compute(params: CalibrationParams) -> dict[str, Any]:
    if params.logits is not None and params.labels is not None:
        logits = np.array(params.logits, dtype=float)
        labels = np.array(params.labels, dtype=int)
    else:
        logits, labels = seeded(params)
    fitted = params.temperature == "fit"
    t = fit_temperature(logits, labels) if fitted else float(params.temperature)
    after = reliability(logits, labels, t, params.bins)
    before = reliability(logits, labels, 1.0, params.bins)
    temps = np.geomspace(max(T_RANGE[0], t / 8), min(T_RANGE[1], t * 8), CURVE_POINTS)
    return {
        **after,
        "temperature": t,
        "fitted": fitted,
        "uncalibrated": before,
        "samples": len(labels),
        "nll_curve": {"temperature": temps.tolist(), "nll": nll(logits, labels, temps).tolist()},
    }


def _diagram(rel: dict[str, Any], title: str, css: str) -> str:
    pts = [b for b in rel["bins"] if b["count"]]
    return line_plot(
        [
            Series([0, 1], [0, 1], "perfect calibration", dashed=True, css="series-8"),
            Series(
                [b["confidence"] for b in pts],
                [b["accuracy"] for b in pts],
                "accuracy per bin",
                kind="both",
                css=css,
            ),
        ],
        title=title,
        desc=f"Mean accuracy against mean confidence in each non-empty bin; ECE "
        f"{rel['ece']:.4f}. Below the diagonal is overconfident, above underconfident",
        x_label="confidence (top-1 probability)",
        y_label="accuracy",
        x_range=(0, 1),
        y_range=(0, 1),
        width=PAIR_WIDTH,
    )


def view(params: CalibrationParams, result: dict[str, Any]) -> dict[str, Any]:
    """Reliability diagrams at T = 1 and at T, confidence histogram, NLL against T."""
    t = result["temperature"]
    before = result["uncalibrated"]
    temps = np.array(result["nll_curve"]["temperature"])
    curve = result["nll_curve"]["nll"]
    nll_svg = line_plot(
        [Series(np.log10(temps), curve, "NLL")],
        title="NLL against temperature",
        desc=f"Mean negative log-likelihood of the labels for T around {fmt(t)}; temperature "
        "scaling picks its minimum",
        x_label="log10 T",
        y_label="NLL (nats)",
        vlines=[Line(0.0, "T = 1")],
        marks=[Mark(float(np.log10(t)), result["nll"], f"T = {fmt(t)}")],
        width=PAIR_WIDTH,
    )
    labels_bins = [f"{b['hi']:.2g}" for b in result["bins"]]
    hist = bar_chart(
        labels_bins,
        [b["count"] for b in result["bins"]],
        title=f"Examples per confidence bin at T = {fmt(t)}",
        desc="How many examples fall in each confidence bin (labelled by its upper edge); "
        "ECE weights each bin's gap by this count",
        y_label="examples",
        width=PAIR_WIDTH,
    )

    def rows(rel: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {
                "range": f"({b['lo']:.3g}, {b['hi']:.3g}]" if i else f"[0, {b['hi']:.3g}]",
                "count": str(b["count"]),
                "confidence": "—" if b["confidence"] is None else f"{b['confidence']:.3f}",
                "accuracy": "—" if b["accuracy"] is None else f"{b['accuracy']:.3f}",
                "gap": "—"
                if b["confidence"] is None
                else f"{b['accuracy'] - b['confidence']:+.3f}",
            }
            for i, b in enumerate(rel["bins"])
        ]

    return {
        "before_svg": _diagram(before, "Reliability at T = 1 (as given)", "series-2"),
        "after_svg": _diagram(result, f"Reliability at T = {fmt(t)}", "series-1"),
        "nll_svg": nll_svg,
        "hist_svg": hist,
        "rows_before": rows(before),
        "rows_after": rows(result),
        "t": fmt(t),
    }


DEMO = Demo(
    slug="calibration",
    title="Calibration and temperature scaling",
    summary="Reliability diagram, ECE and NLL of a classifier, and what one fitted "
    "temperature does to them.",
    params=CalibrationParams,
    compute=compute,
    view=view,
    explain=(
        "A classifier is calibrated when, among the examples it gives 80% confidence, 80% "
        "are right. The reliability diagram bins examples by their top-1 probability and "
        "plots each bin's accuracy against its mean confidence; points below the diagonal "
        "are overconfident, as modern networks trained with NLL typically are (Guo et al. "
        "2017). The expected calibration error sums the gaps weighted by the share of "
        "examples in each bin. Temperature scaling divides all logits by one T fitted on "
        "held-out data to minimize NLL: T > 1 softens overconfident outputs, T < 1 sharpens "
        "underconfident ones. The arg-max never changes, so accuracy is exactly the same. "
        "The seeded models are k times a calibrated model's logits, so the fitted T comes "
        "out near k (2.5 or 0.5). ECE depends on the number of bins: try 5 and 50."
    ),
    examples={
        "maximum": {"samples": MAX_SAMPLES, "classes": MAX_CLASSES, "bins": 100},
        "overconfident-raw": {"temperature": 1.0},
        "underconfident": {"model": "underconfident"},
        "calibrated": {"model": "calibrated"},
        "few-bins": {"bins": 5},
        "given": {
            "logits": [[2, 0], [0, 3], [1, 1], [4, 0]],
            "labels": [0, 1, 1, 1],
            "bins": 5,
            "temperature": 1.0,
        },
    },
    predict=Prediction(
        question="The overconfident model's logits are 2.5 times those of a calibrated one. "
        "After fitting a temperature by NLL, what T do you expect, and how does accuracy "
        "change?",
        preset="overconfident-raw",
        answer="T comes out near 2.5 (the fit recovers the factor), ECE drops to a fraction of "
        "its value at T = 1, and accuracy does not change at all: dividing every logit of "
        "an example by the same T > 0 keeps the arg-max. Leave temperature empty to fit it.",
    ),
)
