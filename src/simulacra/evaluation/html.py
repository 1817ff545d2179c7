"""The self-contained HTML page of a Report: verdicts first, then each area's evidence."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from . import plots

if TYPE_CHECKING:
    from .report import Report

_COLOURS = {
    "excellent": "#1a7f37",
    "good": "#4c9a2a",
    "fair": "#b7791f",
    "poor": "#c53030",
    "low risk": "#1a7f37",
    "moderate risk": "#b7791f",
    "high risk": "#c53030",
    "inconclusive": "#b7791f",
}
_CUT = 72  # table text longer than this is cut, the full text shown on hover
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
dl.head{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:.9em;
margin:.4em 0}dl.head dt{color:#57606a}dl.head dd{margin:0;overflow-wrap:anywhere}
@media (max-width:600px){body{padding:10px}.row img{min-width:0;max-width:100%}
.cards{grid-template-columns:1fr}}
"""


def render(report: Report) -> str:
    """The whole page as one string; every image is an embedded data URI."""
    s = report.scores
    model = s["settings"].get("model")
    title = "simulacra evaluation" + (f" of {model}" if model else "")
    body = [
        f"<h1>{escape(title)}</h1>",
        _header(s["settings"]),
        _overall(s["overall"]),
        _meta(s["settings"]),
        _whole_table(s["settings"]),
        _cards(s),
        _fidelity(s["fidelity"], report.figures.get("fidelity", {})),
        _utility(s["utility"]),
        _diversity(s["diversity"]),
        _privacy(s["privacy"], report.figures.get("privacy", {})),
        _bias(s["bias"]),
        _method(s["settings"]),
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def _header(settings: dict[str, Any]) -> str:
    """What was evaluated: the input files, model, seed, simulacra version and date."""
    inputs = settings.get("inputs") or {}
    items = [
        (label, inputs.get(label, "(a table given in Python)")) for label in ("real", "synthetic")
    ]
    if settings["rows"]["holdout"] is not None:
        items.append(("holdout", inputs.get("holdout", "(a table given in Python)")))
    items += [
        ("model", settings.get("model") or "not stated"),
        ("seed", str(settings["seed"])),
        ("simulacra", str(settings.get("version", "?"))),
        ("date", str(settings.get("date", "?"))),
    ]
    return (
        "<dl class='head'>"
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in items)
        + "</dl>"
    )


def _overall(overall: dict[str, Any]) -> str:
    colour = _COLOURS.get(overall["verdict"], "#57606a")
    return (
        f"<div class='overall' style='border-color:{colour}'><b style='color:{colour}'>"
        f"{escape(overall['verdict'].capitalize())}</b> — {escape(overall['sentence'])}</div>"
    )


def _meta(settings: dict[str, Any]) -> str:
    rows = settings["rows"]
    holdout = "" if rows["holdout"] is None else f", holdout {rows['holdout']:,} rows"
    target = f"; target <b>{escape(str(settings['target']))}</b>" if settings["target"] else ""
    return (
        f"<p class='meta'>real {rows['real']:,} rows, synthetic {rows['synthetic']:,} rows"
        f"{holdout}; {len(settings['columns'])} columns compared, "
        f"{len(settings['excluded_columns'])} left out{target}; seed {settings['seed']}; "
        f"{settings['seconds']:.1f} s.</p>"
    )


def _whole_table(settings: dict[str, Any]) -> str:
    """Big tables evaluated on Dask: the shapes and pairs of every row, beside the samples'."""
    whole = settings.get("whole_table")
    if not whole:
        return ""
    rows = settings["rows"]
    sample = settings.get("sample_rows", {})
    means = [
        ["column shapes (mean)", whole["column_shapes_mean"]],
        ["pair trends (mean)", whole["pair_trends_mean"]],
    ]
    return (
        "<h2>Every row</h2><p class='note'>The tables were read on Dask: these column shapes "
        f"and pair trends come from summaries of all {rows['real']:,} real and "
        f"{rows['synthetic']:,} synthetic rows; every score below is measured on seeded "
        f"samples of {sample.get('real', 0):,} and {sample.get('synthetic', 0):,} rows.</p>"
        + _table(["score", "every row"], means)
        + _table(["column", "shape"], [[c, v] for c, v in whole["column_shapes"].items()])
    )


