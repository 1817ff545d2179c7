"""The command line with sequences (issue 27): inspect proposes the key and index, fit learns
events given a context table, sample writes the events of -n new entities and their context
rows (or the events of given entities), and wrong combinations are one clear error line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from simulacra import read_table
from simulacra.cli import main

from .synthesizers.sequence_tables import make_patients, make_visits


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sequences")
    patients = make_patients(120)
    paths = {"visits": folder / "visits.csv", "patients": folder / "patients.csv"}
    make_visits(patients).to_csv(paths["visits"], index=False)
    patients.to_csv(paths["patients"], index=False)
    return paths


@pytest.fixture(scope="module")
def model(files: dict[str, Path]) -> Path:
    path = files["visits"].with_name("visits.simulacra")
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "--quiet", "fit", str(files["visits"]), "--sequence-key", "patient_id",
                "--sequence-index", "visit_date", "--context", str(files["patients"]),
                "--epochs", "41", "--param", "hidden_dims=[64,64]", "-o", str(path),
            ]
        )  # fmt: skip
    assert exit_info.value.code in (0, None)
    return path


def test_inspect_proposes_the_sequence_key_and_index(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["inspect", str(files["visits"])], capsys)
    assert code == 0
    assert "--sequence-key patient_id --sequence-index visit_date" in " ".join(out.split())
    code, out, _ = run(["inspect", str(files["patients"])], capsys)
    assert code == 0 and "sequences:" not in out


def test_sample_writes_entities_and_their_context_rows(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "synth.csv"
    code, out, err = run(["sample", str(model), "-n", "50", "-o", str(target)], capsys)
    assert code == 0, err
    events, context = read_table(target), read_table(tmp_path / "synth-context.csv")
    assert len(context) == 50 and events["patient_id"].nunique() <= 50
    assert set(events["patient_id"]) <= set(context["patient_id"])
    assert "events of 50 entities" in " ".join(out.split())
    days = pd.to_datetime(events["visit_date"]).groupby(events["patient_id"]).diff().dropna()
    assert (days > pd.Timedelta(0)).all()


def test_sample_given_context_is_seeded(
    model: Path, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = make_patients(30, seed=4).assign(patient_id=lambda t: "Q" + t["patient_id"])
    given.to_csv(tmp_path / "new.csv", index=False)
    outputs = []
    for name in ("a.parquet", "b.parquet"):
        args = ["sample", str(model), "--context", str(tmp_path / "new.csv"), "--seed", "3"]
        code, _, err = run([*args, "-o", str(tmp_path / name)], capsys)
        assert code == 0, err
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    events = read_table(tmp_path / "a.parquet")
    assert set(events["patient_id"]) <= set(given["patient_id"])
    assert not (tmp_path / "a-context.parquet").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sequence-key", "patient_id"], "--sequence-key and --sequence-index go together"),
        (
            ["--sequence-key", "patient_id", "--sequence-index", "visit_date", "-m", "copula"],
            "copula cannot learn sequences; use -m autoregressive",
        ),
        (["--context", "PATIENTS"], "--context goes with --sequence-key"),
        (
            ["--sequence-key", "patient_id", "--sequence-index", "ward"],
            "sequence index 'ward' is categorical",
        ),
    ],
)
def test_bad_sequence_options_are_one_error_line(
    files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    args = [a.replace("PATIENTS", str(files["patients"])) for a in args]
    target = str(tmp_path / "m.simulacra")
    code, _, err = run(["fit", str(files["visits"]), *args, "-o", target], capsys)
    assert code != 0 and message in " ".join(err.split())
    assert "Traceback" not in err


def test_sequence_options_of_sample_are_checked(
    model: Path, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["sample", str(model), "-o", str(tmp_path / "x.csv")], capsys)
    assert code != 0 and "missing option '-n'" in err
    args = ["sample", str(model), "-n", "5", "--rebalance", "ward", "-o", str(tmp_path / "y.csv")]
    code, _, err = run(args, capsys)
    assert code != 0 and "--rebalance does not take a sequence model" in " ".join(err.split())


def test_evaluate_compares_sequences(
    model: Path, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "synth.csv"
    assert run(["sample", str(model), "-n", "120", "-o", str(target)], capsys)[0] == 0
    scores = tmp_path / "scores.json"
    args = [
        "evaluate", str(files["visits"]), str(target), "--sequence-key", "patient_id",
        "--sequence-index", "visit_date", "--context", str(files["patients"]),
        "--synthetic-context", str(tmp_path / "synth-context.csv"), "--json", str(scores),
    ]  # fmt: skip
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert "entity detection AUC" in out and "index strictly increasing in 100.0%" in out
    report = json.loads(scores.read_text())
    assert report["sequences"]["static"]["kept"] == 1.0
    # without a holdout every real entity was seen in training: no membership attack
    assert report["sequences"]["distances"]["membership_auc"] is None
    assert "membership attack" not in out
    code, _, err = run([*args[:3], "--sequence-key", "patient_id"], capsys)
    assert code != 0 and "--sequence-key and --sequence-index go together" in err
    code, _, err = run([*args[:7], "--engine", "dask"], capsys)  # it samples rows, not entities
    assert code != 0 and "--sequence-key works with --engine local only" in " ".join(err.split())


def test_rules_hold_in_every_sampled_event(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    visits = read_table(files["visits"])
    visits["floor"] = visits["ward"].map({"A": 1, "B": 2, "C": 3})
    visits["cap"] = visits["weight"] + 5.0
    visits.to_csv(tmp_path / "visits.csv", index=False)
    path = tmp_path / "m.simulacra"
    code, _, err = run(
        [
            "fit", str(tmp_path / "visits.csv"), "--sequence-key", "patient_id",
            "--sequence-index", "visit_date", "--rule", "fixed: ward, floor",
            "--rule", "weight <= cap", "--epochs", "41", "-o", str(path),
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(["sample", str(path), "-n", "40", "-o", str(tmp_path / "s.csv")], capsys)
    assert code == 0, err
    events = read_table(tmp_path / "s.csv")
    assert (events["floor"] == events["ward"].map({"A": 1, "B": 2, "C": 3})).all()
    assert (events["weight"] <= events["cap"]).all()
    code, _, err = run(
        [
            "fit", str(tmp_path / "visits.csv"), "--sequence-key", "patient_id",
            "--sequence-index", "visit_date", "--rule", "fixed: patient_id, ward",
            "-o", str(tmp_path / "bad.simulacra"),
        ],
        capsys,
    )  # fmt: skip
    assert code != 0 and "names the sequence key 'patient_id'" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "bad.simulacra").exists()


def test_the_rules_inspect_proposes_are_kept_by_a_sequence_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # inspect proposes `day <= end` (no visit after the follow-up ends), which bounds the index
    from .synthesizers.test_sequence_bounds import make_followed

    make_followed()[0].to_csv(tmp_path / "visits.csv", index=False)
    code, _, err = run(
        ["inspect", str(tmp_path / "visits.csv"), "-o", str(tmp_path / "m.json")], capsys
    )
    assert code == 0, err
    assert "day <= end" in json.loads((tmp_path / "m.json").read_text())["rules"]
    fit = ["fit", str(tmp_path / "visits.csv"), "--metadata", str(tmp_path / "m.json")]
    fit += ["--sequence-key", "pid", "--sequence-index", "day", "--epochs", "3"]
    code, _, err = run([*fit, "-o", str(tmp_path / "v.simulacra")], capsys)
    assert code == 0, err
    out = tmp_path / "s.csv"
    code, _, err = run(
        ["sample", str(tmp_path / "v.simulacra"), "-n", "80", "-o", str(out)], capsys
    )
    assert code == 0, err
    events = read_table(out)
    assert events["pid"].nunique() == 80 and (events["day"] <= events["end"]).all()
