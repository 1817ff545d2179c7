"""Copula benchmark: speed and fidelity against SDV, sampling throughput, streaming memory.

Run: python benchmarks/bench_copula.py   (SDV_PYTHON=/path/to/python-with-sdv to compare SDV)
Writes results/copula/copula.json and .md.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, run_measured, table, timed, write_results  # noqa: E402
from sdv_runner import run_sdv, sdv_available  # noqa: E402
from simulacra import Metadata, Synthesizer  # noqa: E402
from simulacra.cli.demo import load_diamonds  # noqa: E402
from simulacra.evaluation.fidelity import ks_complement, tv_complement  # noqa: E402

STREAM_ROWS = 10_000_000
FLOOR_ROWS = 1_000_000


def fidelity(real: pd.DataFrame, synth: pd.DataFrame) -> dict[str, float]:
    """Mean KS/TV complement, and correlation similarity 1 - |rho_r - rho_s| / 2 (Pearson)."""
    meta = Metadata.infer(real)
    shapes = float(
        np.mean(
            [
                tv_complement(real[c], synth[c])
                if meta[c].kind in ("categorical", "boolean")
                else ks_complement(real[c], synth[c])
                for c in real.columns
            ]
        )
    )
    numeric = real.select_dtypes("number").columns
    gap = np.abs(real[numeric].corr().to_numpy() - synth[numeric].corr().to_numpy())
    upper = gap[np.triu_indices(len(numeric), 1)]
    return {"column_shapes": shapes, "correlation_similarity": float(np.mean(1 - upper / 2))}


def numpy_floor(syn: Synthesizer, rows: int) -> float:
    """Correlated normals plus a quantile lookup per column: the least any copula must do."""
    corr = syn.correlation_  # type: ignore[attr-defined]
    chol = np.linalg.cholesky(corr)
    grids = [np.sort(np.random.default_rng(i).normal(size=1000)) for i in range(corr.shape[0])]
    probs = np.linspace(0, 1, 1000)

    def run() -> np.ndarray:
        z = np.random.default_rng(0).standard_normal((rows, corr.shape[0])) @ chol.T
        u = ndtr(z)
        return np.column_stack([np.interp(u[:, j], probs, g) for j, g in enumerate(grids)])

    return timed(run)[0]


def stream_memory(model: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of `simulacra sample -n 10,000,000` to Parquet."""
    cli = Path(sys.executable).with_name("simulacra")
    args = [str(cli), "--quiet", "sample", str(model), "-n", str(STREAM_ROWS), "-o", str(out)]
    seconds, peak, _ = run_measured(args)
    return seconds, peak


# what every command imports before it reads a row: the command line, pandas (which imports
# pyarrow), Parquet, and the normal quantiles that every numerical column's transform uses
IMPORT_FLOOR = "import simulacra.cli, pandas, pyarrow.parquet, scipy.special"


def whole_process(data: Path, rows: int, folder: Path, sdv: str | None) -> dict[str, float]:
    """Wall seconds (median of 3) of whole processes, start-up and imports included: our
    `simulacra fit -m copula` then `simulacra sample -n rows` (two commands, Parquet in and
    out), and SDV's GaussianCopula fit and sample in one process (sdv_runner.py, Parquet in
    and out) when SDV_PYTHON is set; and the floor of any two of our commands: two
    interpreters that start and import what every command needs (`IMPORT_FLOOR`)."""
    cli = str(Path(sys.executable).with_name("simulacra"))
    model, out = folder / "whole.simulacra", folder / "whole.parquet"

    def ours() -> None:
        subprocess.run(
            [cli, "-q", "fit", str(data), "-m", "copula", "-o", str(model)], check=True
        )  # fmt: skip
        subprocess.run(
            [cli, "-q", "sample", str(model), "-n", str(rows), "-o", str(out)], check=True
        )  # fmt: skip

    result = {"simulacra_s": timed(ours)[0]}
    floor = [sys.executable, "-c", IMPORT_FLOOR]
    result["import_floor_s"] = timed(lambda: [subprocess.run(floor, check=True) for _ in (1, 2)])[0]
    if sdv:
        result["sdv_s"] = timed(lambda: run_sdv(sdv, "gaussiancopula", data, rows, out))[0]
        result["speedup"] = result["sdv_s"] / result["simulacra_s"]
    return result


