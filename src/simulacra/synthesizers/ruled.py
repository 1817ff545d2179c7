"""What every synthesizer does for the rules it keeps (`Synthesizer.rules` and the
metadata's rules): the reparametrisation of `simulacra.rules` before the TableTransformer
and after decoding, conditions translated onto the model's columns, and sampling in strata
where a condition names part of a group of columns kept together.

A condition on part of a group (`city = Paris` under `fixed: city, zip`) matches several of
the group's combinations: each chunk draws how many rows each matching combination gets (by
the counts the transformer learned), samples each stratum with its combination as the
condition, and shuffles the rows. Everything else is the model's own conditional sampling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ConditionError, ParameterError
from ..metadata import Metadata, infer_column
from ..rules import RulePlan
from ..rules.conditions import translate
from ..transforms.conditions import Conditions
from .sequence_bounds import index_rules

if TYPE_CHECKING:
    from .base import Synthesizer

# the most strata one condition may open (combinations of the groups it names)
MAX_STRATA = 10_000
# the rules' draws of chunk k of call c (strata sizes, their order, redrawn combinations) come
# from stream ("sample", c, k, RULES_PATH): a child of the chunk's own stream path, so the
# model's draws ("sample", c, k) are those of a model without rules
RULES_PATH = 1


class RuleConditions(Conditions):
    """Conditions on the model's columns, and strata: conditions on combined columns with
    the share of rows each gets."""

    def __init__(self, items: Conditions, strata: list[tuple[Conditions, float]]) -> None:
        super().__init__(items.items)
        self.strata = strata

    def __bool__(self) -> bool:
        return bool(self.items) or bool(self.strata)


def rule_texts(model: Synthesizer, metadata: Metadata) -> list[str]:
    """The rules a fit keeps: the metadata's, then the model's own `rules` parameter."""
    return list(dict.fromkeys([*metadata.rules, *(model.rules or [])]))


def plan_rules(
    model: Synthesizer, table: pd.DataFrame, metadata: Metadata, private: bool
) -> tuple[RulePlan | None, pd.DataFrame, Metadata]:
    """(the plan, the table the model learns, its metadata); no plan without rules."""
    texts = rule_texts(model, metadata)
    if not texts or getattr(model, "sequence_key", None) is not None:
        # a sequence model keeps its rules on the events table (`plan_sequence_rules`): its
        # step rows are learned as they come
        return None, table, metadata
    return _reparametrise(texts, table, metadata, private)


def _reparametrise(
    texts: list[str], table: pd.DataFrame, metadata: Metadata, private: bool
) -> tuple[RulePlan, pd.DataFrame, Metadata]:
    """The plan of `texts` over `table`, the table it gives the model, and its metadata."""
    metadata.check_columns(table)
    plan = RulePlan.build(texts, metadata, private)
    modelled = plan.forward(table)
    if not private:  # a difference or combination with one value is copied as it is
        for name in set(plan.metadata.names) - set(metadata.names):
            if modelled[name].nunique(dropna=True) <= 1:
                plan.metadata.columns[name] = infer_column(name, modelled[name])
    return plan, modelled, plan.metadata


def plan_sequence_rules(
    model: Synthesizer, events: pd.DataFrame, metadata: Metadata, key: str, index: str
) -> tuple[RulePlan | None, pd.DataFrame, Metadata]:
    """`plan_rules` for a sequence model: the rules hold within each event (row) of the
    events table, so the table its sequences are learned from is the reparametrised one. A
    rule that bounds the index is kept on the sampled indexes instead (`sequence_bounds.py`);
    another naming the sequence key or index is refused (keys are regenerated and indexes
    drawn as gaps, which no reparametrised column could hold)."""
    texts, _ = index_rules(rule_texts(model, metadata), key, index)
    if not texts:
        return None, events, metadata
    return _reparametrise(texts, events, metadata, private=False)


def sequence_conditions(model: Synthesizer, conditions: Mapping[str, Any]) -> dict[str, Any]:
    """A sequence model's conditions on the events table's columns as conditions on the
    columns it learned (the others as given); one that opens strata (part of a group of
    columns kept together) is refused: sequences are drawn entity by entity, not in strata."""
    plan = model.rules_
    assert plan is not None
    translated = translate(plan, conditions)
    if translated.strata:
        raise ConditionError(
            f"conditions {dict(conditions)} name part of a group of columns kept together by "
            f"rule(s) {'; '.join(plan.texts)}: a sequence model needs every column of the group"
        )
    return translated.model


def refuse_impute(model: Synthesizer) -> None:
    """Imputing under rules would change given cells of derived columns: not yet."""
    if model.rules_ is not None:
        raise ParameterError(
            f"{model.name}: this model keeps rules ({'; '.join(model.rules_.texts)}); "
            "imputing with rules is not supported yet: fit a model without rules to impute"
        )


def encode_conditions(model: Synthesizer, conditions: Mapping[str, Any] | None) -> Conditions:
    """`conditions` on the table's columns as typed conditions on the model's columns."""
    plan = model.rules_
    assert plan is not None
    translated = translate(plan, conditions)
    typed = model.transformer_.encode_conditions(translated.model)
    if not translated.strata:
        return typed
    if len(translated.strata) > MAX_STRATA:
        raise ConditionError(
            f"conditions {dict(conditions or {})} match {len(translated.strata):,} combinations "
            f"of columns kept together (at most {MAX_STRATA:,}); name more of their columns"
        )
    strata = [
        (model.transformer_.encode_conditions({**translated.model, **extra}), weight)
        for extra, weight in translated.strata
    ]
    return RuleConditions(typed, strata)


def sample_chunk(
    model: Synthesizer,
    rows: int,
    conditions: Conditions,
    rng: np.random.Generator,
    offset: int,
    rules_rng: np.random.Generator,
) -> pd.DataFrame:
    """One chunk of rows keeping the model's rules (see the module docstring)."""
    plan = model.rules_
    assert plan is not None
    strata = conditions.strata if isinstance(conditions, RuleConditions) else []
    if not strata:
        encoded = model._sample_encoded(rows, conditions, rng)
        frame = model.transformer_.decode(encoded, rng, offset=offset)
        conditions.apply(frame)
        return plan.reverse(frame, rules_rng)
    weights = np.array([w for _, w in strata], dtype=np.float64)
    counts = rules_rng.multinomial(rows, weights / weights.sum())
    parts, labels = [], []
    for index, ((stratum, _), count) in enumerate(zip(strata, counts, strict=True)):
        if count:
            parts.append(model._sample_encoded(int(count), stratum, rng))
            labels.append(np.full(int(count), index))
    order = rules_rng.permutation(rows)
    encoded = np.concatenate(parts)[order]
    label = np.concatenate(labels)[order]
    frame = model.transformer_.decode(encoded, rng, offset=offset)
    written: dict[str, tuple[np.ndarray, Any]] = {}
    for index, (stratum, _) in enumerate(strata):
        here = label == index
        if not here.any():
            continue
        part = frame.loc[here].reset_index(drop=True)
        stratum.apply(part)
        for cond in stratum:
            cells, _ = written.get(cond.column, (frame[cond.column].to_numpy(object).copy(), None))
            cells[here] = part[cond.column].to_numpy(object)
            written[cond.column] = (cells, part[cond.column].dtype)
    for name, (cells, dtype) in written.items():
        frame[name] = pd.Series(cells, index=frame.index).astype(dtype)
    return plan.reverse(frame, rules_rng)
