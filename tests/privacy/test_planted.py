"""Values planted in one row never come out of a DP fit: not in the model file, not in what
`inspect` prints, not in sampled rows. Each plant is a way one row's value used to leak: a rare
category, a column that is null apart from one value (inferred as a constant), a pandas
Categorical whose list names a value, a unique outlier, a UTC offset taken from the first row,
and a constant declared in the user's metadata without its value."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import Metadata, Synthesizer
from simulacra.cli import main
from simulacra.metadata import Column

SECRETS = (
    "SECRET_CAT_7431",
    "SECRET_LONE_5521",
    "SECRET_DTYPE_9911",
    "987654321",
    "+13:45",
    "+1345",
)
ROWS = 600
SMALL: dict[str, dict[str, Any]] = {
    "mst": {},
    "autoregressive": {"epochs": 2, "batch_size": 100, "hidden_dims": [16, 16]},
    "tvae": {"epochs": 2, "batch_size": 100, "encoder_dims": [16], "decoder_dims": [16]},
    "ctgan": {
        "epochs": 1,
        "batch_size": 100,
        "generator_dims": [16],
        "discriminator_dims": [16],
        "embedding_dim": 8,
    },
}


def planted_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    cat = rng.choice(["red", "green", "blue"], ROWS).astype(object)
    cat[7] = SECRETS[0]
    lone = np.full(ROWS, None, dtype=object)
    lone[11] = SECRETS[1]
    listed = pd.Categorical(
        rng.choice(["low", "high"], ROWS), categories=["low", "high", SECRETS[2]]
    )
    amount = rng.gamma(2.0, 100.0, ROWS).round(2)
    amount[3] = 987654321.25
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, ROWS), "s")
    when = np.array([f"{t:%Y-%m-%d %H:%M:%S}+00:00" for t in stamps], dtype=object)
    when[0] = when[0][:-6] + "+13:45"
    return pd.DataFrame(
        {"cat": cat, "lone": lone, "listed": listed, "amount": amount, "when": when}
    )


def _file_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("latin-1") for name in archive.namelist())


def _inspect(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", str(path)])
    assert exit_.value.code in (0, None)
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize("name", list(SMALL))
def test_no_planted_value_leaves_a_dp_fit(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = planted_table()
    syn = Synthesizer(name, epsilon=1.0, infer_schema=True, verbose=False, **SMALL[name])
    path = syn.fit(table).save(tmp_path / "m.simulacra")
    sample = syn.sample(2_000, seed=0)
    places = {
        "model file": _file_text(path),
        "inspect": _inspect(path, capsys),
        "sample": sample.to_csv(index=False),
        "sample dtypes": str(sample["listed"].dtype.categories.tolist()),
    }
    for secret in SECRETS:
        for place, text in places.items():
            assert secret not in text, (secret, place)
    assert sample["amount"].max() < 1e6  # no tail reaching the outlier
    protections = syn.describe()["model"].get("protections", {})
    assert "min_count" not in protections  # the non-DP rules are not claimed for a DP model
    assert sample["lone"].isna().all()  # the one value was never released


def test_a_declared_constant_without_a_value_does_not_copy_the_rows(tmp_path: Path) -> None:
    table = planted_table()[["cat", "lone"]]
    metadata = Metadata(
        {
            "cat": Column("categorical", "object"),
            "lone": Column("constant", "object"),  # declared, no value given
        }
    )
    syn = Synthesizer("mst", epsilon=1.0, verbose=False).fit(table, metadata)
    assert SECRETS[1] not in _file_text(syn.save(tmp_path / "m.simulacra"))
    assert syn.sample(500, seed=0)["lone"].isna().all()


def test_a_public_constant_keeps_its_declared_value() -> None:
    table = planted_table()[["cat", "lone"]]
    metadata = Metadata(
        {
            "cat": Column("categorical", "object"),
            "lone": Column("constant", "object", value="declared", public=True),
        }
    )
    syn = Synthesizer("mst", epsilon=1.0, verbose=False).fit(table, metadata)
    assert set(syn.sample(500, seed=0)["lone"].dropna()) == {"declared"}


def test_a_common_constant_is_found_by_the_noisy_threshold() -> None:
    table = pd.DataFrame({"cat": ["a", "b"] * 300, "site": ["north"] * 600})
    syn = Synthesizer("mst", epsilon=1.0, infer_schema=True, verbose=False).fit(table)
    assert set(syn.sample(500, seed=0)["site"]) == {"north"}


def test_without_metadata_a_dp_fit_asks_for_the_schema() -> None:
    from simulacra import ParameterError

    with pytest.raises(ParameterError, match="infer_schema"):
        Synthesizer("mst", epsilon=1.0, verbose=False).fit(planted_table())
