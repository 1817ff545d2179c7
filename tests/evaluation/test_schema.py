"""The typed report (issue 24): the JSON it writes is the JSON of the dict-based report it
replaced, it reads its own files back, every registered metric shows in it, and a renderer that
reads a field the report lacks is refused by mypy before it runs."""

from __future__ import annotations

import inspect
import json
import math
import textwrap
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simulacra
from simulacra.errors import DataError
from simulacra.evaluation import Limits
from simulacra.evaluation.html import render
from simulacra.evaluation.metrics import HELPERS, METRIC_MODULES, registered
from simulacra.evaluation.schema import SCHEMA_VERSION, Report

SRC = Path(simulacra.__file__).resolve().parents[1]
# written by the dict-based report (commit b046750) from `small_tables()` and `_evaluate`
GOLDEN = Path(__file__).parent / "golden" / "report_small.json"
TINY = Limits(model_rows=300, query_rows=200, reference_rows=500, knn_rows=200, attack_targets=50)
UNSTABLE = ("seconds", "step_seconds", "date", "version")  # timings, the clock, the release


def small_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A fixed small table: 160 training, 160 synthetic and 60 holdout rows of five kinds of
    column (integers, floats with nulls, categories, booleans, dates)."""
    rng = np.random.default_rng(24)

    def table(n: int, noise: float) -> pd.DataFrame:
        plan = rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2])
        age = rng.integers(18, 80, n)
        income = np.round(20_000 + 600 * age + rng.normal(0, 8_000 * (1 + noise), n), 2)
        income[rng.random(n) < 0.1] = np.nan
        member = (age > 40) ^ (rng.random(n) < 0.2 + noise)
        day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
        return pd.DataFrame(
            {"age": age, "income": income, "plan": plan, "member": member, "day": day}
        )

    return table(160, 0.0), table(160, 0.3), table(60, 0.0)


@pytest.fixture(scope="module")
def report() -> Report:
    train, synthetic, holdout = small_tables()
    return simulacra.evaluate(
        train, synthetic, holdout=holdout, target="plan", sensitive=["member", "age"],
        limits=TINY, seed=3, verbose=False,
    )  # fmt: skip


def _stable(scores: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(scores))
    for key in UNSTABLE:
        out["settings"].pop(key)
    out.pop("schema_version", None)
    return out


def _assert_same(a: Any, b: Any, where: str = "report") -> None:
    """Same keys in the same order, same strings; floats equal to 1e-9 (other machines may
    round the last bit of a sum differently)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), where
    else:
        assert a == b and type(a) is type(b), where


def test_the_typed_report_writes_the_json_of_the_dict_report(
    report: Report, tmp_path: Path
) -> None:
    written = json.loads(report.to_json(tmp_path / "scores.json").read_text())
    assert next(iter(written)) == "schema_version" and written["schema_version"] == SCHEMA_VERSION
    _assert_same(_stable(json.loads(GOLDEN.read_text())), _stable(written))
    assert written == report.scores  # `scores` is the JSON view


def test_a_report_read_from_its_json_is_the_same_report(report: Report, tmp_path: Path) -> None:
    path = report.to_json(tmp_path / "scores.json")
    loaded = Report.from_json(path)
    assert loaded.summary() == report.summary() and repr(loaded) == repr(report)
    assert loaded.to_json(tmp_path / "again.json").read_text() == path.read_text()
    assert loaded.fidelity.columns["day"].moments == report.fidelity.columns["day"].moments
    assert loaded.privacy.attacks == report.privacy.attacks
    page = render(loaded)  # no figures: the page has no plots of distributions or distances
    assert "<h2>Privacy</h2>" in page and "alt='DCR'" not in page
    # a file of the dict-based report, without schema_version, reads the same
    old = Report.from_json(GOLDEN)
    assert _stable(old.scores) == _stable(json.loads(GOLDEN.read_text()))
    assert old.summary() == report.summary()


def test_nan_survives_the_json_as_nan() -> None:
    from simulacra.evaluation._codec import from_plain, to_plain
    from simulacra.evaluation.schema import ColumnFidelity, Moments

    nan = float("nan")
    column = ColumnFidelity(
        kind="numerical", metric="KS complement", shape=nan, js_distance=nan, wasserstein=nan,
        moments=Moments(mean=nan, std=nan, skewness=nan, kurtosis=nan),
        null_share_difference=1.0, reference=None,
    )  # fmt: skip
    plain = to_plain(column)
    assert plain["shape"] is None and plain["wasserstein"] is None and "chi_square" not in plain
    back = from_plain(ColumnFidelity, plain)
    assert math.isnan(back.shape) and math.isnan(back.wasserstein) and back.chi_square is None
    assert to_plain(back) == plain


