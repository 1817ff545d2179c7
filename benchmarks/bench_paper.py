"""The reference paper reproduced: `simulacra reproduce paper` into results/paper/, stamped.

    .venv/bin/python benchmarks/bench_paper.py [reproduce options: --seeds 5 --epochs 5 ...]
Runs the command with those options (default: 5 seeds, the claim on 1 seed with every
registered synthesizer) into results/paper/ (results.json, results.md and the PNGs of Figure 1,
Figure 2 and Table 1), then adds the run's code version, date, machine and command to
results.json and results.md, which the command itself does not record.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from common import machine, results_dir, write_results


def main() -> None:
    options = sys.argv[1:]
    if any(o in ("-o", "--out") or o.startswith("--out=") for o in options):
        sys.exit("bench_paper.py writes into results/paper/; leave out --out")
    run = machine()
    folder = results_dir("paper")
    cli = Path(sys.executable).with_name("simulacra")
    subprocess.run([str(cli), "reproduce", "paper", "--out", str(folder), *options], check=True)
    data = json.loads((folder / "results.json").read_text())
    markdown = (folder / "results.md").read_text()
    write_results("results", {"machine": run, **data}, markdown, folder="paper")


if __name__ == "__main__":
    main()
