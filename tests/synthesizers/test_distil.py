"""Distillation: a student fitted on a teacher's samples only, its teacher and privacy recorded."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import ModelFileError, ParameterError, Synthesizer
from simulacra.cli import main
from simulacra.synthesizers.distil import distil

STUDENT = {"epochs": 3, "hidden_dims": (32, 32)}


def make_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = np.where(group == "a", -2.0, 1.0) + rng.normal(size=n)
    return pd.DataFrame({"group": group, "y": y, "flag": rng.random(n) < 0.3})


@pytest.fixture(scope="module")
def teacher() -> Synthesizer:
    return Synthesizer("ddpm", seed=0, epochs=2, verbose=False).fit(make_table())


def test_the_student_samples_and_records_its_teacher(teacher: Synthesizer, tmp_path: Path) -> None:
    student = distil(teacher, rows=2_000, seed=1, **STUDENT)
    assert student.name == "autoregressive"
    assert student.fit_info_["rows"] == 2_000  # the teacher's rows, not the 600 real ones
    rows = student.sample(500, seed=2)
    assert list(rows.columns) == ["group", "y", "flag"] and len(rows) == 500
    path = tmp_path / "student.simulacra"
    student.save(path)
    loaded = Synthesizer.load(path)
    record = loaded.describe()["distilled_from"]
    assert record["teacher"] == "ddpm" and record["rows"] == 2_000 and record["seed"] == 1
    assert record["privacy"]["differentially_private"] is False
    with zipfile.ZipFile(path) as archive:  # the file itself says where the student came from
        assert any(
            "distilled" in archive.read(n).decode(errors="ignore") for n in archive.namelist()
        )
    pd.testing.assert_frame_equal(loaded.sample(300, seed=3), student.sample(300, seed=3))


def test_the_same_seed_gives_the_same_student(teacher: Synthesizer) -> None:
    first = distil(teacher, rows=1_000, seed=4, **STUDENT).sample(400, seed=5)
    again = distil(teacher, rows=1_000, seed=4, **STUDENT).sample(400, seed=5)
    pd.testing.assert_frame_equal(first, again)


def test_the_student_carries_the_teachers_privacy_budget() -> None:
    private = Synthesizer("mst", seed=0, epsilon=2.0, delta=1e-7, infer_schema=True)
    private.fit(make_table(1_000))
    student = distil(private, rows=1_000, seed=0, **STUDENT)
    privacy = student.describe()["distilled_from"]["privacy"]
    assert privacy["epsilon"] == 2.0 and privacy["delta"] == 1e-7
    assert privacy["differentially_private"] is True
    assert "differential_privacy" in privacy  # the teacher's own spent budget and mechanism
    # a student of the student passes the first teacher's privacy on
    grandchild = distil(student, rows=500, seed=0, **STUDENT)
    assert grandchild.describe()["distilled_from"]["privacy"]["epsilon"] == 2.0


def test_bad_inputs_are_one_clear_error(teacher: Synthesizer, tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no teacher model file"):
        distil(tmp_path / "missing.simulacra")
    with pytest.raises(ParameterError, match="rows must be an integer"):
        distil(teacher, rows=0)
    with pytest.raises(ParameterError, match="takes no epsilon"):
        distil(teacher, rows=100, epsilon=1.0)


def test_the_command_distils_and_refuses_a_bad_teacher_file(
    teacher: Synthesizer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "teacher.simulacra"
    teacher.save(source)
    out = tmp_path / "student.simulacra"
    code, _ = run([
        "distil", str(source), "-o", str(out), "--rows", "800", "--epochs", "2",
        "--param", "hidden_dims=[16, 16]",
    ], capsys)  # fmt: skip
    assert code == 0 and out.exists()
    assert Synthesizer.load(out).distilled_["source"] == "teacher.simulacra"  # type: ignore[index]
    bad = tmp_path / "bad.simulacra"
    bad.write_text("not a model")
    code, err = run(["distil", str(bad), "-o", str(tmp_path / "x.simulacra")], capsys)
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and "bad.simulacra" in err
    assert not (tmp_path / "x.simulacra").exists()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The command's exit code and what it wrote to stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


def test_describe_json_is_plain(teacher: Synthesizer) -> None:
    student = distil(teacher, rows=500, seed=0, **STUDENT)
    json.dumps(student.describe()["distilled_from"])
