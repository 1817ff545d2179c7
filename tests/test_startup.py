"""Start-up: `simulacra --help` imports none of the heavy modules; `import simulacra` loads no
submodule until a name is used; loading the models and the rule parser does not import
scipy.stats (~0.4 s of every `fit` and `sample`: issue 26), which loads where a parametric
marginal, a specification or the evaluation needs it."""

from __future__ import annotations

import json
import subprocess
import sys

# third-party libraries and simulacra packages that only commands which use them may import
HEAVY = [
    "faker",
    "matplotlib",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "rich.markdown",
    "scipy",
    "simulacra.evaluation",
    "simulacra.images",
    "simulacra.specs",
    "simulacra.synthesizers",
    "sklearn",
    "torch",
]

HELP_OF_EVERY_COMMAND = """
import contextlib, io, json, sys
import simulacra.cli
from simulacra.cli import main

def show(args):
    with contextlib.redirect_stdout(io.StringIO()) as text:
        try:
            main(args)
        except SystemExit:
            pass
    return text.getvalue()

texts = [show(["--help"]), show(["--version"])]
for command in ["inspect", "fit", "sample", "demo", "evaluate", "generate"]:
    texts.append(show([command, "--help"]))
for group, commands in [("images", ["fit", "sample", "evaluate"]), ("reproduce", ["paper"])]:
    texts.append(show([group, "--help"]))
    texts += [show([group, command, "--help"]) for command in commands]
print(json.dumps({"texts": texts, "modules": sorted(sys.modules)}))
"""


def test_help_imports_no_heavy_module() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELP_OF_EVERY_COMMAND], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert all("Usage: simulacra" in text for text in result["texts"][2:])
    assert result["texts"][1].startswith("simulacra ")
    loaded = set(result["modules"])
    assert sorted(name for name in HEAVY if name in loaded) == []


def test_import_simulacra_is_lazy() -> None:
    """`import simulacra` loads no submodule until a public name is used, then only its own."""
    code = (
        "import sys, simulacra; before = set(sys.modules); simulacra.ParameterError; "
        "after = set(sys.modules); print(sorted(n for n in after - before "
        "if n.startswith('simulacra')), 'pandas' in after, "
        "sorted(n for n in before if n.startswith('simulacra.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["['simulacra.errors']", "False", "[]"]


def test_the_models_load_without_scipy_stats() -> None:
    code = (
        "import sys, simulacra.synthesizers, simulacra.rules, simulacra.specs.rules, "
        "simulacra.cli.table; print('scipy.stats' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_parametric_marginals_and_specs_still_load_it() -> None:
    import numpy as np

    from simulacra.specs import Spec, generate, scenario_names
    from simulacra.transforms.parametric import ParametricNormal

    assert Spec.__name__ == "Spec" and scenario_names()
    encoder = ParametricNormal()
    encoder._fit(np.random.default_rng(0).gamma(2.0, size=500), np.random.default_rng(0))
    assert encoder.family_ in ("gamma", "lognorm", "beta", "t", "truncnorm")
    frame = generate({"columns": {"x": {"distribution": "normal"}}}, 50)
    assert len(frame) == 50


QUIET_FIT_AND_SAMPLE = """
import json, sys
import numpy as np, pandas as pd
from simulacra.cli import main

folder = sys.argv[1]
rng = np.random.default_rng(0)
pd.DataFrame({"x": rng.normal(size=300), "kind": rng.choice(["a", "b"], 300)}).to_csv(
    folder + "/t.csv", index=False
)
for args in (["-q", "fit", folder + "/t.csv", "-m", "copula", "-o", folder + "/m.simulacra"],
             ["-q", "sample", folder + "/m.simulacra", "-n", "50", "-o", folder + "/s.csv"]):
    try:
        main(args)
    except SystemExit as exit:
        assert not exit.code, exit.code
print(json.dumps(sorted(sys.modules)))
"""


def test_a_quiet_fit_and_sample_import_no_faker_and_no_progress_bars(tmp_path) -> None:
    """Faker loads only for personal columns and rich's progress bars only when shown: 0.1 s
    of each quiet command's start-up (issue 26: whole-process copula)."""
    done = subprocess.run(
        [sys.executable, "-c", QUIET_FIT_AND_SAMPLE, str(tmp_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "simulacra.synthesizers.copula" in loaded and (tmp_path / "s.csv").exists()
    assert sorted({"faker", "rich.progress"} & loaded) == []
