"""A differentially private marginal synthesizer after MST and AIM (McKenna et al. 2021,
2022): noisy one-way marginals, then cliques (a column with one or two parents) chosen
privately round by round and measured with Gaussian noise, and a Bayesian network over them
sampled ancestrally (`Synthesizer("mst", epsilon=1)`). Our own implementation.

1. The TableTransformer's DP path (`transforms/dp.py`, a `metadata_share` of the budget) turns
   numbers into DP quantile bins and categories into codes found by the DP threshold; nulls
   are tokens of their own. Every modelled column is then a small set of tokens.
2. The rest of the budget (zCDP rho) is split: `ONE_WAY_SHARE` measures every one-way
   marginal with the Gaussian mechanism, `SELECT_SHARE` chooses the cliques and the rest
   measures them (`mst_select.py`). Each of d - 1 rounds picks, by the exponential mechanism,
   a column not yet in the network and one parent in it, or two parents joined by an edge,
   scored by how far the clique's counts are from what the earlier measurements predict
   (sensitivity 1; a second parent's extra cells pay for their expected noise, `PENALTY`),
   and then measures that clique. With little budget the network is a spanning tree, as in
   MST; with more, columns get two parents where a pair alone explains them poorly.
3. Noisy counts are projected onto non-negative counts with the row total (Euclidean
   projection) and turned into P(column | parents) (`mst_model.py`): one-parent tables
   smoothed towards the column's one-way marginal, two-parent tables shrunk towards the
   stronger parent's (`SHRINKAGE` pseudo-rows), and all rescaled so each column's marginal
   under the model matches its (more precise) noisy one-way marginal.
4. Sampling draws each column given its parents. Conditions are exact: a fixed category or
   number fixes its token, a range weights the tokens it overlaps, and evidence is passed up
   the junction tree of cliques (one message per clique) before sampling down. Numbers are
   drawn uniformly inside their bin (redrawn inside a range condition).

The whole fit spends (epsilon, delta): the Gaussian measurements (transformer and model) and
the exponential-mechanism rounds in zCDP, composed and converted by the accountant in
`privacy/budget.py`, and a tenth of delta for category discovery.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import DataError, ParameterError
from ..params import Interval, Param
from ..privacy.mechanisms import project_simplex, sigma_for
from ..transforms.conditions import Conditions
from .dp import PrivateFit, privacy_summary
from .mst_model import Network, conditionals, sample_tokens
from .mst_select import grow_network

RANGE_REDRAWS = 50
# pseudo-rows per parent pair pulling a two-parent table towards a one-parent one
SHRINKAGE = 20.0
# shares of the model's budget (rho) of the one-way marginals and of the choice of cliques;
# the rest measures the cliques
ONE_WAY_SHARE = 0.2
SELECT_SHARE = 0.2
# share of the expected noise on a second parent's extra cells that counts against it
PENALTY = 0.5


class MST(PrivateFit):
    """DP marginal synthesizer: noisy one-way marginals and privately chosen cliques of one
    column and one or two parents."""

    name = "mst"
    _transformer: ClassVar[dict[str, str]] = {"continuous": "bins", "discrete": "codes"}
    epsilon = PrivateFit.epsilon.replace(default=1.0, rule=Interval(1e-6, None))
    bins = Param(16, Interval(2, 1_000, integer=True), "bins per number")

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
        d = tokens.shape[1]
        ledger = self.transformer_.ledger_
        n = self.transformer_.rows_  # the noisy row count: the true one is private
        rho = budget.rho - ledger.rho_spent
        rho_one = ONE_WAY_SHARE * rho if d > 1 else rho
        rho_select = SELECT_SHARE * rho if d > 1 else 0.0
        rho_cliques = rho - rho_one - rho_select
        one_noise = ledger.noise(sigma_for(rho_one, d), "one-way marginals")
        marginals = [
            project_simplex(one_noise.noisy(np.bincount(tokens[:, j], minlength=s)), n) / n
            for j, s in enumerate(self.sizes_)
        ]
        sigma_cliques = None
        if d > 1:
            network, cliques, sigma_cliques = grow_network(
                tokens, self.sizes_, marginals, n, rho_select, rho_cliques, PENALTY, ledger
            )
        else:
            network, cliques = Network(order=[0], parents={0: ()}), {}
        self.network_ = network
        self.tables_ = conditionals(network, cliques, marginals, SHRINKAGE)
        self.privacy_ = {
            **ledger.record(),
            "mechanism": "noisy one-way marginals, then rounds of an exponential-mechanism "
            "choice of a clique (a column and one or two parents) and its noisy marginal",
            "rho": {"one_way": rho_one, "clique_selection": rho_select, "cliques": rho_cliques},
            "sigma": {"one_way": one_noise.sigma, "cliques": sigma_cliques},
            "metadata_share": budget.metadata_share,
        }
        self._calls = 0

    # sampling ----------------------------------------------------------------------------
    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        evidence = self._evidence(conditions)
        tokens = sample_tokens(self.network_, self.tables_, evidence, n, rng)
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
        network = self.network_
        return {
            "sizes": list(self.sizes_),
            "order": np.asarray(network.order, dtype=np.int64),
            "parents": {str(c): list(p) for c, p in network.parents.items()},
            "tables": {str(c): t for c, t in self.tables_.items()},
            "privacy": self.privacy_,
        }

    def _set_model_state(self, state: dict[str, Any]) -> None:
        self.sizes_ = [int(s) for s in state["sizes"]]
        order = [int(c) for c in state["order"]]
        if "parents" in state:
            parents = {int(c): tuple(int(p) for p in ps) for c, ps in state["parents"].items()}
            tables = state["tables"]
        else:  # a spanning tree saved before cliques had two parents
            parent = [int(p) for p in state["parent"]]
            parents = {c: () if parent[c] < 0 else (parent[c],) for c in order}
            tables = {**state["conditionals"], str(order[0]): state["root"]}
        self.network_ = Network(order=order, parents=parents)
        self.tables_ = {int(c): np.asarray(t, dtype=np.float64) for c, t in tables.items()}
        self.privacy_ = state["privacy"]

    def _describe(self) -> dict[str, Any]:
        names = [
            b.column + ("" if b.role == "value" else f"[{b.role}]") for b in self._token_blocks()
        ]
        network = self.network_
        return {
            "privacy": privacy_summary(self, self.privacy_),
            "tokens_per_column": dict(zip(names, self.sizes_, strict=True)),
            "parents": {
                names[c]: [names[p] for p in network.parents[c]] for c in network.order[1:]
            },
            "values": "numbers drawn uniformly inside DP quantile bins",
        }