def main() -> None:
    real = load_diamonds()
    rows = len(real)
    results: dict = {"machine": machine(), "rows": rows}
    speed_rows, quality_rows = [], []
    for marginals in ("empirical", "parametric"):

        def fit_sample(m: str = marginals) -> pd.DataFrame:
            syn = Synthesizer("copula", marginals=m, seed=0, verbose=False).fit(real)
            return syn.sample(rows, seed=0)

        seconds, synth = timed(fit_sample)
        quality = fidelity(real, synth)
        results[f"simulacra_{marginals}"] = {"fit_sample_s": seconds, **quality}
        speed_rows.append([f"simulacra copula ({marginals})", seconds])
        quality_rows.append([f"simulacra copula ({marginals})", *quality.values()])

    python = sdv_available()
    if python:
        with tempfile.TemporaryDirectory() as tmp:
            data, out = Path(tmp) / "real.parquet", Path(tmp) / "sdv.parquet"
            real.to_parquet(data, index=False)
            runs = [run_sdv(python, "gaussiancopula", data, rows, out) for _ in range(3)]
            sdv_seconds = float(np.median([r["fit_s"] + r["sample_s"] for r in runs]))
            quality = fidelity(real, pd.read_parquet(out))
        results["sdv_gaussiancopula"] = {
            "fit_sample_s": sdv_seconds,
            "version": runs[0]["version"],
            **quality,
        }
        speed_rows.append([f"SDV {runs[0]['version']} GaussianCopulaSynthesizer", sdv_seconds])
        quality_rows.append(["SDV GaussianCopulaSynthesizer", *quality.values()])
        ours = results["simulacra_empirical"]["fit_sample_s"]
        results["speedup_vs_sdv"] = sdv_seconds / ours
    else:
        results["sdv_gaussiancopula"] = "skipped: set SDV_PYTHON to an interpreter with sdv"

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "real.parquet"
        real.to_parquet(data, index=False)
        results["whole_process"] = whole_process(data, rows, Path(tmp), python or None)

    syn = Synthesizer("copula", seed=0, verbose=False).fit(real)
    sample_s, _ = timed(lambda: syn.sample(FLOOR_ROWS, seed=0))
    floor_s = numpy_floor(syn, FLOOR_ROWS)
    results["throughput"] = {
        "rows": FLOOR_ROWS,
        "simulacra_s": sample_s,
        "numpy_floor_s": floor_s,
        "ratio": sample_s / floor_s,
        "rows_per_s": FLOOR_ROWS / sample_s,
    }
    with tempfile.TemporaryDirectory() as tmp:
        model = syn.save(Path(tmp) / "m.simulacra")
        stream_s, peak_mib = stream_memory(model, Path(tmp) / "big.parquet")
        size_mib = (Path(tmp) / "big.parquet").stat().st_size / 2**20
    results["stream"] = {
        "rows": STREAM_ROWS,
        "seconds": stream_s,
        "peak_rss_mib": peak_mib,
        "file_mib": size_mib,
    }

    md = [
        "# Copula benchmark",
        f"Diamonds (ggplot2, {rows:,} x 10). Medians of 3 runs.",
        "",
        "## Fit + sample as many rows",
        table(["synthesizer", "seconds"], speed_rows),
    ]
    if "speedup_vs_sdv" in results:
        md.append(
            f"\nsimulacra (empirical) is **{results['speedup_vs_sdv']:.1f}x** faster than SDV."
        )
    whole = results["whole_process"]
    md += [
        "",
        "## Whole processes (start-up and imports included)",
        f"`simulacra fit -m copula` then `simulacra sample -n {rows:,}` (two commands, Parquet in "
        f"and out): {whole['simulacra_s']:.2f} s"
        + (
            f"; SDV's GaussianCopula fit and sample in one process: {whole['sdv_s']:.2f} s, "
            f"**{whole['speedup']:.1f}x** ours (target: 10x)."
            if "sdv_s" in whole
            else " (SDV skipped: set SDV_PYTHON)."
        ),
        f"\nThe floor of any two commands, two interpreters that only start and import what "
        f"every command needs (`{IMPORT_FLOOR}`): {whole['import_floor_s']:.2f} s"
        + (
            f", so that no pair of commands can be more than "
            f"{whole['sdv_s'] / whole['import_floor_s']:.1f}x faster than SDV's run (10x would "
            f"need both commands in {whole['sdv_s'] / 10:.2f} s)."
            if "sdv_s" in whole
            else "."
        ),
    ]
    md += [
        "",
        "## Fidelity (same rows as above)",
        table(
            ["synthesizer", "column shapes (KS/TV complement)", "correlation similarity"],
            quality_rows,
        ),
        "",
        f"## Sampling throughput ({FLOOR_ROWS:,} rows)",
        table(
            ["what", "seconds"],
            [
                ["simulacra sample", sample_s],
                ["numpy floor (correlated normals + quantile lookup)", floor_s],
            ],
        ),
        f"\nRatio simulacra / floor: **{sample_s / floor_s:.2f}x** (target: within 3x); "
        f"{FLOOR_ROWS / sample_s:,.0f} rows/s.",
        "",
        f"## Streaming {STREAM_ROWS:,} rows to Parquet (`simulacra sample`)",
        f"{stream_s:.1f} s, peak RSS **{peak_mib:.0f} MiB** (target: under 1024 MiB), "
        f"file {size_mib:.0f} MiB.",
    ]
    write_results("copula", results, "\n".join(md))


if __name__ == "__main__":
    main()
