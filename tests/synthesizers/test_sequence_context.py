"""The context of a sequence model reaches its events: each step row carries its own
entity's context (whatever the order of the context table, with entities without events),
and the filler values of empty cells are never learned as targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulacra import Synthesizer


def _tables(rows: int = 600) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(4)
    context = pd.DataFrame(
        {
            "customer_id": np.arange(1, rows + 1),
            "age": rng.integers(18, 80, rows),
            "segment": rng.choice(["a", "b"], rows),
        }
    )
    counts = rng.poisson(np.where(context["segment"] == "a", 0.3, 3.0))
    events = pd.DataFrame(
        {
            "customer_id": np.repeat(context["customer_id"], counts),
            "balance": np.repeat(context["age"].to_numpy(), counts) * 10.0
            + rng.normal(0, 20, counts.sum()),
        }
    )
    events["pos"] = events.groupby("customer_id").cumcount()
    # the context in another order than the events, some entities without events
    return events, context.sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_events_follow_their_own_entitys_context() -> None:
    events, context = _tables()
    model = Synthesizer(
        "autoregressive", sequence_key="customer_id", sequence_index="pos", seed=0, verbose=False
    ).fit(events, context=context)
    sampled = model.sample(context=context, seed=1)
    joined = sampled.merge(context, on="customer_id")
    real = events.merge(context, on="customer_id")
    assert np.corrcoef(real["age"], real["balance"])[0, 1] > 0.95
    # before the context was aligned by key, this was about 0.05
    assert np.corrcoef(joined["age"], joined["balance"])[0, 1] > 0.4
    per_entity = sampled.groupby("customer_id").size().reindex(context["customer_id"], fill_value=0)
    segment = context.set_index("customer_id")["segment"]
    assert per_entity[segment == "a"].mean() < 1.0 < 2.0 < per_entity[segment == "b"].mean()
