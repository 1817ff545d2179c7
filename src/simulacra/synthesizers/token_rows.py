"""The autoregressive model's training rows as tokens: each token column of the encoded rows
as a small integer (int16 while every column has fewer than 32,767 tokens), made a part of
the rows at a time, so that a fit never holds the float matrix of the whole table.

A 1,050,300-event sequence fit (103 encoded columns, 69 of them tokens) held the encoded
matrix in float64 (866 MB), its float32 copy for torch (433 MB) and the tokens in int64
(580 MB); the tokens in int16 are 145 MB. Training converts each minibatch to int64.

`held_out_order` puts the rows held out for early stopping first (whole entities' rows in a
sequence fit)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

TOKEN_ROWS = 65_536  # rows encoded, or turned into tokens, together
SMALL_TOKENS = 32_767  # int16 holds every token and the hidden marker below this count


def token_dtype(sizes: list[int]) -> type[np.signedinteger[Any]]:
    """The smallest integer type that holds each column's tokens and its hidden marker."""
    return np.int16 if max(sizes, default=0) < SMALL_TOKENS else np.int32


def encode_tokens(
    transformer: Any, table: pd.DataFrame, columns: list[int], sizes: list[int]
) -> np.ndarray:
    """The token columns (`columns`, encoded column indexes) of `table`'s encoded rows,
    encoded `TOKEN_ROWS` rows at a time from one random stream."""
    out = np.empty((len(table), len(columns)), token_dtype(sizes))
    rng = transformer.encoding_rng()
    for start in range(0, len(table), TOKEN_ROWS):
        part = transformer.encode(table.iloc[start : start + TOKEN_ROWS], rng, np.float32)
        out[start : start + len(part)] = np.rint(part[:, columns])
    return out


def token_rows(data: torch.Tensor, columns: list[int], order: torch.Tensor | None) -> torch.Tensor:
    """The token columns of the rows (in `order`): integer `data` holds them already
    (`encode_tokens`); a float matrix (a buffer the Dask engine streams) is turned into int64
    tokens `TOKEN_ROWS` rows at a time, no float copy of the whole matrix on the way."""
    if not data.is_floating_point():
        return data if order is None else data.index_select(0, order)
    rows = order if order is not None else torch.arange(len(data), device=data.device)
    tokens = torch.empty((len(rows), len(columns)), dtype=torch.long, device=data.device)
    index = torch.tensor(columns, dtype=torch.long, device=data.device)
    for start in range(0, len(rows), TOKEN_ROWS):
        part = rows[start : start + TOKEN_ROWS]
        tokens[start : start + len(part)] = data[part][:, index].round().long()
    return tokens


def held_out_order(
    rows: int, share: float, entities: np.ndarray | None, device: torch.device
) -> tuple[torch.Tensor, int]:
    """The order of the training rows with the held-out ones first, and how many are held
    out: a random `share` of the rows (of tables of 50 rows or more), or, when each row
    belongs to an entity (`entities`), every row of a random `share` of the entities, so an
    entity's events never sit on both sides."""
    if entities is None:
        order = torch.randperm(rows, device=device)
        return order, int(rows * share) if rows >= 50 else 0
    count = int(entities.max(initial=0)) + 1
    chosen = torch.randperm(count)[: int(count * share) if rows >= 50 else 0]
    held = torch.zeros(count, dtype=torch.bool)
    held[chosen] = True
    is_held = held[torch.from_numpy(entities)]
    order = torch.cat([is_held.nonzero().squeeze(1), (~is_held).nonzero().squeeze(1)])
    return order.to(device), int(is_held.sum())
