"""Under- and overfitting with polynomial regression, and early stopping on a training curve.

Data: y = sin(πx) + noise with x ~ U(−1, 1); ``n_points`` for training, a separate validation
set of ``VAL_POINTS``. Polynomials are fitted by least squares in the Legendre basis (well
conditioned on [−1, 1]); errors are mean squared errors. The training curve is full-batch
gradient descent on the chosen degree, step 1/L (L the largest curvature), stopped when the
validation error has not improved for ``patience`` epochs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.polynomial import legendre
from pydantic import Field

from app.charts.lines import Line, Series, line_plot
from app.charts.scale import fmt
from app.demos.registry import Demo, DemoParams, Prediction

MAX_DEGREE = 15
VAL_POINTS = 100
CURVE_POINTS = 121
EPOCHS = 2000


class OverfittingParams(DemoParams):
    degree: int = Field(
        3,
        ge=0,
        le=MAX_DEGREE,
        description="Polynomial degree (≤ 15)",
        json_schema_extra={"slider": [0, 15, 1]},
    )
    n_points: int = Field(
        20,
        ge=5,
        le=200,
        description="Training points (5..200)",
        json_schema_extra={"slider": [5, 200, 1]},
    )
    noise: float = Field(
        0.2,
        ge=0,
        le=2,
        description="Std of the noise added to sin(πx)",
        json_schema_extra={"slider": [0, 2, 0.05]},
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the data")
    patience: int = Field(
        10,
        ge=1,
        le=500,
        description="Early stopping: epochs without validation improvement",
        json_schema_extra={"slider": [1, 500, 1]},
    )


def make_data(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points of sin(πx) + N(0, noise²), x ~ U(−1, 1), sorted by x."""
    x = np.sort(rng.uniform(-1, 1, n))
    return x, np.sin(np.pi * x) + noise * rng.standard_normal(n)


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares Legendre coefficients (minimum norm when the degree allows interpolation)."""
    return np.linalg.lstsq(legendre.legvander(x, degree), y, rcond=None)[0]


def mse(coef: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((legendre.legval(x, coef) - y) ** 2))


def early_stopping(errors: np.ndarray, patience: int) -> tuple[int | None, int]:
    """(epoch where training stops or None, best epoch so far) for a validation curve."""
    best = 0
    for epoch in range(1, len(errors)):
        if errors[epoch] < errors[best]:
            best = epoch
        elif epoch - best >= patience:
            return epoch, best
    return None, best


def training_curve(
    train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray], degree: int
) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation MSE per epoch of gradient descent from zero coefficients.

    GD on a quadratic is a linear recurrence, so every epoch is computed at once in the
    eigenbasis of the Gram matrix G: after t steps of size η the coefficient along an
    eigenvector with eigenvalue λ is (1 − (1 − ηλ)ᵗ)/λ times its share of Φᵀy/n.
    """
    phi, phi_val = legendre.legvander(train[0], degree), legendre.legvander(val[0], degree)
    gram, corr = phi.T @ phi / len(phi), phi.T @ train[1] / len(phi)
    eigval, eigvec = np.linalg.eigh(gram)
    lr = 1 / eigval[-1]
    t = np.arange(EPOCHS + 1)[:, None]
    flat = np.abs(lr * eigval) < 1e-12  # directions GD does not move along (λ ≈ 0)
    safe = np.where(flat, 1.0, eigval)
    gain = np.where(flat, lr * t, (1 - np.power(1 - lr * safe, t)) / safe)
    coefs = (gain * (eigvec.T @ corr)) @ eigvec.T
    train_err = np.mean((coefs @ phi.T - train[1]) ** 2, axis=1)
    val_err = np.mean((coefs @ phi_val.T - val[1]) ** 2, axis=1)
    return train_err, val_err


def compute(params: OverfittingParams) -> dict[str, Any]:
    """Errors against degree, the fitted curve, and the early-stopping training curve."""
    rng = np.random.default_rng(params.seed)
    train = make_data(params.n_points, params.noise, rng)
    val = make_data(VAL_POINTS, params.noise, rng)
    degrees = list(range(MAX_DEGREE + 1))
    basis, val_basis = (legendre.legvander(x, MAX_DEGREE) for x in (train[0], val[0]))
    fits = [np.linalg.lstsq(basis[:, : d + 1], train[1], rcond=None)[0] for d in degrees]
    train_error = [float(np.mean((basis[:, : len(c)] @ c - train[1]) ** 2)) for c in fits]
    val_error = [float(np.mean((val_basis[:, : len(c)] @ c - val[1]) ** 2)) for c in fits]
    grid = np.linspace(-1, 1, CURVE_POINTS)
    epoch_train, epoch_val = training_curve(train, val, params.degree)
    stop, best = early_stopping(epoch_val, params.patience)
    return {
        "degrees": degrees,
        "train_error": train_error,
        "val_error": val_error,
        "best_degree": int(np.argmin(val_error)),
        "train": {"x": train[0].tolist(), "y": train[1].tolist()},
        "val": {"x": val[0].tolist(), "y": val[1].tolist()},
        "curve": {
            "x": grid.tolist(),
            "true": np.sin(np.pi * grid).tolist(),
            "fit": legendre.legval(grid, fits[params.degree]).tolist(),
        },
        "epochs": {
            "train_error": epoch_train.tolist(),
            "val_error": epoch_val.tolist(),
            "stop_epoch": stop,
            "best_epoch": best,
        },
    }


