"""The HTML report in a real browser: headless Chromium at desktop (1400 px) and phone (420 px)
widths, with no console errors and nothing fetched from the network.

Needs `chromium-headless-shell` or `chromium` on PATH (Debian: `apt-get install
chromium-headless-shell`; `make screenshot` in the README); skipped when neither is there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import simulacra
from simulacra.evaluation import Limits

BROWSER = shutil.which("chromium-headless-shell") or shutil.which("chromium")
SMALL = Limits(model_rows=1_000, query_rows=500, reference_rows=2_000, knn_rows=500)


def screenshot(page: Path, png: Path, width: int, height: int = 2400) -> str:
    """Render `page` into `png`; returns the browser's log (console messages included)."""
    assert BROWSER is not None
    done = subprocess.run(
        [
            BROWSER,
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            # any attempt to reach the network fails and is logged
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


@pytest.mark.slow
@pytest.mark.skipif(BROWSER is None, reason="no headless Chromium on PATH")
def test_report_renders_at_desktop_and_phone_width(churn: pd.DataFrame, tmp_path: Path) -> None:
    rows = churn.sample(1500, random_state=0).reset_index(drop=True)
    train, holdout = rows.iloc[:1000], rows.iloc[1000:]
    synth = simulacra.Synthesizer("copula", seed=0, verbose=False).fit(train).sample(1000, seed=0)
    report = simulacra.evaluate(
        train, synth, holdout=holdout, target="churn", limits=SMALL, verbose=False
    )
    page = report.to_html(tmp_path / "report.html")
    text = page.read_text()
    assert not re.search(r"(src|href)=['\"](?!data:|#)", text)  # everything embedded
    for width in (1400, 420):
        png = tmp_path / f"report_{width}.png"
        log = screenshot(page, png, width)
        assert png.stat().st_size > 50_000
        assert "CONSOLE" not in log, log
        assert "ERR_NAME_NOT_RESOLVED" not in log and "net::ERR" not in log, log
