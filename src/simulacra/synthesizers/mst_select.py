"""How `mst` picks and measures its cliques: d - 1 rounds, each an exponential-mechanism choice
followed by a Gaussian measurement of the chosen clique (the measured cliques then inform the
next round's scores, as in AIM, McKenna et al. 2022).

The first round picks a pair of columns; every later round adds one column not yet in the
network with one parent already in it, or with two parents joined by an edge (so the network
stays a 2-tree, see `mst_model.py`). A candidate's quality is the L1 distance between the
true counts of its clique and what the model measured so far predicts for them (the parents'
measured joint times the column's noisy one-way marginal: the column independent of them),
minus, for two parents, `penalty` times the expected L1 error of Gaussian noise on the cells
a second parent adds (every column is measured with some parent, so one parent costs no
more than another). The prediction comes from earlier DP outputs only (the noisy one-way
marginals scaled by the noisy row count, and measured cliques), so adding or removing a row
moves a quality by at most 1 (sensitivity 1: one cell of the true counts moves by one); each
round is (8 rho_round)^0.5-DP, i.e. rho_round-zCDP, and each measurement is a sensitivity-1
Gaussian histogram, both drawn and recorded by the fit's `PrivacyLedger`. Both budgets are
split evenly over the d - 1 rounds.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from ..privacy.ledger import PrivacyLedger
from ..privacy.mechanisms import project_simplex, sigma_for
from .mst_model import Network

MAX_CLIQUE_CELLS = 65_536
MAX_PAIR_CELLS = 1_000_000
NOISE_L1 = float(np.sqrt(2 / np.pi))  # E|N(0, 1)|
Candidate = tuple[int, tuple[int, ...]]  # a column and its parents


def clique_counts(tokens: np.ndarray, sizes: list[int], scope: tuple[int, ...]) -> np.ndarray:
    """Counts of every combination of tokens of the columns in `scope` (axes in that order)."""
    shape = tuple(sizes[c] for c in scope)
    flat = np.ravel_multi_index(tuple(tokens[:, c] for c in scope), shape)
    return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(np.float64)


def grow_network(
    tokens: np.ndarray,
    sizes: list[int],
    marginals: list[np.ndarray],
    rows: int,
    rho_select: float,
    rho_measure: float,
    penalty: float,
    ledger: PrivacyLedger,
) -> tuple[Network, dict[int, np.ndarray], float]:
    """(network, projected noisy counts of each column's clique, the measurements' sigma),
    for d >= 2 columns; `rows` is the noisy row count (the total the counts are projected
    to and the marginals scaled by)."""
    d = tokens.shape[1]
    rounds = d - 1
    epsilon_round = float(np.sqrt(8 * rho_select / rounds))
    noise = ledger.noise(sigma_for(rho_measure, rounds), "clique marginals")
    network = Network(order=[], parents={})
    cliques: dict[int, np.ndarray] = {}
    known: dict[Candidate, float] = {}  # a candidate's quality never changes
    for _ in range(rounds):
        candidates = _candidates(network, sizes, d)
        if not candidates:
            raise DataError(
                "mst: every pair of columns has more than "
                f"{MAX_PAIR_CELLS:,} token pairs; lower bins or max_categories"
            )
        for c in candidates:
            if c not in known:
                known[c] = quality_of(
                    tokens, sizes, marginals, rows, network, cliques, c, noise.sigma, penalty
                )
        quality = np.array([known[c] for c in candidates])
        chosen = ledger.choose(quality, epsilon_round, 1.0, "clique selection")
        column, parents = candidates[chosen]
        if not network.order:
            network.order.append(parents[0])
            network.parents[parents[0]] = ()
        network.order.append(column)
        network.parents[column] = parents
        scope = network.scope(column)
        noisy = noise.noisy(clique_counts(tokens, sizes, scope))
        cliques[column] = project_simplex(noisy, rows).reshape(noisy.shape)
    return network, cliques, noise.sigma


def _candidates(network: Network, sizes: list[int], d: int) -> list[Candidate]:
    """(column, parents) pairs a round may choose from."""
    if not network.order:
        return [
            (k, (j,))
            for j in range(d)
            for k in range(j + 1, d)
            if sizes[j] * sizes[k] <= MAX_PAIR_CELLS
        ]
    inside = set(network.order)
    out: list[Candidate] = []
    for column in (c for c in range(d) if c not in inside):
        for parent in network.order:
            if sizes[parent] * sizes[column] <= MAX_PAIR_CELLS:
                out.append((column, (parent,)))
        for a, b in network.edges():
            if sizes[a] * sizes[b] * sizes[column] <= MAX_CLIQUE_CELLS:
                out.append((column, (a, b)))
    return out


def quality_of(
    tokens: np.ndarray,
    sizes: list[int],
    marginals: list[np.ndarray],
    rows: int,
    network: Network,
    cliques: dict[int, np.ndarray],
    candidate: Candidate,
    sigma: float,
    penalty: float,
) -> float:
    """L1 error of the current prediction of the candidate's clique, less the expected
    measurement error (`penalty` of it). Everything but the true counts of the clique comes
    from DP outputs (the noisy row count `rows` among them): sensitivity 1."""
    column, parents = candidate
    scope = (*parents, column)
    counts = clique_counts(tokens, sizes, scope)
    if len(parents) == 1 or not network.order:
        parents_joint = marginals[parents[0]] * rows
    else:
        owner = network.owner(parents)
        measured = cliques[owner]
        owner_scope = network.scope(owner)
        dropped = tuple(i for i, c in enumerate(owner_scope) if c not in parents)
        pair = measured.sum(axis=dropped) if dropped else measured
        kept = [c for c in owner_scope if c in parents]
        parents_joint = np.transpose(pair, [kept.index(c) for c in parents])
    predicted = np.multiply.outer(parents_joint, marginals[column])
    # every column is measured with some parent: only a second parent's extra cells cost
    extra = counts.size - sizes[column] * max(sizes[p] for p in parents)
    return float(np.abs(counts - predicted).sum()) - penalty * NOISE_L1 * sigma * extra
