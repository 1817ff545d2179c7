"""The self-contained HTML page of a Report: verdicts first, then each area's evidence."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from . import _html_top as top
from . import plots
from ._html_cells import MISSING, Flag, num, pct, sort_key, table
from ._html_privacy import privacy_section
from ._html_sequences import sequences_section
from .prepare import NUMERICAL_KINDS

if TYPE_CHECKING:
    from .schema import (
        AreaVerdict,
        Balance,
        Bias,
        ChiSquare,
        Diversity,
        Fidelity,
        FidelityFigures,
        Moments,
        PairFidelity,
        Report,
        Rule,
        Settings,
        Utility,
    )

_RULES = 12
_WORST = 10
_OPEN_MARGINALS = 12
_SIDE_BY_SIDE = 25
_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;
max-width:1180px;padding:18px 24px;color:#1f2328;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;
margin-top:1.6em}.meta{color:#57606a;font-size:.92em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(205px,1fr));gap:10px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 12px;background:#f6f8fa}
.card h3{margin:0;font-size:1em;text-transform:capitalize}.verdict{font-weight:700}
.score{font-size:1.5em;font-weight:700}.card p{margin:.3em 0 0;font-size:.86em}
table{border-collapse:collapse;font-size:.86em;margin:.5em 0}
td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:6px}
.grid img{width:100%}.wide img{max-width:100%;display:block;margin:4px 0}
.row{display:flex;flex-wrap:wrap;gap:8px}
.row img{max-width:32%;min-width:300px}details{margin:.6em 0}summary{cursor:pointer;color:#0969da}
.note{color:#57606a;font-size:.88em}
.scroll{overflow-x:auto;max-width:100%}.bad{color:#c53030;font-weight:700}
.overall{border-left:6px solid;padding:8px 14px;margin:12px 0;background:#f6f8fa;
border-radius:4px}.overall b{font-size:1.15em}
.pairs img{max-width:100%;width:640px;display:block;margin:6px 0}
.warn{border-left:6px solid #c53030;padding:8px 14px;margin:12px 0;background:#fff5f5;
border-radius:4px;color:#c53030;font-weight:600}
dl.head{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:.9em;
margin:.4em 0}dl.head dt{color:#57606a}dl.head dd{margin:0;overflow-wrap:anywhere}
@media (max-width:600px){body{padding:10px}.row img{min-width:0;max-width:100%}
.cards{grid-template-columns:1fr}}
"""


