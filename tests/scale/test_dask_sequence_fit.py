"""`fit --engine dask` of a sequence model: step rows made partition by partition (whole
entities, shuffled on the key when an entity spans two partitions) and streamed to the network;
the layout a local fit learns, and sequences that keep what a local fit's keep."""

from __future__ import annotations

from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import torch
from dask.distributed import Client
from scipy.stats import ks_2samp

from simulacra import DataError, ParameterError, Synthesizer
from simulacra.evaluation.sequences import lag1_autocorrelation
from simulacra.scale.sequence_fit import fit_sequences_dask
from simulacra.synthesizers.sequence_entities import learned_own
from simulacra.synthesizers.sequence_layout import LENGTH, POSITION, START
from simulacra.synthesizers.sequence_steps import step_rows
from simulacra.synthesizers.sequences import Sequences

from ..synthesizers.sequence_tables import make_patients, make_visits
from .test_dask_sample import run

KEYS = {"sequence_key": "patient_id", "sequence_index": "visit_date"}
SMALL = {**KEYS, "hidden_dims": (64, 64), "verbose": False, "seed": 0}


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    patients = make_patients(300)
    return make_visits(patients), patients


def by_entity(visits: pd.DataFrame, parts: int) -> dd.DataFrame:
    """`visits` in `parts` partitions, each holding whole patients."""
    number = visits["patient_id"].str[1:].astype(int) % parts
    frames = [visits[number == p].reset_index(drop=True) for p in range(parts)]
    return dd.concat([dd.from_pandas(f, npartitions=1) for f in frames])


def fit(visits: pd.DataFrame, parts: int, epochs: int = 1, **options: object) -> Sequences:
    """A small model fitted on Dask on `visits` in `parts` partitions of whole patients."""
    model = Synthesizer("autoregressive", epochs=epochs, **SMALL)
    return fit_sequences_dask(model, by_entity(visits, parts), **options)  # type: ignore[arg-type]


def changes(events: pd.DataFrame, column: str) -> float:
    """Share of an entity's later events whose `column` differs from the event before."""
    ordered = events.sort_values(["patient_id", "visit_date"])
    before = ordered.groupby("patient_id")[column].shift()
    later = before.notna()
    return float((ordered[column][later] != before[later]).mean())


