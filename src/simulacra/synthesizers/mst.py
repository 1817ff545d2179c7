"""A differentially private marginal synthesizer after MST (McKenna et al. 2021): noisy
one-way marginals, a maximum spanning tree of two-way marginals chosen privately, and a tree
model sampled ancestrally (`Synthesizer("mst", epsilon=1)`). Our own implementation.

1. The TableTransformer's DP path (`transforms/dp.py`, a `metadata_share` of the budget) turns
   numbers into DP quantile bins and categories into codes found by the DP threshold; nulls
   are tokens of their own. Every modelled column is then a small set of tokens.
2. The rest of the budget (zCDP rho) is split in three. One third measures every one-way
   marginal with the Gaussian mechanism. One third chooses the tree: d - 1 rounds of the
   exponential mechanism (each (8 rho_round)^0.5-DP, i.e. rho_round-zCDP) over the pairs that
   join two components, scored by the L1 distance between the pair's counts and what the
   noisy one-way marginals predict under independence (sensitivity 1). The last third
   measures the d - 1 chosen two-way marginals.
3. Noisy counts are projected onto non-negative counts with the row total (Euclidean
   projection); the tree factorises P(root) prod P(child | parent), each conditional smoothed
   towards the child's one-way marginal by `SMOOTHING` pseudo-rows.
4. Sampling draws the root, then each child given its parent. Conditions are exact: a fixed
   category or number fixes its token, a range weights the tokens it overlaps, and evidence is
   propagated up the tree (one message per edge) before sampling down. Numbers are drawn
   uniformly inside their bin (redrawn inside a range condition).

The whole fit spends (epsilon, delta): the Gaussian measurements (transformer and model) in
zCDP composed and converted by the accountant in `privacy/budget.py`, and a tenth of delta
for category discovery.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

import numpy as np

from ..errors import ConditionError, DataError, ParameterError
from ..params import Constraint, Interval
from ..privacy.budget import METADATA_SHARE, epsilon_spent
from ..privacy.mechanisms import GaussianCounts, project_simplex, sigma_for
from ..transforms.conditions import Conditions
from ..transforms.table import MIN_COUNT
from .dp import PrivateFit, privacy_summary

SMOOTHING = 1.0
RANGE_REDRAWS = 50
MAX_PAIR_CELLS = 1_000_000


class MST(PrivateFit):
    """DP marginal synthesizer: noisy one-way marginals and a private maximum spanning tree."""

    name = "mst"
    _transformer: ClassVar[dict[str, str]] = {"continuous": "bins", "discrete": "codes"}
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "epsilon": Interval(1e-6, None),
        "bins": Interval(2, 1_000, integer=True),
    }

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float | None = None,
        bins: int = 16,
        metadata_share: float = METADATA_SHARE,
        seed: int = 0,
        verbose: bool = True,
        max_categories: int = 1_000,
        min_count: int = MIN_COUNT,
    ):
        super().__init__(
            seed=seed, verbose=verbose, max_categories=max_categories, min_count=min_count
        )
        self.epsilon = epsilon
        self.delta = delta
        self.bins = bins
        self.metadata_share = metadata_share

    @classmethod
    def hyperparameter_space(cls) -> dict[str, Any]:
        return {"bins": [8, 16, 32], "metadata_share": [0.1, 0.2, 0.3]}

    def _check_params(self) -> None:
        if self.epsilon is None:
            raise ParameterError("mst: epsilon must be a positive number (mst is always DP)")
        super()._check_params()

    def _transformer_params(self) -> dict[str, Any]:
        return {**super()._transformer_params(), "bins": self.bins}

    # columns -----------------------------------------------------------------------------
    def _token_blocks(self) -> list[Any]:
        return [b for b in self.transformer_.blocks_ if b.activation == "token"]

    def _token_sizes(self) -> list[int]:
        """Tokens of each token block, from the transformer's encoders (not from the data)."""
        sizes = []
        for block in self._token_blocks():
            encoders = self.transformer_.columns_[block.column].encoders
            encoder = encoders[1] if block.role == "null" else encoders[0]
            sizes.append(int(encoder.tokens))  # type: ignore[attr-defined]
        return sizes

    # fitting -----------------------------------------------------------------------------
    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        budget = self.transformer_.privacy
        assert budget is not None
        self.metadata_ = self.transformer_.metadata
        blocks = self._token_blocks()
        if not blocks:
            raise DataError("mst: the table has no modelled columns")
        self.sizes_ = self._token_sizes()
        tokens = np.clip(np.round(data[:, [b.start for b in blocks]]).astype(np.int64), 0, None)
        tokens = np.minimum(tokens, np.array(self.sizes_) - 1)
        n, d = tokens.shape
        rho = budget.rho - budget.metadata_rho
        rho_one = rho / 3 if d > 1 else rho
        rho_select = rho_two = rho / 3 if d > 1 else 0.0
        one_noise = GaussianCounts(sigma_for(rho_one, d), rng)
        ones = [
            one_noise.noisy(np.bincount(tokens[:, j], minlength=s))
            for j, s in enumerate(self.sizes_)
        ]
        marginals = [project_simplex(m, n) / max(n, 1) for m in ones]
        edges = self._select_tree(tokens, ones, rho_select, rng) if d > 1 else []
        two_noise = GaussianCounts(sigma_for(rho_two, len(edges)) if edges else 1.0, rng)
        joints = {
            (j, k): project_simplex(two_noise.noisy(self._pair_counts(tokens, j, k)), n).reshape(
                self.sizes_[j], self.sizes_[k]
            )
            for j, k in edges
        }
        self._build_tree(marginals, joints)
        self.privacy_ = {
            "epsilon": budget.epsilon,
            "delta": budget.delta,
            "epsilon_spent": round(epsilon_spent(budget.rho, budget.accountant_delta), 6),
            "accountant": "zCDP (Gaussian and exponential mechanisms) converted by RDP",
            "mechanism": "MST: noisy one-way marginals, exponential-mechanism spanning tree, "
            "noisy two-way marginals",
            "rho": {"one_way": rho_one, "tree_selection": rho_select, "two_way": rho_two},
            "sigma": {"one_way": one_noise.sigma, "two_way": two_noise.sigma if edges else None},
            "metadata_share": budget.metadata_share,
        }
        self._calls = 0

    def _pair_counts(self, tokens: np.ndarray, j: int, k: int) -> np.ndarray:
        sj, sk = self.sizes_[j], self.sizes_[k]
        if sj * sk > MAX_PAIR_CELLS:
            raise DataError(
                f"mst: columns {j} and {k} have {sj} x {sk} token pairs; lower bins or "
                "max_categories"
            )
        flat = np.bincount(tokens[:, j] * sk + tokens[:, k], minlength=sj * sk)
        return flat.reshape(sj, sk).astype(np.float64)

    def _select_tree(
        self,
        tokens: np.ndarray,
        ones: list[np.ndarray],
        rho: float,
        rng: np.random.Generator,
    ) -> list[tuple[int, int]]:
        """d - 1 edges of a spanning tree, each picked by the exponential mechanism among the
        pairs joining two components (Kruskal with private choices)."""
        d = tokens.shape[1]
        positive = [np.clip(m, 0, None) for m in ones]
        scores = {}
        for j in range(d):
            for k in range(j + 1, d):
                expected = np.outer(positive[j], positive[k]) / max(positive[j].sum(), 1.0)
                scores[(j, k)] = float(np.abs(self._pair_counts(tokens, j, k) - expected).sum())
        epsilon_round = np.sqrt(8 * rho / (d - 1))
        component = list(range(d))
        edges: list[tuple[int, int]] = []
        for _ in range(d - 1):
            pairs = [p for p in scores if component[p[0]] != component[p[1]]]
            quality = np.array([scores[p] for p in pairs])
            logits = epsilon_round * (quality - quality.max()) / 2  # sensitivity 1
            weights = np.exp(logits)
            j, k = pairs[int(rng.choice(len(pairs), p=weights / weights.sum()))]
            edges.append((j, k))
            old, new = component[k], component[j]
            component = [new if c == old else c for c in component]
        return edges

    def _build_tree(
        self, marginals: list[np.ndarray], joints: dict[tuple[int, int], np.ndarray]
    ) -> None:
        """Orient the tree from column 0 and turn the noisy joints into conditionals."""
        d = len(self.sizes_)
        neighbours: dict[int, list[int]] = {j: [] for j in range(d)}
        for j, k in joints:
            neighbours[j].append(k)
            neighbours[k].append(j)
        self.parent_ = np.full(d, -1, dtype=np.int64)
        order, seen, queue = [], {0}, deque([0])
        while queue:
            node = queue.popleft()
            order.append(node)
            for nxt in sorted(neighbours[node]):
                if nxt not in seen:
                    seen.add(nxt)
                    self.parent_[nxt] = node
                    queue.append(nxt)
        self.order_ = np.array(order, dtype=np.int64)
        self.root_ = marginals[0]
        self.conditionals_: dict[int, np.ndarray] = {}
        for child in order[1:]:
            parent = int(self.parent_[child])
            forward = (parent, child) in joints
            joint = joints[(parent, child)] if forward else joints[(child, parent)].T
            smoothed = joint + SMOOTHING * marginals[child][None, :]
            self.conditionals_[child] = smoothed / smoothed.sum(axis=1, keepdims=True)

    # sampling ----------------------------------------------------------------------------
    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        evidence = self._evidence(conditions)
        tokens = self._sample_tokens(n, evidence, rng)
        out = np.zeros((n, self.transformer_.width_))
        out[:, [b.start for b in self._token_blocks()]] = tokens
        uniform = [b.start for b in self.transformer_.blocks_ if b.activation == "uniform"]
        if uniform:
            out[:, uniform] = rng.random((n, len(uniform)))
        return self._inside_ranges(out, conditions, rng)

    def _evidence(self, conditions: Conditions) -> list[np.ndarray]:
        """Per token column, a weight per token: 1 without a condition, the one required
        token, or the share of each token's values inside a range."""
        evidence = [np.ones(s) for s in self.sizes_]
        position = {b.start: j for j, b in enumerate(self._token_blocks())}
        for cond in conditions:
            j = position[cond.start]
            weights = np.zeros(self.sizes_[j])
            if cond.codes is not None:
                for token, share in cond.codes.items():
                    if token < len(weights):
                        weights[token] = share
            elif cond.code is not None:
                weights[int(cond.code)] = 1.0
            else:
                raise DataError(f"mst: condition on '{cond.column}' has no token")
            evidence[j] = weights
            for block in self.transformer_.blocks_:
                if block.column == cond.column and block.role == "null":
                    null = np.zeros(self.sizes_[position[block.start]])
                    null[0] = 1.0  # a conditioned number is not null
                    evidence[position[block.start]] = null
        return evidence

    def _sample_tokens(
        self, n: int, evidence: list[np.ndarray], rng: np.random.Generator
    ) -> np.ndarray:
        """Ancestral sampling given evidence: messages up the tree, then draws down it."""
        belief = [e.copy() for e in evidence]
        for child in self.order_[::-1][:-1]:  # leaves first; the root has no parent
            belief[int(self.parent_[child])] *= self.conditionals_[int(child)] @ belief[child]
        tokens = np.zeros((n, len(self.sizes_)), dtype=np.int64)
        root = int(self.order_[0])
        tokens[:, root] = _draw(
            np.broadcast_to(self.root_ * belief[root], (n, len(self.root_))), rng
        )
        for child in self.order_[1:]:
            child = int(child)
            parent = int(self.parent_[child])
            probs = self.conditionals_[child][tokens[:, parent]] * belief[child][None, :]
            tokens[:, child] = _draw(probs, rng)
        return tokens

    def _inside_ranges(
        self, encoded: np.ndarray, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        """Rows whose bin only partly overlaps a range condition redraw their position."""
        for cond in conditions:
            if cond.low is None:
                continue
            spots = np.array(
                [
                    b.start
                    for b in self.transformer_.blocks_
                    if b.column == cond.column and b.role == "position"
                ],
                dtype=np.int64,
            )
            for _ in range(RANGE_REDRAWS):
                outside = np.flatnonzero(~cond.meets(encoded))
                if not len(outside) or not len(spots):
                    break
                encoded[np.ix_(outside, spots)] = rng.random((len(outside), len(spots)))
        return encoded

    # state -------------------------------------------------------------------------------
    def _get_model_state(self) -> dict[str, Any]:
        return {
            "sizes": list(self.sizes_),
            "parent": self.parent_,
            "order": self.order_,
            "root": self.root_,
            "conditionals": {str(k): v for k, v in self.conditionals_.items()},
            "privacy": self.privacy_,
        }

    def _set_model_state(self, state: dict[str, Any]) -> None:
        self.sizes_ = [int(s) for s in state["sizes"]]
        self.parent_ = np.asarray(state["parent"], dtype=np.int64)
        self.order_ = np.asarray(state["order"], dtype=np.int64)
        self.root_ = np.asarray(state["root"], dtype=np.float64)
        self.conditionals_ = {
            int(k): np.asarray(v, dtype=np.float64) for k, v in state["conditionals"].items()
        }
        self.privacy_ = state["privacy"]

    def _describe(self) -> dict[str, Any]:
        names = [
            b.column + ("" if b.role == "value" else f"[{b.role}]") for b in self._token_blocks()
        ]
        return {
            "privacy": privacy_summary(self, self.privacy_),
            "tokens_per_column": dict(zip(names, self.sizes_, strict=True)),
            "tree": [[names[int(self.parent_[c])], names[int(c)]] for c in self.order_[1:]],
            "values": "numbers drawn uniformly inside DP quantile bins",
        }


def _draw(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token per row from unnormalised probabilities (rows summing to 0: an error)."""
    total = probs.sum(axis=1)
    if np.any(total <= 0):
        raise ConditionError("mst: the conditions have probability 0 under the model")
    cumulative = np.cumsum(probs, axis=1) / total[:, None]
    u = rng.random((len(probs), 1))
    return np.minimum((cumulative < u).sum(axis=1), probs.shape[1] - 1)
