"""Checks every registered table synthesizer must pass, in the spirit of scikit-learn's
`check_estimator` (`parametrize_with_checks`): fit and sample leave their input untouched, fit
leaves the parameters as given, tuples stay tuples, `get_params` rebuilds the model, unknown
parameters and values outside a parameter's rule are refused by name, a model file holding a
pickle of any protocol is refused without running it, a loaded model saves to the same bytes,
and a 2-row table is either learned or refused as a DataError. The fit/sample/seed/save/
condition contract itself is `test_contract.py`."""

from __future__ import annotations

import builtins
import copy
import json
import pickle
import pickletools
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from safetensors.numpy import load as load_arrays

from simulacra import (
    DataError,
    Metadata,
    ModelFileError,
    NotFittedError,
    ParameterError,
    Synthesizer,
    registry,
)
from simulacra.modelfile import ENTRIES
from simulacra.params import Interval, Kind, OneOf

from ..mixed_table import mixed_table

NAMES = registry.names("table")
TINY = {"epochs": 1, "batch_size": 50}
# mst is always DP; without metadata a DP fit reads its schema off the rows only when asked
MODEL_PARAMS: dict[str, dict[str, Any]] = {
    "mst": {"epsilon": 50.0, "infer_schema": True},
    # two quick members: the pooling, the discriminator and the state are what is checked
    "ensemble": {
        "members": ["copula", "autoregressive"],
        "member_params": {"autoregressive": {"epochs": 2, "batch_size": 100}},
    },
}


def _is_sequence(rule: Any) -> bool:
    return isinstance(rule, Kind) and rule.type in ((list, tuple), (tuple, list))


# parameters that hold sequences (hidden layer sizes), given here as tuples
SEQUENCES = {
    name: [k for k, p in registry.get(name)._params.items() if _is_sequence(p.rule)]
    for name in NAMES
}


# the tuple each sequence parameter gets (network shapes unless named here)
TUPLES: dict[tuple[str, str], tuple[Any, ...]] = {
    ("ensemble", "members"): ("copula", "autoregressive"),
}


def tuple_for(name: str, key: str) -> tuple[Any, ...]:
    return TUPLES.get((name, key), (16, 8))


def tiny_params(name: str, **extra: Any) -> dict[str, Any]:
    """One epoch of small batches for the models that train, tuples for sequence parameters."""
    accepted = registry.get(name)._param_names()
    params = {k: v for k, v in TINY.items() if k in accepted}
    shapes = {k: tuple_for(name, k) for k in SEQUENCES[name]}
    return {"seed": 0, "verbose": False, **params, **shapes, **MODEL_PARAMS.get(name, {}), **extra}


@dataclass
class Checked:
    """A model fitted on `table` with `metadata` given, sampled twice, and what was given."""

    model: Synthesizer
    table: pd.DataFrame
    given_table: pd.DataFrame
    metadata: Metadata
    given_metadata: dict[str, Any]
    given_params: dict[str, Any]
    path: Path