def _cards(s: dict[str, Any]) -> str:
    cards = []
    for area in ("fidelity", "utility", "diversity", "privacy", "bias"):
        entry = s[area]
        colour = _COLOURS.get(entry["verdict"], "#57606a")
        score = "–" if entry["score"] is None else f"{entry['score']:.2f}"
        cards.append(
            f"<div class='card'><h3>{area}</h3><span class='score'>{score}</span> "
            f"<span class='verdict' style='color:{colour}'>{escape(entry['verdict'])}</span>"
            f"<p>{escape(entry['sentence'])}</p></div>"
        )
    return "<div class='cards'>" + "".join(cards) + "</div>"


def _fidelity(f: dict[str, Any], figures: dict[str, Any]) -> str:
    columns = f["columns"]
    order = sorted(columns, key=lambda c: _key(columns[c]["shape"]))
    ref = f.get("reference") or {}
    head = _table(
        ["measure", "synthetic", "unseen real rows", "meaning"],
        [
            [
                "column shapes",
                _num(f["column_shapes"]),
                _num(ref.get("column_shapes")),
                "mean KS / TV complement, 1 = identical",
            ],
            [
                "column pair trends",
                _num(f["column_pair_trends"]),
                _num(ref.get("column_pair_trends")),
                "mean correlation / contingency similarity, 1 = identical",
            ],
            [
                "detection ROC AUC",
                _num(f["detection_auc"]),
                _num(ref.get("detection_auc")),
                "classifier telling real from synthetic, 0.5 = indistinguishable",
            ],
            [
                "far-away rows",
                _pct(f.get("far_share")),
                "5.00%",
                "rows farther from every training row than 95% of unseen real rows",
            ],
        ],
    )
    worst_columns = _table(
        ["column", "kind", "metric", "score", "unseen real", "JS distance", "Wasserstein / range"],
        [
            [
                c,
                columns[c]["kind"],
                columns[c]["metric"],
                _num(columns[c]["shape"]),
                _num(columns[c].get("reference")),
                _num(columns[c]["js_distance"]),
                _num(columns[c].get("wasserstein")),
            ]
            for c in order[:_WORST]
        ],
    )
    pairs = f["pairs"]
    worst_pairs = _table(
        ["pair", "metric", "score", "unseen real", "real", "synthetic"],
        [
            [
                " × ".join(p["columns"]),
                p["metric"],
                _num(p["score"]),
                _num(p.get("reference")),
                *_pair_values(p),
            ]
            for p in pairs[:_WORST]
        ],
    )
    pair_images = "".join(
        f"<img alt='{escape(' × '.join(p['columns']))}' title='{escape(' × '.join(p['columns']))}' "
        f"src='data:image/png;base64,{plots.pair_png(p)}'>"
        for p in figures.get("worst_pairs", [])
    )
    all_columns = _table(
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
                columns[c]["kind"],
                _num(columns[c]["shape"]),
                _num(columns[c]["js_distance"]),
                *[
                    _num(columns[c].get("moments", {}).get(m))
                    for m in ("mean", "std", "skewness", "kurtosis")
                ],
                _num(columns[c].get("chi_square", {}).get("p_value")),
                _num(columns[c]["null_share_difference"]),
            ]
            for c in order
        ],
    )
    marginals = figures.get("marginals", {})
    images = [
        f"<img alt='{escape(c)}' src='data:image/png;base64,"
        f"{plots.marginal_png(c, marginals[c], columns[c]['shape'])}'>"
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
    if figures.get("columns") and len(figures["columns"]) >= 2:
        pngs = plots.heatmap_pngs(figures["columns"], figures["pairs"], figures["numerical"])
        tags = [f"<img alt='heatmap' src='data:image/png;base64,{p}'>" for p in pngs]
        heatmaps = (
            "<h3>Associations between columns</h3><p class='note'>Pearson r for two numerical "
            "columns, normalised mutual information for pairs with a categorical column.</p>"
        )
        if len(figures["columns"]) <= _SIDE_BY_SIDE:
            heatmaps += "<div class='row'>" + "".join(tags) + "</div>"
        else:  # wide tables: the difference in full, real and synthetic on request
            heatmaps += (
                f"<div class='wide'>{tags[2]}</div><details><summary>Real and synthetic "
                f"associations</summary><div class='wide'>{tags[0]}{tags[1]}</div></details>"
            )
    return (
        f"<h2>Fidelity</h2>{head}<p class='note'>Unseen real rows: the holdout (or held-out "
        "real rows) scored as if synthetic, the best any generator can do at that size.</p>"
        f"{_giveaways(f)}<h3>Worst columns</h3>{worst_columns}"
        f"<h3>Worst column pairs</h3>{worst_pairs}<div class='pairs'>{pair_images}</div>"
        f"<details><summary>All {len(columns)} columns</summary>{all_columns}</details>"
        f"<details><summary>All {len(pairs)} pairs</summary>"
        + _table(
            ["pair", "metric", "score", "contingency", "MI difference"],
            [
                [
                    " × ".join(p["columns"]),
                    p["metric"],
                    _num(p["score"]),
                    _num(p["contingency_similarity"]),
                    _num(p["mutual_information_difference"]),
                ]
                for p in pairs
            ],
        )
        + "</details>"
        f"<h3>Marginal distributions, worst first</h3><p class='note'>Bars: real; orange: "
        f"synthetic; the score in brackets is the column's KS or TV complement.</p>"
        f"{shown}{heatmaps}"
    )


def _giveaways(f: dict[str, Any]) -> str:
    """The detector's most telling columns and the real-data rules synthetic rows break."""
    importance = [r for r in f.get("detection_importance") or [] if r["importance"] > 0.005]
    rules = [r for r in f.get("rules") or [] if r["excess"] > 0.01]
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
            + _table(
                ["column", "AUC drop"],
                [[r["column"], _num(r["importance"])] for r in importance[:_WORST]],
            )
        )
    if rules:
        parts.append(
            f"<p class='note'>Rules every real row keeps, broken by synthetic rows "
            f"({len(rules)} of {f.get('rules_checked', len(rules))} checked rules; largest "
            "excess over unseen real rows first).</p>"
            + _table(
                ["rule", "kind", "synthetic rows breaking it", "unseen real rows"],
                [
                    [r["rule"], r["kind"], _pct(r["synthetic_share"]), _pct(r["reference_share"])]
                    for r in _varied(rules)
                ],
            )
        )
    return "".join(parts)


