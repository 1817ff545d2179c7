"""Start-up cost of the commands (issue 26): loading the models and the rule parser does not
import scipy.stats (~0.4 s of every `fit` and `sample` before a row is read); it loads where a
parametric marginal, a specification or the evaluation needs it."""

from __future__ import annotations

import subprocess
import sys


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
