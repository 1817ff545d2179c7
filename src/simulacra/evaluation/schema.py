"""The typed report: what one evaluation measured, as frozen dataclasses.

`evaluate` builds every object here, in one place (`report.py`); the JSON file, the text
summary and the HTML page all render from them (`_json_view.py`, `text.py`, `html.py`). A field
is named as its key in the JSON, so `report.fidelity.column_shapes` is
`scores["fidelity"]["column_shapes"]`. Dicts are kept where the keys are data (column names,
group names, metric names), dataclasses wherever the keys are the schema's.

Why typed: a renderer takes these classes as annotated parameters, so mypy (`make lint`) checks
every attribute it reads against the class: `fidelity.column_shape` is an error before anything
runs, where `scores["fidelity"].get("column_shape")` was None at run time and a dash on the
page. At run time the classes are frozen: nothing downstream can change a score after the
report is built (`dataclasses.replace` makes a changed copy, as `scale.evaluating` does).

Area records (`Fidelity`, `Utility`, `Diversity`, `Privacy`, `Bias`) are in `_schema_areas.py`;
this module holds the rest and re-exports them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..io import atomic_path
from ._codec import optional, to_plain
from ._schema_areas import (
    Attack,
    AttributeInference,
    Balance,
    Bias,
    ChiSquare,
    ColumnFidelity,
    Correlation,
    Coverage,
    DcrRows,
    DcrShare,
    DeclaredRule,
    Distances,
    Diversity,
    DiversityReference,
    Fidelity,
    FidelityReference,
    Group,
    Importance,
    Inference,
    Linkability,
    ModelScores,
    Moments,
    Overlap,
    PairFidelity,
    PairTrendsMeans,
    Privacy,
    Rate,
    Rule,
    SinglingOut,
    TargetRates,
    Utility,
    UtilityRows,
)
from ._schema_sequences import SequenceScores
from .limits import Limits

SCHEMA_VERSION = 1
"""The layout of the report's JSON; a reader refuses a file of a newer version."""

AREAS = ("fidelity", "utility", "diversity", "privacy", "bias")

__all__ = [
    "AREAS",
    "SCHEMA_VERSION",
    "AreaVerdict",
    "Attack",
    "AttributeInference",
    "Balance",
    "Bias",
    "Cap",
    "ChiSquare",
    "ColumnFidelity",
    "Correlation",
    "Coverage",
    "DcrRows",
    "DcrShare",
    "DeclaredRule",
    "Distances",
    "Diversity",
    "DiversityReference",
    "Fidelity",
    "FidelityFigures",
    "FidelityReference",
    "Figures",
    "Group",
    "Importance",
    "Inference",
    "Linkability",
    "ModelScores",
    "Moments",
    "Overall",
    "Overlap",
    "PairFidelity",
    "PairTrendsMeans",
    "Privacy",
    "PrivacyFigures",
    "Rate",
    "Reference",
    "Report",
    "Rows",
    "Rule",
    "SequenceScores",
    "Settings",
    "SinglingOut",
    "TargetRates",
    "Utility",
    "UtilityRows",
    "Verdicts",
    "WholeTable",
    "to_plain",
]


@dataclass(frozen=True, kw_only=True)
class AreaVerdict:
    """An area's score (None: not measured, or inconclusive), its one word and its sentence;
    in the JSON, the first three keys of the area."""

    score: float | None
    verdict: str
    sentence: str


@dataclass(frozen=True, kw_only=True)
class Cap:
    """A grade fidelity cannot exceed, and why (`verdict.fidelity_caps`)."""

    verdict: str
    by: str
    rule: str | None = optional()
    reason: str


@dataclass(frozen=True, kw_only=True)
class Overall:
    """The page's verdict: the worst grade of fidelity, utility and diversity, the privacy
    risk beside it, and the weakest area's sentence."""

    verdict: str
    weakest: str | None
    privacy: str
    sentence: str


@dataclass(frozen=True, kw_only=True)
class Verdicts:
    """Every judgement of the report (`verdict.py`), apart from the measures they judge."""

    overall: Overall
    fidelity: AreaVerdict
    fidelity_caps: tuple[Cap, ...]
    utility: AreaVerdict
    diversity: AreaVerdict
    privacy: AreaVerdict
    bias: AreaVerdict

    def by_area(self) -> list[tuple[str, AreaVerdict]]:
        """(area, verdict) in the report's order: fidelity, utility, diversity, privacy, bias."""
        return [
            ("fidelity", self.fidelity),
            ("utility", self.utility),
            ("diversity", self.diversity),
            ("privacy", self.privacy),
            ("bias", self.bias),
        ]


