"""The sequences section of the HTML report: the tables compared as events of entities."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ._html_cells import MISSING, Flag, num, pct, table

if TYPE_CHECKING:
    from .schema import SequenceScores

# the targets, shown beside the measures they judge
C2ST_MARGIN = 0.10
LENGTHS_KS = 0.15
LAG_DIFFERENCE = 0.1
MEMBERSHIP = 0.55  # a membership AUC the privacy verdict calls a moderate risk from


def sequences_section(s: SequenceScores | None) -> str:
    if s is None:
        return ""
    e = s.entities
    head = (
        f"<h2>Sequences</h2><p class='meta'>{e.real:,} real entities ({e.events_real:,} "
        f"events) and {e.synthetic:,} synthetic ({e.events_synthetic:,} events), keyed by "
        f"<b>{escape(s.key)}</b> and ordered by <b>{escape(s.index)}</b>; reference: "
        f"{e.reference:,} {escape(e.reference_source)}.</p>"
    )
    d = s.detection
    rows = [
        [
            "entity-level detection AUC",
            _flag(num(d.auc), d.auc > max(d.floor, 0.5) + C2ST_MARGIN),
            num(d.floor),
            f"real vs synthetic entities on {d.features} sequence features; target: at most "
            f"the floor + {C2ST_MARGIN:.2f}",
        ],
        [
            "lengths KS",
            _flag(num(s.lengths.ks), s.lengths.ks > LENGTHS_KS),
            num(s.lengths.reference_ks),
            f"events per entity (mean {s.lengths.synthetic_mean:.2f}, real "
            f"{s.lengths.real_mean:.2f}; one event: {s.lengths.synthetic_single_share:.1%}, "
            f"real {s.lengths.real_single_share:.1%}); target at most {LENGTHS_KS}",
        ],
        [
            "gaps KS",
            num(s.gaps.ks),
            num(s.gaps.reference_ks),
            f"index steps (median {num(s.gaps.synthetic_median)}, real {num(s.gaps.real_median)})",
        ],
        [
            "index strictly increasing",
            pct(s.order.strictly_increasing),
            pct(s.order.real_strictly_increasing),
            f"share of entities; never decreasing {pct(s.order.non_decreasing)} (real "
            f"{pct(s.order.real_non_decreasing)})",
        ],
        [
            "static columns kept",
            MISSING if s.static.kept is None else pct(s.static.kept),
            "100.00%" if s.static.kept is not None else MISSING,
            "entities whose real-static columns stay constant: "
            + (", ".join(s.static.columns) or "none"),
        ],
        [
            "coherence",
            num(s.coherence.mean),
            num(s.coherence.reference_mean),
            "mean over columns of how alike values change from one event to the next",
        ],
        [
            "copied sequences",
            _flag(pct(s.copies.synthetic), s.copies.synthetic > s.copies.reference),
            pct(s.copies.reference),
            "entities whose whole sequence equals a real one's",
        ],
        [
            "entity DCR, median",
            num(s.distances.synthetic_median),
            num(s.distances.reference_median),
            f"distance to the closest real entity; closer than the reference's 5th "
            f"percentile: {pct(s.distances.closer_than_reference_p5)} (about 5% expected)",
        ],
        [
            "entity membership attack ROC AUC",
            MISSING
            if s.distances.membership_auc is None
            else _flag(num(s.distances.membership_auc), s.distances.membership_auc > MEMBERSHIP),
            "0.500",
            "training entities against the holdout's, called members when a synthetic entity "
            "lies close (0.5 = no leak; none without a holdout)",
        ],
    ]
    lags = [
        [
            name,
            num(lag.real),
            _flag(num(lag.synthetic), lag.difference > LAG_DIFFERENCE),
            num(lag.reference),
            num(lag.difference),
        ]
        for name, lag in s.autocorrelation.items()
    ]
    coherence = [
        [name, num(score), num(s.coherence.reference.get(name))]
        for name, score in s.coherence.columns.items()
    ]
    parts = [
        head,
        table(["measure", "synthetic", "reference", "meaning"], rows),
    ]
    if lags:
        parts += [
            f"<h3>Lag-1 autocorrelation within entities (target: within {LAG_DIFFERENCE})</h3>",
            table(["column", "real", "synthetic", "reference", "difference"], lags),
        ]
    if coherence:
        parts += [
            "<h3>Coherence per column (1 = changes like the real ones)</h3>",
            table(["column", "synthetic", "reference"], coherence),
        ]
    notes = "".join(f"<li>{escape(n)}</li>" for n in s.notes)
    return "\n".join(parts) + (f"<ul class='note'>{notes}</ul>" if notes else "")


def _flag(text: str, bad: bool) -> str:
    return Flag(text) if bad else text
