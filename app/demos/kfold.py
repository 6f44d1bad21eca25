"""K-fold cross-validation: the fold assignment and the validation score of each fold.

Folds follow scikit-learn's ``KFold``: the (optionally shuffled) indices are cut into k
consecutive folds, the first n mod k of them one sample larger. The data are the overfitting
demo's, y = sin(πx) + noise, sorted by x, so without shuffling every fold is one x range.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, model_validator

from app.demos.overfitting import fit_polynomial, make_data, mse
from app.demos.registry import Demo, DemoParams

NOISE = 0.2


class KFoldParams(DemoParams):
    k: int = Field(5, ge=2, le=20, description="Number of folds (2..20)")
    n: int = Field(30, ge=2, le=200, description="Number of samples (k..200)")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the data and of the shuffle")
    shuffle: bool = Field(True, description="Shuffle before cutting the folds")
    degree: int = Field(3, ge=0, le=10, description="Degree of the polynomial fitted per fold")

    @model_validator(mode="after")
    def _enough_samples(self) -> KFoldParams:
        if self.n < self.k:
            raise ValueError(f"n must be at least k = {self.k}, so every fold has a sample")
        return self


def fold_assignment(n: int, k: int, order: np.ndarray) -> np.ndarray:
    """The fold of every sample when ``order`` is cut into k consecutive folds."""
    fold_of = np.empty(n, dtype=int)
    for fold, members in enumerate(np.array_split(order, k)):
        fold_of[members] = fold
    return fold_of


def compute(params: KFoldParams) -> dict[str, Any]:
    """Fold of each sample, the validation grid, and train/validation MSE per fold."""
    rng = np.random.default_rng(params.seed)
    x, y = make_data(params.n, NOISE, rng)
    order = rng.permutation(params.n) if params.shuffle else np.arange(params.n)
    fold_of = fold_assignment(params.n, params.k, order)
    scores, train_scores = [], []
    for fold in range(params.k):
        held = fold_of == fold
        coef = fit_polynomial(x[~held], y[~held], params.degree)
        scores.append(mse(coef, x[held], y[held]))
        train_scores.append(mse(coef, x[~held], y[~held]))
    grid = (fold_of[None, :] == np.arange(params.k)[:, None]).astype(int)
    return {
        "x": x.tolist(),
        "y": y.tolist(),
        "fold_of": fold_of.tolist(),
        "grid": grid.tolist(),
        "fold_sizes": grid.sum(axis=1).tolist(),
        "scores": scores,
        "train_scores": train_scores,
        "mean": float(np.mean(scores)),
        "std": float(np.std(scores)),
    }


def view(params: KFoldParams, result: dict[str, Any]) -> dict[str, Any]:
    return {}


DEMO = Demo(
    slug="kfold",
    title="K-fold cross-validation",
    summary="Which samples validate in which fold, and the score per fold with mean ± std.",
    params=KFoldParams,
    compute=compute,
    view=view,
    explain=(
        "Each row of the grid is one fold: its highlighted samples are held out and the "
        "polynomial is fitted on all the others. Every column is highlighted exactly once, "
        "so every sample is used for validation once and for training k − 1 times. "
        "The mean of the k validation scores estimates the generalization error and their "
        "standard deviation (population std, ddof = 0) how much it depends on the split. "
        "Turn shuffling off: the data are sorted by x, so each fold becomes one region the "
        "model never saw, and the edge folds extrapolate badly."
    ),
    examples={
        "maximum": {"k": 20, "n": 200, "degree": 10},
        "no-shuffle": {"shuffle": False},
    },
)
