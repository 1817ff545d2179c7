"""The model `mst` samples from: a Bayesian network over token columns in which each column has
at most two parents, and two parents are always joined by an edge (a 2-tree). Each column's
clique (itself and its parents) then hangs below the clique that holds its parents, so the
cliques form a junction tree and evidence can be passed up it exactly.

- `conditionals`: P(column | parents) from the noisy counts of each clique (post-processing).
  A two-parent table is shrunk towards the stronger parent's one-parent table by
  `shrinkage` pseudo-rows per parent pair, so pairs of parents seen in few rows fall back to
  the pair trend rather than to noise.
- `posterior_factors`: each clique's table times the evidence on its column and the messages
  from the cliques below it (leaves first).
- `sample_tokens`: draws down the network in order from those factors: exact samples of the
  model given the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConditionError

SMOOTHING = 1.0
CALIBRATION_ROUNDS = 5


@dataclass
class Network:
    """Columns in sampling order and each column's parents (none for the first)."""

    order: list[int]
    parents: dict[int, tuple[int, ...]]

    def scope(self, column: int) -> tuple[int, ...]:
        """The clique of a column: its parents, then itself (the axes of its table)."""
        return (*self.parents[column], column)

    def owner(self, separator: tuple[int, ...]) -> int:
        """The column whose clique holds `separator` (one column, or a joined pair)."""
        if len(separator) == 1:
            return separator[0]
        a, b = separator
        return a if b in self.parents[a] else b

    def edges(self) -> list[tuple[int, int]]:
        return [(p, c) for c in self.order for p in self.parents[c]]


def conditionals(
    network: Network,
    cliques: dict[int, np.ndarray],
    marginals: list[np.ndarray],
    shrinkage: float,
) -> dict[int, np.ndarray]:
    """P(column | parents) per column, axes (parents..., column), from projected noisy counts
    of each clique (`cliques`, same axes) and the noisy one-way marginals."""
    tables: dict[int, np.ndarray] = {}
    for column in network.order:
        parents = network.parents[column]
        counts = cliques.get(column)
        if not parents or counts is None:
            tables[column] = marginals[column]
        elif len(parents) == 1:
            tables[column] = _smoothed(counts, marginals[column])
        else:
            tables[column] = _shrunk(counts, marginals[column], shrinkage)
    return calibrated(network, tables, marginals)


def calibrated(
    network: Network, tables: dict[int, np.ndarray], marginals: list[np.ndarray]
) -> dict[int, np.ndarray]:
    """The tables rescaled (a few rounds of iterative proportional fitting, in sampling order)
    so that each column's marginal under the model matches its noisy one-way marginal, which
    is measured far more precisely than the sums of a clique's noisy cells."""
    joints: dict[int, np.ndarray] = {}
    for column in network.order:
        parents = network.parents[column]
        table = tables[column]
        if not parents:
            joints[column] = table
            continue
        owner = network.owner(parents)
        parents_joint = _marginal(joints[owner], network.scope(owner), parents)[..., None]
        target = marginals[column]
        for _ in range(CALIBRATION_ROUNDS):
            implied = (parents_joint * table).reshape(-1, len(target)).sum(axis=0)
            ratio = np.divide(target, implied, out=np.ones_like(target), where=implied > 0)
            scaled = table * ratio
            total = scaled.sum(axis=-1, keepdims=True)
            # a parent value whose every token the marginal rules out keeps its old row
            table = np.where(total > 0, scaled / np.where(total > 0, total, 1.0), table)
        tables[column] = table
        joints[column] = parents_joint * table
    return tables


def _marginal(joint: np.ndarray, scope: tuple[int, ...], keep: tuple[int, ...]) -> np.ndarray:
    """The marginal over `keep` (axes in that order) of a joint over `scope`."""
    dropped = tuple(i for i, c in enumerate(scope) if c not in keep)
    summed = joint.sum(axis=dropped) if dropped else joint
    kept = [c for c in scope if c in keep]
    return np.transpose(summed, [kept.index(c) for c in keep])


def _smoothed(joint: np.ndarray, marginal: np.ndarray) -> np.ndarray:
    smoothed = joint + SMOOTHING * marginal[None, :]
    return np.asarray(smoothed / smoothed.sum(axis=1, keepdims=True))


def _shrunk(joint: np.ndarray, marginal: np.ndarray, shrinkage: float) -> np.ndarray:
    """P(v | a, b) from counts (a, b, v), shrunk towards P(v | a) or P(v | b), whichever
    parent the counts show to matter more."""
    by_a, by_b = joint.sum(axis=1), joint.sum(axis=0)
    if _dependence(by_b) > _dependence(by_a):
        prior = _smoothed(by_b, marginal)[None, :, :]
    else:
        prior = _smoothed(by_a, marginal)[:, None, :]
    shrunk = joint + shrinkage * prior
    return np.asarray(shrunk / shrunk.sum(axis=2, keepdims=True))


def _dependence(joint: np.ndarray) -> float:
    """L1 distance between a two-way table and the product of its margins."""
    total = max(float(joint.sum()), 1e-12)
    expected = np.outer(joint.sum(axis=1), joint.sum(axis=0)) / total
    return float(np.abs(joint - expected).sum())


def _aligned(message: np.ndarray, axes: tuple[int, ...], scope: tuple[int, ...]) -> np.ndarray:
    """`message` over columns `axes`, transposed and reshaped to broadcast over `scope`."""
    order = [axes.index(c) for c in scope if c in axes]
    shape = [message.shape[axes.index(c)] if c in axes else 1 for c in scope]
    return np.transpose(message, order).reshape(shape)


def posterior_factors(
    network: Network, tables: dict[int, np.ndarray], evidence: list[np.ndarray]
) -> dict[int, np.ndarray]:
    """Each clique's table times its column's evidence and the messages from below."""
    factors = {c: tables[c] * evidence[c] for c in network.order}  # evidence on the last axis
    for column in network.order[::-1]:
        parents = network.parents[column]
        if not parents:
            continue
        message = factors[column].sum(axis=-1)
        peak = float(message.max())
        if peak > 0:
            message = message / peak  # keeps long chains of conditions from underflowing
        owner = network.owner(parents)
        factors[owner] = factors[owner] * _aligned(message, parents, network.scope(owner))
    return factors


def sample_tokens(
    network: Network,
    tables: dict[int, np.ndarray],
    evidence: list[np.ndarray],
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """`n` rows of tokens drawn exactly from the model given the evidence."""
    factors = posterior_factors(network, tables, evidence)
    tokens = np.zeros((n, len(evidence)), dtype=np.int64)
    for column in network.order:
        parents = network.parents[column]
        factor = factors[column]
        if parents:
            probs = factor[tuple(tokens[:, p] for p in parents)]
        else:
            probs = np.broadcast_to(factor, (n, len(factor)))
        tokens[:, column] = draw(probs, rng)
    return tokens


def draw(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token per row from unnormalised probabilities (rows summing to 0: an error)."""
    total = probs.sum(axis=1)
    if np.any(total <= 0):
        raise ConditionError("mst: the conditions have probability 0 under the model")
    cumulative = np.cumsum(probs, axis=1) / total[:, None]
    u = rng.random((len(probs), 1))
    return np.minimum((cumulative < u).sum(axis=1), probs.shape[1] - 1)
