"""Declared rules in the report: each rule's share of breaking rows in the real, synthetic
and holdout rows, typed, written to JSON and read back, capping fidelity when synthetic rows
break a rule the real rows keep."""

from __future__ import annotations

from pathlib import Path

import simulacra
from simulacra import Metadata
from simulacra.evaluation import Limits, Report
from simulacra.evaluation.declared import declared_rule_shares

from ..rule_table import RULES, rule_table

TINY = Limits(model_rows=300, query_rows=200, reference_rows=500, knn_rows=200, attack_targets=50)


def test_shares_count_the_rows_breaking_each_rule() -> None:
    real = rule_table(200)
    synthetic = rule_table(200, seed=1)
    synthetic.loc[:49, "total"] += 1.0  # a quarter of rows break the formula
    synthetic.loc[:9, "zip"] = 69001  # Paris with a Lyon zip code in some of them
    shares = declared_rule_shares(RULES, Metadata.infer(real), real, synthetic)
    by_rule = {s["rule"]: s for s in shares}
    assert by_rule["total = price * quantity"]["synthetic_share"] == 0.25
    assert 0 < by_rule["fixed: city, zip"]["synthetic_share"] <= 0.05
    assert all(s["real_share"] == 0.0 for s in shares)
    assert by_rule["start <= end"]["synthetic_share"] == 0.0


def test_the_report_shows_and_reads_back_declared_rules(tmp_path: Path) -> None:
    real, holdout = rule_table(300), rule_table(100, seed=2)
    synthetic = rule_table(300, seed=1)
    synthetic["total"] = synthetic["total"] * 1.5  # every row breaks the formula
    meta = Metadata(Metadata.infer(real).columns, rules=RULES[:2])
    report = simulacra.evaluate(
        real, synthetic, metadata=meta, holdout=holdout, limits=TINY, verbose=False,
        rules=["score in 0..100"],
    )  # fmt: skip
    declared = report.fidelity.declared_rules
    assert declared is not None and [r.rule for r in declared] == [*RULES[:2], "score in 0..100"]
    assert declared[1].synthetic_share == 1.0 and declared[1].holdout_share == 0.0
    assert report.verdicts.fidelity.verdict == "poor"
    assert "declared rule total = price * quantity" in report.verdicts.fidelity.sentence
    again = Report.from_json(report.to_json(tmp_path / "r.json"))
    assert again.fidelity.declared_rules == declared
    assert "Declared rules" in report.to_html(tmp_path / "r.html").read_text()
    plain = simulacra.evaluate(real, rule_table(300, seed=1), limits=TINY, verbose=False)
    assert (
        plain.fidelity.declared_rules is None and "declared_rules" not in plain.scores["fidelity"]
    )
