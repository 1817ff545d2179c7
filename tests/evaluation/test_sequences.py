"""Evaluation of sequences (issue 27): the metric functions on small hand-made events, and the
`sequences` section of a report (JSON, reading back, HTML), which tells sequences drawn like
the real ones from rows shuffled across entities."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simulacra
from simulacra.errors import DataError
from simulacra.evaluation import Limits, Report
from simulacra.evaluation.metrics import METRICS
from simulacra.evaluation.sequence_verdict import entity_risk
from simulacra.evaluation.sequences import (
    change_similarity,
    copied_share,
    entity_features,
    index_order,
    lag1_autocorrelation,
    sequence_lengths,
    static_columns,
    static_kept,
    transition_similarity,
    within_differences,
)
from simulacra.evaluation.verdict import row_privacy_verdict

from ..synthesizers.sequence_tables import make_patients, make_visits

TINY = Limits(model_rows=400, query_rows=200, reference_rows=500, knn_rows=200, attack_targets=50)
SEQUENCE = {"sequence_key": "patient_id", "sequence_index": "visit_date"}


def test_lengths_differences_and_order() -> None:
    entity = np.array([0, 0, 0, 1, 2, 2])
    index = np.array([1.0, 3.0, 3.0, 5.0, 2.0, 1.0])
    assert sequence_lengths(entity).tolist() == [3, 1, 2]
    assert within_differences(index, entity).tolist() == [2.0, 0.0, -1.0]
    order = index_order(index, entity)  # entity 0 ties, entity 2 decreases
    assert order == {"strictly_increasing": 0.0, "non_decreasing": 0.5}
    assert index_order(np.array([1.0, 2.0, 7.0]), np.array([0, 0, 1]))["strictly_increasing"] == 1


def test_static_columns_and_their_share_kept() -> None:
    frame = pd.DataFrame({"sex": ["F", "F", "M", "M"], "ward": ["A", "B", "A", "A"]})
    entity = np.array([0, 0, 1, 1])
    assert static_columns(frame, entity, ["sex", "ward"]) == ["sex"]
    assert static_kept(frame, entity, ["sex", "ward"]) == {"sex": 1.0, "ward": 0.5}


def test_lag1_autocorrelation_reads_within_entities_only() -> None:
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=(50, 20)), axis=1).ravel()
    noise = rng.normal(size=1000)
    entity = np.repeat(np.arange(50), 20)
    assert lag1_autocorrelation(walk, entity) > 0.8
    assert abs(lag1_autocorrelation(noise, entity)) < 0.1
    # the pair across two entities is not a pair: alternating entities have none
    assert np.isnan(lag1_autocorrelation(np.arange(6.0), np.array([0, 1, 0, 1, 0, 1])))


def test_coherence_compares_changes_from_one_event_to_the_next() -> None:
    stay = pd.Series(["A", "A", "B", "B"] * 25)
    flip = pd.Series(["A", "B", "A", "B"] * 25)
    entity = np.repeat(np.arange(50), 2)
    assert transition_similarity(stay, entity, stay, entity) == 1.0
    assert transition_similarity(stay, entity, flip, entity) == pytest.approx(0.0)
    smooth = np.tile([1.0, 1.1], 50)
    jumpy = np.tile([1.0, 9.0], 50)
    assert change_similarity(smooth, entity, smooth, entity) == 1.0
    assert change_similarity(smooth, entity, jumpy, entity) == 0.0


def test_copied_sequences_are_whole_sequences() -> None:
    real = pd.DataFrame({"day": [1.0, 2.0, 1.0], "ward": ["A", "B", "A"]})
    entity = np.array([0, 0, 1])
    same = real.copy()
    assert copied_share(same, entity, real, entity) == 1.0
    reordered = pd.DataFrame({"day": [2.0, 1.0, 1.0], "ward": ["B", "A", "A"]})
    assert copied_share(reordered, entity, real, entity) == 0.5  # only the one-event entity


def test_entity_features_summarise_each_sequence() -> None:
    frame = pd.DataFrame(
        {"w": [1.0, 3.0, 5.0], "ward": pd.Categorical(["A", "B", "B"], categories=["A", "B"])}
    )
    features = entity_features(
        frame, np.array([0, 0, 1]), np.array([0.0, 7.0, 2.0]), ["w"], ["ward"]
    )
    assert len(features) == 2
    assert features["length"].tolist() == [2.0, 1.0]
    assert features["span"].tolist() == [7.0, 0.0]
    assert features["w.change"].iloc[0] == 2.0 and np.isnan(features["w.change"].iloc[1])
    assert features["ward.changes"].iloc[0] == 1.0
    assert features["ward.first"].tolist() == ["A", "B"]


def _tables() -> dict[str, pd.DataFrame]:
    patients = make_patients(240)
    held = make_patients(80, seed=3).assign(patient_id=lambda t: "H" + t["patient_id"])
    alike = make_patients(240, seed=7).assign(patient_id=lambda t: "S" + t["patient_id"])
    real = make_visits(patients)
    good = make_visits(alike, seed=7)
    # the same rows, with their visits dealt across patients at random: every column's
    # distribution is the real one, the sequences are not
    rng = np.random.default_rng(0)
    bad = good.copy()
    bad[["sex", "weight", "ward"]] = good[["sex", "weight", "ward"]].to_numpy()[
        rng.permutation(len(good))
    ]
    return {
        "real": real, "good": good, "bad": bad, "holdout": make_visits(held, seed=3),
        "patients": patients, "alike": alike, "held": held,
    }  # fmt: skip


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return _tables()


def _evaluate(tables: dict[str, pd.DataFrame], synthetic: str, **options: Any) -> Report:
    return simulacra.evaluate(
        tables["real"], tables[synthetic], holdout=tables["holdout"], limits=TINY, seed=1,
        verbose=False, **SEQUENCE, **options,
    )  # fmt: skip


def _resolve(value: Any, path: list[str]) -> list[Any]:
    if not path:
        return [value]
    head, rest = path[0], path[1:]
    if head == "*":
        items = value.values() if isinstance(value, dict) else value
        return [found for item in items for found in _resolve(item, rest)]
    return _resolve(value[head], rest) if isinstance(value, dict) and head in value else []


def test_the_report_tells_real_like_sequences_from_shuffled_events(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    contexts = {"real": tables["patients"], "synthetic": tables["alike"], "holdout": tables["held"]}
    good = _evaluate(tables, "good", contexts=contexts)
    bad = _evaluate(tables, "bad")
    assert good.sequences is not None and bad.sequences is not None
    g, b = good.sequences, bad.sequences
    assert g.detection.auc < g.detection.floor + 0.1 < b.detection.auc
    assert g.static.kept == 1.0 and b.static.kept is not None and b.static.kept < 0.5
    assert g.order.strictly_increasing == 1.0 and g.copies.synthetic == 0.0
    assert g.autocorrelation["weight"].difference < 0.05 < b.autocorrelation["weight"].difference
    assert g.coherence.mean is not None and b.coherence.mean is not None
    assert g.coherence.mean > b.coherence.mean
    assert g.detection.features > b.detection.features  # the context's columns join in
    assert "patient_id" in good.settings.excluded_columns  # keys are not compared as rows
    scores = good.scores
    paths = [m.path for m in METRICS["sequences"]]
    assert [p for p in paths if not _resolve(scores, p.split("."))] == []
    path = good.to_json(tmp_path / "scores.json")
    loaded = Report.from_json(path)
    assert loaded.sequences == good.sequences
    assert loaded.to_json(tmp_path / "again.json").read_text() == path.read_text()
    page = good.to_html(tmp_path / "report.html").read_text()
    assert "<h2>Sequences</h2>" in page and "Lag-1 autocorrelation" in page
    # every shuffled row is a real-looking row; its sequences cap fidelity
    caps = {cap.by: cap for cap in bad.verdicts.fidelity_caps}
    assert caps["entity detection"].verdict == "poor" and bad.verdicts.fidelity.verdict == "poor"
    assert "real sequences at ROC AUC" in bad.verdicts.fidelity.sentence
    assert "entity detection" not in {cap.by for cap in good.verdicts.fidelity_caps}
    assert loaded.verdicts == good.verdicts


def test_the_entity_membership_attack_finds_copied_entities_and_not_unseen_ones(
    tables: dict[str, pd.DataFrame],
) -> None:
    """Synthetic patients that are the training patients with their weights moved a little
    lie closer to the training patients than to the holdout's: the attack calls the members;
    patients of the same process that no model saw give it nothing to find."""
    rng = np.random.default_rng(5)
    near = tables["real"].assign(
        patient_id=lambda t: "N" + t["patient_id"],
        weight=lambda t: t["weight"] + rng.normal(0.0, 0.2, len(t)),
    )
    leaked = simulacra.evaluate(
        tables["real"], near, holdout=tables["holdout"], limits=TINY, seed=1, verbose=False,
        **SEQUENCE,
    )  # fmt: skip
    unseen = _evaluate(tables, "good")
    assert leaked.sequences is not None and unseen.sequences is not None
    leak = leaked.sequences.distances.membership_auc
    fair = unseen.sequences.distances.membership_auc
    assert leak is not None and fair is not None
    assert leak > 0.85 and 0.35 < fair < 0.65
    # the privacy verdict reads the entities: high risk, said in its sentence, and a score
    # from the entity attack; unseen patients add no risk to the rows' own verdict
    privacy = leaked.verdicts.privacy
    assert privacy.verdict == "high risk" and privacy.score is not None
    assert privacy.score <= 1 - 2 * (leak - 0.5) + 1e-9
    assert f"on the entity features reaches ROC AUC {leak:.2f}" in privacy.sentence
    assert unseen.verdicts.privacy.verdict == row_privacy_verdict(unseen.privacy).verdict
    # an attack's AUC counts only beyond the noise of a few hundred entities
    s = unseen.sequences
    for auc, entities, risk in ((0.58, 192, "low risk"), (0.58, 5_000, "moderate risk")):
        e = replace(s.entities, real=entities, reference=entities, synthetic=entities)
        d = replace(s.distances, membership_auc=auc, closer_than_reference_p5=0.05)
        assert entity_risk(replace(s, entities=e, distances=d))[0] == risk


def test_without_a_holdout_a_fifth_of_the_entities_is_the_reference(
    tables: dict[str, pd.DataFrame],
) -> None:
    report = simulacra.evaluate(
        tables["real"], tables["good"], limits=TINY, verbose=False, **SEQUENCE
    )
    assert report.sequences is not None
    entities = report.sequences.entities
    assert entities.reference == 48 and entities.real == 192
    assert "held-out 20%" in entities.reference_source
    assert report.sequences.distances.membership_auc is None  # no unseen entities to attack
    plain = simulacra.evaluate(tables["real"], tables["good"], limits=TINY, verbose=False)
    assert plain.sequences is None and "sequences" not in plain.scores


def test_bad_sequence_options_are_one_clear_error(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(DataError, match="sequence key and the sequence index together"):
        simulacra.evaluate(tables["real"], tables["good"], verbose=False, sequence_key="patient_id")
    with pytest.raises(DataError, match="sequence index 'day' is not a column of the real"):
        simulacra.evaluate(
            tables["real"], tables["good"], verbose=False, sequence_key="patient_id",
            sequence_index="day",
        )  # fmt: skip
