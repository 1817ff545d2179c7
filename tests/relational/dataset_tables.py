"""A small bank: customers -> accounts -> transactions, with a second foreign key from each
transaction to the account it pays (nullable), for the dataset tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def bank(customers: int = 300, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    people = pd.DataFrame(
        {
            "customer_id": np.arange(1, customers + 1),
            "age": rng.integers(18, 80, customers),
            "segment": rng.choice(["retail", "business"], customers, p=[0.6, 0.4]),
        }
    )
    per = rng.poisson(np.where(people["segment"] == "retail", 0.5, 3.0))
    accounts = pd.DataFrame(
        {
            "account_id": [f"AC{i:05d}" for i in rng.permutation(90_000)[: per.sum()]],
            "customer_id": np.repeat(people["customer_id"].to_numpy(), per),
            "balance": np.repeat(people["age"].to_numpy(), per) * 10.0
            + rng.gamma(2.0, 50.0, per.sum()),
        }
    )
    moves = rng.poisson(2.0, len(accounts))
    transactions = pd.DataFrame(
        {
            "account_id": np.repeat(accounts["account_id"].to_numpy(), moves),
            "day": np.concatenate([np.sort(rng.integers(0, 365, m)) for m in moves]),
            "amount": rng.exponential(40.0, moves.sum()).round(2),
        }
    )
    payee = rng.choice(accounts["account_id"].to_numpy(), len(transactions)).astype(object)
    payee[rng.random(len(transactions)) < 0.3] = None
    transactions["payee_account_id"] = payee
    return {"customers": people, "accounts": accounts, "transactions": transactions}
