"""A sequence fit whose step rows arrive in buffers instead of one table: the Dask engine
(`scale/sequence_fit.py`) makes each partition's step rows and streams them to the network's
`fit_batches`; this mixin does the model's part around it, as `Sequences.fit` does for a table
in memory: the context model first, later steps never asked for what sampling knows at them
(told from first steps by their position token, as streamed rows carry no entity index), and
the layout (and the rules' plan) kept for sampling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ..errors import ParameterError
from ..metadata import Column, Metadata
from .sequence_firsts import SEED_PATH
from .sequence_layout import POSITION, SequenceLayout

if TYPE_CHECKING:
    from ..rules import RulePlan
    from .base import Synthesizer


class SequenceBatches:
    """`fit_sequence_batches` and the position token it reads (see the module docstring)."""

    name: ClassVar[str]
    transformer_: Any
    sequence_: SequenceLayout
    context_model_: Synthesizer | None
    first_model_: Synthesizer | None
    fit_info_: dict[str, Any]
    rules_: Any
    _later_targets: frozenset[str]
    _fit_began: float

    if TYPE_CHECKING:

        def _fit_context_model(
            self,
            context: pd.DataFrame | None,
            metadata: Metadata | None,
            own: tuple[pd.DataFrame, dict[str, Column]] | None = None,
            path: tuple[int, ...] = (),
        ) -> Synthesizer | None: ...

    def fit_sequence_batches(
        self,
        layout: SequenceLayout,
        train: Callable[[], object],
        *,
        events: int,
        entities: int,
        context: pd.DataFrame | None = None,
        context_metadata: Metadata | None = None,
        own: tuple[pd.DataFrame, dict[str, Column]] | None = None,
        first: tuple[pd.DataFrame, dict[str, Column]] | None = None,
        started: float | None = None,
        rules: RulePlan | None = None,
    ) -> SequenceBatches:
        """Learn sequences laid out by `layout` whose step rows `train()` streams to the
        network (calling `fit_batches`): first the entity model on `context` (one row per
        entity, in memory; `context_metadata` its metadata) and `own`, the entities' own
        columns (`sequence_entities.py`), and the first-event model on `first` (the same with
        the first event's columns, `sequence_firsts.py`), then `train()`, then the layout
        is kept. `events`, `entities`: what the fit saw; `started`: when it began (a time
        budget counts from there); `rules`: the plan the step rows were reparametrised by
        (it keeps what the transformer learned). Returns self."""
        self.refuse_privacy()
        started = time.perf_counter() if started is None else started
        self._fit_began = started
        self._fit_entity_models(context, context_metadata, own, first)
        self._later_targets = layout.later_targets()
        try:
            train()
        finally:
            del self._later_targets
        self.sequence_ = layout
        self.rules_ = rules  # kept on the events: `reverse` after each chunk's events
        if rules is not None:
            rules.learn(self.transformer_)
        self.fit_info_ = {
            "rows": events,
            "entities": entities,
            "step_rows": self.fit_info_["rows"],
            "seconds": round(time.perf_counter() - started, 3),
        }
        return self

    def _fit_entity_models(
        self,
        context: pd.DataFrame | None,
        metadata: Metadata | None,
        own: tuple[pd.DataFrame, dict[str, Column]] | None,
        first: tuple[pd.DataFrame, dict[str, Column]] | None,
    ) -> None:
        """The entity model on the context rows and `own` (first: the step network gets what
        it left of a time budget), then the first-event model on `first` (`sequence_firsts`)."""
        self.context_model_ = self._fit_context_model(context, metadata, own)
        self.first_model_ = None
        if first is not None:
            self.first_model_ = self._fit_context_model(context, metadata, first, SEED_PATH)

    def refuse_privacy(self) -> None:
        """One error line for privacy settings a sequence fit cannot keep (it skips
        `PrivateFit.fit`, which would check them), before any row is read: the Dask fit
        (`scale/sequence_fit.py`) asks first, as `Sequences.fit` does."""
        if getattr(self, "epsilon", None) is not None:
            raise ParameterError(
                f"{self.name}: sequences cannot be learned with differential privacy yet "
                "(epsilon): DP-SGD would have to bound each entity, not each row"
            )
        refuse = getattr(self, "_refuse_delta_alone", None)
        if refuse is not None:
            refuse()

    def _first_step_token(self) -> tuple[int, int] | None:
        """(token column, token) of position 0 in the step rows, by which a streamed fit
        tells an entity's first step row from its later ones; None where every entity has
        one event (the position is a constant, not a token column)."""
        blocks = [b for b in self.transformer_.blocks_ if b.activation == "token"]
        found = [j for j, b in enumerate(blocks) if b.column == POSITION and b.role == "value"]
        if not found:
            return None
        encoder = self.transformer_.columns_[POSITION].encoders[0]
        return found[0], int(encoder.code_of(0.0))
