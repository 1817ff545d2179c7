"""A dataset of related tables: keys and relations inferred, parents before children,
children per parent learned from the parent's values, new keys, referential integrity,
seeds, model files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra.errors import DataError, MetadataError, ModelFileError, ParameterError
from simulacra.relational.dataset import DatasetSynthesizer
from simulacra.relational.infer import infer_schema
from simulacra.relational.schema import DatasetSchema, Relation, TableSchema

from .dataset_tables import bank


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return bank()


@pytest.fixture(scope="module", params=["rows", "sequences"])
def fitted(tables: dict[str, pd.DataFrame], request: pytest.FixtureRequest) -> DatasetSynthesizer:
    """The bank learned with children as rows given their parent, and as sequences."""
    return DatasetSynthesizer(
        children=request.param, params={"epochs": 60}, seed=0, verbose=False
    ).fit(tables)


@pytest.fixture(scope="module")
def sampled(fitted: DatasetSynthesizer) -> dict[str, pd.DataFrame]:
    return fitted.sample(seed=3)


def test_keys_relations_and_order_are_inferred(tables: dict[str, pd.DataFrame]) -> None:
    schema = infer_schema(tables)
    keys = {name: t.primary_key for name, t in schema.tables.items()}
    assert keys == {"customers": "customer_id", "accounts": "account_id", "transactions": None}
    assert sorted(map(str, schema.relations)) == [
        "accounts.customer_id -> customers.customer_id",
        "transactions.account_id -> accounts.account_id",
        "transactions.payee_account_id -> accounts.account_id",
    ]
    assert schema.tables["transactions"].order_by == "day"
    assert schema.order() == ["customers", "accounts", "transactions"]
    again = DatasetSchema.from_dict(schema.to_dict())
    assert again.to_dict() == schema.to_dict()


def test_whole_numbers_inside_a_key_range_are_no_foreign_key() -> None:
    parents = pd.DataFrame({"id": np.arange(1, 101), "x": np.arange(100) * 1.5})
    children = pd.DataFrame({"quantity": np.arange(200) % 7 + 1, "price": np.ones(200)})
    schema = infer_schema({"products": parents, "lines": children})
    assert schema.relations == []


def test_every_foreign_key_names_a_sampled_parent_row(sampled: dict[str, pd.DataFrame]) -> None:
    customers, accounts, transactions = (
        sampled[t] for t in ("customers", "accounts", "transactions")
    )
    assert customers["customer_id"].is_unique and accounts["account_id"].is_unique
    assert accounts["customer_id"].isin(customers["customer_id"]).all()
    assert transactions["account_id"].isin(accounts["account_id"]).all()
    payees = transactions["payee_account_id"].dropna()
    assert payees.isin(accounts["account_id"]).all()
    assert transactions["payee_account_id"].isna().mean() == pytest.approx(0.3, abs=0.08)


def test_keys_are_new(tables: dict[str, pd.DataFrame], sampled: dict[str, pd.DataFrame]) -> None:
    assert not sampled["customers"]["customer_id"].isin(tables["customers"]["customer_id"]).any()
    assert not sampled["accounts"]["account_id"].isin(tables["accounts"]["account_id"]).any()
    assert sampled["accounts"]["account_id"].str.fullmatch(r"AC\d{6}").all()


def test_children_per_parent_follow_the_parent(
    tables: dict[str, pd.DataFrame], sampled: dict[str, pd.DataFrame]
) -> None:
    def per_parent(data: dict[str, pd.DataFrame]) -> pd.Series:
        counts = data["accounts"]["customer_id"].value_counts()
        return counts.reindex(data["customers"]["customer_id"], fill_value=0)

    real, synthetic = per_parent(tables), per_parent(sampled)
    assert stats.ks_2samp(real, synthetic).statistic <= 0.15
    segment = sampled["customers"].set_index("customer_id")["segment"]
    assert (
        synthetic[segment == "retail"].mean() < 1.2 < 2.0 < synthetic[segment == "business"].mean()
    )
    joined = sampled["accounts"].merge(sampled["customers"], on="customer_id")
    assert np.corrcoef(joined["age"], joined["balance"])[0, 1] > 0.3  # real: about 0.95


def test_children_keep_their_order_and_the_table_its_columns(
    tables: dict[str, pd.DataFrame], sampled: dict[str, pd.DataFrame]
) -> None:
    for name, frame in tables.items():
        assert list(sampled[name].columns) == list(frame.columns)
    days = sampled["transactions"].groupby("account_id", sort=False)["day"]
    assert days.apply(lambda d: d.is_monotonic_increasing).all()
    # indexes are a start plus real-like gaps, not clipped to the real range
    assert sampled["transactions"]["day"].between(0, 364).mean() > 0.8
    assert sampled["customers"]["age"].dtype == np.int64


def test_scale_seeds_and_model_files(fitted: DatasetSynthesizer, tmp_path) -> None:
    half = fitted.sample(scale=0.5, seed=3)
    assert len(half["customers"]) == 150
    again = fitted.sample(seed=3)
    first = fitted.sample(seed=3)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    path = fitted.save(tmp_path / "bank.simulacra")
    loaded = DatasetSynthesizer.load(path)
    for name, frame in loaded.sample(seed=3).items():
        pd.testing.assert_frame_equal(frame, first[name])
    assert fitted.sample()["customers"].equals(fitted.sample()["customers"]) is False


def test_bad_datasets_are_one_clear_error(tables: dict[str, pd.DataFrame], tmp_path) -> None:
    orphans = dict(tables)
    orphans["accounts"] = tables["accounts"].assign(
        customer_id=tables["accounts"]["customer_id"] + 10_000
    )
    schema = infer_schema(tables)
    with pytest.raises(DataError, match="rows name no row of 'customers'"):
        DatasetSynthesizer(verbose=False).fit(orphans, schema)
    with pytest.raises(MetadataError, match="cycle"):
        DatasetSchema(
            {"a": TableSchema("id"), "b": TableSchema("id")},
            [Relation("a", "id", "b", "a_id"), Relation("b", "id", "a", "b_id")],
        )
    hidden = dict(tables)
    hidden["customers"] = tables["customers"].assign(**{"__children.accounts": 1})
    with pytest.raises(DataError, match="'__children.accounts' is reserved"):
        DatasetSynthesizer(verbose=False).fit(hidden, schema)
    with pytest.raises(DataError, match="no table 'accounts'"):
        DatasetSynthesizer(verbose=False).fit({"customers": tables["customers"]}, schema)
    table_model = tmp_path / "x.simulacra"
    from simulacra import Synthesizer

    Synthesizer("copula", verbose=False).fit(tables["customers"]).save(table_model)
    with pytest.raises(ModelFileError, match="not a dataset model"):
        DatasetSynthesizer.load(table_model)


def test_tables_without_children_stream_in_chunks(fitted: DatasetSynthesizer) -> None:
    whole = fitted.sample(seed=5)
    streamed = {}
    for name, chunks in fitted.iter_tables(seed=5, chunk_rows=64):
        parts = list(chunks)
        if name == "customers":  # a table with children: drawn whole, its rows are context
            assert len(parts) == 1
        streamed[name] = pd.concat(parts, ignore_index=True)
    for name, frame in whole.items():
        pd.testing.assert_frame_equal(streamed[name], frame)


def test_child_rows_draw_empty_cells_and_counts_given_their_parent(
    tables: dict[str, pd.DataFrame], tmp_path
) -> None:
    """children="rows": a child column empty in most rows of one kind of parent stays so,
    the parent's hidden count column never shows, and a file records the way."""
    data = dict(tables)
    accounts = data["accounts"].merge(data["customers"], on="customer_id")
    rng = np.random.default_rng(4)
    empty = rng.random(len(accounts)) < np.where(accounts["segment"] == "retail", 0.7, 0.1)
    limit = np.where(empty, np.nan, rng.normal(500.0, 20.0, len(accounts)))
    # a customer's credit score, and an account's: the customer's own in 60% of accounts
    scores = rng.normal(600.0, 50.0, len(data["customers"]))
    data["customers"] = data["customers"].assign(score=scores)
    own_score = scores[accounts["customer_id"].to_numpy() - 1]
    moved = rng.random(len(accounts)) >= 0.6
    own_score[moved] += rng.normal(0.0, 20.0, int(moved.sum()))
    data["accounts"] = data["accounts"].assign(limit=limit, currency="EUR", score=own_score)
    syn = DatasetSynthesizer(children="rows", params={"epochs": 40}, seed=0, verbose=False)
    out = syn.fit(data).sample(seed=1)
    assert list(out["customers"].columns) == list(data["customers"].columns)
    joined = out["accounts"].merge(out["customers"], on="customer_id")
    share = joined["limit"].isna().groupby(joined["segment"]).mean()
    assert share["retail"] > 0.45 and share["business"] < 0.3, share
    assert (out["accounts"]["currency"] == "EUR").all()
    same = (joined["score_x"] == joined["score_y"]).mean()  # the parent's value, exactly
    assert same == pytest.approx(0.6, abs=0.12), same
    assert DatasetSynthesizer.load(syn.save(tmp_path / "rows.simulacra")).children == "rows"
    with pytest.raises(ParameterError, match="children must be one of"):
        DatasetSynthesizer(children="flat", verbose=False).fit(tables)
