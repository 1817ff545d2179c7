"""Rules on Dask: a partitioned table in the columns a model learns under its rules.

The plan is built as a local fit builds it (`synthesizers.ruled.plan_rules`), on a sample:
for a table, the fit's own pilot (`fitting.PILOT_ROWS` seeded rows picked in one pass over
the partitions, reparametrised and handed on, so the fit does not pick them again); for
events, the sequence fit's pilot of whole entities (`sequence_fit.py`). The metadata (unless
given) is read off that sample, a rule naming a value the sample never holds is one error,
and the rows of the sample that break a rule are noted. Each partition is then
reparametrised where it lies (`RulePlan.forward`, unchecked: a part of a table may lack a
value the rules name). After the fit, the plan keeps the combinations and categories that
the transformer learned from the whole table, as a local fit's does.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import DataNote
from ..metadata import Metadata
from ..rules import RulePlan
from ..synthesizers import ruled
from .fitting import PILOT_ROWS, PILOT_STREAM, Pilot, pick_rows

if TYPE_CHECKING:
    import dask.dataframe as dd

    from ..synthesizers.base import Synthesizer


def has_rules(synthesizer: Synthesizer, metadata: Metadata | None) -> bool:
    """Whether a fit of `synthesizer` keeps rules (its own or the metadata's)."""
    return bool(synthesizer.rules) or (metadata is not None and bool(metadata.rules))


def ruled_frame(
    synthesizer: Synthesizer, frame: dd.DataFrame, metadata: Metadata | None
) -> tuple[dd.DataFrame, Metadata, RulePlan, Pilot]:
    """(the frame in the model's columns, their metadata, the plan, the fit's pilot rows in
    those columns: the rows `fitting.pick_rows` picks from the new frame too)."""
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        sample, lengths = pick_rows(frame.to_delayed(), PILOT_ROWS, synthesizer.seed, PILOT_STREAM)
    table_meta = synthesizer.infer_metadata(sample) if metadata is None else metadata
    # under DP (refused on Dask after this) the plan reads nothing off the rows
    private = getattr(synthesizer, "epsilon", None) is not None
    plan, modelled, modelled_meta = ruled.plan_rules(synthesizer, sample, table_meta, private)
    assert plan is not None  # the caller asked `has_rules`
    pilot = Pilot(modelled, lengths, inferred=metadata is None)
    return reparametrised(frame, plan, modelled), modelled_meta, plan, pilot


def reparametrised(frame: dd.DataFrame, plan: RulePlan, sample: pd.DataFrame) -> dd.DataFrame:
    """`frame` in the plan's columns, partition by partition (`sample`: some rows already
    reparametrised, for the columns' types)."""
    return frame.map_partitions(_forward, plan, meta=sample.head(0))


def _forward(part: pd.DataFrame, plan: RulePlan) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataNote)
        return plan.forward(part, check=False)
