"""Several models and a discriminator that keeps their most realistic rows
(`Synthesizer("ensemble")`).

Fit:
1. A share `validation` of the rows is held out; every member (registered table models,
   default the autoregressive model, ddpm sampling in 10 steps, and the copula) fits on the
   rest, within a share of `time_budget` when one is given.
2. The members sample a pool, `pool` rows per held-out row in all (at most `FIT_POOL_ROWS`),
   shared equally.
3. A discriminator (gradient-boosted trees, `forest.py`) learns to tell the held-out real rows
   from the pool; its odds estimate, row by row, how much more likely the real data is to hold
   that row than the pool: the density ratio r(x) = p_real(x) / p_pool(x).
4. Each member's share of the rows the ratio would keep is measured on that pool; a member
   under `MIN_SHARE` of an equal share is left out, and the trees learn again against the pool
   of the members kept. So the ensemble picks as well as combines, by validation on held-out
   rows only. A member kept beside better ones dilutes the pool: on diamonds (10,000 rows) the
   copula drew 24% of kept rows beside 38% each for the others, and the three gave C2ST 0.635
   against 0.600 without it; on wa_churn it drew 11%, on CPS1988 31% (kept there).

Sample: each chunk draws a pool from the members (`pool` rows per row asked for) and keeps rows
without replacement with probability proportional to r(x)^`sharpness` (discriminator rejection
sampling, Azadi et al. 2019): rows the discriminator finds recognisable are rarely kept, so
the kept rows follow the real data more closely than any member's, and the mixture weights
of the members follow from what is kept (a member whose rows look real contributes more).

Whole rows, not parts: one member's categories with the numbers imputed by another (or the
other way round) were less realistic than either member alone (C2ST on wa_churn 0.666 and
0.753 against 0.645 and 0.654; on CPS1988 0.584 and 0.636 against ddpm's 0.578, where the
ensemble of the same two gave 0.532), so the pool holds the members' own rows.

The discriminator only ever sees the held-out rows, never the rows the members learned from,
so it cannot pull samples towards the members' training rows; privacy is measured for it like
for any model (benchmarks/results/realism/). Conditions go to every member (each keeps them
exactly) and the discriminator ranks rows among those that meet them. Generated columns (ids,
PII, text) are made again for the kept rows, so ids stay unique.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from .. import registry, seeding
from ..errors import DataError, ParameterError
from ..metadata import MODELLED_KINDS, Metadata, infer_column
from ..params import Interval, Kind, Param
from ..transforms.conditions import Conditions
from .base import CHUNK_ROWS, Synthesizer
from .forest import Forest

DISCRIMINATOR_ITERATIONS = 300
MEMBERS_SHARE = 0.8  # of a time budget, for the members' fits
FIT_POOL_ROWS = 20_000  # pool rows the discriminator learns from, at most
# ddpm in 10 sampling steps: 5x faster, as realistic once the discriminator has chosen (wa_churn
# C2ST 0.556 against 0.552 with its default 50)
MEMBER_DEFAULTS: dict[str, dict[str, Any]] = {"ddpm": {"sampling_steps": 10}}
MIN_SHARE = 0.8  # a member whose kept rows fall under this share of an equal share is left out


class Ensemble(Synthesizer):
    """Registered models pooled, their most realistic rows kept by a discriminator trained on
    held-out rows (see the module docstring)."""

    name = "ensemble"
    tags = frozenset({"conditions"})
    _transformer = {"continuous": "minmax", "discrete": "codes"}  # what the trees read
    members = Param(
        ("autoregressive", "ddpm", "copula"),
        Kind((tuple, list)),
        "registered table models whose samples are pooled (each at its defaults)",
    )
    member_params = Param(
        None,
        Kind(dict, optional=True),
        "parameters of each member, by the member's name",
        means=f"each member at its defaults, but {MEMBER_DEFAULTS}",
    )
    validation = Param(0.2, Interval(0.05, 0.5), "share of rows held out to learn the combination")
    pool = Param(5, Interval(1, 50, integer=True), "rows drawn from the members per row kept")
    sharpness = Param(
        1.0, Interval(0, 4), "exponent on the discriminator's density ratio (0: a plain mixture)"
    )
    time_budget = Param[float | None](
        None,
        Interval(1, None, optional=True),
        "seconds the whole fit may take, shared by the members that train in epochs "
        "(None: no limit)",
    )

    def _check_params(self) -> None:
        super()._check_params()
        known = registry.names("table")
        for member in self.members:
            if member not in known or member == self.name:
                raise ParameterError(
                    f"ensemble: unknown member {member!r} (members: {', '.join(known)})"
                )
        if not self.members:
            raise ParameterError("ensemble: members must name at least one model")
        extra: set[str] = set(self.member_params or {}) - set(self.members)
        if extra:
            raise ParameterError(f"ensemble: member_params names no member: {sorted(extra)}")

    # fitting -----------------------------------------------------------------------------
    def fit(self, table: pd.DataFrame, metadata: Metadata | None = None) -> Synthesizer:
        """Fit the members on most rows and the discriminator on the rest. Returns self."""
        self._check_params()
        if not isinstance(table, pd.DataFrame):
            raise DataError(f"fit needs a pandas DataFrame, not {type(table).__name__}")
        started = time.perf_counter()
        metadata = metadata if metadata is not None else self.infer_metadata(table)
        self.transformer_ = self.new_transformer(metadata).fit(table)
        self.metadata_ = self.transformer_.metadata
        order = seeding.rng(self.seed, "fit").permutation(len(table))
        held = max(int(round(self.validation * len(table))), 1)
        if len(table) - held < 2:
            raise DataError(f"ensemble: {len(table)} rows are too few to hold some out")
        learn = table.iloc[order[held:]].reset_index(drop=True)
        check = table.iloc[order[:held]].reset_index(drop=True)
        self.members_ = []
        shared = _member_metadata(self.metadata_, learn)
        for j, name in enumerate(self.members):  # each keeps the rules, so every pooled row does
            member = Synthesizer(name, **self._member_params(j, started))
            self.members_.append(member.fit(learn, shared))
        rows = min(self.pool * len(check), FIT_POOL_ROWS)
        pool = self._pool(rows, Conditions([]), self.seed, 0, 0, 0)
        real, fake = self.transformer_.encode(check), self.transformer_.encode(pool)
        self._combine(real, fake)
        self.fit_info_: dict[str, Any] = {
            "rows": len(table),
            "member_rows": len(learn),
            "held_out_rows": len(check),
            "seconds": round(time.perf_counter() - started, 3),
        }
        self._calls = 0
        return self

    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError  # `fit` is the ensemble's own

    def _combine(self, real: np.ndarray, fake: np.ndarray) -> None:
        """The discriminator (held-out rows `real` against the pool `fake`, encoded), each
        member's share of the kept rows, and the members left out: those under `MIN_SHARE` of
        an equal share (the trees then learn again against the other members' pool)."""
        owner = np.repeat(np.arange(len(self.members_)), len(fake) // len(self.members_))
        self.forest_ = self._discriminator(real, fake)
        self.kept_share_ = self._kept_share(fake, owner)
        floor = MIN_SHARE / len(self.members_)
        kept = [j for j, share in enumerate(self.kept_share_) if share >= floor]
        labels = [
            m if self.members.count(m) == 1 else f"{m} ({j + 1})"
            for j, m in enumerate(self.members)
        ]
        self.labels_ = [labels[j] for j in kept]
        self.left_out_ = {
            labels[j]: share for j, share in enumerate(self.kept_share_) if j not in kept
        }
        if self.left_out_:  # the trees learn again against the pool of the members kept
            self.members_ = [self.members_[j] for j in kept]
            fake, owner = fake[np.isin(owner, kept)], owner[np.isin(owner, kept)]
            owner = np.searchsorted(np.array(kept), owner)
            self.forest_ = self._discriminator(real, fake)
            self.kept_share_ = self._kept_share(fake, owner)

    def _discriminator(self, real: np.ndarray, fake: np.ndarray) -> Forest:
        """Boosted trees telling held-out real rows (label 1) from pooled rows (encoded)."""
        return Forest.fit(
            np.vstack([real, fake]),
            np.r_[np.ones(len(real)), np.zeros(len(fake))],
            iterations=DISCRIMINATOR_ITERATIONS,
            seed=seeding.integer(self.seed, "fit"),
            learning_rate=0.05,
            max_leaf_nodes=15,
            l2_regularization=1.0,
            class_weight="balanced",
        )

    def _kept_share(self, fake: np.ndarray, owner: np.ndarray) -> list[float]:
        """Each member's expected share of the kept rows: its pooled rows' (encoded `fake`,
        member `owner[i]`) share of the weights."""
        weights = self._weights(fake)
        totals = np.bincount(owner, weights=weights, minlength=len(self.members_))
        return [round(float(t), 4) for t in totals / totals.sum()]

    def _weights(self, encoded: np.ndarray) -> np.ndarray:
        """Each encoded pool row's weight: the discriminator's density ratio to the power
        `sharpness`, scaled so the largest is 1."""
        logits = self.forest_.logits(encoded) * self.sharpness
        return np.exp(logits - logits.max())

    def _member_params(self, j: int, started: float) -> dict[str, Any]:
        """A member's parameters: the ensemble's seed, verbosity and rules, `member_params`,
        and, under a time budget, an equal share of what is left of `MEMBERS_SHARE` of it for
        each member still to fit that trains in epochs (the rest: the pool and the trees)."""
        name = self.members[j]
        params: dict[str, Any] = {"seed": self.seed, "verbose": self.verbose, "rules": self.rules}
        params.update(MEMBER_DEFAULTS.get(name, {}))
        own: dict[str, dict[str, Any]] = self.member_params or {}
        params.update(own.get(name, {}))
        timed = ["time_budget" in registry.get(m)._param_names() for m in self.members]
        if self.time_budget is None or not timed[j]:
            return params
        waiting = sum(timed[j:])
        left = MEMBERS_SHARE * self.time_budget - (time.perf_counter() - started)
        share = max(left / max(waiting, 1), 1.0)
        params["time_budget"] = min(share, params.get("time_budget") or share)
        return params

    # sampling ----------------------------------------------------------------------------
    def _pool(
        self, rows: int, conditions: Conditions, seed: int, call: int, k: int, start: int
    ) -> pd.DataFrame:
        """`rows` rows from the members, shared equally, each from its own stream."""
        raw = {c.column: c.value for c in conditions}
        share = -(-rows // len(self.members_))
        parts = []
        for j, member in enumerate(self.members_):
            member_seed = seeding.integer(seed, "ensemble", call, k, j)
            typed = member.encode_conditions(raw)
            parts.append(member.sample_chunk(0, share, typed, seed=member_seed, start=start))
        return pd.concat(parts, ignore_index=True)

    def sample_chunk(
        self,
        k: int,
        rows: int,
        conditions: Conditions,
        *,
        seed: int,
        call: int = 0,
        start: int | None = None,
    ) -> pd.DataFrame:
        """Chunk k: a pool from the members, the rows kept by the discriminator (module
        docstring), generated columns made again from row `start` on."""
        self._check_fitted()
        offset = k * CHUNK_ROWS if start is None else start
        pool = self._pool(rows * self.pool, conditions, seed, call, k, offset)
        rng = seeding.rng(seed, "sample", call, k)
        weights = self._weights(self.transformer_.encode(pool))
        kept = rng.choice(len(pool), rows, replace=False, p=weights / weights.sum())
        frame = pool.iloc[np.sort(kept)].reset_index(drop=True)
        for name, column in self.transformer_.columns_.items():
            if not column.layout():  # ids, PII, text, constants: made for these rows
                frame[name] = column.decode(np.zeros((rows, 0)), rng, offset).to_numpy()
        conditions.apply(frame)
        return frame[self.metadata_.names]

    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        raise NotImplementedError  # `sample_chunk` is the ensemble's own

    # state -------------------------------------------------------------------------------
    def _get_model_state(self) -> dict[str, Any]:
        return {
            "members": [m._entry() for m in self.members_],
            "forest": self.forest_.state(),
            "kept_share": self.kept_share_,
            "labels": self.labels_,
            "left_out": self.left_out_,
        }

    def _set_model_state(self, state: dict[str, Any]) -> None:
        members: list[Synthesizer] = []
        for entry in state["members"]:
            if entry["name"] not in registry.names("table") or entry["name"] == self.name:
                raise ValueError(f"unknown ensemble member {entry['name']!r}")
            members.append(Synthesizer._from_entry(entry))
        self.members_ = members
        self.forest_ = Forest.from_state(state["forest"])
        self.kept_share_ = [float(v) for v in state["kept_share"]]
        self.labels_ = [str(v) for v in state["labels"]]
        self.left_out_ = {str(k): float(v) for k, v in state["left_out"].items()}

    def _describe(self) -> dict[str, Any]:
        return {
            # each member's own describe(): `ensemble.members_[i].describe()`
            "members": {
                label: _member_line(m, share)
                for m, label, share in zip(
                    self.members_, self.labels_, self.kept_share_, strict=True
                )
            },
            "combination": "discriminator rejection sampling: a pool of "
            f"{self.pool} member rows per row, kept with probability proportional to the "
            f"discriminator's density ratio to the power {self.sharpness}",
            "discriminator": f"{len(self.forest_.arrays['roots'])} boosted trees trained on "
            f"{self.fit_info_.get('held_out_rows', '?')} held-out rows against the pool",
            # measured on the pool the discriminator learned from
            "kept_share": dict(zip(self.labels_, self.kept_share_, strict=True)),
            **(
                {
                    "left_out": {
                        name: f"{share:.1%} of kept rows, under {MIN_SHARE:.0%} of an equal share"
                        for name, share in self.left_out_.items()
                    }
                }
                if self.left_out_
                else {}
            ),
        }


def _member_metadata(metadata: Metadata, learn: pd.DataFrame) -> Metadata:
    """The metadata the members fit with: the table's, but a modelled column that is constant
    (or empty) in the members' rows is copied as such (loans' `current_accounts_delinq` is 0
    in all but a few rows, and every one of them fell in the held-out share)."""
    columns = dict(metadata.columns)
    for name, column in metadata.columns.items():
        if column.kind in MODELLED_KINDS and learn[name].nunique(dropna=True) <= 1:
            columns[name] = infer_column(name, learn[name])
    return Metadata(columns, rules=metadata.rules)


def _member_line(member: Synthesizer, share: float) -> str:
    """A member in a line: its share of kept rows (measured on the fit pool) and training."""
    model = member.describe()["model"]
    line = f"{share:.1%} of kept rows"
    if "epochs_trained" in model:
        line += f"; {model['epochs_trained']} epochs"
        if "stopped" in model:
            line += f", stopped {model['stopped']}"
    return line
