"""Specifications: every column type, blocks, nulls, validation messages, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simulacra
from simulacra.errors import ParameterError
from simulacra.specs import load_spec, parse_spec

SPEC_YAML = """
name: customers
rows: 400
columns:
  id: {pattern: "CU{6 digits}"}
  age: {distribution: normal, mean: 40, sd: 12, min: 18, max: 90, round: 0}
  plan: {categories: {basic: 0.6, pro: 0.3, enterprise: 0.1}, missing: 0.1}
  active: {type: boolean, p: 0.8}
  signup: {type: date, start: 2020-01-01, end: 2020-12-31}
  renewal: {type: datetime, after: signup, distribution: gamma, shape: 2, scale: 30}
  month: {type: date, start: 2024-11-01, end: 2024-12-31, format: "%Y-%m"}
  spend: {formula: "2 * age + where(plan == 'pro', 50, 0) + normal(0, 1)", min: 0, round: 2}
  big: {formula: "spend > 100"}
  name: {provider: name, pool: 50}
  note: {provider: sentence, words: 4, max_chars: 12}
  summary: {template: "{name} ({age}) {plan} since {signup:%Y}, spend {spend:.1f}"}
  helper: {type: constant, value: 7, hidden: true}
  uses_helper: {formula: "helper * 2"}
  renewal_note: {template: "renews", when: "active"}