@dataclass(frozen=True, kw_only=True)
class Reference:
    """Unseen real rows scored as if synthetic (`reference.py`): the best any generator can
    reach at that size."""

    source: str
    rows: tuple[int, int]
    column_shapes: float | None
    column_pair_trends: float | None
    detection_auc: float
    knn_precision: float
    knn_recall: float
    columns: dict[str, float]
    pairs: dict[str, float]
    holdout_overlap: Overlap | None = optional()


@dataclass(frozen=True, kw_only=True)
class Rows:
    """Rows of each table given (with the Dask engine: of each whole table)."""

    real: int
    synthetic: int
    holdout: int | None


@dataclass(frozen=True, kw_only=True)
class WholeTable:
    """Column shapes and pair trends of every row, from summaries (the Dask engine)."""

    column_shapes: dict[str, float]
    column_shapes_mean: float | None
    pair_trends: dict[str, float]
    pair_trends_mean: float | None


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What was judged and how: the inputs, the model, the columns and their kinds, the seed
    and row caps, the warnings (figures not to trust) and notes, and the time taken."""

    warnings: tuple[str, ...]
    model: str | None
    inputs: dict[str, str]
    command: str | None
    version: str
    date: str
    rows: Rows
    columns: dict[str, str]
    kinds_from: str
    excluded_columns: dict[str, str]
    target: str | None
    sensitive: tuple[str, ...]
    seed: int
    limits: Limits
    notes: tuple[str, ...]
    seconds: float
    step_seconds: dict[str, float]  # timings: leave them and `seconds` out to compare runs
    whole_table: WholeTable | None = optional()
    sample_rows: dict[str, int] | None = optional()


@dataclass(frozen=True, kw_only=True)
class FidelityFigures:
    """What the fidelity section draws: each column's histogram or bars (`_figures.marginal`)
    and the worst pairs' scatter plots or heatmaps (`_figures.pair_figure`)."""

    marginals: dict[str, dict[str, Any]]
    worst_pairs: tuple[dict[str, Any], ...]


@dataclass(frozen=True, kw_only=True)
class PrivacyFigures:
    """Distances to the closest training row, of synthetic and of holdout rows."""

    dcr_synthetic: np.ndarray
    dcr_holdout: np.ndarray | None


@dataclass(frozen=True, kw_only=True)
class Figures:
    """The arrays the HTML page draws; not in the JSON, so a report read back from its JSON
    has none (its page shows no plots of distributions or distances)."""

    fidelity: FidelityFigures | None = None
    privacy: PrivacyFigures | None = None


@dataclass(frozen=True, kw_only=True)
class Report:
    """One evaluation, typed: the verdicts, each area's measures, the reference, the settings,
    and the arrays its HTML page draws (`figures`). Built by `evaluate`; `Report.from_json`
    reads a report file back (without figures).

    `scores` is the JSON view: the nested dict of plain numbers that `to_json` writes (NaN as
    None), the same keys as every report file, e.g. `report.scores["fidelity"]["column_shapes"]`
    (typed: `report.fidelity.column_shapes`). It is made anew from the typed report on each
    read, so changing it changes nothing in the report.
    """

    verdicts: Verdicts
    fidelity: Fidelity
    utility: Utility | None  # None: no target was given, or it could not be measured
    diversity: Diversity
    privacy: Privacy
    bias: Bias
    reference: Reference
    settings: Settings
    figures: Figures = field(default_factory=Figures, repr=False, compare=False)
    sequences: SequenceScores | None = None  # the tables as events of entities (sequence key)

    @property
    def scores(self) -> dict[str, Any]:
        """The JSON view (see the class docstring)."""
        from ._json_view import report_to_plain

        return report_to_plain(self)

    def to_json(self, path: str | Path) -> Path:
        """Write the JSON view, atomically."""
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.scores, indent=2, allow_nan=False))
        return Path(path)

    @classmethod
    def from_json(cls, path: str | Path) -> Report:
        """A report read from its JSON file (any written since the layout of schema version 1;
        files without `schema_version` are of that layout). A newer version, a missing or
        unknown key is a DataError naming the file and the key. It has no figures."""
        from ._json_view import report_from_plain

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise DataError(f"{path}: not a readable report JSON file ({error})") from None
        try:
            return report_from_plain(data)
        except DataError as error:
            raise DataError(f"{path}: {error}") from None

    def to_html(self, path: str | Path) -> Path:
        """Write a self-contained HTML page (plots embedded as PNG, no network), atomically."""
        from .html import render

        with atomic_path(path) as tmp:
            tmp.write_text(render(self), encoding="utf-8")
        return Path(path)

    def summary(self) -> str:
        """A short text table of the verdicts (see `text.summary`)."""
        from .text import summary

        return summary(self)

    def __repr__(self) -> str:
        verdicts = ", ".join(f"{a}={v.verdict}" for a, v in self.verdicts.by_area())
        return f"Report({verdicts})"
