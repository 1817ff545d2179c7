"""The command line with datasets of several tables (issue 28): inspect a folder, fit it,
sample a new folder at a scale, evaluate folder against folder; the same through a real
PostgreSQL database (read with its keys, written with its types and constraints)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from simulacra.cli import main
from simulacra.relational.database import read_database, write_database
from simulacra.relational.evaluate import evaluate_dataset
from simulacra.relational.infer import infer_schema

from .dataset_tables import bank


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bank") / "bank"
    path.mkdir()
    for name, frame in bank(200).items():
        if name == "transactions":
            frame.to_parquet(path / f"{name}.parquet", index=False)
        else:
            frame.to_csv(path / f"{name}.csv", index=False)
    return path


def test_inspect_fit_sample_evaluate_a_folder(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, shown, _ = run(["inspect", str(folder), "--json", str(tmp_path / "meta.json")], capsys)
    assert code == 0 and "customer_id -> customers" in shown
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["tables"]["transactions"]["order_by"] == "day"
    model = tmp_path / "bank.simulacra"
    args = ["fit", str(folder), "--metadata", str(tmp_path / "meta.json"), "--epochs", "5"]
    code, _, errors = run([*args, "-o", str(model)], capsys)
    assert code == 0, errors
    out = tmp_path / "out"
    code, shown, errors = run(["sample", str(model), "--scale", "0.5", "-o", str(out)], capsys)
    assert code == 0, errors
    assert sorted(p.name for p in out.iterdir()) == [
        "accounts.csv",
        "customers.csv",
        "transactions.parquet",
    ]
    customers = pd.read_csv(out / "customers.csv")
    accounts = pd.read_csv(out / "accounts.csv")
    assert len(customers) == 100
    assert accounts["customer_id"].isin(customers["customer_id"]).all()
    code, _, errors = run(["sample", str(model), "-o", str(out)], capsys)
    assert code == 1 and "not empty" in errors
    scores = tmp_path / "scores.json"
    code, shown, errors = run(["evaluate", str(folder), str(out), "--json", str(scores)], capsys)
    assert code == 0, errors
    relations = json.loads(scores.read_text())["relations"]
    assert all(r["referential_integrity"] == 1.0 for r in relations)
    assert "children KS" in shown


def test_dataset_options_that_do_not_fit_are_one_line(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, errors = run(
        ["fit", str(folder), "--epsilon", "1", "-o", str(tmp_path / "m.simulacra")], capsys
    )
    assert code == 1 and errors.count("\n") == 1 and "--epsilon" in errors
    code, _, errors = run(
        ["fit", str(folder), "--tables", "a", "-o", str(tmp_path / "m.simulacra")], capsys
    )
    assert code == 1 and "--tables" in errors
    code, _, errors = run(
        ["fit", str(folder), "--children", "flat", "-o", str(tmp_path / "m.simulacra")], capsys
    )
    assert code == 1 and errors.count("\n") == 1 and "--children must be one of" in errors
    code, _, errors = run(
        ["fit", str(folder / "customers.csv"), "--children", "rows", "-o", str(tmp_path / "t")],
        capsys,
    )
    assert code == 1 and "--children works with a dataset" in errors


def test_children_as_sequences_from_the_command_line(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "seq.simulacra"
    args = ["fit", str(folder), "--children", "sequences", "--epochs", "3", "-o", str(model)]
    code, _, errors = run(args, capsys)
    assert code == 0, errors
    from simulacra.relational.dataset import DatasetSynthesizer

    assert DatasetSynthesizer.load(model).children == "sequences"
    code, _, errors = run(["sample", str(model), "-o", str(tmp_path / "out")], capsys)
    assert code == 0, errors


def test_evaluation_scores_each_link(tmp_path: Path) -> None:
    real, held = bank(200), bank(100, seed=7)
    schema = infer_schema(real)
    broken = {name: frame.copy() for name, frame in real.items()}
    broken["accounts"]["customer_id"] = (
        broken["accounts"]["customer_id"].sample(frac=1.0, random_state=0).to_numpy() + 1_000
    )  # no account names a customer
    scores = evaluate_dataset(real, broken, schema, held)
    first = scores["relations"][0]
    assert first["referential_integrity"] == 0.0
    same = evaluate_dataset(real, real, schema, held)
    assert same["relations"][0]["referential_integrity"] == 1.0
    assert same["relations"][0]["children_per_parent_ks"] == 0.0
    assert same["keys"]["customers"] == {"unique": True, "empty": 0}


def test_a_postgres_dataset_round_trip_through_the_commands(
    new_database: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = new_database(), new_database()
    tables = bank(150)
    write_database(source, tables, infer_schema(tables))
    with sa.create_engine(source.replace("postgresql://", "postgresql+psycopg://")).begin() as c:
        c.execute(sa.text("ALTER TABLE accounts ALTER COLUMN balance TYPE NUMERIC(12, 2)"))
    model = tmp_path / "bank.simulacra"
    code, _, errors = run(["fit", source, "--epochs", "3", "-o", str(model)], capsys)
    assert code == 0, errors
    code, shown, errors = run(["sample", str(model), "--scale", "2", "-o", target], capsys)
    assert code == 0, errors
    written = read_database(target)
    assert len(written.frames["customers"]) == 300
    assert written.column_types["accounts"]["balance"].startswith("NUMERIC(12,2)")
    relations = sorted(map(str, written.schema.relations))
    assert relations == sorted(map(str, read_database(source).schema.relations))
    accounts, customers = written.frames["accounts"], written.frames["customers"]
    assert accounts["customer_id"].isin(customers["customer_id"]).all()
    code, _, errors = run(["sample", str(model), "-o", target], capsys)  # tables exist
    assert code == 1 and "exist" in errors and "s3cret" not in errors


def test_joined_detection_cannot_recognise_repeated_parents() -> None:
    """Two draws of the same generator: child rows joined with their parents are scored one
    per parent, so a parent's columns repeated over its children are no giveaway (over all
    child rows, the classifier learned the parents of each side across its folds)."""
    real, other, held = bank(300), bank(300, seed=5), bank(150, seed=9)
    schema = infer_schema(real)
    scores = evaluate_dataset(real, other, schema, held)
    for relation in scores["relations"]:
        assert relation["joined"]["detection_auc"] < 0.62, relation["relation"]


def test_pii_columns_are_left_out_of_the_scores() -> None:
    """Names declared PII are replaced on purpose: scoring them would measure the fake names."""
    real, other = bank(300), bank(300, seed=5)
    real["customers"]["name"] = [f"real{i}" for i in range(300)]
    other["customers"]["name"] = [f"fake{i}" for i in range(300)]
    schema = infer_schema(real)
    customers = schema.tables["customers"].metadata
    assert customers is not None
    customers.set_kind("name", "pii", provider="name")
    scores = evaluate_dataset(real, other, schema)
    assert scores["left_out"] == {"customers": ["name"]}
    assert scores["tables"]["customers"]["detection_auc"] < 0.65
