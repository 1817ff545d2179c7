"""The paper's Figure 1 (decision boundary), Figure 2 (predicted vs actual) and Table 1
(confusion matrix), drawn with matplotlib's non-interactive backend and written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import atomic_path  # noqa: E402


def _save(fig: Any, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


def decision_boundary(model: Any, x: np.ndarray, y: np.ndarray, path: Path) -> Path:
    """Figure 1: the logistic model's P(label = 1) over (x0, x1), other features at 0,
    with the test rows and the true boundary x0 + x1 = 0."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    grid = np.linspace(-3.5, 3.5, 200)
    g0, g1 = np.meshgrid(grid, grid)
    points = np.zeros((g0.size, x.shape[1]))
    points[:, 0], points[:, 1] = g0.ravel(), g1.ravel()
    prob = model.predict_proba(points)[:, 1].reshape(g0.shape)
    shade = ax.contourf(g0, g1, prob, levels=20, cmap="RdBu_r", alpha=0.6)
    ax.contour(g0, g1, prob, levels=[0.5], colors="k", linewidths=1.5)
    ax.plot(grid, -grid, "g--", linewidth=1, label="true boundary x0 + x1 = 0")
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="RdBu_r", edgecolors="k", linewidths=0.3, s=14)
    ax.set(
        xlim=(-3.5, 3.5),
        ylim=(-3.5, 3.5),
        xlabel="x0",
        ylabel="x1",
        title="Figure 1: logistic regression decision boundary (test rows)",
    )
    ax.title.set_fontsize(9)
    ax.legend(loc="lower left", fontsize=8)
    fig.colorbar(shade, ax=ax, label="P(label = 1)")
    fig.tight_layout()
    return _save(fig, path)


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, path: Path) -> Path:
    """Figure 2: predicted against actual test targets, with the identity line."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(actual, predicted, s=8, alpha=0.6)
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    ax.plot([low, high], [low, high], "r--", linewidth=1, label="predicted = actual")
    ax.set(
        xlabel="actual y",
        ylabel="predicted y",
        title="Figure 2: linear regression, predicted vs actual (test rows)",
    )
    ax.title.set_fontsize(9)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def confusion(matrix: np.ndarray, path: Path) -> Path:
    """Table 1: the MLP's confusion matrix on the test rows."""
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        color = "white" if count > matrix.max() / 2 else "black"
        ax.text(j, i, str(count), ha="center", va="center", color=color, fontsize=9)
    ticks = range(matrix.shape[0])
    ax.set(
        xticks=ticks,
        yticks=ticks,
        xlabel="predicted class",
        ylabel="true class",
        title="Table 1: MLP confusion matrix (test rows)",
    )
    ax.title.set_fontsize(9)
    fig.tight_layout()
    return _save(fig, path)
