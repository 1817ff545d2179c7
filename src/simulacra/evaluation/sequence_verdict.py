"""What the sequences area adds to the verdicts: a cap on fidelity when a classifier tells the
synthetic entities from real ones, and a privacy risk read from whole entities (copied
sequences, entities closer to training ones than unseen ones are, a membership attack on the
entity features). Rows can each look real and private while their sequences do not: events
dealt at random across entities keep every row and give every sequence away, and a model
can copy an entity's history a little moved, which no single row shows.

The thresholds are the row-level ones (`_grading.py`) read at the entity level, so an entity
verdict means what a row verdict means.
"""

from __future__ import annotations

import math

from ._grading import CLOSER, MEMBERSHIP, chance, detection_word, pct
from ._schema_sequences import SequenceScores
from .schema import Cap

RISKS = ("low risk", "moderate risk", "high risk")


def entity_caps(s: SequenceScores | None) -> tuple[Cap, ...]:
    """The cap the entity-level detection test puts on fidelity (none without sequences)."""
    if s is None:
        return ()
    d = s.detection
    half = d.entities // 2  # the detector's entities, real and synthetic in equal parts
    word = detection_word(d.auc, d.floor, (half, d.entities - half))
    if word is None:
        return ()
    reason = (
        f"a classifier tells synthetic from real sequences at ROC AUC {d.auc:.2f} (one row of "
        f"features per entity), against {max(d.floor, 0.5):.2f} for unseen real entities"
    )
    return (Cap(verdict=word, by="entity detection", reason=reason),)


def entity_risk(s: SequenceScores | None) -> tuple[str | None, str, float | None]:
    """(the privacy risk whole entities show, or None without sequences; a sentence; the
    score 1 - 2 (entity membership AUC - 0.5), or None without unseen entities). Distances
    and the attack count only against a holdout's entities (without one the reference
    entities are a fifth of the real table, seen in training), and only beyond 3 standard
    errors of chance: a few hundred entities leave an AUC of 0.57 or 8% of close entities
    within the noise of a process that copied nothing."""
    if s is None:
        return None, "", None
    copies, natural = s.copies.synthetic, s.copies.reference
    level = 2 if copies > max(2 * natural, 0.01) else 1 if copies > natural + 0.001 else 0
    text = (
        f"Entities: {pct(copies, 1)} of synthetic sequences repeat a real one whole (unseen "
        f"real entities: {pct(natural, 1)})"
    )
    auc = s.distances.membership_auc
    if auc is None:
        return RISKS[level], text + ".", None
    closer = s.distances.closer_than_reference_p5
    e = s.entities
    noise = (
        0.5 + chance((e.real, e.reference)),
        0.05 + 3 * math.sqrt(0.05 * 0.95 / max(e.synthetic, 1)),
    )
    for value, (moderate, high), floor in zip(
        (auc, closer), (MEMBERSHIP, CLOSER), noise, strict=True
    ):
        if value > floor:
            level = max(level, 2 if value > high else 1 if value > moderate else 0)
    text += (
        f"; {pct(closer, 1)} of them lie closer to a training entity than 95% of unseen real "
        f"entities do (5% expected); a membership attack on the entity features reaches ROC "
        f"AUC {auc:.2f}."
    )
    return RISKS[level], text, 1.0 - max(0.0, 2 * (auc - 0.5))


def worse_risk(row: str, entity: str | None) -> str:
    """The graver of the rows' privacy risk and the entities' (a risk the rows could not
    measure, 'unknown' or 'inconclusive', stays as it is unless the entities show one)."""
    if entity is None or entity == "low risk":
        return row
    if row not in RISKS:
        return entity
    return max(row, entity, key=RISKS.index)
