"""The closed forms that explain the paper's figures agree with simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from simulacra.experiments import readings


def test_label_noise_accuracy_round_trip_and_simulation() -> None:
    sd = readings.label_noise_sd_for_accuracy(0.89)
    assert readings.binary_accuracy_with_label_noise(sd) == pytest.approx(0.89)
    rng = np.random.default_rng(0)
    s = rng.standard_normal((200_000, 2)).sum(axis=1)
    agree = ((s > 0) == (s + rng.normal(0, sd, s.size) > 0)).mean()
    assert agree == pytest.approx(0.89, abs=0.003)
    assert readings.binary_accuracy_with_label_noise(0.0) == 1.0


def test_flip_rate() -> None:
    p = readings.flip_rate_for_accuracy(0.98, 0.89)
    assert (1 - p) * 0.98 + p * 0.02 == pytest.approx(0.89)


@pytest.mark.parametrize("sd", [0.1, math.sqrt(0.1), 0.86])
def test_regression_expectation_matches_simulation(sd: float) -> None:
    rng = np.random.default_rng(1)
    scores = []
    for _ in range(20):
        x = rng.standard_normal((2000, 10))
        y = 2 * x[:, 0] + 3 * x[:, 1] - x[:, 2] + rng.normal(0, sd, 2000)
        model = LinearRegression().fit(x[:1600], y[:1600])
        pred = model.predict(x[1600:])
        scores.append(
            [
                r2_score(y[1600:], pred),
                mean_squared_error(y[1600:], pred),
                mean_absolute_error(y[1600:], pred),
            ]
        )
    r2, mse, mae = np.mean(scores, axis=0)
    expected = readings.regression_expectation(sd, 1600)
    assert r2 == pytest.approx(expected["r2"], abs=0.003)
    assert mse == pytest.approx(expected["mse"], rel=0.05)
    assert mae == pytest.approx(expected["mae"], rel=0.05)


def test_inverse_readings() -> None:
    for target, inverse, key in [
        (0.11, readings.noise_sd_for_mse, "mse"),
        (0.95, readings.noise_sd_for_r2, "r2"),
        (0.08, readings.noise_sd_for_mae, "mae"),
    ]:
        sd = inverse(target, 1600)
        assert readings.regression_expectation(sd, 1600)[key] == pytest.approx(target)


def test_simplex_bayes_accuracy() -> None:
    # two classes: the error is Phi(-separation / 2)
    two = readings.simplex_bayes_accuracy(2.0, 2)
    assert two == pytest.approx(0.5 * (1 + math.erf(1 / math.sqrt(2))), abs=0.005)
    assert readings.simplex_bayes_accuracy(0.0, 5) == pytest.approx(0.2, abs=0.01)
    sep = readings.separation_for_bayes_accuracy(0.91, 5)
    assert readings.simplex_bayes_accuracy(sep, 5) == pytest.approx(0.91, abs=0.005)
