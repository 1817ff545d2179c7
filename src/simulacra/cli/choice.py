"""The model `simulacra fit` learns a table with when no `-m` is given, and the time budget.

Without `-m`, the table gets the ensemble (`synthesizers/ensemble.py`): its members learn most
rows and a discriminator trained on the held-out rest keeps their most realistic rows, so the
combination is chosen by validation, within `--time-budget` (default `DEFAULT_BUDGET`
seconds for the whole fit). A table of fewer than `SMALL_TABLE_ROWS` rows gets ddpm on all of
its rows instead: held-out rows that few teach the discriminator little and cost the members
a fifth of what they could learn. On wa_churn subsets (benchmarks/results/fewshot, 20 subsets
of 200 rows) ddpm's C2ST is 0.901 against the ensemble's 0.931, quality 0.930 against 0.895;
in a probe of 2-3 subsets per size, 0.735 / 0.637 / 0.595 at 500 / 1,000 / 2,000 rows
against 0.815 / 0.708 / 0.606, and at 4,000 ddpm's 0.533 against 0.558 but the ensemble's
TSTR higher (on the 5,634 rows of benchmarks/results/realism the ensemble is ahead).
Where the ensemble cannot go, the best model that can:
under `--epsilon`, mst (DP marginals; the best measured DP model, benchmarks/results/privacy);
with `--engine dask` or `--sequence-key`, the autoregressive model (it streams and learns
sequences).
"""

from __future__ import annotations

from ..errors import ParameterError
from ..registry import get

DEFAULT_BUDGET = 300.0
SMALL_TABLE_ROWS = 2_000
DEFAULT_HELP = (
    "default: chosen for the table: the ensemble (the autoregressive model, ddpm and the "
    f"copula combined by a discriminator on held-out rows) within --time-budget; ddpm under "
    f"{SMALL_TABLE_ROWS:,} rows; mst under --epsilon; autoregressive with --engine dask or "
    "--sequence-key"
)


def choose_model(
    model: str | None,
    epsilon: float | None,
    engine: str,
    sequence_key: str | None,
    rows: int | None = None,
) -> tuple[str, str | None]:
    """(the model to fit, why it was chosen: None when `-m` named it); `rows`: the table's
    row count, where it is read before the fit."""
    if model is not None:
        return model, None
    if sequence_key is not None:
        return "autoregressive", "it learns sequences (--sequence-key)"
    if epsilon is not None:
        return "mst", "the most accurate DP model measured (--epsilon)"
    if engine != "local":
        return "autoregressive", "it streams minibatches from Dask partitions"
    if rows is not None and rows < SMALL_TABLE_ROWS:
        return "ddpm", (
            f"{rows:,} rows, under {SMALL_TABLE_ROWS:,}: too few to hold some out for the "
            "ensemble's discriminator; ddpm learns all of them"
        )
    return "ensemble", "members combined by a discriminator trained on held-out rows"


def budget_params(model: str, chosen: bool, seconds: float | None) -> dict[str, float]:
    """The time budget parameter for `model`: `seconds` (or, for a chosen model, the default)
    when the model trains in epochs; an error when `--time-budget` names a model that does not."""
    takes = "time_budget" in get(model)._param_names()
    if seconds is not None and not takes:
        raise ParameterError(
            f"--time-budget: {model} does not train in epochs (it fits in one pass); "
            "leave it out, or use a neural model or the ensemble"
        )
    if takes and (seconds is not None or chosen):
        return {"time_budget": seconds if seconds is not None else DEFAULT_BUDGET}
    return {}


def check_fit_options(
    epsilon: float | None, infer_schema: bool, engine: str, steps: int | None
) -> None:
    """One error line for `fit` options that go only with another."""
    if infer_schema and epsilon is None:
        raise ParameterError("--infer-schema goes with --epsilon (a DP fit)")
    if steps is not None and engine != "dask":
        raise ParameterError("--steps needs --engine dask (a local fit trains for --epochs)")
