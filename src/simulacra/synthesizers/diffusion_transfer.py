"""ddpm started from a base model of a related table (`fit_from`, `simulacra fit --init`): the
denoiser's weights that belong to no column (time input, trunk) are the base's, and so are
those of each column the two share with the same encoding; the others start at zero on the
input side, so the base's function holds until training moves them (`transfer.py` says which
columns are shared and carries the base's encodings over).

The layout of the denoiser (`diffusion_net.Denoiser`): the numbers' input map reads, for number
j of n, columns j (noisy), n + j (clean) and 2n + j (known flag); token k of token column j is
embedding row offsets[j] + k (k = size: the mask); the head gives the n numbers' v first,
then each token column's logits in turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import ParameterError

if TYPE_CHECKING:
    from .diffusion_net import Denoiser
    from .diffusion_train import DiffusionTraining
    from .transfer import Transfer

# fine-tuning steps at this share of the learning rate (the autoregressive model's share)
FINE_TUNE_LR = 0.1


def start_from(model: DiffusionTraining, start: Transfer) -> None:
    """`model`'s freshly built networks (trained and averaged) take the base's weights."""
    base = start.base
    mine, theirs = list(model.hidden_dims), list(base.hidden_dims)  # type: ignore[attr-defined]
    if mine != theirs:
        raise ParameterError(
            f"init: {start.source} has layers {theirs}, this fit {mine}: give the base's "
            "hidden_dims"
        )
    live: Denoiser = model._live
    old: Denoiser = base.net_.to(model.device_)  # type: ignore[attr-defined]
    shared = set(start.shared)
    numbers = _pairs(_keys(model, "normal"), _keys(base, "normal"), shared)
    tokens = _pairs(_keys(model, "token"), _keys(base, "token"), shared)
    tokens = [(j, i) for j, i in tokens if model.sizes_[j] == base.sizes_[i]]  # type: ignore[attr-defined]
    with torch.no_grad():
        live.time_in.load_state_dict(old.time_in.state_dict())
        live.trunk.load_state_dict(old.trunk.state_dict())
        _numbers_in(live, old, numbers)
        _tokens_in(live, old, tokens)
        _head(live, old, numbers, tokens)
    model.net_.load_state_dict(live.state_dict())  # the moving average starts at the base
    model._lr_scale = FINE_TUNE_LR


def _keys(model: object, activation: str) -> list[tuple[str, str]]:
    blocks = model.transformer_.blocks_  # type: ignore[attr-defined]
    return [(b.column, b.role) for b in blocks if b.activation == activation]


def _pairs(
    mine: list[tuple[str, str]], theirs: list[tuple[str, str]], shared: set[str]
) -> list[tuple[int, int]]:
    """(index here, index in the base) of each shared column's block."""
    where = {key: i for i, key in enumerate(theirs)}
    return [(j, where[key]) for j, key in enumerate(mine) if key[0] in shared and key in where]


def _numbers_in(live: Denoiser, old: Denoiser, pairs: list[tuple[int, int]]) -> None:
    if live.number_in is None:
        return
    live.number_in.weight.zero_()
    live.number_in.bias.zero_()
    if old.number_in is None:
        return
    live.number_in.bias.copy_(old.number_in.bias)
    n, m = live.numbers, old.numbers
    for j, i in pairs:
        for part in range(3):  # noisy, clean, flag
            live.number_in.weight[:, part * n + j] = old.number_in.weight[:, part * m + i]


def _tokens_in(live: Denoiser, old: Denoiser, pairs: list[tuple[int, int]]) -> None:
    if live.token_in is None:
        return
    live.token_in.weight.zero_()
    if old.token_in is None:
        return
    for j, i in pairs:
        size = live.sizes[j] + 1  # the mask token's vector too
        here, there = int(live.offsets[j]), int(old.offsets[i])
        live.token_in.weight[here : here + size] = old.token_in.weight[there : there + size]


def _head(
    live: Denoiser, old: Denoiser, numbers: list[tuple[int, int]], tokens: list[tuple[int, int]]
) -> None:
    for j, i in numbers:
        live.head.weight[j] = old.head.weight[i]
        live.head.bias[j] = old.head.bias[i]
    mine = live.numbers + np.concatenate([[0], np.cumsum(live.sizes)])
    theirs = old.numbers + np.concatenate([[0], np.cumsum(old.sizes)])
    for j, i in tokens:
        size = live.sizes[j]
        rows, base_rows = slice(mine[j], mine[j] + size), slice(theirs[i], theirs[i] + size)
        live.head.weight[rows] = old.head.weight[base_rows]
        live.head.bias[rows] = old.head.bias[base_rows]
