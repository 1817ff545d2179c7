"""The formula language: exact values on fixed inputs, clear errors, hostile input refused."""

from __future__ import annotations

import numpy as np
import pytest

from simulacra.specs.formula import MAX_EXPONENT, FormulaError, parse_formula

COLUMNS = {
    "x0": np.array([1.0, -2.0, 0.5]),
    "x1": np.array([2.0, 1.0, -0.5]),
    "x2": np.array([3.0, 0.0, 1.0]),
    "plan": np.array(["pro", "basic", "pro"], dtype=object),
    "Plan Estimate": np.array([3, 8, 13]),
}


def value(text: str) -> np.ndarray:
    return parse_formula(text, "y").evaluate(COLUMNS, 3, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2*x0 + 3*x1 - x2", [5.0, -1.0, -1.5]),
        ("x0 + x1 > 0", [True, False, False]),
        ("-x0 ** 2", [-1.0, -4.0, -0.25]),
        ("2 ** 3 ** 2", [512.0] * 3),
        ("(x0 + 1) * 2 / 4", [1.0, -0.5, 0.75]),
        ("7 // 2 + 7 % 2", [4.0] * 3),
        ("where(plan == 'pro', 10, 0)", [10, 0, 10]),
        ('plan != "pro" or x2 > 2', [True, True, False]),
        ("not (x0 > 0 and x1 > 0)", [False, True, True]),
        ("abs(x0) + max(x1, x2, 0) + min(x0, x1)", [5.0, 1.0, 1.0]),
        ("clip(x0, -1, 0.75) + round(2.567, 1)", [3.35, 1.6, 3.1]),
        ("`Plan Estimate` / 2", [1.5, 4.0, 6.5]),
        ("sqrt(4) + exp(0) + log(1) + sigmoid(0)", [3.5] * 3),
        ("1.5e1 + .5 + true", [16.5] * 3),
    ],
)
def test_exact_values(text: str, expected: list[object]) -> None:
    np.testing.assert_allclose(np.asarray(value(text), dtype=float), np.asarray(expected, float))


def test_names_are_collected_once() -> None:
    assert parse_formula("x0 + x0 * `Plan Estimate`", "y").names == ("x0", "Plan Estimate")


def test_noise_terms_are_seeded_and_have_the_stated_spread() -> None:
    formula = parse_formula("normal(0, 0.1)", "e")
    a = formula.evaluate({}, 50_000, np.random.default_rng(1))
    b = formula.evaluate({}, 50_000, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert abs(a.std() - 0.1) < 0.002 and abs(a.mean()) < 0.002


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("x0.__class__", "unexpected character '.' at position 3"),
        ("x0[0]", "unexpected character '[' at position 3"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("eval('1')", "unknown function 'eval'"),
        ("lambda: 1", "unexpected character ':'"),
        ("2 ** 1000", f"exponent larger than {MAX_EXPONENT:g} at position 3"),
        ("2*x0 +", "unexpected end of formula at the end"),
        ("(x0 + 1", "expected ')' at the end"),
        ("x0 $ 2", "unexpected character '$' at position 4"),
        ("normal(0)", "normal() takes 2 arguments, not 1 at position 1"),
        ("1 < x0 < 2", "chained comparisons"),
        ("(" * 200 + "1" + ")" * 200, "nested deeper"),
    ],
)
def test_bad_and_hostile_formulas_are_refused_at_parse_time(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match="column 'y'") as info:
        parse_formula(text, "y")
    assert message in str(info.value)


def test_huge_exponent_built_at_run_time_is_refused() -> None:
    with pytest.raises(FormulaError, match="exponent larger than .* at position 2"):
        value("2**10**10")
    with pytest.raises(FormulaError, match="exponent"):
        value("x0 ** (x2 * 1000)")


def test_evaluation_errors_name_column_and_position() -> None:
    with pytest.raises(FormulaError, match="column 'y': unknown column 'zz' at position 6"):
        value("x0 + zz")
    with pytest.raises(FormulaError, match="'\\+' needs numbers"):
        value("plan + 1")


def test_formula_text_must_be_a_string() -> None:
    with pytest.raises(FormulaError, match="non-empty string"):
        parse_formula(12, "y")  # type: ignore[arg-type]
