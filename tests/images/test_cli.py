"""`simulacra images fit|sample|evaluate` end to end on a tiny IDX file, plus a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulacra.cli import main
from simulacra.images import ImageSet, ImageSynthesizer
from simulacra.images.idx import write_idx
from simulacra.images.models import ImageVAE


def run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_fit_sample_evaluate(
    tmp_path: Path, digits16: ImageSet, capsys: pytest.CaptureFixture[str]
) -> None:
    pick = np.arange(300)
    assert digits16.labels is not None
    write_idx(
        tmp_path / "d-images-idx3-ubyte.gz", np.round(digits16.images[pick] * 255).astype(np.uint8)
    )
    write_idx(tmp_path / "d-labels-idx1-ubyte.gz", digits16.labels[pick].astype(np.uint8))
    data, model, out = (
        tmp_path / "d-images-idx3-ubyte.gz",
        tmp_path / "m.simulacra",
        tmp_path / "out",
    )
    assert run(["-q", "images", "fit", str(data), "-m", "vae", "--epochs", "3", "--conditional",
                "--lr", "0.002", "--threads", "1", "-o", str(model)]) == 0  # fmt: skip
    fitted = ImageSynthesizer.load(model)
    assert isinstance(fitted, ImageVAE) and fitted.epochs == 3 and fitted.learning_rate == 0.002
    assert fitted.step_size == 10  # options not given keep the model's defaults
    assert (
        run(["-q", "images", "sample", str(model), "-n", "12", "--label", "7", "-o", str(out)]) == 0
    )
    names = {p.name for p in out.iterdir()}
    assert {f"synthetic_image_{i}.png" for i in range(12)} <= names
    assert {"grid.png", "loss_curve.png", "samples.npz"} <= names
    with Image.open(out / "synthetic_image_0.png") as image:
        assert image.size == (16, 16) and image.mode == "L"
    with Image.open(out / "grid.png") as grid:
        assert grid.size[0] > grid.size[1] > 0  # 10 columns, 2 rows
    report, metrics = tmp_path / "r.html", tmp_path / "m.json"
    assert run(["-q", "images", "evaluate", str(data), str(out), "--json", str(metrics),
                "--report", str(report), "--threads", "1"]) == 0  # fmt: skip
    result = json.loads(metrics.read_text())
    assert result["synthetic_images"] == 12 and "label_agreement" in result
    page = report.read_text()
    assert "NOT Inception-FID" in page and page.count("data:image/png;base64,") == 3
    assert "feature Frechet" in capsys.readouterr().out


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["images", "sample", str(tmp_path / "none.simulacra"), "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err  # status lines, when not quiet, then the one error line
    assert err.splitlines()[-1].startswith("error: ") and "no such model file" in err
    assert "Traceback" not in err
    fit = ["-q", "images", "fit", "digits", "--size", "8", "-o", str(tmp_path / "m.simulacra")]
    assert run([*fit, "-m", "vae", "--generators", "2"]) == 1
    assert "vae has no parameter 'n_generators'" in capsys.readouterr().err
    assert run([*fit, "-m", "gan", "--learning-rate", "3"]) == 1
    assert "learning_rate must be" in capsys.readouterr().err
    assert not (tmp_path / "m.simulacra").exists()