def render(report: Report) -> str:
    """The whole page as one string; every image is an embedded data URI. It reads the typed
    report only (`schema.py`), so mypy checks every attribute it reads."""
    settings, verdicts = report.settings, report.verdicts
    model = settings.model
    title = "simulacra evaluation" + (f" of {model}" if model else "")
    numerical = [c for c, kind in settings.columns.items() if kind in NUMERICAL_KINDS]
    body = [
        f"<h1>{escape(title)}</h1>",
        top.header(settings),
        top.warnings(settings),
        top.overall(verdicts.overall),
        top.meta(settings),
        top.whole_table(settings),
        top.cards(verdicts),
        _fidelity(report.fidelity, report.privacy.far_share, numerical, report.figures.fidelity),
        _utility(report.utility, verdicts.utility),
        _diversity(report.diversity),
        privacy_section(report.privacy, verdicts.privacy, report.figures.privacy),
        _bias(report.bias, verdicts.bias),
        sequences_section(report.sequences),
        _method(settings),
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def _fidelity(
    f: Fidelity, far_share: float | None, numerical: list[str], figures: FidelityFigures | None
) -> str:
    columns = f.columns
    order = sorted(columns, key=lambda c: sort_key(columns[c].shape))
    ref = f.reference
    head = table(
        ["measure", "synthetic", "unseen real rows", "meaning"],
        [
            [
                "column shapes",
                num(f.column_shapes),
                num(ref.column_shapes),
                "mean KS / TV complement, 1 = identical",
            ],
            [
                "column pair trends",
                num(f.column_pair_trends),
                num(ref.column_pair_trends),
                "mean correlation / contingency similarity over every pair, 1 = identical",
            ],
            [
                "pair trends, SDMetrics' default",
                num(f.pair_trends_convention.sdmetrics_default),
                MISSING,
                "the same over the pairs with real |r| > 0.5 or Cramér's V > 0.3 only",
            ],
            [
                "detection ROC AUC",
                num(f.detection_auc),
                num(ref.detection_auc),
                "classifier telling real from synthetic, 0.5 = indistinguishable",
            ],
            [
                "far-away rows",
                pct(far_share),
                "5.00%",
                "rows farther from every training row than 95% of unseen real rows",
            ],
        ],
    )
    worst_columns = table(
        ["column", "kind", "metric", "score", "unseen real", "JS distance", "Wasserstein / range"],
        [
            [
                c,
                columns[c].kind,
                columns[c].metric,
                num(columns[c].shape),
                num(columns[c].reference),
                num(columns[c].js_distance),
                num(columns[c].wasserstein),
            ]
            for c in order[:_WORST]
        ],
    )
    pairs = f.pairs
    worst_pairs = table(
        ["pair", "metric", "score", "unseen real", "real", "synthetic"],
        [
            [p.name, p.metric, num(p.score), num(p.reference), *_pair_values(p)]
            for p in pairs[:_WORST]
        ],
    )
    pair_images = "".join(
        f"<img alt='{escape(' × '.join(p['columns']))}' title='{escape(' × '.join(p['columns']))}' "
        f"src='data:image/png;base64,{plots.pair_png(p)}'>"
        for p in (figures.worst_pairs if figures else ())
    )
    all_columns = table(
        [
            "column",
            "kind",
            "score",
            "JS",
            "mean diff",
            "std diff",
            "skew diff",
            "kurtosis diff",
            "chi² p-value",
            "null share diff",
        ],
        [
            [
                c,
                columns[c].kind,
                num(columns[c].shape),
                num(columns[c].js_distance),
                *_moments(columns[c].moments),
                _p_value(columns[c].chi_square),
                num(columns[c].null_share_difference),
            ]
            for c in order
        ],
    )
    marginals = figures.marginals if figures else {}
    images = [
        f"<img alt='{escape(c)}' src='data:image/png;base64,"
        f"{plots.marginal_png(c, marginals[c], columns[c].shape)}'>"
        for c in order
        if c in marginals
    ]
    shown = "<div class='grid'>" + "".join(images[:_OPEN_MARGINALS]) + "</div>"
    if len(images) > _OPEN_MARGINALS:
        shown += (
            f"<details><summary>The other {len(images) - _OPEN_MARGINALS} columns</summary>"
            "<div class='grid'>" + "".join(images[_OPEN_MARGINALS:]) + "</div></details>"
        )
    heatmaps = ""
    if len(columns) >= 2:
        pngs = plots.heatmap_pngs(list(columns), pairs, numerical)
        tags = [f"<img alt='heatmap' src='data:image/png;base64,{p}'>" for p in pngs]
        heatmaps = (
            "<h3>Associations between columns</h3><p class='note'>Pearson r for two numerical "
            "columns, normalised mutual information for pairs with a categorical column.</p>"
        )
        if len(columns) <= _SIDE_BY_SIDE:
            heatmaps += "<div class='row'>" + "".join(tags) + "</div>"
        else:  # wide tables: the difference in full, real and synthetic on request
            heatmaps += (
                f"<div class='wide'>{tags[2]}</div><details><summary>Real and synthetic "
                f"associations</summary><div class='wide'>{tags[0]}{tags[1]}</div></details>"
            )
    return (
        f"<h2>Fidelity</h2>{head}<p class='note'>Unseen real rows: the holdout (or held-out "
        "real rows) scored as if synthetic, the best any generator can do at that size.</p>"
        f"{_giveaways(f)}{_declared(f)}<h3>Worst columns</h3>{worst_columns}"
        f"<h3>Worst column pairs</h3>{worst_pairs}<div class='pairs'>{pair_images}</div>"
        f"<details><summary>All {len(columns)} columns</summary>{all_columns}</details>"
        f"<details><summary>All {len(pairs)} pairs</summary>"
        + table(
            [
                "pair",
                "metric",
                "score",
                "contingency",
                "MI difference",
                "real |r| or V",
                "SDMetrics",
            ],
            [
                [
                    p.name,
                    p.metric,
                    num(p.score),
                    num(p.contingency_similarity),
                    num(p.mutual_information_difference),
                    num(p.real_association),
                    "counted" if p.sdmetrics_default else "skipped",
                ]
                for p in pairs
            ],
        )
        + "</details>"
        f"<h3>Marginal distributions, worst first</h3><p class='note'>Bars: real; orange: "
        f"synthetic; the score in brackets is the column's KS or TV complement.</p>"
        f"{shown}{heatmaps}"
    )


def _giveaways(f: Fidelity) -> str:
    """The detector's most telling columns and the real-data rules synthetic rows break."""
    importance = [r for r in f.detection_importance if r.importance > 0.005]
    rules = [r for r in f.rules if r.excess > 0.01]
    if not importance and not rules:
        return (
            "<h3>What gives it away</h3><p>Nothing stands out: no column helps the classifier "
            "and the synthetic rows keep the rules the real rows keep.</p>"
        )
    parts = ["<h3>What gives it away</h3>"]
    if importance:
        parts.append(
            "<p class='note'>Columns the classifier relies on: the drop of its ROC AUC when the "
            "column's values are shuffled (permutation importance).</p>"
            + table(
                ["column", "AUC drop"],
                [[r.column, num(r.importance)] for r in importance[:_WORST]],
            )
        )
    if rules:
        parts.append(
            f"<p class='note'>Rules every real row keeps, broken by synthetic rows "
            f"({len(rules)} of {f.rules_checked} checked rules; largest "
            "excess over unseen real rows first).</p>"
            + table(
                ["rule", "kind", "synthetic rows breaking it", "unseen real rows"],
                [
                    [r.rule, r.kind, pct(r.synthetic_share), pct(r.reference_share)]
                    for r in _varied(rules)
                ],
            )
        )
    return "".join(parts)


def _declared(f: Fidelity) -> str:
    """The declared rules and the share of rows breaking each ('' without any)."""
    if not f.declared_rules:
        return ""
    rows = [
        [r.rule, r.kind, pct(r.real_share), pct(r.synthetic_share)]
        + ([pct(r.holdout_share)] if r.holdout_share is not None else [])
        for r in f.declared_rules
    ]
    holdout = f.declared_rules[0].holdout_share is not None
    headers = ["rule", "kind", "real rows breaking it", "synthetic rows breaking it"]
    return (
        "<h3>Declared rules</h3><p class='note'>Rules the metadata (or the command) declares; "
        "a model that keeps them has 0% of synthetic rows breaking each.</p>"
        + table(headers + (["holdout rows"] if holdout else []), rows)
    )


def _varied(rules: list[Rule]) -> list[Rule]:
    """The rules with the largest excess, at most a third of the table per kind."""
    cap = max(1, _RULES // 3)
    counts: dict[str, int] = {}
    shown = []
    for rule in rules:
        if counts.get(rule.kind, 0) < cap:
            shown.append(rule)
            counts[rule.kind] = counts.get(rule.kind, 0) + 1
    return shown[:_RULES]


def _utility(u: Utility | None, verdict: AreaVerdict) -> str:
    if u is None:
        return f"<h2>Utility</h2><p>{escape(verdict.sentence)}</p>"
    rows = []
    for model, result in u.models.items():
        for metric in result.real:
            synthetic = num(result.synthetic[metric])
            if metric == "roc_auc" and (result.synthetic[metric] or 1.0) < 0.5:
                synthetic = Flag(f"{synthetic} < 0.5: worse than chance")
            rows.append(
                [
                    model,
                    metric,
                    num(result.real[metric]),
                    synthetic,
                    num(u.trivial.get(metric)),
                    num(result.ratio[metric]),
                ]
            )
    counts = u.rows
    return (
        f"<h2>Utility</h2><p>{u.task.capitalize()} of <b>{escape(u.target)}</b>; trained on "
        f"{counts.train_real:,} real or {counts.train_synthetic:,} synthetic rows, tested "
        f"on {counts.test:,} real rows. Ratio = synthetic / real (for MAE, real / synthetic), "
        "1 = as useful. Trivial: always the real training rows' majority class (or their mean), "
        f"which any useful model beats. Gain (share of the real models' lead over the trivial "
        f"one kept by the synthetic models): <b>{num(u.gain)}</b>.</p>"
        + table(
            ["model", "metric", "trained on real", "trained on synthetic", "trivial", "ratio"], rows
        )
    )


def _diversity(d: Diversity) -> str:
    head = table(
        ["measure", "value", "meaning"],
        [
            [
                "category coverage",
                num(d.category_coverage),
                "share of real categories produced",
            ],
            ["range coverage", num(d.range_coverage), "share of real ranges reached"],
            [
                "k-NN precision",
                num(d.knn_precision),
                "synthetic rows inside the real data; unseen real rows: "
                + num(d.reference.knn_precision),
            ],
            [
                "k-NN recall",
                num(d.knn_recall),
                "real rows reached by synthetic ones; unseen real rows: "
                + num(d.reference.knn_recall),
            ],
        ],
    )
    per_column = table(
        ["column", "coverage"],
        [
            [c, num(v.value)]
            for c, v in sorted(d.columns.items(), key=lambda kv: sort_key(kv[1].value))
        ],
    )
    return (
        f"<h2>Diversity</h2>{head}<p class='note'>k-NN with k = {d.knn_k} on "
        f"{d.knn_rows[0]:,} real and {d.knn_rows[1]:,} synthetic rows.</p>"
        f"<details><summary>Coverage per column</summary>{per_column}</details>"
    )


def _bias(b: Bias, verdict: AreaVerdict) -> str:
    parts = [f"<h2>Bias</h2><p>{escape(verdict.sentence)}</p>"]
    if b.target_balance is not None:
        parts.append("<h3>Target class balance</h3>" + _shares_table(b.target_balance))
    for name, group in b.groups.items():
        parts.append(f"<h3>Groups of {escape(name)}</h3>" + _shares_table(group.balance))
        rates = group.target_rates
        if rates is not None:
            what = f"share of '{rates.positive}'" if rates.positive else "mean of the target"
            parts.append(
                f"<p class='note'>Target rate by group ({escape(what)}): "
                f"gap {rates.gap_real:.3f} real vs {rates.gap_synthetic:.3f} synthetic.</p>"
                + table(
                    ["group", "real", "synthetic"],
                    [
                        [g, num(v), num(rates.rates_synthetic.get(g))]
                        for g, v in rates.rates_real.items()
                    ],
                )
            )
    return "".join(parts)


def _scope(settings: Settings) -> str:
    if settings.whole_table is not None:
        return "Column and pair scores below use every row of the seeded samples."
    return "Column and pair scores use every row."


def _method(settings: Settings) -> str:
    excluded = table(
        ["column", "left out because"], [[c, r] for c, r in settings.excluded_columns.items()]
    )
    limits = settings.limits
    notes = "".join(f"<li>{escape(n)}</li>" for n in settings.notes)
    return (
        "<h2>Method</h2><ul class='note'>"
        f"<li>{_scope(settings)} The detection classifier, utility models and "
        f"attribute inference use at most {limits.model_rows:,} rows per table; distances to "
        f"closest records use {limits.query_rows:,} query rows against at most "
        f"{limits.reference_rows:,} reference rows; k-NN precision/recall use "
        f"{limits.knn_rows:,} rows per table; each privacy attack "
        f"{limits.attack_targets:,} target rows or predicates (singling out counts "
        f"them on at most {limits.reference_rows:,} rows per table, and with fewer holdout "
        "than training rows extrapolates the control to the training table's size with a "
        "Poisson-Gamma model). Samples are drawn without replacement with "
        f"seed {settings.seed}.</li>"
        "<li>Datetimes are compared as numbers. Id, personal-data, free-text and constant "
        "columns are left out of every metric.</li>"
        f"{notes}</ul>"
        + (f"<h3>Columns left out</h3>{excluded}" if settings.excluded_columns else "")
    )


def _shares_table(balance: Balance) -> str:
    real, synth = balance.real, balance.synthetic
    keys = sorted(real, key=lambda k: -real[k])[:30]
    return table(
        ["value", "real", "synthetic"], [[k, pct(real[k]), pct(synth.get(k))] for k in keys]
    )


def _moments(moments: Moments | None) -> list[str]:
    """The four moment differences of a numerical column; dashes for a categorical one."""
    if moments is None:
        return [MISSING] * 4
    return [num(v) for v in (moments.mean, moments.std, moments.skewness, moments.kurtosis)]


def _p_value(test: ChiSquare | None) -> str:
    return num(test.p_value if test is not None else None)


def _pair_values(p: PairFidelity) -> list[str]:
    if p.metric == "correlation similarity":
        correlation = p.pearson
        if correlation is None:
            return [MISSING, MISSING]
        return [num(correlation.real), num(correlation.synthetic)]
    return [
        f"NMI {num(p.mutual_information_real)}",
        f"NMI {num(p.mutual_information_synthetic)}",
    ]