@pytest.fixture(scope="module", params=NAMES)
def checked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    name = request.param
    table = mixed_table(120, seed=3)
    given_table = table.copy(deep=True)
    metadata = Metadata.infer(table)
    given_metadata = copy.deepcopy(metadata.to_dict())
    model = Synthesizer(name, **tiny_params(name))
    given_params = copy.deepcopy(model.get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DataNotes about pooled rare values
        model.fit(table, metadata=metadata)
    model.sample(40, seed=1)
    model.sample(10, conditions={"cat": "b", "x": (-0.5, 0.5)}, seed=2)
    path = model.save(tmp_path_factory.mktemp(name) / "m.simulacra")
    return Checked(model, table, given_table, metadata, given_metadata, given_params, path)


def test_fit_and_sample_leave_their_input_untouched(checked: Checked) -> None:
    """Deep equality, dtypes (a Categorical's list, a time zone) included."""
    pd.testing.assert_frame_equal(checked.table, checked.given_table, check_exact=True)
    assert checked.table.dtypes.equals(checked.given_table.dtypes)
    assert checked.metadata.to_dict() == checked.given_metadata


def test_fit_leaves_the_parameters_as_given(checked: Checked) -> None:
    params = checked.model.get_params()
    assert params == checked.given_params
    assert {k: type(v) for k, v in params.items()} == {
        k: type(v) for k, v in checked.given_params.items()
    }


@pytest.mark.parametrize("name", [n for n in NAMES if SEQUENCES[n]])
def test_tuples_stay_tuples_and_save_as_lists(name: str, tmp_path: Path) -> None:
    """A tuple given stays that tuple in `get_params`, before and after fit. JSON has no
    tuples: a loaded model holds lists of the same numbers, samples the same rows and saves
    to the same bytes."""
    params = tiny_params(name)
    params.update({k: tuple_for(name, k) for k in SEQUENCES[name]})
    model = Synthesizer(name, **params)
    for key in SEQUENCES[name]:
        value = model.get_params()[key]
        assert value == tuple_for(name, key) and type(value) is tuple
    table = mixed_table(120, seed=3)[["x", "y", "cat", "flag"]]
    model.fit(table)
    assert all(type(model.get_params()[key]) is tuple for key in SEQUENCES[name])
    path = model.save(tmp_path / "m.simulacra")
    loaded = Synthesizer.load(path)
    for key in SEQUENCES[name]:
        assert loaded.get_params()[key] == list(tuple_for(name, key))
    pd.testing.assert_frame_equal(loaded.sample(30, seed=4), model.sample(30, seed=4))
    assert loaded.save(tmp_path / "again.simulacra").read_bytes() == path.read_bytes()


def test_a_loaded_model_saves_to_the_same_bytes(checked: Checked, tmp_path: Path) -> None:
    loaded = Synthesizer.load(checked.path)
    assert loaded.save(tmp_path / "again.simulacra").read_bytes() == checked.path.read_bytes()


def test_get_params_rebuilds_the_model_unfitted(checked: Checked) -> None:
    model = checked.model
    params = model.get_params()
    for clone in (Synthesizer(model.name, **params), type(model)(**params)):
        assert type(clone) is type(model)
        assert clone.get_params() == params
        assert [type(v) for v in clone.get_params().values()] == [type(v) for v in params.values()]
        with pytest.raises(NotFittedError):
            clone.sample(5)
    assert set(params) == set(type(model)._param_names())


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameters_are_refused_by_name(name: str, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=f"{name} has no parameter 'colour'"):
        Synthesizer(name, colour="red")
    with pytest.raises(ParameterError, match="'colour', 'size'"):
        Synthesizer(name, colour="red", size=3)


def test_an_unknown_parameter_given_to_load_is_refused_by_name(checked: Checked) -> None:
    """`load(path, **params)` overrides saved parameters: a name the model lacks is the
    caller's mistake, not a damaged file."""
    with pytest.raises(ParameterError, match="has no parameter 'colour'"):
        Synthesizer.load(checked.path, colour="red")
    assert Synthesizer.load(checked.path, verbose=True).verbose is True


def _bad_value(rule: Any) -> Any:
    """A value `rule` refuses: below an interval's low end or not a number, an unknown option,
    a value of another type."""
    if isinstance(rule, Interval):
        if rule.low is not None:
            return int(rule.low) - 1 if rule.integer else rule.low - 1.0
        return "many"
    if isinstance(rule, OneOf):
        return "no-such-option"
    assert isinstance(rule, Kind)
    return "yes" if rule.type is not str else 5


def _ruled() -> list[Any]:
    return [
        pytest.param(name, key, id=f"{name}-{key}")
        for name in NAMES
        for key, p in registry.get(name)._params.items()
        if p.rule is not None
    ]


@pytest.mark.parametrize(("name", "key"), _ruled())
def test_a_value_outside_its_rule_is_refused_at_fit_by_name(name: str, key: str) -> None:
    rule = registry.get(name)._params[key].rule
    bad = _bad_value(rule)
    assert not rule.accepts(bad)
    model = Synthesizer(name, **tiny_params(name, **{key: bad}))
    assert model.get_params()[key] == bad  # stored as given: checked at fit, not before
    with pytest.raises(ParameterError, match=rf"{name}: {key} must be"):
        model.fit(mixed_table(20, seed=0)[["x", "cat"]])


@pytest.mark.parametrize("name", NAMES)
def test_every_default_passes_its_own_rule(name: str) -> None:
    for key, p in registry.get(name)._params.items():
        assert p.rule is None or p.rule.accepts(p.default), key


class _Hostile:
    """Unpickling this writes a file: a loader that ever unpickles leaves the file behind."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (builtins.exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


# the entries a model file has, and names a loader of other formats would read (torch.save's
# archive/data.pkl, joblib's and cloudpickle's .pkl)
HOSTILE_NAMES = [*ENTRIES, "model.pkl", "data.pkl", "archive/data.pkl"]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("entry", HOSTILE_NAMES)
def test_a_model_file_holding_a_pickle_is_refused_unread(
    checked: Checked, tmp_path: Path, protocol: int, entry: str
) -> None:
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Hostile(marker), protocol=protocol)
    if protocol >= 2:
        assert next(pickletools.genops(payload))[1] == protocol  # really that protocol
    with zipfile.ZipFile(checked.path) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    hostile = tmp_path / "hostile.simulacra"
    with zipfile.ZipFile(hostile, "w") as archive:
        for name, data in {**entries, entry: payload}.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match="hostile.simulacra"):
        Synthesizer.load(hostile)
    assert not marker.exists()


def test_a_saved_model_is_json_and_safetensors_only(checked: Checked) -> None:
    """The positive side: exactly the three entries, two JSON documents and safetensors."""
    with zipfile.ZipFile(checked.path) as archive:
        assert sorted(archive.namelist()) == sorted(ENTRIES)
        json.loads(archive.read("manifest.json"))
        json.loads(archive.read("state.json"))
        arrays = archive.read("arrays.safetensors")
    assert not arrays or all(a.dtype.kind in "biuf" for a in load_arrays(arrays).values())


@pytest.mark.parametrize("name", NAMES)
def test_two_rows_are_learned_or_refused_as_a_data_error(name: str) -> None:
    table = mixed_table(120, seed=5).iloc[:2].reset_index(drop=True)
    with pytest.raises(DataError, match="1 row"):
        Synthesizer(name, **tiny_params(name)).fit(table.iloc[:1])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = Synthesizer(name, **tiny_params(name)).fit(table)
    except DataError:
        return
    rows = model.sample(7, seed=0)
    assert list(rows.columns) == list(table.columns) and len(rows) == 7
    for column in table.columns:  # a column may gain nulls (every value pooled): nullable
        got, want = str(rows[column].dtype), str(table[column].dtype)
        assert got.lower() == want.lower() or (want, got) == ("bool", "boolean"), column