def _varied(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules with the largest excess, at most a third of the table per kind."""
    cap = max(1, _RULES // 3)
    counts: dict[str, int] = {}
    shown = []
    for rule in rules:
        if counts.get(rule["kind"], 0) < cap:
            shown.append(rule)
            counts[rule["kind"]] = counts.get(rule["kind"], 0) + 1
    return shown[:_RULES]


def _utility(u: dict[str, Any]) -> str:
    if u.get("models") is None:
        return f"<h2>Utility</h2><p>{escape(u['sentence'])}</p>"
    rows = []
    trivial = u.get("trivial") or {}
    for model, result in u["models"].items():
        for metric in result["real"]:
            synthetic = _num(result["synthetic"][metric])
            if metric == "roc_auc" and (result["synthetic"][metric] or 1.0) < 0.5:
                synthetic = _Flag(f"{synthetic} < 0.5: worse than chance")
            rows.append(
                [
                    model,
                    metric,
                    _num(result["real"][metric]),
                    synthetic,
                    _num(trivial.get(metric)),
                    _num(result["ratio"][metric]),
                ]
            )
    counts = u["rows"]
    return (
        f"<h2>Utility</h2><p>{u['task'].capitalize()} of <b>{escape(u['target'])}</b>; trained on "
        f"{counts['train_real']:,} real or {counts['train_synthetic']:,} synthetic rows, tested "
        f"on {counts['test']:,} real rows. Ratio = synthetic / real (for MAE, real / synthetic), "
        "1 = as useful. Trivial: always the real training rows' majority class (or their mean), "
        f"which any useful model beats. Gain (share of the real models' lead over the trivial "
        f"one kept by the synthetic models): <b>{_num(u.get('gain'))}</b>.</p>"
        + _table(
            ["model", "metric", "trained on real", "trained on synthetic", "trivial", "ratio"], rows
        )
    )


def _diversity(d: dict[str, Any]) -> str:
    head = _table(
        ["measure", "value", "meaning"],
        [
            [
                "category coverage",
                _num(d["category_coverage"]),
                "share of real categories produced",
            ],
            ["range coverage", _num(d["range_coverage"]), "share of real ranges reached"],
            [
                "k-NN precision",
                _num(d["knn_precision"]),
                "synthetic rows inside the real data; unseen real rows: "
                + _num((d.get("reference") or {}).get("knn_precision")),
            ],
            [
                "k-NN recall",
                _num(d["knn_recall"]),
                "real rows reached by synthetic ones; unseen real rows: "
                + _num((d.get("reference") or {}).get("knn_recall")),
            ],
        ],
    )
    per_column = _table(
        ["column", "coverage"],
        [
            [c, _num(v.get("category_coverage", v.get("range_coverage")))]
            for c, v in sorted(d["columns"].items(), key=lambda kv: _key(_first(kv[1])))
        ],
    )
    return (
        f"<h2>Diversity</h2>{head}<p class='note'>k-NN with k = {d['knn_k']} on "
        f"{d['knn_rows'][0]:,} real and {d['knn_rows'][1]:,} synthetic rows.</p>"
        f"<details><summary>Coverage per column</summary>{per_column}</details>"
    )


def _privacy(p: dict[str, Any], figures: dict[str, Any]) -> str:
    rows = [
        [
            "exact copies of training rows",
            _pct(p["exact_copy_share"]),
            "share of synthetic rows equal to a training row",
        ],
        [
            "holdout rows equal to training rows",
            _pct(p["holdout_exact_copy_share"]),
            "duplicates that occur naturally",
        ],
        [
            "DCR synthetic, 5th percentile",
            _num(p["dcr_synthetic_p5"]),
            "distance from synthetic rows to the closest training row",
        ],
        [
            "DCR holdout, 5th percentile",
            _num(p["dcr_holdout_p5"]),
            "the same for real rows never seen in training",
        ],
        [
            "synthetic rows closer than holdout p5",
            _pct(p["share_closer_than_holdout_p5"]),
            "about 5% expected",
        ],
        [
            "NNDR synthetic, median",
            _num(p["nndr_synthetic"]["p50"]),
            "nearest / second-nearest distance, near 0 = singled out",
        ],
        [
            "NNDR holdout, median",
            _num((p.get("nndr_holdout") or {}).get("p50")),
            "the same for unseen real rows (the reference)",
        ],
        ["membership attack ROC AUC", _num(p["membership_auc"]), "0.5 = no leak"],
    ]
    share = p.get("dcr_share")
    if share:
        rows.insert(
            2,
            [
                "DCR share",
                f"{_pct(share['share'])} ({_pct(share['low'])}–{_pct(share['high'])})",
                f"synthetic rows closer to {share['reference_rows']:,} training rows than to as "
                "many holdout rows; 50% ideal (95% Wilson interval)",
            ],
        )
    attacks = ""
    if p["attribute_inference"]:
        attacks = "<h3>Attribute inference</h3>" + _table(
            ["sensitive column", "metric", "training rows", "holdout rows", "baseline", "leak"],
            [
                [
                    a["sensitive"],
                    a["metric"],
                    _num(a["training_rows"]),
                    _num(a["holdout_rows"]),
                    _num(a["baseline"]),
                    _num(a["leak"]),
                ]
                for a in p["attribute_inference"]
            ],
        )
    if p.get("attacks"):
        attacks += _attacks(p["attacks"])
    image = ""
    if figures.get("dcr_synthetic") is not None:
        png = plots.dcr_png(figures["dcr_synthetic"], figures.get("dcr_holdout"))
        image = f"<div class='wide'><img alt='DCR' src='data:image/png;base64,{png}'></div>"
    counts = p["dcr_rows"]
    return (
        f"<h2>Privacy</h2><p>{escape(p['sentence'])}</p>"
        f"{_table(['measure', 'value', 'meaning'], rows)}{image}"
        f"<p class='note'>Distances on {counts['queries']:,} query rows per table to "
        f"{counts['reference']:,} training rows, in the normalised feature space.</p>{attacks}"
    )


def _attacks(attacks: list[dict[str, Any]]) -> str:
    """The anonymeter-style attacks: success rates of main, control and baseline, and the risk."""
    rows = []
    for a in attacks:
        risk = "–"
        if a["risk"] is not None:
            risk = f"{a['risk']:.2f} ({a['risk_low']:.2f} to {a['risk_high']:.2f})"
            if a["risk_low"] > 0.1:
                risk = _Flag(risk)
        rows.append(
            [
                a["attack"],
                a["detail"],
                _pct(a["main"]["rate"]),
                _pct(a["control"]["rate"]),
                _pct(a["baseline"]["rate"]),
                risk,
                a["main"]["n"],
            ]
        )
    return (
        "<h3>Attacks</h3><p class='note'>Success rates of each attack on training rows (main), "
        "on unseen holdout rows (control) and of a naive guess (baseline); risk = (main − "
        "control) / (1 − control) with its 95% interval: 0 means the synthetic rows help the "
        "attacker no more on the people they were made from than on anyone else.</p>"
        + _table(["attack", "on", "main", "control", "baseline", "risk (95% CI)", "attempts"], rows)
    )


def _bias(b: dict[str, Any]) -> str:
    parts = [f"<h2>Bias</h2><p>{escape(b['sentence'])}</p>"]
    if b.get("target_balance"):
        balance = b["target_balance"]
        parts.append("<h3>Target class balance</h3>" + _shares_table(balance))
    for name, group in (b.get("groups") or {}).items():
        parts.append(f"<h3>Groups of {escape(name)}</h3>" + _shares_table(group["balance"]))
        rates = group.get("target_rates")
        if rates:
            what = f"share of '{rates['positive']}'" if rates["positive"] else "mean of the target"
            parts.append(
                f"<p class='note'>Target rate by group ({escape(what)}): "
                f"gap {rates['gap_real']:.3f} real vs {rates['gap_synthetic']:.3f} synthetic.</p>"
                + _table(
                    ["group", "real", "synthetic"],
                    [
                        [g, _num(v), _num(rates["rates_synthetic"].get(g))]
                        for g, v in rates["rates_real"].items()
                    ],
                )
            )
    return "".join(parts)


def _scope(settings: dict[str, Any]) -> str:
    if settings.get("whole_table"):
        return "Column and pair scores below use every row of the seeded samples."
    return "Column and pair scores use every row."


def _method(settings: dict[str, Any]) -> str:
    excluded = _table(
        ["column", "left out because"], [[c, r] for c, r in settings["excluded_columns"].items()]
    )
    limits = settings["limits"]
    notes = "".join(f"<li>{escape(n)}</li>" for n in settings["notes"])
    return (
        "<h2>Method</h2><ul class='note'>"
        f"<li>{_scope(settings)} The detection classifier, utility models and "
        f"attribute inference use at most {limits['model_rows']:,} rows per table; distances to "
        f"closest records use {limits['query_rows']:,} query rows against at most "
        f"{limits['reference_rows']:,} reference rows; k-NN precision/recall use "
        f"{limits['knn_rows']:,} rows per table; each privacy attack "
        f"{limits.get('attack_targets', 500):,} target rows or predicates (singling out counts "
        f"them on at most {limits['reference_rows']:,} rows per table, and with fewer holdout "
        "than training rows extrapolates the control to the training table's size with a "
        "Poisson-Gamma model). Samples are drawn without replacement with "
        f"seed {settings['seed']}.</li>"
        "<li>Datetimes are compared as numbers. Id, personal-data, free-text and constant "
        "columns are left out of every metric.</li>"
        f"{notes}</ul>"
        + (f"<h3>Columns left out</h3>{excluded}" if settings["excluded_columns"] else "")
    )


def _shares_table(balance: dict[str, Any]) -> str:
    real, synth = balance["real"], balance["synthetic"]
    keys = sorted(real, key=lambda k: -real[k])[:30]
    return _table(
        ["value", "real", "synthetic"], [[k, _pct(real[k]), _pct(synth.get(k))] for k in keys]
    )


def _pair_values(p: dict[str, Any]) -> list[str]:
    if p["metric"] == "correlation similarity":
        return [_num(p.get("pearson_real")), _num(p.get("pearson_synthetic"))]
    return [
        f"NMI {_num(p['mutual_information_real'])}",
        f"NMI {_num(p['mutual_information_synthetic'])}",
    ]


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in rows)
    return f"<div class='scroll'><table><tr>{head}</tr>{body}</table></div>"


class _Flag(str):
    """Table text shown in red (a score worse than chance)."""


def _cell(value: Any) -> str:
    text = str(value)
    if isinstance(value, _Flag):
        return f"<td class='n bad'>{escape(text)}</td>"
    numeric = text.replace(".", "", 1).replace("-", "", 1).replace("%", "").isdigit()
    if numeric or text == "–":
        return f"<td class='n'>{escape(text)}</td>"
    if len(text) > _CUT:
        return f"<td title='{escape(text)}'>{escape(plots.short(text, _CUT))}</td>"
    return f"<td>{escape(text)}</td>"


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


def _first(entry: dict[str, Any]) -> Any:
    return next(iter(entry.values()), None)


def _key(value: Any) -> float:
    return 2.0 if value is None or value != value else float(value)