def view(params: OverfittingParams, result: dict[str, Any]) -> dict[str, Any]:
    """Error against degree, the fitted curve over the data, and the early-stopping curve."""
    degree, best = params.degree, result["best_degree"]
    errors = line_plot(
        [
            Series(result["degrees"], result["train_error"], "training MSE", kind="both"),
            Series(result["degrees"], result["val_error"], "validation MSE", kind="both"),
        ],
        title="Error against polynomial degree",
        desc=f"Validation error is lowest at degree {best} "
        f"({fmt(result['val_error'][best])}); at degree {degree} training "
        f"{fmt(result['train_error'][degree])}, validation {fmt(result['val_error'][degree])}.",
        x_label="degree",
        y_label="mean squared error",
        log_y=True,
        vlines=[Line(degree, f"degree {degree}")],
    )
    curve = result["curve"]
    fit = line_plot(
        [
            Series(curve["x"], curve["true"], "sin(πx)", dashed=True),
            Series(curve["x"], curve["fit"], f"degree-{degree} fit"),
            Series(result["train"]["x"], result["train"]["y"], "training", kind="markers"),
            Series(result["val"]["x"], result["val"]["y"], "validation", kind="markers"),
        ],
        title=f"Degree-{degree} polynomial fitted to {params.n_points} points",
        desc=f"Least-squares fit of degree {degree} to noisy samples of sin(πx).",
        x_label="x",
        y_label="y",
        x_range=(-1, 1),
        y_range=(-2 - 2 * params.noise, 2 + 2 * params.noise),
    )
    epochs = result["epochs"]
    stop, best_epoch = epochs["stop_epoch"], epochs["best_epoch"]
    if stop is None:
        marks = [Line(best_epoch, f"best epoch {best_epoch}")]
    elif stop - best_epoch < 0.1 * EPOCHS:  # one label, or the two would overlap
        marks = [Line(best_epoch), Line(stop, f"best {best_epoch}, stopped at {stop}", "danger")]
    else:
        marks = [Line(best_epoch, f"best epoch {best_epoch}"), Line(stop, f"stopped at {stop}")]
    steps = list(range(len(epochs["train_error"])))
    training = line_plot(
        [
            Series(steps, epochs["train_error"], "training MSE"),
            Series(steps, epochs["val_error"], "validation MSE"),
        ],
        title=f"Gradient descent on the degree-{degree} polynomial",
        desc=f"Best validation error at epoch {best_epoch}; "
        + (f"early stopping after {stop} epochs." if stop else "early stopping never triggers."),
        x_label="epoch",
        y_label="mean squared error",
        log_y=True,
        vlines=marks,
    )
    return {"errors": errors, "fit": fit, "training": training, "stop": stop, "best": best_epoch}


DEMO = Demo(
    slug="overfitting",
    title="Overfitting, underfitting and early stopping",
    summary="Train vs validation error against polynomial degree, and early stopping.",
    params=OverfittingParams,
    compute=compute,
    view=view,
    explain=(
        "The training error can only go down as the degree grows: a richer model fits the "
        "training points at least as well. The validation error falls while the model is "
        "too simple (underfitting, high bias), bottoms out, then rises as the polynomial "
        "starts to fit the noise (overfitting, high variance) — the U shape. "
        "More points or less noise push the bottom of the U to higher degrees. "
        "The last plot trains one polynomial by gradient descent: validation error falls, "
        "then may climb while training error keeps falling; early stopping keeps the "
        "weights of the best epoch once `patience` epochs pass without improvement."
    ),
    examples={
        "maximum": {"degree": 15, "n_points": 200, "noise": 2.0, "patience": 500},
        "overfit": {"degree": 12, "n_points": 15},
    },
    predict=Prediction(
        question=(
            "Fit a degree-12 polynomial to 15 points: what happens to the training and validation "
            "errors?"
        ),
        preset="overfit",
        answer=(
            "Training error falls to 0.0011 while validation error explodes to about 62; degree 5 "
            "is best here (validation 0.054). With almost as many coefficients as points the "
            "polynomial threads the noise and swings wildly between samples."
        ),
    ),
)