"""


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return simulacra.generate(SPEC_YAML, seed=0)


def test_every_column_type_is_made_with_its_dtype(table: pd.DataFrame) -> None:
    assert len(table) == 400
    assert "helper" not in table.columns and list(table.columns)[0] == "id"
    assert table["id"].str.fullmatch(r"CU\d{6}").all() and table["id"].is_unique
    assert table["age"].dtype == np.int64 and table["age"].between(18, 90).all()
    assert set(table["plan"].dropna()) <= {"basic", "pro", "enterprise"}
    assert table["active"].dtype == bool
    assert str(table["signup"].dtype).startswith("datetime64")
    assert table["signup"].between("2020-01-01", "2020-12-31").all()
    assert (table["signup"] == table["signup"].dt.normalize()).all()
    assert (table["renewal"] >= table["signup"]).all()
    assert set(table["month"]) <= {"2024-11", "2024-12"}
    assert (table["uses_helper"] == 14).all()
    assert (table["note"].str.len() <= 12).all() and table["name"].nunique() <= 50


def test_formulas_and_templates_read_earlier_columns(table: pd.DataFrame) -> None:
    # formulas see every value; `missing` hides observed values afterwards (MCAR)
    seen = table[table["plan"].notna()]
    pro = (seen["plan"] == "pro").to_numpy()
    base = 2 * seen["age"].to_numpy() + np.where(pro, 50, 0)
    assert np.abs(seen["spend"].to_numpy() - base).max() < 6  # noise sd 1
    assert (table["big"] == (table["spend"] > 100)).all()
    row = seen.iloc[0]
    expected = f"{row['name']} ({row['age']}) {row['plan']} since {row['signup'].year}"
    assert row["summary"].startswith(expected)
    assert row["summary"].endswith(f"spend {row['spend']:.1f}")


def test_missing_and_when_make_nulls(table: pd.DataFrame) -> None:
    share = table["plan"].isna().mean()
    assert 0.05 < share < 0.15
    assert table["renewal_note"].isna().equals(~table["active"])


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    paths = []
    for i, seed in enumerate([5, 5, 6]):
        for ext in ("csv", "parquet"):
            path = tmp_path / f"t{i}.{ext}"
            simulacra.write_table(simulacra.generate(SPEC_YAML, 300, seed=seed), path)
            paths.append(path)
    assert paths[0].read_bytes() == paths[2].read_bytes()
    assert paths[1].read_bytes() == paths[3].read_bytes()
    assert paths[0].read_bytes() != paths[4].read_bytes()


def test_adding_a_column_keeps_the_others() -> None:
    base = {"columns": {"x": {"distribution": "normal"}}}
    more = {"columns": {"w": {"distribution": "uniform"}, "x": {"distribution": "normal"}}}
    pd.testing.assert_series_equal(
        simulacra.generate(base, 50)["x"], simulacra.generate(more, 50)["x"]
    )


def test_correlated_block_with_a_matrix_and_marginals() -> None:
    corr = [[1.0, 0.8, -0.3], [0.8, 1.0, 0.0], [-0.3, 0.0, 1.0]]
    spec = {
        "columns": {
            "b": {
                "type": "correlated",
                "columns": ["a", "b2", "c"],
                "correlation": corr,
                "marginals": {"c": {"distribution": "exponential", "scale": 2}},
            }
        }
    }
    table = simulacra.generate(spec, 20_000, seed=1)
    assert stats.kstest(table["c"], stats.expon(scale=2).cdf).pvalue > 0.001
    assert stats.kstest(table["a"], "norm").pvalue > 0.001
    assert abs(np.corrcoef(table["a"], table["b2"])[0, 1] - 0.8) < 0.02
    rho = stats.spearmanr(table["a"], table["c"]).statistic
    assert abs(rho - 6 / np.pi * np.arcsin(-0.3 / 2)) < 0.03  # Spearman of a Gaussian copula


def test_random_correlation_of_a_given_strength() -> None:
    spec = {"columns": {"f": {"type": "correlated", "count": 4, "prefix": "f", "strength": 0.5}}}
    table = simulacra.generate(spec, 20_000, seed=2)
    off = np.abs(np.corrcoef(table.to_numpy().T)[np.triu_indices(4, 1)])
    np.testing.assert_allclose(off, 0.5, atol=0.03)


def test_classification_block_separation_and_weights() -> None:
    spec = {
        "columns": {
            "blobs": {
                "type": "classification",
                "features": 6,
                "classes": 3,
                "separation": 5,
                "weights": [0.5, 0.3, 0.2],
                "label": "y",
            }
        }
    }
    table = simulacra.generate(spec, 30_000, seed=0)
    assert list(table.columns) == ["x0", "x1", "x2", "x3", "x4", "x5", "y"]
    np.testing.assert_allclose(
        table["y"].value_counts(normalize=True).sort_index(), [0.5, 0.3, 0.2], atol=0.01
    )
    means = table.groupby("y").mean().to_numpy()
    gaps = np.linalg.norm(means[:, None] - means[None], axis=-1)[np.triu_indices(3, 1)]
    np.testing.assert_allclose(gaps, 5.0, atol=0.1)
    within = table[table["y"] == 0].drop(columns="y").std().to_numpy()
    np.testing.assert_allclose(within, 1.0, atol=0.03)


def test_yaml_and_json_files_load(tmp_path: Path) -> None:
    spec = {"rows": 5, "columns": {"x": {"distribution": "poisson", "lam": 2}}}
    (tmp_path / "s.json").write_text(json.dumps(spec))
    (tmp_path / "s.yaml").write_text("rows: 5\ncolumns:\n  x: {distribution: poisson, lam: 2}\n")
    a = simulacra.generate(tmp_path / "s.json")
    b = simulacra.generate(str(tmp_path / "s.yaml"))
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"colums": {}}, "unknown key 'colums'"),
        ({"columns": {}}, "non-empty mapping"),
        ({"columns": {"x": {"distribution": "normal", "sdd": 1}}}, "unknown parameter 'sdd'"),
        ({"columns": {"x": {"type": "boolean", "p": 0.5, "q": 1}}}, "unknown key 'q'"),
        ({"columns": {"x": {"foo": 1}}}, "column 'x': say its 'type'"),
        ({"columns": {"x": {"type": "wavelet"}}}, "unknown type 'wavelet'"),
        (
            {
                "columns": {
                    "a": {"formula": "b + 1"},
                    "b": {"formula": "c * 2"},
                    "c": {"formula": "a"},
                }
            },
            "cycle: a -> b -> c -> a",
        ),
        ({"columns": {"a": {"formula": "a + 1"}}}, "cycle: a -> a"),
        ({"columns": {"a": {"formula": "q + 1"}}}, "column 'a' refers to unknown column 'q'"),
        ({"columns": {"a": {"template": "{q}"}}}, "refers to unknown column 'q'"),
        ({"columns": {"a": {"template": "{x"}}}, "unbalanced brace"),
        ({"columns": {"a": {"formula": "1", "when": "q"}}}, "'when' refers to unknown column"),
        ({"columns": {"a": {"distribution": "normal", "min": 5, "max": 1}}}, "greater than max"),
        ({"columns": {"a": {"distribution": "beta", "a": 1, "b": 1, "min": 3}}}, "impossible"),
        ({"columns": {"a": {"formula": "1", "min": 2, "max": 1}}}, "greater than max"),
        ({"columns": {"a": {"categories": {"x": -1}}}}, "weights must be numbers >= 0"),
        ({"columns": {"a": {"pattern": "US"}}}, "no placeholder"),
        ({"columns": {"a": {"provider": "profile"}}}, "unknown Faker provider 'profile'"),
        ({"columns": {"a": {"provider": "name", "locale": "os.system"}}}, "unknown Faker locale"),
        (
            {"columns": {"a": {"type": "date", "start": "2021-01-01", "end": "2020-01-01"}}},
            "before start",
        ),
        (
            {"columns": {"a": {"type": "date", "start": "2021-13-45", "end": "2022-01-01"}}},
            "'start' is not a date",
        ),
        ({"columns": {"a": {"distribution": "normal", "missing": 1.5}}}, "'missing' must be"),
        (
            {"columns": {"b": {"type": "correlated", "count": 2, "correlation": [[1, 2], [2, 1]]}}},
            "not positive semi-definite",
        ),
        (
            {
                "columns": {
                    "b": {
                        "type": "correlated",
                        "count": 2,
                        "correlation": [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]],
                    }
                }
            },
            "2 x 2",
        ),
        (
            {
                "columns": {
                    "x0": {"distribution": "normal"},
                    "b": {"type": "correlated", "count": 2, "strength": 0.1},
                }
            },
            "'x0' is defined twice",
        ),
    ],
)
def test_validation_errors_are_clear(spec: dict, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse_spec(spec)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"p": {"categories": ["a"]}, "y": {"formula": "p + 1"}}, "column 'y': '+' needs numbers"),
        (
            {"x": {"distribution": "normal"}, "d": {"type": "date", "after": "x"}},
            "'after' column 'x' is not a date",
        ),
        ({"p": {"categories": ["a"]}, "t": {"template": "{p:.2f}"}}, "format '.2f' does not apply"),
    ],
)
def test_type_errors_are_found_before_generation(columns: dict, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse_spec({"columns": columns})
    assert message in str(info.value)


def test_errors_at_generation_time_name_the_column() -> None:
    spec = parse_spec({"columns": {"p": {"pattern": "{2 digits}"}}})
    with pytest.raises(ParameterError, match="column 'p'.*only 100 distinct"):
        spec.generate(101)
    with pytest.raises(ParameterError, match="number of rows"):
        spec.generate(0)
    with pytest.raises(ParameterError, match="give a number of rows"):
        spec.generate()


def test_bad_yaml_and_missing_file_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="no such specification file"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(ParameterError, match="not valid YAML/JSON"):
        load_spec("columns: {x: [\n  y")


def test_mixed_type_categories_become_text_and_write_to_parquet(tmp_path: Path) -> None:
    spec = {"columns": {"m": {"categories": [1, "a", 2.5]}, "n": {"categories": [1, 2]}}}
    table = simulacra.generate(spec, 200, seed=0)
    assert set(table["m"]) == {"1", "a", "2.5"} and table["n"].dtype == np.int64
    simulacra.write_table(table, tmp_path / "m.parquet")
    assert simulacra.read_table(tmp_path / "m.parquet")["m"].tolist() == table["m"].tolist()


def test_chunks_keep_ids_unique_and_shared_draws_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulacra.specs import spec as spec_module

    monkeypatch.setattr(spec_module, "CHUNK_ROWS", 300)
    spec = parse_spec(
        {
            "columns": {
                "id": {"pattern": "{3 digits}"},
                "name": {"provider": "name", "pool": 40},
                "blobs": {"type": "classification", "features": 3, "classes": 2, "separation": 6},
            }
        }
    )
    chunks = list(spec.iter_generate(1000, seed=3))
    assert [len(c) for c in chunks] == [300, 300, 300, 100]
    table = pd.concat(chunks, ignore_index=True)
    pd.testing.assert_frame_equal(table, spec.generate(1000, seed=3))
    assert table["id"].is_unique and table["name"].nunique() <= 40
    first, last = chunks[0], chunks[-1]
    for label in (0, 1):
        a = first[first["label"] == label][["x0", "x1", "x2"]].mean().to_numpy()
        b = last[last["label"] == label][["x0", "x1", "x2"]].mean().to_numpy()
        assert np.abs(a - b).max() < 0.5  # same class means in every chunk


def test_date_range_is_uniform_and_datetime_distributions_stay_in_range() -> None:
    spec = {
        "columns": {
            "d": {"type": "date", "start": "2020-01-01", "end": "2020-01-10"},
            "t": {
                "type": "datetime",
                "start": "2020-01-01",
                "end": "2020-01-03",
                "distribution": "normal",
                "mean": 2,
                "sd": 3,
            },
        }
    }
    table = simulacra.generate(spec, 20_000, seed=0)
    counts = table["d"].value_counts().sort_index()
    assert len(counts) == 10 and stats.chisquare(counts.to_numpy()).pvalue > 0.001
    assert table["t"].min() >= pd.Timestamp("2020-01-01")
    assert table["t"].max() <= pd.Timestamp("2020-01-03")
    days = (table["t"] - pd.Timestamp("2020-01-01")).dt.total_seconds() / 86_400
    truncated = stats.truncnorm(-2 / 3, 0, loc=2, scale=3)
    assert stats.kstest(days, truncated.cdf).pvalue > 0.001


def test_the_readme_example_spec_runs() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Datasets from a specification") :]
    example = section[section.index("```yaml") + len("```yaml") : section.index("```\n", 8)]
    table = simulacra.generate(example, 200, seed=0)
    assert table.shape == (200, 18) and table["id"].is_unique