def test_files_of_another_layout_are_refused(report: Report, tmp_path: Path) -> None:
    def refused(change: Any, match: str) -> None:
        data = report.scores
        change(data)
        path = tmp_path / "changed.json"
        path.write_text(json.dumps(data))
        with pytest.raises(DataError, match=match):
            Report.from_json(path)

    newer = SCHEMA_VERSION + 1
    refused(lambda d: d.update(schema_version=newer), f"schema_version {newer} was written by")
    refused(lambda d: d["fidelity"].update(column_shape=1.0), "unknown key.*'column_shape'")
    refused(lambda d: d["privacy"].pop("membership_auc"), "privacy: no 'membership_auc'")
    refused(lambda d: d["reference"].update(rows="many"), r"reference.rows: expected a list")


def _resolve(value: Any, path: list[str]) -> list[Any]:
    """The values at a dotted path; `*` is every item of a list or object."""
    if not path:
        return [value]
    head, rest = path[0], path[1:]
    if head == "*":
        items = value.values() if isinstance(value, dict) else value
        return [found for item in items for found in _resolve(item, rest)]
    if isinstance(value, dict) and head in value:
        return _resolve(value[head], rest)
    return []


def test_every_registered_metric_appears_in_the_json(report: Report) -> None:
    """In the report, or (declared rules) in the same evaluation given a rule to report;
    those of events tables (`sequences.`) in tests/evaluation/test_sequences.py."""
    train, synthetic, _ = small_tables()
    ruled = simulacra.evaluate(
        train, synthetic, limits=TINY, seed=3, verbose=False, rules=["age >= 18"]
    ).scores
    missing = [
        m.path
        for m in registered()
        if not m.path.startswith("sequences.")
        and not _resolve(report.scores, m.path.split("."))
        and not _resolve(ruled, m.path.split("."))
    ]
    assert missing == []


def test_every_metric_function_is_registered_and_gives_its_range() -> None:
    functions = {m.function for m in registered()}
    for module in METRIC_MODULES:
        public = [
            f
            for name, f in inspect.getmembers(module, inspect.isfunction)
            if f.__module__ == module.__name__ and not name.startswith("_")
        ]
        loose = [f.__name__ for f in public if f not in functions and f not in HELPERS.values()]
        assert loose == [], f"{module.__name__}: register these in metrics.py: {loose}"
    for function in functions:
        assert "range" in (inspect.getdoc(function) or "").lower(), function.__name__


def test_a_renderer_reading_a_field_the_report_lacks_fails_type_checking(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renderers take the typed report (`schema.py`) as annotated parameters, so mypy checks
    every attribute they read against its dataclass: a misspelt field is an error of `make
    lint`, before anything runs. (The dicts it replaces answered `.get("column_shape")` with
    None at run time: a dash on the page and no error anywhere.) At run time the frozen
    dataclasses raise AttributeError too."""
    api = pytest.importorskip("mypy.api")
    renderer = tmp_path / "renderer.py"
    renderer.write_text(
        textwrap.dedent(
            """
            from simulacra.evaluation.schema import Report


            def good(report: Report) -> str:
                return f"{report.fidelity.detection_auc:.2f} {report.verdicts.privacy.verdict}"


            def bad(report: Report) -> str:
                return f"{report.fidelity.column_shape:.2f}"
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MYPYPATH", str(SRC))  # our sources; numpy and pandas as Any: fast
    out, err, status = api.run(
        ["--cache-dir", str(tmp_path / "cache"), "--no-site-packages", "--ignore-missing-imports",
         "--follow-imports=silent", "--no-error-summary", renderer.name]
    )  # fmt: skip
    assert status == 1, err
    assert out.splitlines() == [
        'renderer.py:10: error: "Fidelity" has no attribute "column_shape"; maybe '
        '"column_shapes"?  [attr-defined]'
    ]
    with pytest.raises(AttributeError, match="column_shape"):
        getattr(report.fidelity, "column_shape")  # noqa: B009
    with pytest.raises(FrozenInstanceError):
        report.fidelity.column_shapes = 1.0  # type: ignore[misc]
