"""The privacy section of the HTML report: copies, distances, membership and attacks."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from . import plots
from ._html_cells import MISSING, Flag, num, pct, table

if TYPE_CHECKING:
    from .schema import AreaVerdict, Attack, Privacy, PrivacyFigures


def privacy_section(p: Privacy, verdict: AreaVerdict, figures: PrivacyFigures | None) -> str:
    rows = [
        [
            "exact copies of training rows",
            pct(p.exact_copy_share),
            "share of synthetic rows equal to a training row",
        ],
        [
            "holdout rows equal to training rows",
            pct(p.holdout_exact_copy_share),
            "duplicates that occur naturally",
        ],
        [
            "DCR synthetic, 5th percentile",
            num(p.dcr_synthetic_p5),
            "distance from synthetic rows to the closest training row",
        ],
        [
            "DCR holdout, 5th percentile",
            num(p.dcr_holdout_p5),
            "the same for real rows never seen in training",
        ],
        [
            "synthetic rows closer than holdout p5",
            pct(p.share_closer_than_holdout_p5),
            "about 5% expected",
        ],
        [
            "NNDR synthetic, median",
            num(p.nndr_synthetic.p50),
            "nearest / second-nearest distance, near 0 = singled out",
        ],
        [
            "NNDR holdout, median",
            num(p.nndr_holdout.p50 if p.nndr_holdout else None),
            "the same for unseen real rows (the reference)",
        ],
        ["membership attack ROC AUC", num(p.membership_auc), "0.5 = no leak"],
    ]
    overlap = p.holdout_overlap
    if overlap is not None:
        estimate = pct(overlap.overlap)
        rows.insert(
            2,
            [
                "holdout rows that are training rows",
                Flag(estimate) if overlap.contaminated else estimate,
                f"estimated, beyond the {pct(overlap.chance_share)} of training rows that "
                "repeat another; in red, the holdout is not unseen and flatters every comparison",
            ],
        )
    share = p.dcr_share
    if share is not None:
        rows.insert(
            2,
            [
                "DCR share",
                f"{pct(share.share)} ({pct(share.low)}–{pct(share.high)})",
                f"synthetic rows closer to {share.reference_rows:,} training rows than to as "
                "many holdout rows; 50% ideal (95% Wilson interval)",
            ],
        )
    attacks = ""
    if p.attribute_inference:
        attacks = "<h3>Attribute inference</h3>" + table(
            ["sensitive column", "metric", "training rows", "holdout rows", "baseline", "leak"],
            [
                [
                    a.sensitive,
                    a.metric,
                    num(a.training_rows),
                    num(a.holdout_rows),
                    num(a.baseline),
                    num(a.leak),
                ]
                for a in p.attribute_inference
            ],
        )
    if p.attacks:
        attacks += _attacks(p.attacks)
    image = ""
    if figures is not None:
        png = plots.dcr_png(figures.dcr_synthetic, figures.dcr_holdout)
        image = f"<div class='wide'><img alt='DCR' src='data:image/png;base64,{png}'></div>"
    counts = p.dcr_rows
    return (
        f"<h2>Privacy</h2><p>{escape(verdict.sentence)}</p>"
        f"{table(['measure', 'value', 'meaning'], rows)}{image}"
        f"<p class='note'>Distances on {counts.queries:,} query rows per table to "
        f"{counts.reference:,} training rows, in the normalised feature space.</p>{attacks}"
    )


def _attacks(attacks: tuple[Attack, ...]) -> str:
    """The anonymeter-style attacks: success rates of main, control and baseline, and the risk."""
    rows = []
    for a in attacks:
        risk: str = MISSING
        if a.risk is not None:
            risk = f"{a.risk:.2f} ({a.risk_low:.2f} to {a.risk_high:.2f})"
            if a.risk_low > 0.1:
                risk = Flag(risk)
        rows.append(
            [
                a.attack,
                a.detail,
                pct(a.main.rate),
                pct(a.control.rate),
                pct(a.baseline.rate),
                risk,
                a.main.n,
            ]
        )
    return (
        "<h3>Attacks</h3><p class='note'>Success rates of each attack on training rows (main), "
        "on unseen holdout rows (control) and of a naive guess (baseline); risk = (main − "
        "control) / (1 − control) with its 95% interval: 0 means the synthetic rows help the "
        "attacker no more on the people they were made from than on anyone else.</p>"
        + table(["attack", "on", "main", "control", "baseline", "risk (95% CI)", "attempts"], rows)
    )
