"""Conditions typed once by the TableTransformer: codes, numbers, score bounds, checks, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import ConditionError, Metadata, Synthesizer
from simulacra.transforms import TableTransformer


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 2_000
    level = rng.integers(0, 5, n)
    return pd.DataFrame(
        {
            "level": level,  # integers: every value is a point mass
            "score": 3.0 * level + rng.normal(size=n),
            "flag": rng.random(n) < 0.3,
            "team": rng.choice(["red", "blue", "green"], n, p=[0.5, 0.3, 0.2]),
            "day": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
        }
    )


@pytest.fixture(scope="module")
def transformer(table: pd.DataFrame) -> TableTransformer:
    return TableTransformer(Metadata.infer(table)).fit(table)


def test_values_are_typed_as_the_column_and_placed_in_encoded_space(
    transformer: TableTransformer,
) -> None:
    conds = transformer.encode_conditions({"flag": "True", "team": "blue", "score": 4})
    by_column = {c.column: c for c in conds}
    assert by_column["flag"].value is True and by_column["flag"].code is not None
    assert by_column["team"].code == transformer.columns_["team"].categories_.index("blue")
    assert by_column["score"].number == 4.0
    for cond in conds:
        assert cond.start == transformer.column_slice(cond.column).start
    # a category owns an interval of scores; a number inside a continuous stretch one score
    lo, hi = by_column["team"].bounds or (0, 0)
    assert lo < hi
    lo, hi = by_column["score"].bounds or (0, 1)
    assert lo == hi
    assert conds.category("team") == by_column["team"].code and conds.category("score") is None


def test_a_point_mass_number_gets_the_interval_of_its_step(transformer: TableTransformer) -> None:
    (cond,) = transformer.encode_conditions({"level": 2})
    assert cond.bounds is not None and cond.bounds[0] < cond.bounds[1]
    inside = np.linspace(*cond.bounds, 7)[1:-1, None]
    assert np.all(transformer.columns_["level"].encoders[0].decode(inside) == 2)


def test_meets_agrees_with_decoding(table: pd.DataFrame, transformer: TableTransformer) -> None:
    encoded = transformer.encode(table)
    conds = transformer.encode_conditions({"team": "green", "level": 1})
    expected = (table["team"] == "green") & (table["level"] == 1)
    assert np.array_equal(conds.meets(encoded), expected.to_numpy())


def test_apply_writes_the_value_and_keeps_the_dtype(
    table: pd.DataFrame, transformer: TableTransformer
) -> None:
    frame = transformer.decode(transformer.encode(table.head(20)), np.random.default_rng(0))
    conds = transformer.encode_conditions({"day": "2024-01-15", "level": 3})
    conds.apply(frame)
    assert (frame["day"] == pd.Timestamp("2024-01-15")).all()
    assert (frame["level"] == 3).all() and frame["level"].dtype == table["level"].dtype


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"nope": 1}, "unknown column 'nope'"),
        ({"team": "purple"}, "no category 'purple'"),
        ({"score": 1e9}, "outside the learned range"),
        ({"score": "abc"}, "not a valid value"),
    ],
)
def test_bad_conditions_name_the_column(
    transformer: TableTransformer, conditions: dict[str, object], message: str
) -> None:
    with pytest.raises(ConditionError, match=message):
        transformer.encode_conditions(conditions)


def test_generated_columns_cannot_be_conditions() -> None:
    table = pd.DataFrame({"id": [f"ID{i:05d}" for i in range(300)], "x": np.arange(300.0)})
    meta = Metadata.infer(table)
    assert meta["id"].kind == "id"
    transformer = TableTransformer(meta).fit(table)
    with pytest.raises(ConditionError, match="generated, not modelled"):
        transformer.encode_conditions({"id": "ID00001"})


def test_copula_conditions_on_a_point_mass_shift_the_other_columns(
    table: pd.DataFrame,
) -> None:
    syn = Synthesizer("copula", seed=0, verbose=False).fit(table)
    rows = syn.sample(1_000, conditions={"level": 3, "team": "red"}, seed=1)
    assert (rows["level"] == 3).all() and (rows["team"] == "red").all()
    # a Gaussian copula only approximates the conditional law (here N(9, 1)): it must move
    # the mean from the marginal's 6 towards 9 and narrow the spread
    real = table.loc[table["level"] == 3, "score"]
    assert abs(rows["score"].mean() - real.mean()) < 1.0
    assert abs(rows["score"].mean() - table["score"].mean()) > 2.0
    assert rows["score"].std() < 0.7 * table["score"].std()


def test_a_range_is_typed_with_its_ends_and_score_box(transformer: TableTransformer) -> None:
    (cond,) = transformer.encode_conditions({"score": (1.5, 4.5)})
    assert (cond.low, cond.high) == (1.5, 4.5) and cond.value == (1.5, 4.5)
    assert cond.number is None and cond.code is None and cond.codes is None
    assert cond.bounds is not None and cond.bounds[0] < cond.bounds[1]
    (text,) = transformer.encode_conditions({"day": "2024-01-10..2024-01-20"})
    assert text.value == (pd.Timestamp("2024-01-10"), pd.Timestamp("2024-01-20"))
    # a range reaching past the learned values is cut to them
    (wide,) = transformer.encode_conditions({"score": (-1e6, 0.0)})
    assert wide.low == transformer.columns_["score"].low_


def test_token_encoders_list_the_tokens_a_range_can_take(table: pd.DataFrame) -> None:
    tokens = TableTransformer(
        Metadata.infer(table), continuous="bins", discrete="codes", min_count=5
    ).fit(table)
    (cond,) = tokens.encode_conditions({"score": (1.5, 4.5)})
    assert cond.codes and all(0 < share <= 1 for share in cond.codes.values())
    assert sum(share == 1.0 for share in cond.codes.values()) >= 1  # bins wholly inside
    (mass,) = tokens.encode_conditions({"level": (1, 2)})
    assert mass.codes == {
        tokens.columns_["level"].encoders[0].code_of(1): 1.0,
        tokens.columns_["level"].encoders[0].code_of(2): 1.0,
    }


def test_an_integer_column_takes_only_whole_number_conditions(
    transformer: TableTransformer,
) -> None:
    # issue 23, item 22: age=20.2..20.8 on whole numbers gave rows of 20 and 21
    with pytest.raises(ConditionError, match="'level' holds whole numbers and none lies in"):
        transformer.encode_conditions({"level": "2.2..2.8"})
    with pytest.raises(ConditionError, match="'level' holds whole numbers; give one"):
        transformer.encode_conditions({"level": 2.5})
    (cond,) = transformer.encode_conditions({"level": "1.2..3.8"})  # cut to 2..3
    assert (cond.low, cond.high) == (2.0, 3.0) and cond.value == (2, 3)
    (point,) = transformer.encode_conditions({"level": "3.0"})
    assert point.value == 3