def test_the_layout_is_the_local_fits(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, _ = tables
    local = Synthesizer("autoregressive", epochs=1, **SMALL).fit(visits)
    model = fit(visits, 3)
    ours, theirs = model.sequence_.to_state(), local.sequence_.to_state()
    for name in ("static", "events", "changes", "no_nulls", "strict", "min_gap", "unit"):
        assert ours[name] == theirs[name], name
    assert ours["static"] == ["sex"] and "weight" in ours["changes"]
    np.testing.assert_allclose(ours["slopes"], theirs["slopes"], rtol=1e-9)
    assert model.fit_info_["rows"] == model.fit_info_["step_rows"] == len(visits)
    assert model.fit_info_["entities"] == visits["patient_id"].nunique()
    assert model.describe()["model"]["streamed"].startswith("trained on minibatches streamed")


def test_an_entity_across_partitions_is_shuffled_whole(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, _ = tables
    cut = dd.from_pandas(visits, npartitions=4, sort=False)  # cuts by rows, inside patients
    heads = [p["patient_id"].iloc[0] for p in cut.to_delayed()[1:] for p in [p.compute()]]
    tails = [p["patient_id"].iloc[-1] for p in cut.to_delayed()[:-1] for p in [p.compute()]]
    assert set(heads) & set(tails)  # some patient has visits in two partitions
    model = fit_sequences_dask(Synthesizer("autoregressive", epochs=1, **SMALL), cut)  # type: ignore[arg-type]
    assert model.fit_info_["step_rows"] == len(visits)
    assert model.fit_info_["entities"] == visits["patient_id"].nunique()
    assert model.sequence_.static == ("sex",)


def test_streamed_rows_tell_later_steps_by_their_position(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, _ = tables
    model = fit(visits, 2)
    rows, _ = step_rows(visits, model.sequence_)
    encoded = model.transformer_.encode(rows, np.random.default_rng(0))
    column, token = model._first_step_token()  # type: ignore[misc]
    start = [b.start for b in model.transformer_.blocks_ if b.activation == "token"][column]
    later = np.rint(encoded[:, start]) != token
    np.testing.assert_array_equal(later, rows[POSITION].to_numpy() > 0)
    assert 0 < later.mean() < 1


def test_sampled_sequences_keep_what_the_events_hold(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, _ = tables
    model = fit(visits, 3, epochs=40)
    synthetic = model.sample(300, seed=1)
    days = pd.to_datetime(synthetic["visit_date"])
    steps = days.groupby(synthetic["patient_id"]).diff().dropna()
    assert (steps > pd.Timedelta(0)).all()  # strictly increasing within every patient
    assert synthetic.groupby("patient_id")["sex"].nunique().max() == 1
    lengths = synthetic.groupby("patient_id").size()
    assert ks_2samp(lengths, visits.groupby("patient_id").size()).statistic < 0.15
    assert (lengths == 1).mean() == pytest.approx(0.25, abs=0.1)
    assert changes(synthetic, "ward") == pytest.approx(changes(visits, "ward"), abs=0.12)
    entity = pd.factorize(synthetic["patient_id"])[0]
    real_entity = pd.factorize(visits["patient_id"])[0]
    lag = lag1_autocorrelation(synthetic["weight"].to_numpy(float), entity)
    real_lag = lag1_autocorrelation(visits["weight"].to_numpy(float), real_entity)
    assert real_lag > 0.9 and lag > 0.8


def test_a_context_table_and_its_entities_without_events(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, patients = tables
    extra = make_patients(20, seed=5).assign(patient_id=[f"Q{i:05d}" for i in range(20)])
    context = pd.concat([patients, extra], ignore_index=True)
    model = fit(visits, 2, epochs=2, context=context)
    assert model.fit_info_["entities"] == len(context)
    assert model.fit_info_["step_rows"] == len(visits) + len(extra)
    assert model.context_model_ is not None
    # the entities' own columns, learned with their context rows
    own = [LENGTH, *model.sequence_.static, START]
    assert learned_own(model.context_model_, model.sequence_) == own
    events, rows = model.sample_sequences(40, seed=0)
    assert list(rows.columns) == list(context.columns) and len(rows) == 40
    assert set(events["patient_id"]) <= set(rows["patient_id"])
    given = model.sample(context=extra.head(5), seed=0)
    assert set(given["patient_id"]) <= set(extra["patient_id"].head(5))


def test_bad_input_is_refused_in_one_line(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, patients = tables
    frame = by_entity(visits, 2)
    with pytest.raises(DataError, match="'day' is not a column"):
        fit_sequences_dask(
            Synthesizer("autoregressive", sequence_key="patient_id", sequence_index="day"),  # type: ignore[arg-type]
            frame,
        )
    with pytest.raises(ParameterError, match="sequences cannot be learned with differential"):
        fit_sequences_dask(
            Synthesizer("autoregressive", epsilon=1.0, **SMALL),  # type: ignore[arg-type]
            frame,
        )
    with pytest.raises(DataError, match="have no row in the context table"):
        fit_sequences_dask(
            Synthesizer("autoregressive", **SMALL),  # type: ignore[arg-type]
            frame,
            context=patients.iloc[1:],
        )


def test_the_command_line_fits_sequences_on_dask(
    client: Client,
    tables: tuple[pd.DataFrame, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    visits, _ = tables
    folder = tmp_path / "visits"
    folder.mkdir()
    number = visits["patient_id"].str[1:].astype(int) % 2
    for p in range(2):
        visits[number == p].to_parquet(folder / f"part-{p}.parquet", index=False)
    model = tmp_path / "m.simulacra"
    address = client.scheduler.address  # type: ignore[union-attr]
    code, out, err = run(
        [
            "fit", str(folder / "*.parquet"), "--engine", "dask", "--scheduler", address,
            "--sequence-key", "patient_id", "--sequence-index", "visit_date",
            "--steps", "20", "-o", str(model),
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    loaded = Synthesizer.load(model)
    assert isinstance(loaded, Sequences) and loaded.sequence_.static == ("sex",)
    assert loaded.describe()["model"]["epochs_trained"] >= 1
    out_csv = tmp_path / "s.csv"
    code, _, err = run(["sample", str(model), "-n", "30", "-o", str(out_csv)], capsys)
    assert code == 0, err
    assert pd.read_csv(out_csv)["patient_id"].nunique() == 30
    code, _, err = run(
        ["fit", str(folder / "*.parquet"), "--sequence-key", "patient_id",
         "--sequence-index", "visit_date", "--steps", "5", "-o", str(tmp_path / "x.simulacra")],
        capsys,
    )  # fmt: skip
    assert code != 0 and "--steps needs --engine dask" in err


def test_same_seed_same_partitions_same_model(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, _ = tables
    fitted = [fit(visits, 3) for _ in range(2)]
    first, second = (m.net_.state_dict() for m in fitted)  # type: ignore[attr-defined]
    assert all(torch.equal(first[k], second[k]) for k in first)
    pd.testing.assert_frame_equal(fitted[0].sample(50, seed=2), fitted[1].sample(50, seed=2))


def test_rules_hold_in_every_event(
    client: Client, tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Rules within each event, kept on Dask as in a local fit: a floor kept with its ward, a
    weight range, a fee derived from the weight; the partitions are reparametrised where
    they lie, and sequences still keep order and static columns."""
    visits, _ = tables
    visits = visits.assign(floor=visits["ward"].map({"A": 1, "B": 2, "C": 3}))
    visits = visits.assign(fee=(visits["weight"] * 2).round(1))
    rules = ["fixed: ward, floor", "weight in 45..110", "fee = weight * 2"]
    model = Synthesizer("autoregressive", epochs=3, rules=rules, **SMALL)
    fit_sequences_dask(model, by_entity(visits, 3))  # type: ignore[arg-type]
    assert model.rules_ is not None and model.rules_.texts == rules
    events = model.sample(120, seed=1)
    assert list(events.columns) == list(visits.columns)
    pairs = set(zip(events["ward"], events["floor"], strict=True))
    assert pairs == {("A", 1), ("B", 2), ("C", 3)}
    assert events["weight"].between(45, 110).all()
    assert np.allclose(events["fee"], events["weight"] * 2)
    dates = pd.to_datetime(events["visit_date"])
    for _, group in dates.groupby(events["patient_id"], sort=False):
        assert group.is_monotonic_increasing and group.is_unique
    assert events.groupby("patient_id")["sex"].nunique().max() == 1
    # real 0.10; 3 epochs of a small network: 0.56, and 0.60 since the first event is drawn
    # by the first-event model (a sanity bound, not a quality target)
    assert 0.05 < changes(events, "ward") < 0.65


def test_privacy_is_refused_before_any_row_is_read(
    tables: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """A DP sequence fit is refused first: the events are not read (no note about the rows
    that break a rule, which would say something of them)."""
    import warnings

    visits, _ = tables
    model = Synthesizer("autoregressive", epsilon=1.0, rules=["weight in 80..90"], **SMALL)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        with pytest.raises(ParameterError, match="sequences cannot be learned with differential"):
            fit_sequences_dask(model, by_entity(visits, 2))  # type: ignore[arg-type]
    assert not [w for w in said if "break it" in str(w.message)]
