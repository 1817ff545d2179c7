"""Shared machinery of the PyTorch synthesizers (CTGAN, TVAE): the epoch loop with progress and
loss history, device and seeding, conditional sampling, and saving networks as arrays.

Subclasses build their networks in `_build`, train one epoch in `_train_epoch`, generate
encoded rows in `_generate`, and list their networks in `_networks`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from .. import seeding
from .._torch import (
    load_module_state,
    module_state,
    resolve_device,
    torch_threads,
    training_dtype,
)
from ..errors import ParameterError
from ..metadata import Metadata
from ..model import BATCH_SIZE, DEVICE, EPOCHS, LEARNING_RATE, THREADS
from ..params import Interval, OneOf, Param
from ..privacy.sgd import DPSGD, seconds_per_step
from ..training import Trainer
from ..transforms import TableTransformer
from ..transforms.conditions import Conditions
from .base import Synthesizer
from .conditions import sample_meeting
from .output_layout import OutputLayout
from .transfer import Transfer

GENERATE_ROWS = 20_000
# DP-SGD plans at most this many seconds of steps (each step timed before training starts)
DP_SECONDS = 900.0
STREAMED = (
    "trained on minibatches streamed from Dask partitions: every row trains, none held out, "
    "no early stopping; stops after `epochs` passes or `steps` optimiser steps"
)


class NeuralSynthesizer(Synthesizer):
    """Base of the neural synthesizers; not registered itself."""

    _transformer: ClassVar[dict[str, str]] = {"continuous": "gmm", "discrete": "onehot"}
    _networks: ClassVar[tuple[str, ...]] = ()
    # train under torch.autocast in the training dtype; False: the model casts for itself to
    # `_compute_dtype` (TVAE's hand-written step)
    _autocast: ClassVar[bool] = True
    # attributes only training needs, dropped with the optimisers (`_opt*`) once it is over
    _training_state: ClassVar[tuple[str, ...]] = ()
    # whether each epoch reads the encoded matrix (float32, on the device); if not, it is
    # dropped once `_build` has made what the epochs read
    _epochs_read_encoded: ClassVar[bool] = True

    tags = frozenset({"streams", "gpu"})
    epochs = EPOCHS
    batch_size = BATCH_SIZE
    learning_rate = LEARNING_RATE
    weight_decay = Param(1e-6, Interval(0, None), "Adam's weight decay")
    device = DEVICE
    threads = THREADS
    time_budget = Param[float | None](
        None,
        Interval(1, None, optional=True),
        "seconds a fit may take: training stops after the epoch the next would not fit in "
        "(None: no limit; the epochs reached then depend on the machine's speed)",
    )
    precision = Param(
        "auto",
        OneOf(("auto", "float32", "bfloat16")),
        "precision of training (and of the autoregressive model's sampling): auto "
        "(bfloat16 where fast), float32 or bfloat16",
    )
    privacy_: dict[str, Any] | None  # DP-SGD's record (set at the end of a DP fit)
    _opt: Any  # the optimiser of the networks DP-SGD trains

    # training ----------------------------------------------------------------------------
    def _encode_rows(self, table: pd.DataFrame) -> np.ndarray:
        """The encoded rows in float32, the networks' own precision: no float64 matrix, and
        torch reads it without a copy (the same values as casting the float64 one)."""
        return self.transformer_.encode(table, dtype=np.float32)

    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        self._train_loop(data, lambda epoch, x: self._train_epoch(x))

    def fit_batches(
        self,
        metadata: Metadata,
        transformer: TableTransformer,
        pilot: np.ndarray,
        buffers: Callable[[int], Iterator[np.ndarray]],
        *,
        steps: int | None = None,
        rows: int | None = None,
        started: float | None = None,
    ) -> NeuralSynthesizer:
        """Train on encoded rows that arrive in buffers instead of one array (a table that
        does not fit in memory; the Dask engine, `scale.streaming`, fits `transformer` from
        merged summaries and streams the buffers): `pilot` (an encoded sample) builds the
        networks; epoch e trains on every buffer `buffers(e)` yields, each in minibatches;
        training stops after `epochs` passes or `steps` optimiser steps, whichever comes
        first. No held-out rows and no early stopping: each pass sees new rows. `rows`, the
        table's row count (default: the pilot's), plans schedules that span the run (ddpm's
        learning-rate decay). Returns self."""
        self._check_params()
        if steps is not None and (isinstance(steps, bool) or steps < 1):
            raise ParameterError(f"steps must be a positive integer, not {steps!r}")
        started = time.perf_counter() if started is None else started
        self.metadata_, self.transformer_ = metadata, transformer
        total = len(pilot) if rows is None else int(rows)
        self._stream_steps_left = steps
        self._stream_rows = total
        self._streaming = True
        try:
            self._train_loop(pilot, lambda epoch, x: self._train_buffers(buffers(epoch)))
        finally:
            del self._stream_steps_left, self._stream_rows, self._streaming
        self.fit_info_ = {"rows": total, "seconds": round(time.perf_counter() - started, 3)}
        self._calls = 0
        return self

    def _train_buffers(self, buffers: Iterator[np.ndarray]) -> dict[str, float]:
        """One streamed epoch: each buffer in turn, losses averaged over the steps taken."""
        totals: dict[str, float] = {}
        taken = 0
        try:
            for buffer in buffers:
                left = self._stream_steps_left
                x = torch.as_tensor(buffer, dtype=torch.float32, device=self.device_)
                losses, steps = self._train_buffer(x, left)
                for key, value in losses.items():
                    totals[key] = totals.get(key, 0.0) + value * steps
                taken += steps
                if left is not None:
                    self._stream_steps_left = left - steps
                    if self._stream_steps_left <= 0:
                        break
        finally:
            close = getattr(buffers, "close", None)
            if close is not None:
                close()  # stop loading the epoch's remaining buffers
        return {key: value / max(taken, 1) for key, value in totals.items()}

    def _train_buffer(self, data: torch.Tensor, steps: int | None) -> tuple[dict[str, float], int]:
        """Minibatch steps over one streamed buffer (at most `steps`); the mean losses and
        the number of steps taken. Models that can train from streamed buffers define it."""
        raise ParameterError(f"{self.name} cannot train from streamed batches yet")

    def _token_counts(self) -> list[int]:
        """Each token column's number of tokens, as the transformer's encoders define them
        (streamed rows may hold tokens the pilot sample lacks)."""
        return [
            int(encoder.tokens)  # type: ignore[attr-defined]
            for column in self.transformer_.columns_.values()
            for encoder in column.encoders
            for _, activation, _ in encoder.layout()
            if activation == "token"
        ]

    def _train_loop(
        self, data: np.ndarray, run_epoch: Callable[[int, torch.Tensor], dict[str, float]]
    ) -> None:
        self.device_ = resolve_device(self.device)
        self.layout_ = OutputLayout(self.transformer_.blocks_, self.device_)
        self.streamed_ = bool(getattr(self, "_streaming", False))
        dtype = training_dtype(self.precision, self.device_)
        self.training_dtype_ = "float32" if dtype is None else str(dtype).removeprefix("torch.")
        self._compute_dtype = dtype
        autocast = (self.device_.type, dtype) if dtype is not None and self._autocast else None
        x = torch.zeros(0)

        def setup() -> int:
            nonlocal x
            # integer rows are tokens (`AutoRegressive._encode_rows`): kept as they are
            floats = None if np.issubdtype(data.dtype, np.integer) else torch.float32
            x = torch.as_tensor(data, dtype=floats, device=self.device_)
            self._build(x)
            if not self._epochs_read_encoded:
                x = torch.zeros(0)
            start = getattr(self, "_transfer", None)
            if start is not None:
                self._start_from(start)
            return self._epochs_planned()

        trainer = Trainer(
            self.name,
            rounds=0,
            verbose=self.verbose,
            seed=seeding.integer(self.seed, "torch"),
            threads=self.threads,
            autocast=autocast,
            stops_early=self._stops_early(),
            seconds=self._seconds_left(),
        )
        history = trainer.run(
            lambda epoch: run_epoch(epoch, x),
            stop=lambda: self._converged() or getattr(self, "_stream_steps_left", 1) == 0,
            setup=setup,
        )
        self.out_of_time_ = history.out_of_time
        self.history_ = {
            "epoch": np.arange(1, history.rounds + 1, dtype=np.float64),
            **{k: np.array(v, dtype=np.float64) for k, v in history.losses.items()},
            "seconds": np.array(history.seconds, dtype=np.float64),
            "cpu_seconds": np.array(history.cpu_seconds, dtype=np.float64),
        }
        if not history.rounds:
            self.history_ = {"epoch": np.zeros(0)}
        self._eval()
        self._release()

    @property
    def history(self) -> pd.DataFrame:
        """Per-epoch losses, wall and CPU seconds; plot with `syn.history.plot(x="epoch")`."""
        self._check_fitted()
        return pd.DataFrame(self.history_)

    def _build(self, data: torch.Tensor) -> None:
        raise NotImplementedError

    def _start_from(self, start: Transfer) -> None:
        """Set the networks just built to the base model's weights for the columns `start`
        shares (`transfer.py`); models that can (`_transfers`) define it."""
        raise ParameterError(f"{self.name} cannot start from a base model (init)")

    def _seconds_left(self) -> float | None:
        """What is left of `time_budget` since `fit` began (None: no budget)."""
        if self.time_budget is None:
            return None
        began = getattr(self, "_fit_began", None)
        spent = time.perf_counter() - began if began is not None else 0.0
        return max(float(self.time_budget) - spent, 0.0)

    def _setting(self, name: str) -> Any:
        """A parameter as given, or, when None, its default for this fit (`Param.auto`)."""
        value = getattr(self, name)
        auto = self._params[name].auto
        if value is not None or auto is None:
            return value
        plain, private = auto
        return private if getattr(self, "epsilon", None) is not None else plain

    def _stops_early(self) -> bool:
        """Whether training may end before its planned epochs (early stopping): the progress
        bar then shows its time left as a bound."""
        return False

    def _epochs_planned(self) -> int:
        """Passes the training loop runs at most: DP-SGD's plan, else `epochs`."""
        dp = getattr(self, "_dp", None)
        return dp.epochs_planned if dp is not None else int(self._setting("epochs"))

    # differential privacy ----------------------------------------------------------------
    def _dpsgd(
        self, module: torch.nn.Module, probe: Callable[[int], object], epochs_factor: int = 1
    ) -> DPSGD:
        """DP-SGD for `module` on the transformer's ledger: sample rate from the noisy row
        count, `epochs` (times `epochs_factor` updates per step) passes' worth of steps, or
        fewer when they would not fit `DP_SECONDS`: `probe(rows)` computes one step's
        clipped gradients for a batch of data-independent rows, timed before training."""
        transformer = self.transformer_
        batch = int(self._setting("batch_size"))
        if getattr(self, "batch_size", None) is None:  # the default: a quarter of the rows at most
            batch = min(batch, max(transformer.rows_ // 4, 16))
        return DPSGD(
            module,
            transformer.ledger_,
            rows=transformer.rows_,
            batch_size=batch,
            epochs=int(self._setting("epochs")) * epochs_factor,
            max_grad_norm=self.max_grad_norm,  # type: ignore[attr-defined]
            seconds_per_step=seconds_per_step(lambda: probe(batch)) * epochs_factor,
            time_budget=min(DP_SECONDS, self._seconds_left() or DP_SECONDS),
        )

    def _private_epoch(
        self,
        dp: DPSGD,
        rows: tuple[torch.Tensor, ...],
        gradients: Callable[..., None],
        after_step: Callable[[], None] | None = None,
    ) -> dict[str, float]:
        """One epoch's worth of DP-SGD steps (fewer when the budget runs out): a Poisson
        sample of `rows` (tensors indexed alike) per step, `gradients(*batch)` (which sets
        the noisy clipped gradients through `dp`), then `_opt`'s step. The history keeps the
        epsilon spent, not a loss: a loss on real rows is a statistic of them outside the
        mechanism, and the history is saved in the model file."""
        for _ in range(dp.steps_per_epoch):
            if dp.exhausted:
                break
            index = dp.batch(len(rows[0]), self.device_)
            if not len(index):
                dp.skip()
                continue
            gradients(*(t.index_select(0, index) for t in rows))
            self._opt.step()
            if after_step is not None:
                after_step()
        return {"epsilon_spent": dp.spent()}

    def _converged(self) -> bool:
        """Whether training should stop before `epochs`: a DP-SGD run (`_dp`) has spent its
        budget (models with early stopping add theirs)."""
        dp = getattr(self, "_dp", None)
        return dp is not None and dp.exhausted

    def _train_epoch(self, data: torch.Tensor) -> dict[str, float]:
        raise NotImplementedError

    def _release(self) -> None:
        """Drop training-only state (optimisers, data copies) once training is over."""
        for name in [k for k in vars(self) if k.startswith("_opt") or k in self._training_state]:
            delattr(self, name)

    def _eval(self) -> None:
        dp = getattr(self, "_dp", None)
        if dp is not None:  # DP-SGD: the budget spent and the accountant, kept in the file
            self.privacy_ = {**dp.record(), **self._privacy_notes()}
        for name in self._networks:
            getattr(self, name).eval()

    def _privacy_notes(self) -> dict[str, str]:
        """What a DP-SGD model adds to its privacy record (which parts saw the rows, how)."""
        return {}

    # sampling ----------------------------------------------------------------------------
    def _generate(self, n: int, conditions: Conditions, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        def generate(rows: int, gen_rng: np.random.Generator) -> np.ndarray:
            parts = []
            for start in range(0, rows, GENERATE_ROWS):
                parts.append(self._generate(min(GENERATE_ROWS, rows - start), conditions, gen_rng))
            return np.concatenate(parts) if len(parts) > 1 else parts[0]

        with torch.inference_mode(), torch_threads(self.threads):
            return sample_meeting(generate, n, conditions, rng)

    # state -------------------------------------------------------------------------------
    def _get_model_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {name: module_state(getattr(self, name)) for name in self._networks}
        state["history"] = self.history_
        state["training_precision"] = self.training_dtype_
        state["extra"] = self._extra_state()
        if getattr(self, "privacy_", None) is not None:
            state["privacy"] = self.privacy_  # DP: the spent budget and the accountant
        if self.streamed_:  # only then: a local fit's file is as it was before streaming
            state["streamed"] = True
        if getattr(self, "out_of_time_", False):  # only then, likewise
            state["out_of_time"] = True
        return state

    def _set_model_state(self, state: dict[str, Any]) -> None:
        self.device_ = resolve_device(self.device)
        self.layout_ = OutputLayout(self.transformer_.blocks_, self.device_)
        self._set_extra_state(state["extra"])
        self._make_networks(self.transformer_.width_)
        for name in self._networks:
            load_module_state(getattr(self, name), state[name])
            getattr(self, name).to(self.device_)
        self.history_ = {k: np.asarray(v, dtype=np.float64) for k, v in state["history"].items()}
        self.training_dtype_ = str(state["training_precision"])
        self.privacy_ = state.get("privacy")
        self.streamed_ = bool(state.get("streamed", False))
        self.out_of_time_ = bool(state.get("out_of_time", False))
        self._eval()

    def _make_networks(self, width: int) -> None:
        raise NotImplementedError

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        return None

    def _describe(self) -> dict[str, Any]:
        sizes = {
            name: int(sum(p.numel() for p in getattr(self, name).parameters()))
            for name in self._networks
        }
        # wall-clock seconds exist only in the session that trained (not in model files)
        seconds = self.history_.get("seconds", np.zeros(0))
        from .dp import privacy_summary

        privacy = privacy_summary(self, getattr(self, "privacy_", None))
        return {
            **({"privacy": privacy} if privacy is not None else {}),
            "encoded_width": self.transformer_.width_,
            "parameters": sizes,
            "device": str(self.device_),
            "training_precision": self.training_dtype_,
            **({"streamed": STREAMED} if self.streamed_ else {}),
            "epochs_trained": len(self.history_.get("epoch", ())),
            **(
                {"stopped": f"at the time budget ({self.time_budget:.1f} s for the whole fit)"}
                if getattr(self, "out_of_time_", False)
                else {}
            ),
            "seconds_per_epoch": round(float(np.median(seconds)), 4) if len(seconds) else None,
            "history": {
                name: {"first": round(float(v[0]), 4), "last": round(float(v[-1]), 4)}
                for name, v in self.history_.items()
                if name not in ("epoch", "seconds", "cpu_seconds") and len(v)
            },
            "one_hot": "categoricals one-hot with at most max_categories columns each; rarer "
            "categories share an 'other' column re-drawn from their empirical frequencies",
        }
