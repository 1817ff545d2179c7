"""Rules on the command line: `inspect` proposes the rules the rows keep and writes them into
the metadata, `fit --rule` adds rules, every sampled row keeps them, `evaluate --rule`
reports them, and a bad rule is one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulacra import Metadata, read_table
from simulacra.cli import main
from simulacra.specs.rules import parse_rule

from .rule_table import rule_table


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def test_inspect_proposes_fit_keeps_evaluate_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "real.csv"
    rule_table(600).to_csv(data, index=False)
    meta_path = tmp_path / "meta.json"
    code, out, _ = run(["inspect", str(data), "--json", str(meta_path)], capsys)
    assert code == 0 and "rules the rows keep" in out
    rules = json.loads(meta_path.read_text())["rules"]
    assert "start <= end" in rules and "total = price * quantity" in rules
    assert "if plan = free then seats = 1" in rules and "fixed: zip, city" in rules
    model = tmp_path / "m.simulacra"
    code, out, err = run(
        ["fit", str(data), "-m", "copula", "--metadata", str(meta_path), "-o", str(model),
         "--rule", "score in 0..100", "--rule", "fixed: city, zip"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    synth = tmp_path / "synth.csv"
    code, _, err = run(
        ["sample", str(model), "-n", "300", "-o", str(synth), "--condition", "city=Paris"], capsys
    )
    assert code == 0, err
    sample, real = read_table(synth), read_table(data)
    meta = Metadata.load(meta_path)
    for text in [*rules, "score in 0..100", "fixed: city, zip"]:
        assert not parse_rule(text).broken(sample, meta, real).any(), text
    assert (sample["city"] == "Paris").all()
    scores = tmp_path / "scores.json"
    code, out, err = run(
        ["evaluate", str(data), str(synth), "--json", str(scores), "--rule", "score in 0..90"],
        capsys,
    )
    assert code == 0, err
    declared = json.loads(scores.read_text())["fidelity"]["declared_rules"]
    assert declared[0]["rule"] == "score in 0..90" and declared[0]["real_share"] > 0


def test_a_bad_rule_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "real.csv"
    rule_table(100).to_csv(data, index=False)
    for rule, message in [
        ("score <=", "unexpected end of formula"),
        ("nope <= score", "no column 'nope'"),
        ("score in 0..10", None),
    ]:
        code, _, err = run(
            ["fit", str(data), "-m", "copula", "-o", str(tmp_path / "m.simulacra"), "--rule", rule,
             "--rule", "score >= 20" if message is None else "price >= 0"],
            capsys,
        )  # fmt: skip
        lines = [line for line in err.splitlines() if line.startswith("error")]
        assert code != 0 and len(lines) == 1, err
        assert (message or "no value") in lines[0]
